//! Service configuration: queues and their statuses, priorities, categories, tags, sources, service
//! groups, request types and custom ticket fields. Every tenant starts with a working set (see
//! `seed_defaults`).

use serde::Deserialize;
use sqlx::PgConnection;
use utoipa::ToSchema;

use super::validate;
use crate::{
    domain::{Tenant, TenantId, patch::Patch},
    error::{Error, Kind, Result},
    repo::{
        self,
        service_config::{
            self as config, ApprovalRole, CustomField, CustomFieldRules, FieldType, Named,
            Priority, PriorityFields, Queue, RequestType, RequestTypeFields, Status, StatusFields,
            Table,
        },
    },
    state::AppState,
};

// ---- inputs ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueuePatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
}

/// A status of a queue. Making one the default (or giving it an approval role) takes that mark
/// from the queue's other status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusInput {
    pub name: String,
    /// Closed statuses close the ticket (default false).
    #[serde(default)]
    pub is_closed: bool,
    /// New tickets in the queue start here; it must be open (default false).
    #[serde(default)]
    pub is_default: bool,
    /// Where approvals move tickets: `granted` or `declined`.
    #[serde(default)]
    pub approval_role: Option<ApprovalRole>,
    /// Position in lists (default 0).
    #[serde(default)]
    pub order: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub is_closed: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub is_default: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<ApprovalRole>)]
    pub approval_role: Patch<ApprovalRole>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub order: Patch<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityInput {
    pub name: String,
    /// Position in lists, lowest first (default 0).
    #[serde(default)]
    pub order: Option<i32>,
    /// `#rrggbb`.
    pub colour: String,
    /// New tickets without a priority get the default one (default false).
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub order: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub colour: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub is_default: Patch<bool>,
}

/// A source or a tag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimpleItemInput {
    pub name: String,
}

/// A service group or a category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribedItemInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamedPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypeInput {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub service_group_id: Option<i32>,
    /// The queue tickets of this type start in.
    pub default_queue_id: i32,
    pub default_priority_id: i32,
    /// Tickets of this type wait for an approver (default false).
    #[serde(default)]
    pub requires_approval: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypePatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub service_group_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub default_queue_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub default_priority_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub requires_approval: Patch<bool>,
}

// ---- defaults ----

const DEFAULT_STATUSES: &[(&str, bool, bool, Option<ApprovalRole>)] = &[
    ("New", false, true, None),
    ("In Progress", false, false, None),
    ("Waiting on Customer", false, false, None),
    (
        "Approval Granted",
        false,
        false,
        Some(ApprovalRole::Granted),
    ),
    (
        "Approval Declined",
        true,
        false,
        Some(ApprovalRole::Declined),
    ),
    ("Resolved", true, false, None),
    ("Closed", true, false, None),
];
const DEFAULT_PRIORITIES: &[(&str, &str, bool)] = &[
    ("Low", "#4caf50", false),
    ("Medium", "#2196f3", true),
    ("High", "#ff9800", false),
    ("Urgent", "#f44336", false),
];
const DEFAULT_SOURCES: &[&str] = &[
    "Email",
    "Microsoft Teams",
    "Portal",
    "Phone",
    "Web form",
    "Web widget",
];

/// A new tenant's configuration: the `Support` queue with the usual statuses, the four priorities,
/// the six sources, and a `General request` type in a `General` service group.
pub async fn seed_defaults(conn: &mut PgConnection, tenant: TenantId) -> Result<(), sqlx::Error> {
    let queue = config::insert_queue(conn, tenant, "Support", "The default queue").await?;
    insert_standard_statuses(conn, tenant, queue.id).await?;
    let mut medium = 0;
    for (order, (name, colour, is_default)) in DEFAULT_PRIORITIES.iter().enumerate() {
        let fields = PriorityFields {
            name,
            sort_order: order as i32,
            colour,
            is_default: *is_default,
        };
        let p = config::insert_priority(conn, tenant, &fields).await?;
        if *is_default {
            medium = p.id;
        }
    }
    for name in DEFAULT_SOURCES {
        config::insert_named(conn, Table::Sources, tenant, name, "").await?;
    }
    let group = config::insert_named(
        conn,
        Table::ServiceGroups,
        tenant,
        "General",
        "Everyday requests",
    )
    .await?;
    let fields = RequestTypeFields {
        name: "General request",
        description: "Anything that fits no other request type",
        service_group_id: Some(group.id),
        default_queue_id: queue.id,
        default_priority_id: medium,
        requires_approval: false,
    };
    config::insert_request_type(conn, tenant, &fields).await?;
    Ok(())
}

