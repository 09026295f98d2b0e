//! Request types (service types): what contacts can ask for, and where those tickets start.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::{Table, next_id};
use crate::{
    domain::{TenantId, forms::FormPlacement},
    sql,
};

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
    pub form_id: Option<i32>,
    pub form_name: Option<String>,
    pub form_placement: FormPlacement,
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
    pub form_id: Option<i32>,
    pub form_placement: FormPlacement,
}

/// Request types are read with the names of what they reference.
macro_rules! select {
    () => {
        "SELECT r.id, r.name, r.description, r.service_group_id, g.name AS service_group_name,
            r.default_queue_id, q.name AS default_queue_name, r.default_priority_id,
            p.name AS default_priority_name, r.requires_approval, r.form_id, fm.name AS form_name,
            r.form_placement, r.created_at, r.updated_at, r.archived_at
        FROM request_types r
        JOIN queues q ON q.tenant_id = r.tenant_id AND q.id = r.default_queue_id
        JOIN priorities p ON p.tenant_id = r.tenant_id AND p.id = r.default_priority_id
        LEFT JOIN service_groups g ON g.tenant_id = r.tenant_id AND g.id = r.service_group_id
        LEFT JOIN forms fm ON fm.tenant_id = r.tenant_id AND fm.id = r.form_id"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &RequestTypeFields<'_>,
) -> Result<RequestType, sqlx::Error> {
    let id = next_id(conn, Table::RequestTypes, tenant).await?;
    sqlx::query(sql!(
        "INSERT INTO request_types (tenant_id, id, name, description, service_group_id, default_queue_id,
             default_priority_id, requires_approval, form_id, form_placement)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.description)
    .bind(f.service_group_id)
    .bind(f.default_queue_id)
    .bind(f.default_priority_id)
    .bind(f.requires_approval)
    .bind(f.form_id)
    .bind(f.form_placement)
    .execute(&mut *conn)
    .await?;
    Ok(get(conn, tenant, id)
        .await?
        .expect("the request type just inserted"))
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<RequestType>, sqlx::Error> {
    sqlx::query_as(sql!(select!(), " WHERE r.tenant_id = $1 AND r.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<RequestType>, sqlx::Error> {
    sqlx::query_as(sql!(
        select!(),
        " WHERE r.tenant_id = $1 AND ($2 OR r.archived_at IS NULL) ORDER BY r.id"
    ))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &RequestTypeFields<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE request_types SET name = $3, description = $4, service_group_id = $5, default_queue_id = $6,
             default_priority_id = $7, requires_approval = $8, form_id = $9, form_placement = $10,
             updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.description)
    .bind(f.service_group_id)
    .bind(f.default_queue_id)
    .bind(f.default_priority_id)
    .bind(f.requires_approval)
    .bind(f.form_id)
    .bind(f.form_placement)
    .execute(conn)
    .await?;
    Ok(())
}
