//! Cross-instance signals over PostgreSQL LISTEN/NOTIFY: when one instance changes a tenant or
//! revokes a credential, every instance drops what it had cached about it.

use std::time::Duration;

use sqlx::{PgPool, postgres::PgListener};

const CHANNEL: &str = "deskd_invalidate";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A tenant's record or domains changed.
    Tenant(i64),
    /// A credential, a person, or a company changed in this tenant: cached principals and profiles go.
    Credentials(i64),
    /// The tenant's portal branding changed.
    Branding(i64),
    /// The tenant's service configuration (priorities, sources, …) changed.
    Configuration(i64),
}

impl Signal {
    fn encode(self) -> String {
        match self {
            Signal::Tenant(id) => format!("tenant:{id}"),
            Signal::Credentials(id) => format!("credentials:{id}"),
            Signal::Branding(id) => format!("branding:{id}"),
            Signal::Configuration(id) => format!("configuration:{id}"),
        }
    }

    fn decode(payload: &str) -> Option<Self> {
        let (kind, id) = payload.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "tenant" => Some(Signal::Tenant(id)),
            "credentials" => Some(Signal::Credentials(id)),
            "branding" => Some(Signal::Branding(id)),
            "configuration" => Some(Signal::Configuration(id)),
            _ => None,
        }
    }
}

pub async fn publish(pool: &PgPool, signal: Signal) -> Result<(), sqlx::Error> {
    sqlx::query(crate::sql!("SELECT pg_notify($1, $2)"))
        .bind(CHANNEL)
        .bind(signal.encode())
        .execute(pool)
        .await?;
    Ok(())
}

/// Listens for signals for as long as the process lives, reconnecting after failures.
pub fn spawn_listener(pool: PgPool, apply: impl Fn(Signal) + Send + Sync + 'static) {
    tokio::spawn(async move {
        loop {
            match listen(&pool, &apply).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "invalidation listener lost its connection; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

async fn listen(pool: &PgPool, apply: &(impl Fn(Signal) + Send + Sync)) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    loop {
        let notification = listener.recv().await?;
        if let Some(signal) = Signal::decode(notification.payload()) {
            apply(signal);
        }
    }
}