async fn insert_standard_statuses(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
) -> Result<(), sqlx::Error> {
    for (order, (name, is_closed, is_default, approval_role)) in DEFAULT_STATUSES.iter().enumerate()
    {
        let fields = StatusFields {
            name,
            is_closed: *is_closed,
            is_default: *is_default,
            approval_role: *approval_role,
            sort_order: order as i32,
        };
        config::insert_status(conn, tenant, queue, &fields).await?;
    }
    Ok(())
}

// ---- queues ----

pub struct QueueDetails {
    pub queue: Queue,
    pub statuses: Vec<Status>,
}

pub async fn list_queues(
    state: &AppState,
    tenant: &Tenant,
    include_archived: bool,
) -> Result<Vec<QueueDetails>> {
    let queues = config::list_queues(&state.pool, tenant.id, include_archived).await?;
    let mut conn = state.pool.acquire().await?;
    let mut statuses = config::list_statuses(&mut conn, tenant.id, None, include_archived).await?;
    Ok(queues
        .into_iter()
        .map(|queue| {
            let (mine, rest): (Vec<Status>, Vec<Status>) =
                statuses.drain(..).partition(|s| s.queue_id == queue.id);
            statuses = rest;
            QueueDetails {
                queue,
                statuses: mine,
            }
        })
        .collect())
}

pub async fn get_queue(state: &AppState, tenant: &Tenant, id: i32) -> Result<QueueDetails> {
    let mut conn = state.pool.acquire().await?;
    queue_details(&mut conn, tenant.id, id).await
}

async fn queue_details(conn: &mut PgConnection, tenant: TenantId, id: i32) -> Result<QueueDetails> {
    let queue = config::get_queue(conn, tenant, id)
        .await?
        .ok_or_else(|| Error::not_found("queue"))?;
    let statuses = config::list_statuses(conn, tenant, Some(&[id]), true).await?;
    Ok(QueueDetails { queue, statuses })
}

/// A new queue comes with the standard statuses, so tickets can be filed in it at once.
pub async fn create_queue(
    state: &AppState,
    tenant: &Tenant,
    input: QueueInput,
) -> Result<QueueDetails> {
    let name = validate::required_text("name", &input.name, 100)?;
    let description = validate::optional_text(
        "description",
        input.description.as_deref().unwrap_or(""),
        2000,
    )?;
    let mut tx = state.pool.begin().await?;
    let queue = config::insert_queue(&mut tx, tenant.id, &name, &description)
        .await
        .map_err(|e| name_conflict(e, Table::Queues))?;
    insert_standard_statuses(&mut tx, tenant.id, queue.id).await?;
    let details = queue_details(&mut tx, tenant.id, queue.id).await?;
    tx.commit().await?;
    Ok(details)
}

pub async fn replace_queue(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: QueueInput,
) -> Result<QueueDetails> {
    let patch = QueuePatch {
        name: Patch::Value(input.name),
        description: Patch::Value(input.description.unwrap_or_default()),
    };
    patch_queue(state, tenant, id, patch).await
}

