//! The sweeper: finds tickets whose clocks have a warning or a breach to tell (their alarm time
//! has come), locked with `SKIP LOCKED` so several workers never tell one twice.

use std::time::Duration;

use chrono::Utc;

use super::tickets::{derive, tell};
use crate::{repo, state::AppState};

const BATCH: i64 = 100;

/// Tells every alarm due now, batch by batch; returns how many events were raised.
pub async fn sweep(state: &AppState) -> anyhow::Result<usize> {
    let mut raised = 0;
    loop {
        let mut tx = state.pool.begin().await?;
        let alarms = repo::sla::claim_alarms(&mut tx, BATCH).await?;
        let claimed = alarms.len();
        let now = Utc::now();
        for alarm in alarms {
            let mut sla = alarm.sla.0;
            raised += tell(&mut tx, alarm.tenant_id, alarm.ticket_id, &mut sla, now).await?;
            let derived = derive(&sla);
            repo::sla::save(&mut tx, alarm.tenant_id, alarm.ticket_id, &sla, &derived).await?;
        }
        tx.commit().await?;
        if claimed < BATCH as usize {
            return Ok(raised);
        }
    }
}

/// Sweeps every second until the process ends.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(e) = sweep(&state).await {
                tracing::warn!(error = %e, "the SLA sweeper failed a round");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}
