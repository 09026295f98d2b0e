//! Whether the database answers, as a prober on a connection of its own sees it four times a
//! second (refused or broken: down at once; no answer within a second: down on the second such
//! probe). While it does not, requests fail at once with 503 `DatabaseUnavailable` (and those
//! already waiting for it are answered so too) instead of each waiting out the pool's timeout, and
//! `/ready` answers from it without a round trip.

use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::watch;

/// How often the prober asks, and how long an answer (or a connection) may take.
const EVERY: Duration = Duration::from_millis(250);
const WITHIN: Duration = Duration::from_secs(1);

pub struct DbHealth {
    up: watch::Sender<bool>,
}

impl Default for DbHealth {
    fn default() -> Self {
        Self {
            up: watch::channel(true).0,
        }
    }
}

impl DbHealth {
    pub fn is_up(&self) -> bool {
        *self.up.borrow()
    }

    fn mark(&self, up: bool) {
        let changed = self.up.send_if_modified(|now| {
            let changed = *now != up;
            *now = up;
            changed
        });
        if changed {
            if up {
                tracing::info!("the database answers again");
            } else {
                tracing::warn!("the database does not answer: requests get 503 until it does");
            }
        }
    }

    /// Resolves once the database is seen down (at once if it is).
    pub async fn down(&self) {
        let mut seen = self.up.subscribe();
        let _ = seen.wait_for(|up| !*up).await;
    }

    /// Asks the database forever, on a connection apart from the pool (a full pool is not an
    /// outage), reconnecting as needed.
    pub fn spawn_prober(self: &std::sync::Arc<Self>, pool: &PgPool) {
        let (health, options) = (std::sync::Arc::clone(self), pool.connect_options());
        tokio::spawn(async move {
            let mut conn: Option<PgConnection> = None;
            let mut slow = 0;
            loop {
                let answered = tokio::time::timeout(WITHIN, async {
                    if conn.is_none() {
                        conn = Some(PgConnection::connect_with(&options).await?);
                    }
                    conn.as_mut().expect("connected above").ping().await
                })
                .await;
                // A refused or broken connection is an outage at once; a database merely slow to
                // answer (a busy machine) only after two probes in a row.
                let up = match answered {
                    Ok(Ok(())) => {
                        slow = 0;
                        true
                    }
                    Ok(Err(_)) => false,
                    Err(_) => {
                        slow += 1;
                        slow < 2
                    }
                };
                if answered.as_ref().map_or(true, |r| r.is_err()) {
                    // A broken or timed-out connection is not asked again.
                    conn = None;
                }
                health.mark(up);
                tokio::time::sleep(EVERY).await;
            }
        });
    }
}