pub async fn patch_queue(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: QueuePatch,
) -> Result<QueueDetails> {
    let mut tx = state.pool.begin().await?;
    let current = live(
        config::get_queue(&mut tx, tenant.id, id).await?,
        |q| q.archived_at,
        "queue",
    )?;
    let name = validate::required_text(
        "name",
        &validate::not_cleared(patch.name, current.name, "name")?,
        100,
    )?;
    let description = validate::optional_text(
        "description",
        &patch
            .description
            .apply(Some(current.description))
            .unwrap_or_default(),
        2000,
    )?;
    config::update_queue(&mut tx, tenant.id, id, &name, &description)
        .await
        .map_err(|e| name_conflict(e, Table::Queues))?;
    let details = queue_details(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

pub async fn set_queue_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<QueueDetails> {
    set_archived(state, tenant, Table::Queues, id, archived, "queue").await?;
    get_queue(state, tenant, id).await
}

// ---- statuses ----

pub async fn create_status(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    input: StatusInput,
) -> Result<Status> {
    let mut tx = state.pool.begin().await?;
    live(
        config::get_queue(&mut tx, tenant.id, queue).await?,
        |q| q.archived_at,
        "queue",
    )?;
    let name = validate::required_text("name", &input.name, 100)?;
    let fields = StatusFields {
        name: &name,
        is_closed: input.is_closed,
        is_default: input.is_default,
        approval_role: input.approval_role,
        sort_order: input.order.unwrap_or(0),
    };
    check_status(&fields, false)?;
    // No status has id 0: every other status gives up the marks this one takes.
    config::release_marks(
        &mut tx,
        tenant.id,
        queue,
        0,
        fields.is_default,
        fields.approval_role,
    )
    .await?;
    let status = config::insert_status(&mut tx, tenant.id, queue, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::Statuses))?;
    tx.commit().await?;
    Ok(status)
}

pub async fn replace_status(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    id: i32,
    input: StatusInput,
) -> Result<Status> {
    let patch = StatusPatch {
        name: Patch::Value(input.name),
        is_closed: Patch::Value(input.is_closed),
        is_default: Patch::Value(input.is_default),
        approval_role: input.approval_role.map_or(Patch::Null, Patch::Value),
        order: Patch::Value(input.order.unwrap_or(0)),
    };
    patch_status(state, tenant, queue, id, patch).await
}

pub async fn patch_status(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    id: i32,
    patch: StatusPatch,
) -> Result<Status> {
    let mut tx = state.pool.begin().await?;
    let current = status_of_queue(&mut tx, tenant.id, queue, id).await?;
    let current = live(Some(current), |s| s.archived_at, "status")?;
    let name = validate::required_text(
        "name",
        &validate::not_cleared(patch.name, current.name, "name")?,
        100,
    )?;
    let fields = StatusFields {
        name: &name,
        is_closed: validate::not_cleared(patch.is_closed, current.is_closed, "isClosed")?,
        is_default: validate::not_cleared(patch.is_default, current.is_default, "isDefault")?,
        approval_role: patch.approval_role.apply(current.approval_role),
        sort_order: validate::not_cleared(patch.order, current.sort_order, "order")?,
    };
    check_status(&fields, current.is_default)?;
    config::release_marks(
        &mut tx,
        tenant.id,
        queue,
        id,
        fields.is_default,
        fields.approval_role,
    )
    .await?;
    config::update_status(&mut tx, tenant.id, id, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::Statuses))?;
    let status = status_of_queue(&mut tx, tenant.id, queue, id).await?;
    tx.commit().await?;
    Ok(status)
}

pub async fn set_status_archived(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    id: i32,
    archived: bool,
) -> Result<Status> {
    let mut tx = state.pool.begin().await?;
    let current = status_of_queue(&mut tx, tenant.id, queue, id).await?;
    if archived && current.is_default && current.archived_at.is_none() {
        return Err(in_use(
            "the queue's default status cannot be archived; make another status the default first",
        ));
    }
    config::set_archived(&mut tx, Table::Statuses, tenant.id, id, archived)
        .await
        .map_err(|e| name_conflict(e, Table::Statuses))?;
    let status = status_of_queue(&mut tx, tenant.id, queue, id).await?;
    tx.commit().await?;
    Ok(status)
}

