//! Changing tickets: replace, merge-patch (one ticket or up to a hundred at once), assign; each
//! change is checked against `If-Match` and recorded field by field.

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{
    history::{Entry, record},
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
    repo::{self, configuration::statuses::Status, tickets::TicketFields},
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
    if input.form_answers.is_some() {
        return Err(Error::validation(
            "formAnswers",
            "a form is answered when the ticket is created",
        ));
    }
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
    let assignees = patch.assigned_member_ids.clone();
    let draft = patched(TicketFields::of(&before.row), patch)?;
    let fields = settle(conn, tenant, draft).await?;
    let assignees = match assignees {
        Patch::Absent => None,
        p => Some(check_members(conn, tenant, p.apply(None).unwrap_or_default()).await?),
    };
    apply(conn, tenant, before, fields, assignees, actor).await
}

/// The current fields with the patch applied, to be checked. Required fields cannot be cleared;
/// a new queue without a status starts at that queue's default; custom fields merge by key.
fn patched(current: TicketFields, patch: TicketPatch) -> Result<Draft> {
    let queue_id = validate::not_cleared(patch.queue_id, current.queue_id, "queueId")?;
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
        Patch::Value(changes) => custom_fields.extend(changes),
        Patch::Null => custom_fields.clear(),
        Patch::Absent => {}
    }
    let priority = validate::not_cleared(patch.priority_id, current.priority_id, "priorityId")?;
    Ok(Draft {
        summary: validate::not_cleared(patch.summary, current.summary, "summary")?,
        description: patch
            .description
            .apply(Some(current.description))
            .unwrap_or_default(),
        request_type_id: patch.request_type_id.apply(current.request_type_id),
        queue_id: Some(queue_id),
        status_id,
        priority_id: Some(priority),
        source_id: patch.source_id.apply(current.source_id),
        category_ids: patch
            .category_ids
            .apply(Some(current.category_ids))
            .unwrap_or_default(),
        tags: patch.tags.apply(Some(current.tags)).unwrap_or_default(),
        custom_fields,
        contact_id: validate::not_cleared(patch.contact_id, current.contact_id, "contactId")?,
        contact_group_id: patch.contact_group_id.apply(current.contact_group_id),
    })
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
    let old_assignees: Vec<i32> = before.assignees.iter().map(|a| a.id).collect();
    if fields == TicketFields::of(&before.row)
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
    for entry in entries(before, &after) {
        record(conn, tenant, id, actor, entry).await?;
    }
    Ok(())
}

/// The history entries between two states of a ticket: each changed field, closing or reopening,
/// and each member assigned or unassigned.
fn entries(before: &TicketDetails, after: &TicketDetails) -> Vec<Entry<'static>> {
    let mut entries: Vec<Entry> = shown_fields(before)
        .into_iter()
        .zip(shown_fields(after))
        .filter(|((_, old), (_, new))| old != new)
        .map(|((field, old), (_, new))| {
            Entry::new("field_changed", Some(field), Some(old), Some(new))
        })
        .collect();
    if before.row.is_closed != after.row.is_closed {
        entries.push(Entry::of(if after.row.is_closed {
            "closed"
        } else {
            "reopened"
        }));
    }
    let has = |t: &TicketDetails, id: i32| t.assignees.iter().any(|a| a.id == id);
    for added in after.assignees.iter().filter(|a| !has(before, a.id)) {
        let to = Some(json!(added));
        entries.push(Entry::new("assigned", Some("assignedAgents"), None, to));
    }
    for removed in before.assignees.iter().filter(|a| !has(after, a.id)) {
        let from = Some(json!(removed));
        entries.push(Entry::new("unassigned", Some("assignedAgents"), from, None));
    }
    entries
}

/// The fields a ticket's history shows, by their API names, with references as `{id, name}`.
fn shown_fields(t: &TicketDetails) -> [(&'static str, Value); 12] {
    let r = &t.row;
    let named = |id: Option<i32>, name: &Option<String>| match (id, name) {
        (Some(id), Some(name)) => json!({"id": id, "name": name}),
        _ => Value::Null,
    };
    [
        ("summary", json!(r.summary)),
        ("description", json!(r.description)),
        (
            "requestType",
            named(r.request_type_id, &r.request_type_name),
        ),
        ("queue", json!({"id": r.queue_id, "name": r.queue_name})),
        ("status", json!({"id": r.status_id, "name": r.status_name})),
        (
            "priority",
            json!({"id": r.priority_id, "name": r.priority_name}),
        ),
        ("source", named(r.source_id, &r.source_name)),
        ("categories", json!(t.categories)),
        ("tags", json!(r.tags)),
        ("customFields", r.custom_fields.0.clone()),
        (
            "contact",
            json!({"id": r.contact_id, "name": r.contact_name}),
        ),
        (
            "contactGroup",
            named(r.contact_group_id, &r.contact_group_name),
        ),
    ]
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

/// The live statuses of a queue, in order.
pub(super) async fn queue_statuses(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
) -> Result<Vec<Status>> {
    Ok(repo::configuration::statuses::list(conn, tenant, Some(&[queue]), false).await?)
}

/// Moves the (locked) ticket to `status` and records the change.
pub(super) async fn move_to_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    status: &Status,
    actor: &Actor,
) -> Result<()> {
    let before = load(conn, tenant, ticket).await?;
    let mut fields = TicketFields::of(&before.row);
    fields.status_id = status.id;
    fields.is_closed = status.is_closed;
    apply(conn, tenant, &before, fields, None, actor).await
}

/// Where a ticket goes when it closes: the queue's `Closed` status if it has one, else its first
/// closed status that no approval uses.
pub(super) fn closing_status(statuses: &[Status]) -> Option<&Status> {
    let closing = |s: &&Status| s.is_closed && s.approval_role.is_none();
    statuses
        .iter()
        .filter(closing)
        .find(|s| s.name.eq_ignore_ascii_case("Closed"))
        .or_else(|| statuses.iter().find(closing))
}
