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

/// Listens for signals for as long as the process lives, reconnecting after failures. Returns
/// once the first `LISTEN` is in place (or after 5 s without), so a change made after it returns is
/// heard.
pub async fn spawn_listener(pool: PgPool, apply: impl Fn(Signal) + Send + Sync + 'static) {
    let (listening, listened) = tokio::sync::oneshot::channel();
    let mut listening = Some(listening);
    tokio::spawn(async move {
        loop {
            match listen(&pool, &apply, &mut listening).await {
                Ok(()) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "invalidation listener lost its connection; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    let _ = tokio::time::timeout(Duration::from_secs(5), listened).await;
}

async fn listen(
    pool: &PgPool,
    apply: &(impl Fn(Signal) + Send + Sync),
    listening: &mut Option<tokio::sync::oneshot::Sender<()>>,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    if let Some(listening) = listening.take() {
        let _ = listening.send(());
    }
    loop {
        let notification = listener.recv().await?;
        if let Some(signal) = Signal::decode(notification.payload()) {
            apply(signal);
        }
    }
}