/// A status of this queue; one of another queue is not found.
async fn status_of_queue(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
    id: i32,
) -> Result<Status> {
    config::get_status(conn, tenant, id)
        .await?
        .filter(|s| s.queue_id == queue)
        .ok_or_else(|| Error::not_found("status"))
}

fn check_status(fields: &StatusFields<'_>, was_default: bool) -> Result<()> {
    if fields.is_default && fields.is_closed {
        return Err(Error::validation(
            "isDefault",
            "the default status must be open: new tickets start there",
        ));
    }
    if was_default && !fields.is_default {
        return Err(Error::validation(
            "isDefault",
            "a queue needs a default status: make another status the default instead",
        ));
    }
    Ok(())
}

// ---- priorities ----

pub async fn list_priorities(
    state: &AppState,
    tenant: &Tenant,
    include_archived: bool,
) -> Result<Vec<Priority>> {
    Ok(config::list_priorities(&state.pool, tenant.id, include_archived).await?)
}

pub async fn get_priority(state: &AppState, tenant: &Tenant, id: i32) -> Result<Priority> {
    let mut conn = state.pool.acquire().await?;
    config::get_priority(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("priority"))
}

pub async fn create_priority(
    state: &AppState,
    tenant: &Tenant,
    input: PriorityInput,
) -> Result<Priority> {
    let name = validate::required_text("name", &input.name, 100)?;
    let colour = colour(&input.colour)?;
    let mut tx = state.pool.begin().await?;
    let fields = PriorityFields {
        name: &name,
        sort_order: input.order.unwrap_or(0),
        colour: &colour,
        is_default: false,
    };
    let created = config::insert_priority(&mut tx, tenant.id, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::Priorities))?;
    if input.is_default {
        config::update_priority(
            &mut tx,
            tenant.id,
            created.id,
            &PriorityFields {
                is_default: true,
                ..fields
            },
        )
        .await?;
    }
    let priority = config::get_priority(&mut tx, tenant.id, created.id)
        .await?
        .ok_or_else(|| Error::not_found("priority"))?;
    tx.commit().await?;
    Ok(priority)
}

pub async fn replace_priority(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: PriorityInput,
) -> Result<Priority> {
    let patch = PriorityPatch {
        name: Patch::Value(input.name),
        order: Patch::Value(input.order.unwrap_or(0)),
        colour: Patch::Value(input.colour),
        is_default: Patch::Value(input.is_default),
    };
    patch_priority(state, tenant, id, patch).await
}

pub async fn patch_priority(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: PriorityPatch,
) -> Result<Priority> {
    let mut tx = state.pool.begin().await?;
    let current = live(
        config::get_priority(&mut tx, tenant.id, id).await?,
        |p| p.archived_at,
        "priority",
    )?;
    let name = validate::required_text(
        "name",
        &validate::not_cleared(patch.name, current.name, "name")?,
        100,
    )?;
    let colour = colour(&validate::not_cleared(
        patch.colour,
        current.colour,
        "colour",
    )?)?;
    let is_default = validate::not_cleared(patch.is_default, current.is_default, "isDefault")?;
    if current.is_default && !is_default {
        return Err(Error::validation(
            "isDefault",
            "make another priority the default instead",
        ));
    }
    let fields = PriorityFields {
        name: &name,
        sort_order: validate::not_cleared(patch.order, current.sort_order, "order")?,
        colour: &colour,
        is_default,
    };
    config::update_priority(&mut tx, tenant.id, id, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::Priorities))?;
    let priority = config::get_priority(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("priority"))?;
    tx.commit().await?;
    Ok(priority)
}

pub async fn set_priority_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<Priority> {
    let current = get_priority(state, tenant, id).await?;
    if archived && current.is_default && current.archived_at.is_none() {
        return Err(in_use(
            "the default priority cannot be archived; make another priority the default first",
        ));
    }
    set_archived(state, tenant, Table::Priorities, id, archived, "priority").await?;
    get_priority(state, tenant, id).await
}

