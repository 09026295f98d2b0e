//! Checking what a ticket is written with: every reference live and of this tenant, defaults
//! filled, values fitting their definitions. The first problem is a 422 naming its field.

use serde_json::{Map, Value};
use sqlx::PgConnection;

use super::{
    custom_values,
    types::{Actor, MAX_ASSIGNEES, MAX_DESCRIPTION, MAX_SUMMARY},
};
use crate::{
    domain::{Tenant, TenantId, tickets::TicketInput},
    error::{Error, Result},
    repo::{
        self,
        configuration::{NamedList, Table, statuses::Status},
        tickets::TicketFields,
    },
    service::validate,
    state::AppState,
};

/// A ticket's fields before they are checked: references may be missing or wrong.
pub(super) struct Draft {
    pub(super) summary: String,
    pub(super) description: String,
    pub(super) request_type_id: Option<i32>,
    pub(super) queue_id: Option<i32>,
    pub(super) status_id: Option<i32>,
    pub(super) priority_id: Option<i32>,
    pub(super) source_id: Option<i32>,
    pub(super) category_ids: Vec<i32>,
    pub(super) tags: Vec<String>,
    pub(super) custom_fields: Map<String, Value>,
    pub(super) contact_id: i32,
    pub(super) contact_group_id: Option<i32>,
}

/// A staff input as a draft; on create, absent queue and priority come from the request type.
pub(super) async fn draft_from_input(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: TicketInput,
    creating: bool,
) -> Result<(Vec<i32>, Draft)> {
    let mut queue_id = input.queue_id;
    let mut priority_id = input.priority_id;
    if creating && let Some(request_type) = input.request_type_id {
        let r = repo::configuration::request_types::get(conn, tenant, request_type)
            .await?
            .filter(|r| r.archived_at.is_none())
            .ok_or_else(|| Error::validation("requestTypeId", "no such request type"))?;
        queue_id = queue_id.or(Some(r.default_queue_id));
        priority_id = priority_id.or(Some(r.default_priority_id));
    }
    let draft = Draft {
        summary: input.summary,
        description: input.description.unwrap_or_default(),
        request_type_id: input.request_type_id,
        queue_id,
        status_id: input.status_id,
        priority_id,
        source_id: input.source_id,
        category_ids: input.category_ids,
        tags: input.tags,
        custom_fields: input.custom_fields,
        contact_id: input.contact_id,
        contact_group_id: input.contact_group_id,
    };
    Ok((input.assigned_member_ids, draft))
}

