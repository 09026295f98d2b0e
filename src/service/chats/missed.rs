//! Missed chats: requests nobody handled within the tenant's wait are marked missed, by
//! whichever instance gets there first.

use std::time::Duration;

use super::session::{CHAT_STATUS_CHANGED, announce};
use crate::{
    domain::Tenant,
    error::{Error, Result},
    repo::{self, tenants},
    state::AppState,
};

pub async fn missed_after(state: &AppState, tenant: &Tenant) -> Result<i32> {
    Ok(repo::chats::missed_after(&state.pool, tenant.id).await?)
}

pub async fn set_missed_after(state: &AppState, tenant: &Tenant, secs: i32) -> Result<i32> {
    if !(1..=86_400).contains(&secs) {
        return Err(Error::validation(
            "missedAfterSeconds",
            "between 1 and 86400 seconds",
        ));
    }
    repo::chats::set_missed_after(&state.pool, tenant.id, secs).await?;
    Ok(secs)
}

/// Marks missed, once a second, the requests that waited too long, and announces each.
pub fn spawn_missed_sweeper(state: AppState) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Err(e) = sweep_missed(&state).await {
                tracing::warn!(error = %e.message, "chat missed sweep failed");
            }
        }
    });
}

/// One transaction per session, so one that fails does not hold back the others.
pub(super) async fn sweep_missed(state: &AppState) -> Result<()> {
    for _ in 0..1000 {
        let mut tx = state.pool.begin().await?;
        let Some((tenant_id, id)) = repo::chats::claim_missed(&mut tx).await? else {
            return Ok(());
        };
        if let Some(tenant) = tenants::find_by_id(&mut tx, tenant_id).await? {
            announce(&mut tx, &tenant, &id, Some(CHAT_STATUS_CHANGED)).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