fn colour(value: &str) -> Result<String> {
    let value = value.trim().to_ascii_lowercase();
    let valid = value.len() == 7
        && value.starts_with('#')
        && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(Error::validation("colour", "colour must look like #1e88e5"));
    }
    Ok(value)
}

// ---- sources and service groups ----

pub async fn list_named(
    state: &AppState,
    tenant: &Tenant,
    table: Table,
    include_archived: bool,
) -> Result<Vec<Named>> {
    Ok(config::list_named(&state.pool, table, tenant.id, include_archived).await?)
}

pub async fn get_named(state: &AppState, tenant: &Tenant, table: Table, id: i32) -> Result<Named> {
    let mut conn = state.pool.acquire().await?;
    config::get_named(&mut conn, table, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found(what(table)))
}

pub async fn create_named(
    state: &AppState,
    tenant: &Tenant,
    table: Table,
    name: &str,
    description: Option<&str>,
) -> Result<Named> {
    let name = validate::required_text("name", name, 100)?;
    let description = validate::optional_text("description", description.unwrap_or(""), 2000)?;
    let mut conn = state.pool.acquire().await?;
    config::insert_named(&mut conn, table, tenant.id, &name, &description)
        .await
        .map_err(|e| name_conflict(e, table))
}

pub async fn patch_named(
    state: &AppState,
    tenant: &Tenant,
    table: Table,
    id: i32,
    patch: NamedPatch,
) -> Result<Named> {
    let mut tx = state.pool.begin().await?;
    let current = live(
        config::get_named(&mut tx, table, tenant.id, id).await?,
        |n| n.archived_at,
        what(table),
    )?;
    let name = validate::required_text(
        "name",
        &validate::not_cleared(patch.name, current.name, "name")?,
        100,
    )?;
    let description = validate::optional_text(
        "description",
        &patch
            .description
            .apply(Some(current.description))
            .unwrap_or_default(),
        2000,
    )?;
    config::update_named(&mut tx, table, tenant.id, id, &name, &description)
        .await
        .map_err(|e| name_conflict(e, table))?;
    let named = config::get_named(&mut tx, table, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found(what(table)))?;
    tx.commit().await?;
    Ok(named)
}

pub async fn set_named_archived(
    state: &AppState,
    tenant: &Tenant,
    table: Table,
    id: i32,
    archived: bool,
) -> Result<Named> {
    set_archived(state, tenant, table, id, archived, what(table)).await?;
    get_named(state, tenant, table, id).await
}

fn what(table: Table) -> &'static str {
    match table {
        Table::Sources => "source",
        Table::ServiceGroups => "service group",
        Table::Queues => "queue",
        Table::Statuses => "status",
        Table::Priorities => "priority",
        Table::RequestTypes => "request type",
        Table::Categories => "category",
        Table::Tags => "tag",
        Table::CustomFields => "custom field",
    }
}

// ---- request types ----

pub async fn list_request_types(
    state: &AppState,
    tenant: &Tenant,
    include_archived: bool,
) -> Result<Vec<RequestType>> {
    Ok(config::list_request_types(&state.pool, tenant.id, include_archived).await?)
}

pub async fn get_request_type(state: &AppState, tenant: &Tenant, id: i32) -> Result<RequestType> {
    let mut conn = state.pool.acquire().await?;
    config::get_request_type(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("request type"))
}

pub async fn create_request_type(
    state: &AppState,
    tenant: &Tenant,
    input: RequestTypeInput,
) -> Result<RequestType> {
    let mut tx = state.pool.begin().await?;
    let name = validate::required_text("name", &input.name, 100)?;
    let description = validate::optional_text(
        "description",
        input.description.as_deref().unwrap_or(""),
        2000,
    )?;
    let fields = RequestTypeFields {
        name: &name,
        description: &description,
        service_group_id: input.service_group_id,
        default_queue_id: input.default_queue_id,
        default_priority_id: input.default_priority_id,
        requires_approval: input.requires_approval,
    };
    check_references(&mut tx, tenant.id, &fields).await?;
    let created = config::insert_request_type(&mut tx, tenant.id, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::RequestTypes))?;
    tx.commit().await?;
    Ok(created)
}

