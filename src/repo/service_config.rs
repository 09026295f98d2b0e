//! Queues and their statuses, priorities, sources, service groups and request types.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{PgConnection, PgExecutor, PgPool};
use utoipa::ToSchema;

use super::ids;
use crate::domain::TenantId;

/// The configuration tables, for the operations they share. Names are constants, never input.
#[derive(Clone, Copy, Debug)]
pub enum Table {
    Queues,
    Statuses,
    Priorities,
    Sources,
    ServiceGroups,
    RequestTypes,
    Categories,
    Tags,
    CustomFields,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Queues => "queues",
            Table::Statuses => "statuses",
            Table::Priorities => "priorities",
            Table::Sources => "sources",
            Table::ServiceGroups => "service_groups",
            Table::RequestTypes => "request_types",
            Table::Categories => "categories",
            Table::Tags => "tags",
            Table::CustomFields => "custom_fields",
        }
    }

    /// The entity name of `ids::next_id`, and the unique index on live names.
    fn entity(self) -> &'static str {
        match self {
            Table::Queues => "queue",
            Table::Statuses => "status",
            Table::Priorities => "priority",
            Table::Sources => "source",
            Table::ServiceGroups => "service_group",
            Table::RequestTypes => "request_type",
            Table::Categories => "category",
            Table::Tags => "tag",
            Table::CustomFields => "custom_field",
        }
    }

    /// Sources and tags are just a name; the other named lists also have a description.
    fn has_description(self) -> bool {
        !matches!(self, Table::Sources | Table::Tags)
    }

    pub fn name_index(self) -> String {
        format!("{}_name", self.name())
    }
}

/// Archives (or restores) a row; true when it exists.
pub async fn set_archived(
    conn: &mut PgConnection,
    table: Table,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
        table.name()
    );
    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(id)
        .bind(archived)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// True when a live row with this id exists.
pub async fn is_live(
    conn: &mut PgConnection,
    table: Table,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM {} WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL)",
        table.name()
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(id)
        .fetch_one(conn)
        .await
}

pub async fn next_id(
    conn: &mut PgConnection,
    table: Table,
    tenant: TenantId,
) -> Result<i32, sqlx::Error> {
    ids::next_id(conn, tenant, table.entity()).await
}

// ---- queues ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Queue {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

const QUEUE: &str = "SELECT id, name, description, created_at, updated_at, archived_at FROM queues";

pub async fn insert_queue(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
    description: &str,
) -> Result<Queue, sqlx::Error> {
    let id = next_id(conn, Table::Queues, tenant).await?;
    sqlx::query("INSERT INTO queues (tenant_id, id, name, description) VALUES ($1, $2, $3, $4)")
        .bind(tenant)
        .bind(id)
        .bind(name)
        .bind(description)
        .execute(&mut *conn)
        .await?;
    Ok(get_queue(conn, tenant, id)
        .await?
        .expect("the queue just inserted"))
}

pub async fn get_queue(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Queue>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUEUE} WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list_queues(
    pool: &PgPool,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<Queue>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{QUEUE} WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY id"
    )))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn update_queue(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    name: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE queues SET name = $3, description = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(name)
        .bind(description)
        .execute(conn)
        .await?;
    Ok(())
}

// ---- statuses ----

/// The part a status plays in approvals: tickets move to it when an approver decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ApprovalRole {
    Granted,
    Declined,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Status {
    pub id: i32,
    pub queue_id: i32,
    pub name: String,
    pub is_closed: bool,
    pub is_default: bool,
    pub approval_role: Option<ApprovalRole>,
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct StatusFields<'a> {
    pub name: &'a str,
    pub is_closed: bool,
    pub is_default: bool,
    pub approval_role: Option<ApprovalRole>,
    pub sort_order: i32,
}

const STATUS: &str = "SELECT id, queue_id, name, is_closed, is_default, approval_role, sort_order,
    created_at, updated_at, archived_at FROM statuses";

pub async fn insert_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
    f: &StatusFields<'_>,
) -> Result<Status, sqlx::Error> {
    let id = next_id(conn, Table::Statuses, tenant).await?;
    sqlx::query(
        "INSERT INTO statuses (tenant_id, id, queue_id, name, is_closed, is_default, approval_role, sort_order)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant)
    .bind(id)
    .bind(queue)
    .bind(f.name)
    .bind(f.is_closed)
    .bind(f.is_default)
    .bind(f.approval_role)
    .bind(f.sort_order)
    .execute(&mut *conn)
    .await?;
    Ok(get_status(conn, tenant, id)
        .await?
        .expect("the status just inserted"))
}

pub async fn get_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Status>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STATUS} WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The statuses of the given queues (all of the tenant's when `queues` is `None`).
pub async fn list_statuses(
    conn: &mut PgConnection,
    tenant: TenantId,
    queues: Option<&[i32]>,
    include_archived: bool,
) -> Result<Vec<Status>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STATUS} WHERE tenant_id = $1 AND ($2::int[] IS NULL OR queue_id = ANY($2)) AND ($3 OR archived_at IS NULL)
         ORDER BY queue_id, sort_order, id"
    )))
    .bind(tenant)
    .bind(queues)
    .bind(include_archived)
    .fetch_all(conn)
    .await
}

