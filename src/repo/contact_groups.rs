//! Contact groups ("teams") inside a company, and their members.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::ids;
use crate::{
    domain::{TenantId, contact_groups::GroupRole},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContactGroup {
    pub id: i32,
    pub company_id: i32,
    pub company_name: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupMember {
    pub group_id: i32,
    pub contact_id: i32,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: GroupRole,
}

macro_rules! group {
    () => {
        "SELECT g.id, g.company_id, c.name AS company_name, g.name, g.created_at, g.updated_at, g.archived_at
    FROM contact_groups g JOIN companies c ON c.tenant_id = g.tenant_id AND c.id = g.company_id"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    company: i32,
    name: &str,
) -> Result<ContactGroup, sqlx::Error> {
    let id = ids::next_id(conn, tenant, "contact_group").await?;
    sqlx::query(sql!(
        "INSERT INTO contact_groups (tenant_id, id, company_id, name) VALUES ($1, $2, $3, $4)"
    ))
    .bind(tenant)
    .bind(id)
    .bind(company)
    .bind(name)
    .execute(&mut *conn)
    .await?;
    Ok(get(conn, tenant, id)
        .await?
        .expect("the group just inserted"))
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<ContactGroup>, sqlx::Error> {
    sqlx::query_as(sql!(group!(), " WHERE g.tenant_id = $1 AND g.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    company: i32,
    include_archived: bool,
) -> Result<Vec<ContactGroup>, sqlx::Error> {
    sqlx::query_as(sql!(group!(), " WHERE g.tenant_id = $1 AND g.company_id = $2 AND ($3 OR g.archived_at IS NULL) ORDER BY g.id"))
    .bind(tenant)
    .bind(company)
    .bind(include_archived)
    .fetch_all(pool)
    .await
}

pub async fn rename(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    name: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE contact_groups SET name = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_archived(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("UPDATE contact_groups SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"))
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(())
}

/// The members of the given groups, by group then name.
pub async fn members(
    conn: &mut PgConnection,
    tenant: TenantId,
    groups: &[i32],
) -> Result<Vec<GroupMember>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT m.group_id, m.contact_id, c.first_name, c.last_name, c.email, m.role
         FROM contact_group_members m JOIN contacts c ON c.tenant_id = m.tenant_id AND c.id = m.contact_id
         WHERE m.tenant_id = $1 AND m.group_id = ANY($2)
         ORDER BY m.group_id, c.first_name, c.last_name, c.id"))
    .bind(tenant)
    .bind(groups)
    .fetch_all(conn)
    .await
}

/// Adds the contact to the group, or changes their role there.
pub async fn set_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: i32,
    contact: i32,
    role: GroupRole,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO contact_group_members (tenant_id, group_id, contact_id, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, group_id, contact_id) DO UPDATE SET role = EXCLUDED.role"))
    .bind(tenant)
    .bind(group)
    .bind(contact)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// True when the contact was a member.
pub async fn remove_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: i32,
    contact: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!("DELETE FROM contact_group_members WHERE tenant_id = $1 AND group_id = $2 AND contact_id = $3"))
        .bind(tenant)
        .bind(group)
        .bind(contact)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// How many groups the contact belongs to.
pub async fn group_count(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT count(*) FROM contact_group_members WHERE tenant_id = $1 AND contact_id = $2"
    ))
    .bind(tenant)
    .bind(contact)
    .fetch_one(conn)
    .await
}

/// True when the contact belongs to the live group (in any role).
pub async fn is_member(
    conn: &mut PgConnection,
    tenant: TenantId,
    group: i32,
    contact: i32,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!("SELECT EXISTS (SELECT 1 FROM contact_group_members m
             JOIN contact_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id AND g.archived_at IS NULL
             WHERE m.tenant_id = $1 AND m.group_id = $2 AND m.contact_id = $3)"))
    .bind(tenant)
    .bind(group)
    .bind(contact)
    .fetch_one(conn)
    .await
}