pub async fn replace_request_type(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: RequestTypeInput,
) -> Result<RequestType> {
    let patch = RequestTypePatch {
        name: Patch::Value(input.name),
        description: Patch::Value(input.description.unwrap_or_default()),
        service_group_id: input.service_group_id.map_or(Patch::Null, Patch::Value),
        default_queue_id: Patch::Value(input.default_queue_id),
        default_priority_id: Patch::Value(input.default_priority_id),
        requires_approval: Patch::Value(input.requires_approval),
    };
    patch_request_type(state, tenant, id, patch).await
}

pub async fn patch_request_type(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: RequestTypePatch,
) -> Result<RequestType> {
    let mut tx = state.pool.begin().await?;
    let current = live(
        config::get_request_type(&mut tx, tenant.id, id).await?,
        |r| r.archived_at,
        "request type",
    )?;
    let name = validate::required_text(
        "name",
        &validate::not_cleared(patch.name, current.name, "name")?,
        100,
    )?;
    let description = validate::optional_text(
        "description",
        &patch
            .description
            .apply(Some(current.description))
            .unwrap_or_default(),
        2000,
    )?;
    let fields = RequestTypeFields {
        name: &name,
        description: &description,
        service_group_id: patch.service_group_id.apply(current.service_group_id),
        default_queue_id: validate::not_cleared(
            patch.default_queue_id,
            current.default_queue_id,
            "defaultQueueId",
        )?,
        default_priority_id: validate::not_cleared(
            patch.default_priority_id,
            current.default_priority_id,
            "defaultPriorityId",
        )?,
        requires_approval: validate::not_cleared(
            patch.requires_approval,
            current.requires_approval,
            "requiresApproval",
        )?,
    };
    check_references(&mut tx, tenant.id, &fields).await?;
    config::update_request_type(&mut tx, tenant.id, id, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::RequestTypes))?;
    let updated = config::get_request_type(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("request type"))?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn set_request_type_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<RequestType> {
    set_archived(
        state,
        tenant,
        Table::RequestTypes,
        id,
        archived,
        "request type",
    )
    .await?;
    get_request_type(state, tenant, id).await
}

/// What a request type points at must be live and of this tenant; the field at fault is named.
async fn check_references(
    conn: &mut PgConnection,
    tenant: TenantId,
    fields: &RequestTypeFields<'_>,
) -> Result<()> {
    let checks = [
        (
            Table::Queues,
            Some(fields.default_queue_id),
            "defaultQueueId",
        ),
        (
            Table::Priorities,
            Some(fields.default_priority_id),
            "defaultPriorityId",
        ),
        (
            Table::ServiceGroups,
            fields.service_group_id,
            "serviceGroupId",
        ),
    ];
    for (table, id, field) in checks {
        if let Some(id) = id
            && !config::is_live(conn, table, tenant, id).await?
        {
            return Err(Error::validation(field, format!("no such {}", what(table))));
        }
    }
    Ok(())
}

// ---- shared ----

/// Archives or restores; a queue, priority or service group that live request types use cannot be archived.
async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    table: Table,
    id: i32,
    archived: bool,
    what: &str,
) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    if archived {
        let users = config::request_types_using(&mut tx, tenant.id, table, id).await?;
        if users > 0 {
            return Err(in_use(&format!(
                "{users} request type(s) use this {what}; point them elsewhere first"
            )));
        }
    }
    let found = config::set_archived(&mut tx, table, tenant.id, id, archived)
        .await
        .map_err(|e| name_conflict(e, table))?;
    if !found {
        return Err(Error::not_found(what));
    }
    tx.commit().await?;
    Ok(())
}

