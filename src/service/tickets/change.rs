//! Changing tickets: replace, merge-patch (one ticket or up to a hundred at once), assign; each
//! change is checked against `If-Match` and recorded field by field.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{
    history::record,
    read::load,
    settle::{Draft, check_members, draft_from_input, settle},
    types::{Actor, MAX_BULK, Precondition, TicketDetails},
};
use crate::{
    auth::Principal,
    domain::{
        Tenant, TenantId,
        patch::Patch,
        tickets::{TicketInput, TicketPatch},
    },
    error::{Error, Kind, Result},
    repo::{self, tickets::TicketFields},
    service::validate,
    state::AppState,
};

pub(super) fn check_precondition(before: &TicketDetails, precondition: Precondition) -> Result<()> {
    let stale = match precondition {
        Precondition::None => false,
        Precondition::Version(v) => v != before.row.version,
        Precondition::Unmatchable => true,
    };
    if stale {
        return Err(Error::new(
            Kind::Stale,
            "PreconditionFailed",
            "the ticket changed since you read it (If-Match no longer matches); read it again",
        ));
    }
    Ok(())
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    id: i32,
    input: TicketInput,
    precondition: Precondition,
) -> Result<TicketDetails> {
    if !input.attachment_ids.is_empty() {
        return Err(Error::validation(
            "attachmentIds",
            "files are attached with a note, not by replacing the ticket",
        ));
    }
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = live_ticket(&mut tx, tenant.id, id).await?;
    check_precondition(&before, precondition)?;
    let (assignees, draft) = draft_from_input(&mut tx, tenant.id, input, false).await?;
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    apply(&mut tx, tenant.id, &before, fields, Some(assignees), &actor).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

pub async fn patch(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    id: i32,
    patch: TicketPatch,
    precondition: Precondition,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = live_ticket(&mut tx, tenant.id, id).await?;
    check_precondition(&before, precondition)?;
    patch_locked(&mut tx, tenant.id, &actor, &before, patch).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

/// Applies a merge patch to a ticket already locked and loaded as `before`.
pub(super) async fn patch_locked(
    conn: &mut PgConnection,
    tenant: TenantId,
    actor: &Actor,
    before: &TicketDetails,
    patch: TicketPatch,
) -> Result<()> {
    let current = TicketFields::of(&before.row);
    let queue_id = validate::not_cleared(patch.queue_id, current.queue_id, "queueId")?;
    // A new queue without a status starts at that queue's default status.
    let status_id = match patch.status_id {
        Patch::Value(s) => Some(s),
        Patch::Null => {
            return Err(Error::validation("statusId", "statusId cannot be cleared"));
        }
        Patch::Absent if queue_id != current.queue_id => None,
        Patch::Absent => Some(current.status_id),
    };
    let mut custom_fields = current
        .custom_fields
        .as_object()
        .cloned()
        .unwrap_or_default();
    match patch.custom_fields {
        Patch::Value(changes) => {
            for (key, value) in changes {
                custom_fields.insert(key, value);
            }
        }
        Patch::Null => custom_fields.clear(),
        Patch::Absent => {}
    }
    let draft = Draft {
        summary: validate::not_cleared(patch.summary, current.summary, "summary")?,
        description: patch
            .description
            .apply(Some(current.description))
            .unwrap_or_default(),
        request_type_id: patch.request_type_id.apply(current.request_type_id),
        queue_id: Some(queue_id),
        status_id,
        priority_id: Some(validate::not_cleared(
            patch.priority_id,
            current.priority_id,
            "priorityId",
        )?),
        source_id: patch.source_id.apply(current.source_id),
        category_ids: patch
            .category_ids
            .apply(Some(current.category_ids))
            .unwrap_or_default(),
        tags: patch.tags.apply(Some(current.tags)).unwrap_or_default(),
        custom_fields,
        contact_id: validate::not_cleared(patch.contact_id, current.contact_id, "contactId")?,
        contact_group_id: patch.contact_group_id.apply(current.contact_group_id),
    };
    let fields = settle(conn, tenant, draft).await?;
    let assignees = match patch.assigned_member_ids {
        Patch::Absent => None,
        p => Some(check_members(conn, tenant, p.apply(None).unwrap_or_default()).await?),
    };
    apply(conn, tenant, before, fields, assignees, actor).await
}

/// Changes up to 100 tickets with one merge patch, all or none: the first ticket that cannot take
/// the change fails the whole request, naming the field and the ticket.
pub async fn bulk_patch(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ids: &[i32],
    patch: TicketPatch,
) -> Result<Vec<TicketDetails>> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(Error::bad_request(
            "ticketIds",
            format!("give 1 to {MAX_BULK} ticket ids"),
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    // Locked in id order, so two bulk updates cannot deadlock.
    for id in &ids {
        let before = match live_ticket(&mut tx, tenant.id, *id).await {
            Err(e) if e.is(Kind::NotFound) => {
                return Err(Error::validation(
                    "ticketIds",
                    format!("no such ticket: {id}"),
                ));
            }
            other => other?,
        };
        patch_locked(&mut tx, tenant.id, &actor, &before, patch.clone())
            .await
            .map_err(|e| Error {
                message: format!("ticket {id}: {}", e.message),
                ..e
            })?;
    }
    let mut updated = Vec::with_capacity(ids.len());
    for id in &ids {
        updated.push(load(&mut tx, tenant.id, *id).await?);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Locks a live ticket for a change (until the transaction ends) and loads it.
pub async fn live_ticket(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<TicketDetails> {
    repo::tickets::lock(conn, tenant, id)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let details = load(conn, tenant, id).await?;
    if details.row.archived_at.is_some() {
        return Err(Error::new(
            Kind::Conflict,
            "Archived",
            "this ticket is archived; restore it before changing it",
        ));
    }
    Ok(details)
}

/// Writes the new fields and assignees, and records what changed, from what, to what.
pub(super) async fn apply(
    conn: &mut PgConnection,
    tenant: TenantId,
    before: &TicketDetails,
    fields: TicketFields,
    assignees: Option<Vec<i32>>,
    actor: &Actor,
) -> Result<()> {
    let id = before.row.id;
    let old_fields = TicketFields::of(&before.row);
    let old_assignees: Vec<i32> = before.assignees.iter().map(|a| a.id).collect();
    if fields == old_fields
        && assignees
            .as_ref()
            .is_none_or(|a| same_set(a, &old_assignees))
    {
        return Ok(());
    }
    repo::tickets::update(conn, tenant, id, &fields).await?;
    if let Some(assignees) = &assignees {
        repo::tickets::set_assignees(conn, tenant, id, assignees).await?;
    }
    let after = load(conn, tenant, id).await?;
    for (field, old, new) in changes(before, &after) {
        record(
            conn,
            tenant,
            id,
            actor,
            "field_changed",
            Some(field),
            Some(old),
            Some(new),
        )
        .await?;
    }
    if before.row.is_closed != after.row.is_closed {
        let kind = if after.row.is_closed {
            "closed"
        } else {
            "reopened"
        };
        record(conn, tenant, id, actor, kind, None, None, None).await?;
    }
    for added in after
        .assignees
        .iter()
        .filter(|a| !old_assignees.contains(&a.id))
    {
        record(
            conn,
            tenant,
            id,
            actor,
            "assigned",
            Some("assignedAgents"),
            None,
            Some(json!(added)),
        )
        .await?;
    }
    for removed in before
        .assignees
        .iter()
        .filter(|a| !after.assignees.iter().any(|b| b.id == a.id))
    {
        record(
            conn,
            tenant,
            id,
            actor,
            "unassigned",
            Some("assignedAgents"),
            Some(json!(removed)),
            None,
        )
        .await?;
    }
    Ok(())
}

/// The fields that differ between two states of a ticket, as API names and shown values.
pub(super) fn changes(
    before: &TicketDetails,
    after: &TicketDetails,
) -> Vec<(&'static str, Value, Value)> {
    let (b, a) = (&before.row, &after.row);
    let reference = |id: Option<i32>, name: &Option<String>| match (id, name) {
        (Some(id), Some(name)) => json!({"id": id, "name": name}),
        _ => Value::Null,
    };
    let candidates = [
        ("summary", json!(b.summary), json!(a.summary)),
        ("description", json!(b.description), json!(a.description)),
        (
            "requestType",
            reference(b.request_type_id, &b.request_type_name),
            reference(a.request_type_id, &a.request_type_name),
        ),
        (
            "queue",
            json!({"id": b.queue_id, "name": b.queue_name}),
            json!({"id": a.queue_id, "name": a.queue_name}),
        ),
        (
            "status",
            json!({"id": b.status_id, "name": b.status_name}),
            json!({"id": a.status_id, "name": a.status_name}),
        ),
        (
            "priority",
            json!({"id": b.priority_id, "name": b.priority_name}),
            json!({"id": a.priority_id, "name": a.priority_name}),
        ),
        (
            "source",
            reference(b.source_id, &b.source_name),
            reference(a.source_id, &a.source_name),
        ),
        (
            "categories",
            json!(before.categories),
            json!(after.categories),
        ),
        ("tags", json!(b.tags), json!(a.tags)),
        (
            "customFields",
            b.custom_fields.0.clone(),
            a.custom_fields.0.clone(),
        ),
        (
            "contact",
            json!({"id": b.contact_id, "name": b.contact_name}),
            json!({"id": a.contact_id, "name": a.contact_name}),
        ),
        (
            "contactGroup",
            reference(b.contact_group_id, &b.contact_group_name),
            reference(a.contact_group_id, &a.contact_group_name),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .collect()
}

pub(super) fn same_set(a: &[i32], b: &[i32]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// Adds one member to a ticket's assignees, or takes one away.
pub async fn set_assigned(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ticket: i32,
    member: i32,
    assigned: bool,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = live_ticket(&mut tx, tenant.id, ticket).await?;
    let mut assignees: Vec<i32> = before.assignees.iter().map(|a| a.id).collect();
    if assigned {
        assignees.push(member);
    } else if !assignees.contains(&member) {
        return Err(Error::not_found("assignee"));
    } else {
        assignees.retain(|m| *m != member);
    }
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    let fields = TicketFields::of(&before.row);
    apply(&mut tx, tenant.id, &before, fields, Some(assignees), &actor).await?;
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}