/// Checks every field and reference of a draft (all live, all of this tenant), fills the defaults,
/// and answers the fields to store. The first problem found is a 422 naming its field.
pub(super) async fn settle(
    conn: &mut PgConnection,
    tenant: TenantId,
    d: Draft,
) -> Result<TicketFields> {
    let summary = validate::required_text("summary", &d.summary, MAX_SUMMARY)?;
    if d.description.chars().count() > MAX_DESCRIPTION {
        return Err(Error::validation(
            "description",
            format!("description must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if let Some(id) = d.request_type_id {
        require_live(
            conn,
            tenant,
            Table::RequestTypes,
            id,
            "requestTypeId",
            "request type",
        )
        .await?;
    }
    let (queue_id, status) = queue_and_status(conn, tenant, d.queue_id, d.status_id).await?;
    let priority_id = priority(conn, tenant, d.priority_id).await?;
    if let Some(id) = d.source_id {
        let sources = Table::Named(NamedList::Sources);
        require_live(conn, tenant, sources, id, "sourceId", "source").await?;
    }
    let mut category_ids = d.category_ids;
    category_ids.sort_unstable();
    category_ids.dedup();
    for id in &category_ids {
        let categories = Table::Named(NamedList::Categories);
        require_live(conn, tenant, categories, *id, "categoryIds", "category").await?;
    }
    let tags = canonical_tags(conn, tenant, d.tags).await?;
    let definitions = repo::configuration::custom_fields::list(&mut *conn, tenant, false).await?;
    let custom_fields = custom_values::check(&definitions, d.custom_fields)?;
    let company_id = company_of(conn, tenant, d.contact_id, d.contact_group_id).await?;
    Ok(TicketFields {
        summary,
        description: d.description,
        request_type_id: d.request_type_id,
        queue_id,
        status_id: status.id,
        priority_id,
        source_id: d.source_id,
        category_ids,
        tags,
        custom_fields,
        contact_id: d.contact_id,
        company_id,
        contact_group_id: d.contact_group_id,
        is_closed: status.is_closed,
    })
}

/// A 422 on `field` unless the row is live and of this tenant.
async fn require_live(
    conn: &mut PgConnection,
    tenant: TenantId,
    table: Table,
    id: i32,
    field: &str,
    what: &str,
) -> Result<()> {
    if repo::configuration::is_live(conn, table, tenant, id).await? {
        Ok(())
    } else {
        Err(Error::validation(field, format!("no such {what}: {id}")))
    }
}

/// The queue (required without a request type) and the status: the one given, which must be of
/// that queue, or the queue's default.
async fn queue_and_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: Option<i32>,
    status: Option<i32>,
) -> Result<(i32, Status)> {
    let queue = queue.ok_or_else(|| {
        Error::validation("queueId", "queueId is required without a request type")
    })?;
    require_live(conn, tenant, Table::Queues, queue, "queueId", "queue").await?;
    let statuses = repo::configuration::statuses::list(conn, tenant, Some(&[queue]), false).await?;
    let status = match status {
        Some(id) => statuses
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Error::validation("statusId", "no such status in the ticket's queue"))?,
        None => statuses
            .into_iter()
            .find(|s| s.is_default)
            .ok_or_else(|| Error::validation("queueId", "the queue has no default status"))?,
    };
    Ok((queue, status))
}

/// The priority given, or the tenant's default one.
async fn priority(conn: &mut PgConnection, tenant: TenantId, given: Option<i32>) -> Result<i32> {
    let id = match given {
        Some(id) => id,
        None => repo::configuration::priorities::default_id(conn, tenant)
            .await?
            .ok_or_else(|| {
                Error::validation(
                    "priorityId",
                    "priorityId is required: there is no default priority",
                )
            })?,
    };
    require_live(
        conn,
        tenant,
        Table::Priorities,
        id,
        "priorityId",
        "priority",
    )
    .await?;
    Ok(id)
}

/// The live contact's company; a group, when given, must be one the contact is in.
async fn company_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    group: Option<i32>,
) -> Result<i32> {
    let company = repo::contacts::get(&mut *conn, tenant, contact)
        .await?
        .filter(|c| c.archived_at.is_none())
        .map(|c| c.company_id)
        .ok_or_else(|| Error::validation("contactId", "no such contact"))?;
    if let Some(group) = group
        && !repo::contact_groups::is_member(conn, tenant, group, contact).await?
    {
        return Err(Error::validation(
            "contactGroupId",
            "the contact is not in this group",
        ));
    }
    Ok(company)
}

/// Tags must be configured ones; answers their configured spelling, once each.
pub(super) async fn canonical_tags(
    conn: &mut PgConnection,
    tenant: TenantId,
    tags: Vec<String>,
) -> Result<Vec<String>> {
    if tags.is_empty() {
        return Ok(tags);
    }
    let known = repo::configuration::named::live_tag_names(conn, tenant).await?;
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let name = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(tag.trim()))
            .ok_or_else(|| Error::validation("tags", format!("no such tag: {tag}")))?;
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    Ok(out)
}

pub(super) async fn check_members(
    conn: &mut PgConnection,
    tenant: TenantId,
    mut ids: Vec<i32>,
) -> Result<Vec<i32>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_ASSIGNEES {
        return Err(Error::validation(
            "assignedMemberIds",
            format!("at most {MAX_ASSIGNEES} assignees"),
        ));
    }
    for id in &ids {
        if repo::members::active_role(&mut *conn, tenant, *id)
            .await?
            .is_none()
        {
            return Err(Error::validation(
                "assignedMemberIds",
                format!("no such member: {id}"),
            ));
        }
    }
    Ok(ids)
}

pub async fn contact_actor(state: &AppState, tenant: &Tenant, contact: i32) -> Result<Actor> {
    let c = crate::service::contacts::signed_in(state, tenant, contact).await?;
    Ok(Actor {
        kind: "contact",
        id: contact.to_string(),
        name: crate::domain::full_name(&c.first_name, &c.last_name),
    })
}