fn live<T>(
    row: Option<T>,
    archived_at: impl Fn(&T) -> Option<chrono::DateTime<chrono::Utc>>,
    what: &str,
) -> Result<T> {
    let row = row.ok_or_else(|| Error::not_found(what))?;
    if archived_at(&row).is_some() {
        return Err(Error::new(
            Kind::Conflict,
            "Archived",
            format!("this {what} is archived; restore it before changing it"),
        ));
    }
    Ok(row)
}

fn name_conflict(error: sqlx::Error, table: Table) -> Error {
    if repo::is_unique_violation(&error, &table.name_index()) {
        Error::conflict(
            "name",
            format!("another active {} has this name", what(table)),
        )
    } else {
        error.into()
    }
}

fn in_use(message: &str) -> Error {
    Error::new(Kind::Conflict, "InUse", message)
}

// ---- custom ticket fields ----

/// A custom ticket field. `key` and `type` cannot change once the field exists (stored values
/// depend on them); a `PUT` must repeat them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldInput {
    /// Where the value lives on a ticket: lowercase letters, digits and `_`, starting with a letter.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// A ticket must carry a value (default false).
    #[serde(default)]
    pub required: bool,
    /// The allowed values of `single_choice` and `multiple_choice` fields.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Bounds of a `number` field.
    #[serde(default)]
    pub min_value: Option<f64>,
    #[serde(default)]
    pub max_value: Option<f64>,
    /// Longest `text` value, in characters.
    #[serde(default)]
    pub max_length: Option<i32>,
    #[serde(default)]
    pub order: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub label: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub required: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub choices: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub min_value: Patch<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub max_value: Patch<f64>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub max_length: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub order: Patch<i32>,
}

pub const MAX_CHOICES: usize = 200;

pub async fn list_custom_fields(
    state: &AppState,
    tenant: &Tenant,
    include_archived: bool,
) -> Result<Vec<CustomField>> {
    Ok(config::list_custom_fields(&state.pool, tenant.id, include_archived).await?)
}

pub async fn get_custom_field(state: &AppState, tenant: &Tenant, id: i32) -> Result<CustomField> {
    let mut conn = state.pool.acquire().await?;
    config::get_custom_field(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("custom field"))
}

pub async fn create_custom_field(
    state: &AppState,
    tenant: &Tenant,
    input: CustomFieldInput,
) -> Result<CustomField> {
    let key = field_key(&input.key)?;
    let label = validate::required_text("label", &input.label, 100)?;
    let choices = field_choices(input.field_type, input.choices)?;
    let rules = CustomFieldRules {
        label: &label,
        required: input.required,
        choices: &choices,
        min_value: input.min_value,
        max_value: input.max_value,
        max_length: input.max_length,
        sort_order: input.order.unwrap_or(0),
    };
    check_field_rules(input.field_type, &rules)?;
    let mut conn = state.pool.acquire().await?;
    config::insert_custom_field(&mut conn, tenant.id, &key, input.field_type, &rules)
        .await
        .map_err(key_conflict)
}

pub async fn replace_custom_field(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: CustomFieldInput,
) -> Result<CustomField> {
    let current = get_custom_field(state, tenant, id).await?;
    if input.key != current.key {
        return Err(Error::validation(
            "key",
            "a custom field's key cannot change",
        ));
    }
    if input.field_type != current.field_type {
        return Err(Error::validation(
            "type",
            "a custom field's type cannot change",
        ));
    }
    let patch = CustomFieldPatch {
        label: Patch::Value(input.label),
        required: Patch::Value(input.required),
        choices: Patch::Value(input.choices),
        min_value: input.min_value.map_or(Patch::Null, Patch::Value),
        max_value: input.max_value.map_or(Patch::Null, Patch::Value),
        max_length: input.max_length.map_or(Patch::Null, Patch::Value),
        order: Patch::Value(input.order.unwrap_or(0)),
    };
    patch_custom_field(state, tenant, id, patch).await
}

