//! Merging a ticket into another: the conversation, files and task lists move to the survivor.

use serde_json::json;
use sqlx::PgConnection;

use super::{
    change::{closing_status, live_ticket, move_to_status, queue_statuses},
    history::{Entry, record},
    read::load,
    types::{Actor, TicketDetails},
};
use crate::{
    auth::Principal,
    domain::{Tenant, TenantId},
    error::{Error, Kind, Result},
    repo::{self},
    state::AppState,
};

/// Merges `source` into `target`: the notes move to the target, the source closes (in its queue's
/// first closed status) and points to the survivor; both histories say so.
pub async fn merge(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    source: i32,
    target: i32,
) -> Result<TicketDetails> {
    if source == target {
        return Err(Error::validation(
            "intoTicketId",
            "a ticket cannot be merged into itself",
        ));
    }
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let (from, into) = pair(&mut tx, tenant.id, source, target).await?;
    repo::tickets::merge(&mut tx, tenant.id, source, target).await?;
    repo::attachments::move_to_ticket(&mut tx, tenant.id, source, target).await?;
    let into_entry = json!({"id": target, "name": into.row.summary});
    let into_entry = Entry::new("merged_into", None, None, Some(into_entry));
    record(&mut tx, tenant.id, source, &actor, into_entry).await?;
    let from_entry = json!({"id": source, "name": from.row.summary});
    let from_entry = Entry::new("merged_from", None, None, Some(from_entry));
    record(&mut tx, tenant.id, target, &actor, from_entry).await?;
    if !from.row.is_closed {
        let statuses = queue_statuses(&mut tx, tenant.id, from.row.queue_id).await?;
        if let Some(closed) = closing_status(&statuses) {
            move_to_status(&mut tx, tenant.id, source, closed, &actor).await?;
        }
    }
    let survivor = load(&mut tx, tenant.id, target).await?;
    tx.commit().await?;
    Ok(survivor)
}

/// Both tickets, locked in id order (so two merges of the same pair cannot deadlock), when the
/// source may be merged into the target: neither was merged already.
async fn pair(
    conn: &mut PgConnection,
    tenant: TenantId,
    source: i32,
    target: i32,
) -> Result<(TicketDetails, TicketDetails)> {
    let (first, second) = (source.min(target), source.max(target));
    let a = live_ticket(conn, tenant, first).await;
    let b = live_ticket(conn, tenant, second).await;
    let (from, into) = if first == source { (a?, b) } else { (b?, a) };
    let into = into.map_err(|e| {
        if e.is(Kind::NotFound) {
            Error::validation("intoTicketId", "no such ticket")
        } else {
            e
        }
    })?;
    if from.row.merged_into.is_some() {
        return Err(Error::state(
            "AlreadyMerged",
            "this ticket was already merged",
        ));
    }
    if into.row.merged_into.is_some() {
        return Err(Error::validation(
            "intoTicketId",
            "that ticket was itself merged into another",
        ));
    }
    Ok((from, into))
}
