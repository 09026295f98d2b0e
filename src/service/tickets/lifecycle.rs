//! Closing and reopening (contacts, in the portal), archiving and restoring (staff).

use super::{
    change::{closing_status, move_to_status, queue_statuses},
    conversation::write_note,
    history::{Entry, record},
    read::{load, visible},
    settle::contact_actor,
    types::{Actor, TicketDetails, Viewer},
};
use crate::{
    auth::Principal,
    domain::Tenant,
    error::{Error, Result},
    repo::{self},
    state::AppState,
};

/// A contact closes a ticket they may see, optionally saying why (the note becomes a comment).
/// The ticket moves to its queue's first closed status.
pub async fn close_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
    note: Option<String>,
) -> Result<TicketDetails> {
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    let before = visible(
        &mut tx,
        tenant.id,
        Viewer::Contact {
            id: contact,
            company_id,
        },
        ticket,
    )
    .await?;
    if before.row.is_closed {
        return Err(Error::state(
            "AlreadyClosed",
            "the ticket is already closed",
        ));
    }
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        write_note(&mut tx, tenant.id, ticket, &actor, &note, false, None).await?;
    }
    let statuses = queue_statuses(&mut tx, tenant.id, before.row.queue_id).await?;
    let closed = closing_status(&statuses)
        .ok_or_else(|| Error::state("NoClosedStatus", "the ticket's queue has no closed status"))?;
    move_to_status(&mut tx, tenant.id, ticket, closed, &actor).await?;
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

/// A contact reopens a closed ticket they may see: it returns to its queue's default status.
pub async fn reopen_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
) -> Result<TicketDetails> {
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    let before = visible(
        &mut tx,
        tenant.id,
        Viewer::Contact {
            id: contact,
            company_id,
        },
        ticket,
    )
    .await?;
    if !before.row.is_closed {
        return Err(Error::state("NotClosed", "the ticket is open"));
    }
    let statuses = queue_statuses(&mut tx, tenant.id, before.row.queue_id).await?;
    let default = statuses
        .iter()
        .find(|s| s.is_default)
        .ok_or_else(|| Error::validation("queueId", "the queue has no default status"))?;
    move_to_status(&mut tx, tenant.id, ticket, default, &actor).await?;
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

/// Archives (soft-deletes) or restores a ticket; answers it as it now is.
pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ticket: i32,
    archived: bool,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = load(&mut tx, tenant.id, ticket).await?;
    if before.row.archived_at.is_some() != archived {
        repo::tickets::set_archived(&mut tx, tenant.id, ticket, archived).await?;
        let kind = if archived { "archived" } else { "restored" };
        record(&mut tx, tenant.id, ticket, &actor, Entry::of(kind)).await?;
    }
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}
