//! Domain events, written in the same transaction as the change they describe, and the change feed
//! integrators page through to sync without webhooks.

use serde_json::{Value, json};
use sqlx::PgConnection;

use crate::{
    domain::{Tenant, TenantId},
    error::{Error, Result},
    repo::{
        self,
        companies::Company,
        contacts::Contact,
        events::{EventRow, NewEvent},
    },
    state::AppState,
};

/// The most events one feed page holds.
pub const MAX_PAGE: i64 = 1000;

/// Every event type, for documentation and validation.
pub const TYPES: &[&str] = &[
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.assigned",
    "ticket.unassigned",
    "ticket.closed",
    "ticket.reopened",
    "ticket.note_added",
    "ticket.approval_requested",
    "ticket.approval_granted",
    "ticket.approval_declined",
    "ticket.merged",
    "ticket.archived",
    "ticket.restored",
    "ticket.sla_warning",
    "ticket.sla_breached",
    // Surveys are about a ticket: their entity is the ticket, like the ticket events'.
    "survey.sent",
    "survey.responded",
    // A form result: about its ticket when it came with one, else about the result itself.
    "form.submitted",
    "contact.created",
    "contact.updated",
    "contact.login_code_requested",
    "company.created",
    "company.updated",
    // Chat events keep DeskDirector's names; their payload is a `ChatSession`.
    "New Chat Session",
    "Chat Session Status Changed",
];

/// `ticket.status_changed` → `Ticket status changed`, for pickers.
pub fn describe(event_type: &str) -> String {
    let words = event_type.replace(['.', '_'], " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The event(s) one entry of a ticket's history stands for. A field change is `ticket.updated`,
/// and a status change is also `ticket.status_changed`.
pub fn ticket_event_types(activity: &str, field: Option<&str>) -> Vec<&'static str> {
    match activity {
        "created" => vec!["ticket.created"],
        "field_changed" if field == Some("status") => {
            vec!["ticket.updated", "ticket.status_changed"]
        }
        "field_changed" => vec!["ticket.updated"],
        "assigned" => vec!["ticket.assigned"],
        "unassigned" => vec!["ticket.unassigned"],
        "closed" => vec!["ticket.closed"],
        "reopened" => vec!["ticket.reopened"],
        "note_added" => vec!["ticket.note_added"],
        "approval_requested" => vec!["ticket.approval_requested"],
        "approval_granted" => vec!["ticket.approval_granted"],
        "approval_declined" => vec!["ticket.approval_declined"],
        "merged_into" => vec!["ticket.merged"],
        "archived" => vec!["ticket.archived"],
        "restored" => vec!["ticket.restored"],
        "survey_sent" => vec!["survey.sent"],
        "survey_responded" => vec!["survey.responded"],
        // The survivor of a merge records `merged_from`; the merged ticket's event covers both.
        _ => vec![],
    }
}

pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    entity_type: &str,
    entity_id: String,
    payload: Value,
) -> Result<()> {
    let event = NewEvent {
        kind,
        entity_type,
        entity_id,
        payload,
    };
    Ok(repo::events::insert(conn, tenant, &event).await?)
}

pub async fn contact_changed(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    c: &Contact,
) -> Result<()> {
    let payload = json!({
        "id": c.id, "firstName": c.first_name, "lastName": c.last_name, "email": c.email,
        "companyId": c.company_id, "isArchived": c.archived_at.is_some(), "modifiedOn": c.updated_at,
    });
    record(conn, tenant, kind, "contact", c.id.to_string(), payload).await
}

pub async fn company_changed(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
    c: &Company,
) -> Result<()> {
    let payload = json!({
        "id": c.id, "name": c.name, "identifier": c.identifier,
        "isArchived": c.archived_at.is_some(), "modifiedOn": c.updated_at,
    });
    record(conn, tenant, kind, "company", c.id.to_string(), payload).await
}

/// An opaque position in the feed: `{xid}-{seq}` of the last event read; empty is the start.
pub fn parse_cursor(cursor: Option<&str>) -> Result<(i64, i64)> {
    let Some(cursor) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok((0, 0));
    };
    cursor
        .split_once('-')
        .and_then(|(xid, seq)| Some((xid.parse().ok()?, seq.parse().ok()?)))
        .filter(|(xid, seq): &(i64, i64)| *xid >= 0 && *seq >= 0)
        .ok_or_else(|| Error::bad_request("after", "not a cursor this feed gave out"))
}

pub fn cursor_of(event: &EventRow) -> String {
    format!("{}-{}", event.xid, event.seq)
}

/// The next page of the tenant's events after `after`.
pub async fn feed(
    state: &AppState,
    tenant: &Tenant,
    after: (i64, i64),
    limit: i64,
) -> Result<(Vec<EventRow>, bool)> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::bad_request(
            "limit",
            format!("limit must be between 1 and {MAX_PAGE}"),
        ));
    }
    Ok(repo::events::after(&state.pool, tenant.id, after, limit).await?)
}