pub async fn patch_custom_field(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: CustomFieldPatch,
) -> Result<CustomField> {
    let mut tx = state.pool.begin().await?;
    let current = live(
        config::get_custom_field(&mut tx, tenant.id, id).await?,
        |f| f.archived_at,
        "custom field",
    )?;
    let label = validate::required_text(
        "label",
        &validate::not_cleared(patch.label, current.label, "label")?,
        100,
    )?;
    let choices = field_choices(
        current.field_type,
        patch
            .choices
            .apply(Some(current.choices))
            .unwrap_or_default(),
    )?;
    let rules = CustomFieldRules {
        label: &label,
        required: validate::not_cleared(patch.required, current.required, "required")?,
        choices: &choices,
        min_value: patch.min_value.apply(current.min_value),
        max_value: patch.max_value.apply(current.max_value),
        max_length: patch.max_length.apply(current.max_length),
        sort_order: validate::not_cleared(patch.order, current.sort_order, "order")?,
    };
    check_field_rules(current.field_type, &rules)?;
    config::update_custom_field(&mut tx, tenant.id, id, &rules).await?;
    let field = config::get_custom_field(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("custom field"))?;
    tx.commit().await?;
    Ok(field)
}

pub async fn set_custom_field_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<CustomField> {
    let mut conn = state.pool.acquire().await?;
    if !config::set_archived(&mut conn, Table::CustomFields, tenant.id, id, archived)
        .await
        .map_err(key_conflict)?
    {
        return Err(Error::not_found("custom field"));
    }
    drop(conn);
    get_custom_field(state, tenant, id).await
}

fn field_key(key: &str) -> Result<String> {
    let valid = (1..=50).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(Error::validation(
            "key",
            "key must be 1 to 50 lowercase letters, digits or `_`, starting with a letter",
        ));
    }
    Ok(key.to_string())
}

/// Choice fields need distinct, non-empty choices; other fields have none.
fn field_choices(field_type: FieldType, choices: Vec<String>) -> Result<Vec<String>> {
    if !field_type.has_choices() {
        if !choices.is_empty() {
            return Err(Error::validation(
                "choices",
                "only choice fields have choices",
            ));
        }
        return Ok(choices);
    }
    if choices.is_empty() || choices.len() > MAX_CHOICES {
        return Err(Error::validation(
            "choices",
            format!("a choice field needs 1 to {MAX_CHOICES} choices"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    choices
        .into_iter()
        .map(|c| {
            let c = validate::required_text("choices", &c, 100)?;
            if !seen.insert(c.to_lowercase()) {
                return Err(Error::validation(
                    "choices",
                    format!("`{c}` is listed twice"),
                ));
            }
            Ok(c)
        })
        .collect()
}

fn check_field_rules(field_type: FieldType, rules: &CustomFieldRules<'_>) -> Result<()> {
    let is_number = field_type == FieldType::Number;
    if !is_number && (rules.min_value.is_some() || rules.max_value.is_some()) {
        return Err(Error::validation(
            "minValue",
            "only number fields have bounds",
        ));
    }
    if let (Some(min), Some(max)) = (rules.min_value, rules.max_value)
        && min > max
    {
        return Err(Error::validation(
            "maxValue",
            "maxValue must not be below minValue",
        ));
    }
    match rules.max_length {
        Some(_) if field_type != FieldType::Text => Err(Error::validation(
            "maxLength",
            "only text fields have a maximum length",
        )),
        Some(n) if !(1..=10_000).contains(&n) => Err(Error::validation(
            "maxLength",
            "maxLength must be 1 to 10000",
        )),
        _ => Ok(()),
    }
}

fn key_conflict(error: sqlx::Error) -> Error {
    if repo::is_unique_violation(&error, "custom_fields_key") {
        Error::conflict("key", "another active custom field has this key")
    } else {
        error.into()
    }
}
