//! Closing and reopening (contacts, in the portal), archiving and restoring (staff).

use super::{
    change::apply,
    conversation::write_note,
    history::record,
    read::{load, visible},
    settle::contact_actor,
    types::{Actor, TicketDetails, Viewer},
};
use crate::{
    auth::Principal,
    domain::Tenant,
    error::{Error, Kind, Result},
    repo::{self, tickets::TicketFields},
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
        return Err(Error::new(
            Kind::Conflict,
            "AlreadyClosed",
            "the ticket is already closed",
        ));
    }
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        write_note(&mut tx, tenant.id, ticket, &actor, &note, false, None).await?;
    }
    let statuses = repo::configuration::statuses::list(
        &mut tx,
        tenant.id,
        Some(&[before.row.queue_id]),
        false,
    )
    .await?;
    // "Closed" when the queue has it, else its first closed status that no approval uses.
    let closing =
        |s: &&repo::configuration::statuses::Status| s.is_closed && s.approval_role.is_none();
    let closed = statuses
        .iter()
        .filter(closing)
        .find(|s| s.name.eq_ignore_ascii_case("Closed"))
        .or_else(|| statuses.iter().find(closing))
        .ok_or_else(|| {
            Error::new(
                Kind::Conflict,
                "NoClosedStatus",
                "the ticket's queue has no closed status",
            )
        })?;
    let before = load(&mut tx, tenant.id, ticket).await?;
    let mut fields = TicketFields::of(&before.row);
    fields.status_id = closed.id;
    fields.is_closed = true;
    apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
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
        return Err(Error::new(
            Kind::Conflict,
            "NotClosed",
            "the ticket is open",
        ));
    }
    let statuses = repo::configuration::statuses::list(
        &mut tx,
        tenant.id,
        Some(&[before.row.queue_id]),
        false,
    )
    .await?;
    let default = statuses
        .iter()
        .find(|s| s.is_default)
        .ok_or_else(|| Error::validation("queueId", "the queue has no default status"))?;
    let mut fields = TicketFields::of(&before.row);
    fields.status_id = default.id;
    fields.is_closed = false;
    apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
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
        record(&mut tx, tenant.id, ticket, &actor, kind, None, None, None).await?;
    }
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}
