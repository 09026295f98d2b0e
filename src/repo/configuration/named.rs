//! The named lists: categories, tags, sources and service groups, each a name and a description.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{NamedList, Table, next_id};
use crate::{domain::TenantId, sql_by};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Named {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// One static statement per list: `$before`, the list's table, `$after`.
macro_rules! per_list {
    ($list:expr, $before:literal, $after:literal) => {
        sql_by!($list, {
            NamedList::Categories => "categories",
            NamedList::Tags => "tags",
            NamedList::Sources => "sources",
            NamedList::ServiceGroups => "service_groups",
        }, $before, $after)
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    list: NamedList,
    tenant: TenantId,
    name: &str,
    description: &str,
) -> Result<Named, sqlx::Error> {
    let id = next_id(conn, Table::Named(list), tenant).await?;
    let statement = per_list!(
        list,
        "INSERT INTO ",
        " (tenant_id, id, name, description) VALUES ($1, $2, $3, $4)
          RETURNING id, name, description, created_at, updated_at, archived_at"
    );
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(id)
        .bind(name)
        .bind(description)
        .fetch_one(conn)
        .await
}

pub async fn get(
    conn: &mut PgConnection,
    list: NamedList,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Named>, sqlx::Error> {
    let statement = per_list!(
        list,
        "SELECT id, name, description, created_at, updated_at, archived_at FROM ",
        " WHERE tenant_id = $1 AND id = $2"
    );
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list(
    pool: &PgPool,
    list: NamedList,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<Named>, sqlx::Error> {
    let statement = per_list!(
        list,
        "SELECT id, name, description, created_at, updated_at, archived_at FROM ",
        " WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL) ORDER BY id"
    );
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(include_archived)
        .fetch_all(pool)
        .await
}

pub async fn update(
    conn: &mut PgConnection,
    list: NamedList,
    tenant: TenantId,
    id: i32,
    name: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    let statement = per_list!(
        list,
        "UPDATE ",
        " SET name = $3, description = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2"
    );
    sqlx::query(statement)
        .bind(tenant)
        .bind(id)
        .bind(name)
        .bind(description)
        .execute(conn)
        .await?;
    Ok(())
}

/// The names of the live tags, as configured.
pub async fn live_tag_names(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(crate::sql!(
        "SELECT name FROM tags WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}