pub async fn update_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &StatusFields<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE statuses SET name = $3, is_closed = $4, is_default = $5, approval_role = $6, sort_order = $7, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.is_closed)
    .bind(f.is_default)
    .bind(f.approval_role)
    .bind(f.sort_order)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the default mark and the approval role `role` away from the queue's other statuses, so
/// `keep` can hold them.
pub async fn release_marks(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
    keep: i32,
    default: bool,
    role: Option<ApprovalRole>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE statuses SET
             is_default = is_default AND NOT $4,
             approval_role = CASE WHEN approval_role = $5 THEN NULL ELSE approval_role END,
             updated_at = now()
         WHERE tenant_id = $1 AND queue_id = $2 AND id <> $3 AND (($4 AND is_default) OR approval_role = $5)",
    )
    .bind(tenant)
    .bind(queue)
    .bind(keep)
    .bind(default)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- priorities ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Priority {
    pub id: i32,
    pub name: String,
    pub sort_order: i32,
    pub colour: String,
    pub is_default: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct PriorityFields<'a> {
    pub name: &'a str,
    pub sort_order: i32,
    pub colour: &'a str,
    pub is_default: bool,
}

const PRIORITY: &str = "SELECT id, name, sort_order, colour, is_default, created_at, updated_at, archived_at FROM priorities";

pub async fn insert_priority(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &PriorityFields<'_>,
) -> Result<Priority, sqlx::Error> {
    let id = next_id(conn, Table::Priorities, tenant).await?;
    sqlx::query("INSERT INTO priorities (tenant_id, id, name, sort_order, colour, is_default) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(tenant)
        .bind(id)
        .bind(f.name)
        .bind(f.sort_order)
        .bind(f.colour)
        .bind(f.is_default)
        .execute(&mut *conn)
        .await?;
    Ok(get_priority(conn, tenant, id)
        .await?
        .expect("the priority just inserted"))
}

pub async fn get_priority(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Priority>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PRIORITY} WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list_priorities(
    pool: &PgPool,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<Priority>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PRIORITY} WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY sort_order, id"
    )))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn update_priority(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &PriorityFields<'_>,
) -> Result<(), sqlx::Error> {
    if f.is_default {
        sqlx::query("UPDATE priorities SET is_default = false, updated_at = now() WHERE tenant_id = $1 AND id <> $2 AND is_default")
            .bind(tenant)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE priorities SET name = $3, sort_order = $4, colour = $5, is_default = $6, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.sort_order)
    .bind(f.colour)
    .bind(f.is_default)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- sources and service groups: a name (and a description) ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Named {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// Lists without a description read as an empty one.
fn named_select(table: Table) -> String {
    let description = if table.has_description() {
        "description"
    } else {
        "''::text AS description"
    };
    format!(
        "SELECT id, name, {description}, created_at, updated_at, archived_at FROM {}",
        table.name()
    )
}

pub async fn insert_named(
    conn: &mut PgConnection,
    table: Table,
    tenant: TenantId,
    name: &str,
    description: &str,
) -> Result<Named, sqlx::Error> {
    let id = next_id(conn, table, tenant).await?;
    let query = if table.has_description() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {} (tenant_id, id, name, description) VALUES ($1, $2, $3, $4)",
            table.name()
        )))
        .bind(tenant)
        .bind(id)
        .bind(name)
        .bind(description)
    } else {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {} (tenant_id, id, name) VALUES ($1, $2, $3)",
            table.name()
        )))
        .bind(tenant)
        .bind(id)
        .bind(name)
    };
    query.execute(&mut *conn).await?;
    Ok(get_named(conn, table, tenant, id)
        .await?
        .expect("the row just inserted"))
}

pub async fn get_named(
    conn: &mut PgConnection,
    table: Table,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Named>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE tenant_id = $1 AND id = $2",
        named_select(table)
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list_named(
    pool: &PgPool,
    table: Table,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<Named>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{} WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY id",
        named_select(table)
    )))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn update_named(
    conn: &mut PgConnection,
    table: Table,
    tenant: TenantId,
    id: i32,
    name: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    let query = if table.has_description() {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET name = $3, description = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2",
            table.name()
        )))
        .bind(tenant)
        .bind(id)
        .bind(name)
        .bind(description)
    } else {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {} SET name = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2",
            table.name()
        )))
        .bind(tenant)
        .bind(id)
        .bind(name)
    };
    query.execute(conn).await?;
    Ok(())
}

// ---- request types ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestType {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub service_group_id: Option<i32>,
    pub service_group_name: Option<String>,
    pub default_queue_id: i32,
    pub default_queue_name: String,
    pub default_priority_id: i32,
    pub default_priority_name: String,
    pub requires_approval: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

pub struct RequestTypeFields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub service_group_id: Option<i32>,
    pub default_queue_id: i32,
    pub default_priority_id: i32,
    pub requires_approval: bool,
}

