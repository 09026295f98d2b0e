//! Reading sessions: one, and the history.

use super::session::{Participant, load, load_for};
use crate::{
    domain::{Tenant, chats::ChatSession},
    error::Result,
    repo::{self, Slice, chats::SessionFilter},
    state::AppState,
};

pub async fn get(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
) -> Result<ChatSession> {
    let mut conn = state.pool.acquire().await?;
    Ok(load_for(&mut conn, tenant, id, who, false).await?.view)
}

/// History: the sessions `filter` picks, newest first.
pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    filter: &SessionFilter<'_>,
    skip: i64,
    take: i64,
) -> Result<Slice<ChatSession>> {
    let slice = repo::chats::list_sessions(&state.pool, tenant.id, filter, skip, take).await?;
    let mut conn = state.pool.acquire().await?;
    let mut rows = Vec::with_capacity(slice.rows.len());
    for row in slice.rows {
        rows.push(load(&mut conn, tenant, &row.id, false).await?.view);
    }
    Ok(Slice {
        rows,
        total: slice.total,
    })
}
