//! Approvals: tickets of request types that need one wait for an approver of their company.

use sqlx::PgConnection;

use super::{
    change::apply,
    conversation::write_note,
    history::record,
    read::{load, visible, with_references},
    settle::contact_actor,
    types::{TicketDetails, Viewer},
};
use crate::{
    domain::{Tenant, TenantId},
    error::{Error, Kind, Result},
    repo::{self, tickets::TicketFields},
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
    repo::tickets::lock(&mut tx, tenant.id, ticket)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
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
    let (_, managed) = repo::tickets::contact_reach(&mut tx, tenant.id, contact).await?;
    let may_decide = before.row.company_id == company_id
        && before
            .row
            .contact_group_id
            .is_none_or(|g| managed.contains(&g))
        && is_approver(&mut tx, tenant.id, contact).await?;
    if !may_decide {
        return Err(Error::forbidden(
            "only an approver of this ticket's company (or group) may decide on it",
        ));
    }
    if before.row.approval.as_deref() != Some("pending") {
        return Err(Error::new(
            Kind::Conflict,
            "NotAwaitingApproval",
            "this ticket is not awaiting approval",
        ));
    }
    if let Some(reason) = &reason {
        write_note(&mut tx, tenant.id, ticket, &actor, reason, false, None).await?;
    }
    let (outcome, role) = if grant {
        (
            "granted",
            crate::domain::configuration::ApprovalRole::Granted,
        )
    } else {
        (
            "declined",
            crate::domain::configuration::ApprovalRole::Declined,
        )
    };
    repo::tickets::set_approval(&mut tx, tenant.id, ticket, outcome).await?;
    record(
        &mut tx,
        tenant.id,
        ticket,
        &actor,
        &format!("approval_{outcome}"),
        None,
        None,
        None,
    )
    .await?;
    let statuses = repo::configuration::statuses::list(
        &mut tx,
        tenant.id,
        Some(&[before.row.queue_id]),
        false,
    )
    .await?;
    if let Some(status) = statuses.iter().find(|s| s.approval_role == Some(role)) {
        let before = load(&mut tx, tenant.id, ticket).await?;
        let mut fields = TicketFields::of(&before.row);
        fields.status_id = status.id;
        fields.is_closed = status.is_closed;
        apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
    }
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}