/// Request types are read with the names of what they reference.
const REQUEST_TYPE: &str = "SELECT r.id, r.name, r.description, r.service_group_id, g.name AS service_group_name,
        r.default_queue_id, q.name AS default_queue_name, r.default_priority_id, p.name AS default_priority_name,
        r.requires_approval, r.created_at, r.updated_at, r.archived_at
    FROM request_types r
    JOIN queues q ON q.tenant_id = r.tenant_id AND q.id = r.default_queue_id
    JOIN priorities p ON p.tenant_id = r.tenant_id AND p.id = r.default_priority_id
    LEFT JOIN service_groups g ON g.tenant_id = r.tenant_id AND g.id = r.service_group_id";

pub async fn insert_request_type(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &RequestTypeFields<'_>,
) -> Result<RequestType, sqlx::Error> {
    let id = next_id(conn, Table::RequestTypes, tenant).await?;
    sqlx::query(
        "INSERT INTO request_types (tenant_id, id, name, description, service_group_id, default_queue_id,
             default_priority_id, requires_approval) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.description)
    .bind(f.service_group_id)
    .bind(f.default_queue_id)
    .bind(f.default_priority_id)
    .bind(f.requires_approval)
    .execute(&mut *conn)
    .await?;
    Ok(get_request_type(conn, tenant, id)
        .await?
        .expect("the request type just inserted"))
}

pub async fn get_request_type(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<RequestType>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_TYPE} WHERE r.tenant_id = $1 AND r.id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list_request_types(
    pool: &PgPool,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<RequestType>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_TYPE} WHERE r.tenant_id = $1 AND ($2 OR r.archived_at IS NULL) ORDER BY r.id"
    )))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn update_request_type(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &RequestTypeFields<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE request_types SET name = $3, description = $4, service_group_id = $5, default_queue_id = $6,
             default_priority_id = $7, requires_approval = $8, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.description)
    .bind(f.service_group_id)
    .bind(f.default_queue_id)
    .bind(f.default_priority_id)
    .bind(f.requires_approval)
    .execute(conn)
    .await?;
    Ok(())
}

/// How many live request types reference this queue, priority or service group.
pub async fn request_types_using(
    conn: &mut PgConnection,
    tenant: TenantId,
    table: Table,
    id: i32,
) -> Result<i64, sqlx::Error> {
    let column = match table {
        Table::Queues => "default_queue_id",
        Table::Priorities => "default_priority_id",
        Table::ServiceGroups => "service_group_id",
        _ => return Ok(0),
    };
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM request_types WHERE tenant_id = $1 AND {column} = $2 AND archived_at IS NULL"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await
}

// ---- custom ticket fields ----

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Boolean,
    SingleChoice,
    MultipleChoice,
}

impl FieldType {
    pub fn has_choices(self) -> bool {
        matches!(self, FieldType::SingleChoice | FieldType::MultipleChoice)
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomField {
    pub id: i32,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    pub choices: Vec<String>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub max_length: Option<i32>,
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// What an admin sets; `key` and `field_type` are fixed once a field exists.
pub struct CustomFieldRules<'a> {
    pub label: &'a str,
    pub required: bool,
    pub choices: &'a [String],
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub max_length: Option<i32>,
    pub sort_order: i32,
}

const CUSTOM_FIELD: &str =
    "SELECT id, key, label, field_type, required, choices, min_value, max_value, max_length,
    sort_order, created_at, updated_at, archived_at FROM custom_fields";

pub async fn insert_custom_field(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    field_type: FieldType,
    rules: &CustomFieldRules<'_>,
) -> Result<CustomField, sqlx::Error> {
    let id = next_id(conn, Table::CustomFields, tenant).await?;
    sqlx::query(
        "INSERT INTO custom_fields (tenant_id, id, key, label, field_type, required, choices, min_value, max_value,
             max_length, sort_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(tenant)
    .bind(id)
    .bind(key)
    .bind(rules.label)
    .bind(field_type)
    .bind(rules.required)
    .bind(rules.choices)
    .bind(rules.min_value)
    .bind(rules.max_value)
    .bind(rules.max_length)
    .bind(rules.sort_order)
    .execute(&mut *conn)
    .await?;
    Ok(get_custom_field(conn, tenant, id)
        .await?
        .expect("the field just inserted"))
}

pub async fn get_custom_field(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<CustomField>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CUSTOM_FIELD} WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list_custom_fields(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<CustomField>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CUSTOM_FIELD} WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY sort_order, id"
    )))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(db)
    .await
}

pub async fn update_custom_field(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    rules: &CustomFieldRules<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE custom_fields SET label = $3, required = $4, choices = $5, min_value = $6, max_value = $7,
             max_length = $8, sort_order = $9, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(rules.label)
    .bind(rules.required)
    .bind(rules.choices)
    .bind(rules.min_value)
    .bind(rules.max_value)
    .bind(rules.max_length)
    .bind(rules.sort_order)
    .execute(conn)
    .await?;
    Ok(())
}

/// The default priority, if a live one is marked.
pub async fn default_priority(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM priorities WHERE tenant_id = $1 AND is_default AND archived_at IS NULL",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await
}

pub async fn live_tag_names(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM tags WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}
