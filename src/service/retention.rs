//! The retention job: every hour each `deskd serve` and `deskd worker` removes what would
//! otherwise grow without bound, oldest first, a thousand rows a statement with a pause between
//! (no lock is held for long, and instances doing it at once only share the work):
//!
//! | what | kept |
//! |---|---|
//! | events (change feed, event history) | `DESKD_RETAIN_EVENTS_DAYS`, 90 days |
//! | finished webhook deliveries and their attempts | `DESKD_RETAIN_DELIVERIES_DAYS`, 30 days |
//! | sent or failed mail, the received-mail log | `DESKD_RETAIN_MAIL_DAYS`, 90 days |
//! | expired or revoked sessions | 7 days after |
//! | one-time login codes | 1 day after they expire |
//! | idempotency records | 2 days (they replay for 24 hours) |
//! | failed sign-in attempts | 1 hour (the throttle looks back a minute) |
//! | attachment bytes no attachment names, interrupted uploads | 1 day |
//!
//! Pending deliveries and mail are never removed, whatever their age.

use std::time::Duration;

use crate::{
    repo::{self, retention::Kept},
    state::AppState,
};

const EVERY: Duration = Duration::from_secs(3600);
const BATCH: i64 = 1000;
const PAUSE: Duration = Duration::from_millis(50);
const DAY: f64 = 86_400.0;
/// Bytes written this long ago without an attachment naming them are an upload that failed.
const ORPHANED_AFTER: Duration = Duration::from_secs(86_400);

pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(EVERY);
        loop {
            every.tick().await;
            match run(&state).await {
                Ok(removed) if removed > 0 => {
                    tracing::info!(removed, "retention removed old records")
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the retention job failed; it runs again in an hour")
                }
            }
        }
    });
}

/// One pass over every kind of record; answers how many rows and files went.
pub async fn run(state: &AppState) -> anyhow::Result<u64> {
    let days = &state.config.retention;
    let windows = [
        (Kept::Events, f64::from(days.events_days) * DAY),
        (Kept::Deliveries, f64::from(days.deliveries_days) * DAY),
        (Kept::Mail, f64::from(days.mail_days) * DAY),
        (Kept::InboundMail, f64::from(days.mail_days) * DAY),
        (Kept::Sessions, 7.0 * DAY),
        (Kept::LoginCodes, DAY),
        (Kept::IdempotencyKeys, 2.0 * DAY),
        (Kept::LoginFailures, 3600.0),
    ];
    let mut removed = 0;
    for (kept, window) in windows {
        loop {
            let n = repo::retention::prune(&state.pool, kept, window, BATCH).await?;
            removed += n;
            if n < BATCH as u64 {
                break;
            }
            tokio::time::sleep(PAUSE).await;
        }
    }
    Ok(removed + orphaned_files(state).await?)
}

/// Removes bytes on disk that no attachment names (an upload whose request failed after writing
/// them) and temporary files an interrupted upload left.
async fn orphaned_files(state: &AppState) -> anyhow::Result<u64> {
    let (stored, temporary) = state.files.older_than(ORPHANED_AFTER).await?;
    let mut removed = 0;
    let mut conn = state.pool.acquire().await?;
    for (tenant, sha256) in stored {
        if repo::attachments::is_used(&mut conn, tenant, &sha256).await? {
            continue;
        }
        let path = state.files.path(tenant, &sha256);
        // The same bytes uploaded again meanwhile make the file fresh: keep it then.
        let still_old = tokio::fs::metadata(&path)
            .await
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|e| e > ORPHANED_AFTER);
        if still_old && tokio::fs::remove_file(&path).await.is_ok() {
            removed += 1;
        }
    }
    for path in temporary {
        if tokio::fs::remove_file(&path).await.is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}
