//! Approvals: tickets of request types that need one wait for an approver of their company.

use sqlx::PgConnection;

use super::{
    change::{move_to_status, queue_statuses},
    conversation::write_note,
    history::{Entry, record},
    read::{load, visible, with_references},
    settle::contact_actor,
    types::{TicketDetails, Viewer},
};
use crate::{
    domain::{Tenant, TenantId, configuration::ApprovalRole},
    error::{Error, Result},
    repo::{self},
    state::AppState,
};

pub(super) async fn is_approver(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
) -> Result<bool> {
    Ok(repo::contacts::get(&mut *conn, tenant, contact)
        .await?
        .is_some_and(|c| c.is_approver && c.archived_at.is_none()))
}

/// Tickets waiting for this approver: their company's, except those of groups they do not manage.
pub async fn pending_approvals(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
) -> Result<Vec<TicketDetails>> {
    let mut conn = state.pool.acquire().await?;
    if !is_approver(&mut conn, tenant.id, contact).await? {
        return Err(Error::forbidden("you are not an approver"));
    }
    let (_, managed) = repo::tickets::contact_reach(&mut conn, tenant.id, contact).await?;
    let rows = repo::tickets::pending_approval(&mut conn, tenant.id, company_id, &managed).await?;
    with_references(&mut conn, tenant.id, rows).await
}

/// An approver grants or declines a ticket awaiting approval. The reason (required to decline)
/// becomes a comment; the ticket moves to its queue's "approval granted" or "declined" status.
pub async fn decide_approval(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
    grant: bool,
    reason: Option<String>,
) -> Result<TicketDetails> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if !grant && reason.is_none() {
        return Err(Error::validation(
            "reason",
            "say why the request is declined",
        ));
    }
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    let before = awaiting_decision(&mut tx, tenant.id, contact, company_id, ticket).await?;
    if let Some(reason) = &reason {
        write_note(&mut tx, tenant.id, ticket, &actor, reason, false, None).await?;
    }
    let (outcome, role) = if grant {
        ("granted", ApprovalRole::Granted)
    } else {
        ("declined", ApprovalRole::Declined)
    };
    repo::tickets::set_approval(&mut tx, tenant.id, ticket, outcome).await?;
    let kind = format!("approval_{outcome}");
    record(&mut tx, tenant.id, ticket, &actor, Entry::of(&kind)).await?;
    let statuses = queue_statuses(&mut tx, tenant.id, before.row.queue_id).await?;
    if let Some(status) = statuses.iter().find(|s| s.approval_role == Some(role)) {
        move_to_status(&mut tx, tenant.id, ticket, status, &actor).await?;
    }
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

/// The ticket, locked, when this contact may decide on it now: it awaits approval, and they are an
/// approver of its company (and, for a group's ticket, manage that group).
async fn awaiting_decision(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company_id: i32,
    ticket: i32,
) -> Result<TicketDetails> {
    repo::tickets::lock(conn, tenant, ticket)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let viewer = Viewer::Contact {
        id: contact,
        company_id,
    };
    let before = visible(conn, tenant, viewer, ticket).await?;
    let (_, managed) = repo::tickets::contact_reach(conn, tenant, contact).await?;
    let row = &before.row;
    let may_decide = row.company_id == company_id
        && row.contact_group_id.is_none_or(|g| managed.contains(&g))
        && is_approver(conn, tenant, contact).await?;
    if !may_decide {
        return Err(Error::forbidden(
            "only an approver of this ticket's company (or group) may decide on it",
        ));
    }
    if row.approval.as_deref() != Some("pending") {
        return Err(Error::state(
            "NotAwaitingApproval",
            "this ticket is not awaiting approval",
        ));
    }
    Ok(before)
}
