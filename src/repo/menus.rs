//! The portal's menu items, each shown to its audience.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{
    domain::{
        TenantId,
        portal::{AudienceKind, MenuItemKind},
    },
    seen_by_contact, sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MenuItemRow {
    pub id: i32,
    pub label: String,
    pub icon: String,
    pub position: i32,
    pub kind: MenuItemKind,
    pub url: Option<String>,
    pub pass_access_token: bool,
    pub open_in_new_tab: bool,
    pub target_id: Option<i32>,
    pub audience: AudienceKind,
    pub company_ids: Vec<i32>,
    pub contact_group_ids: Vec<i32>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "x.id, x.label, x.icon, x.position, x.kind, x.url, x.pass_access_token, x.open_in_new_tab,
         x.target_id, x.audience, x.company_ids, x.contact_group_ids, x.enabled, x.created_at,
         x.updated_at"
    };
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<MenuItemRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM menu_items x WHERE x.tenant_id = $1 ORDER BY x.position, x.id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// The enabled items contact `contact` of `company` may see, in order.
pub async fn list_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company: i32,
) -> Result<Vec<MenuItemRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM menu_items x WHERE x.tenant_id = $1 AND x.enabled AND ",
        seen_by_contact!(),
        " ORDER BY x.position, x.id"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .fetch_all(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<MenuItemRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM menu_items x WHERE x.tenant_id = $1 AND x.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Inserts (`id` new) or replaces an item; `row.id` is ignored.
pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    r: &MenuItemRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO menu_items (tenant_id, id, label, icon, position, kind, url,
             pass_access_token, open_in_new_tab, target_id, audience, company_ids,
             contact_group_ids, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (tenant_id, id) DO UPDATE SET label = EXCLUDED.label, icon = EXCLUDED.icon,
             position = EXCLUDED.position, kind = EXCLUDED.kind, url = EXCLUDED.url,
             pass_access_token = EXCLUDED.pass_access_token,
             open_in_new_tab = EXCLUDED.open_in_new_tab, target_id = EXCLUDED.target_id,
             audience = EXCLUDED.audience, company_ids = EXCLUDED.company_ids,
             contact_group_ids = EXCLUDED.contact_group_ids, enabled = EXCLUDED.enabled,
             updated_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&r.label)
    .bind(&r.icon)
    .bind(r.position)
    .bind(r.kind)
    .bind(&r.url)
    .bind(r.pass_access_token)
    .bind(r.open_in_new_tab)
    .bind(r.target_id)
    .bind(r.audience)
    .bind(&r.company_ids)
    .bind(&r.contact_group_ids)
    .bind(r.enabled)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM menu_items WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
