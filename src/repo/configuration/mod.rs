//! Service configuration tables: queues and their statuses, priorities, the named lists
//! (categories, tags, sources, service groups), request types and custom ticket fields.
//! Each table has its module; what they share (archiving, liveness) is here.

pub mod custom_fields;
pub mod named;
pub mod priorities;
pub mod queues;
pub mod request_types;
pub mod statuses;

use sqlx::PgConnection;

use super::ids;
use crate::{domain::TenantId, sql, sql_by};

/// The configuration tables, for the operations they share. Names are constants, never input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Queues,
    Statuses,
    Priorities,
    RequestTypes,
    CustomFields,
    Named(NamedList),
}

/// The four lists that are a name and a description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamedList {
    Categories,
    Tags,
    Sources,
    ServiceGroups,
}

/// One static statement per configuration table: `$before`, the table's name, `$after`.
macro_rules! per_table {
    ($table:expr, $before:literal, $after:literal) => {
        sql_by!($table, {
            Table::Queues => "queues",
            Table::Statuses => "statuses",
            Table::Priorities => "priorities",
            Table::RequestTypes => "request_types",
            Table::CustomFields => "custom_fields",
            Table::Named(NamedList::Categories) => "categories",
            Table::Named(NamedList::Tags) => "tags",
            Table::Named(NamedList::Sources) => "sources",
            Table::Named(NamedList::ServiceGroups) => "service_groups",
        }, $before, $after)
    };
}

impl Table {
    /// The entity name of `ids::next_id`.
    fn entity(self) -> &'static str {
        match self {
            Table::Queues => "queue",
            Table::Statuses => "status",
            Table::Priorities => "priority",
            Table::RequestTypes => "request_type",
            Table::CustomFields => "custom_field",
            Table::Named(NamedList::Categories) => "category",
            Table::Named(NamedList::Tags) => "tag",
            Table::Named(NamedList::Sources) => "source",
            Table::Named(NamedList::ServiceGroups) => "service_group",
        }
    }

    /// The unique index on the live rows' names.
    pub fn name_index(self) -> &'static str {
        match self {
            Table::Queues => "queues_name",
            Table::Statuses => "statuses_name",
            Table::Priorities => "priorities_name",
            Table::RequestTypes => "request_types_name",
            Table::CustomFields => "custom_fields_name",
            Table::Named(NamedList::Categories) => "categories_name",
            Table::Named(NamedList::Tags) => "tags_name",
            Table::Named(NamedList::Sources) => "sources_name",
            Table::Named(NamedList::ServiceGroups) => "service_groups_name",
        }
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
    let statement = per_table!(
        table,
        "UPDATE ",
        " SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    );
    let done = sqlx::query(statement)
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
    let statement = per_table!(
        table,
        "SELECT EXISTS (SELECT 1 FROM ",
        " WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL)"
    );
    sqlx::query_scalar(statement)
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

/// How many live request types reference this queue, priority or service group (0 for any other
/// table: nothing else is referenced by request types).
pub async fn request_types_using(
    conn: &mut PgConnection,
    tenant: TenantId,
    table: Table,
    id: i32,
) -> Result<i64, sqlx::Error> {
    let statement = match table {
        Table::Queues => sql!(
            "SELECT count(*) FROM request_types WHERE tenant_id = $1 AND default_queue_id = $2 AND archived_at IS NULL"
        ),
        Table::Priorities => sql!(
            "SELECT count(*) FROM request_types WHERE tenant_id = $1 AND default_priority_id = $2 AND archived_at IS NULL"
        ),
        Table::Named(NamedList::ServiceGroups) => sql!(
            "SELECT count(*) FROM request_types WHERE tenant_id = $1 AND service_group_id = $2 AND archived_at IS NULL"
        ),
        _ => return Ok(0),
    };
    sqlx::query_scalar(statement)
        .bind(tenant)
        .bind(id)
        .fetch_one(conn)
        .await
}
