//! Office-hours calendars, and which companies work to them.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, types::Json};

use crate::{domain::TenantId, domain::office_hours::Schedule, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CalendarRow {
    pub id: i32,
    pub name: String,
    pub schedule: Json<Schedule>,
    pub is_default: bool,
    pub company_ids: Vec<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "c.id, c.name, c.schedule, c.is_default,
         array(SELECT co.id FROM companies co WHERE co.tenant_id = c.tenant_id
               AND co.calendar_id = c.id ORDER BY co.id) AS company_ids,
         c.created_at, c.updated_at"
    };
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<CalendarRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM calendars c WHERE c.tenant_id = $1 ORDER BY c.id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<CalendarRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM calendars c WHERE c.tenant_id = $1 AND c.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The calendar a company works to: its own, else the tenant's default.
pub async fn of_company(
    conn: &mut PgConnection,
    tenant: TenantId,
    company: i32,
) -> Result<Option<CalendarRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM calendars c WHERE c.tenant_id = $1
           AND (c.id = (SELECT calendar_id FROM companies WHERE tenant_id = $1 AND id = $2)
                OR c.is_default)
         ORDER BY c.is_default LIMIT 1"
    ))
    .bind(tenant)
    .bind(company)
    .fetch_optional(conn)
    .await
}

pub async fn schedule(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<Schedule>, sqlx::Error> {
    let found: Option<Json<Schedule>> = sqlx::query_scalar(sql!(
        "SELECT schedule FROM calendars WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|s| s.0))
}

/// Inserts (`id` new) or replaces a calendar.
pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    name: &str,
    schedule: &Schedule,
    is_default: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO calendars (tenant_id, id, name, schedule, is_default) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = $3, schedule = $4, is_default = $5,
                updated_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(Json(schedule))
    .bind(is_default)
    .execute(conn)
    .await?;
    Ok(())
}

/// No calendar is the default any more (before another becomes it).
pub async fn clear_default(conn: &mut PgConnection, tenant: TenantId) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE calendars SET is_default = false WHERE tenant_id = $1 AND is_default"
    ))
    .bind(tenant)
    .execute(conn)
    .await?;
    Ok(())
}

/// These companies (and no others) work to this calendar.
pub async fn set_companies(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    companies: &[i32],
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE companies SET calendar_id = CASE WHEN id = ANY ($3) THEN $2 END
         WHERE tenant_id = $1 AND (calendar_id = $2 OR id = ANY ($3))"
    ))
    .bind(tenant)
    .bind(id)
    .bind(companies)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a calendar (its companies fall back to the default); false when there is none.
pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    set_companies(&mut *conn, tenant, id, &[]).await?;
    let done = sqlx::query(sql!(
        "DELETE FROM calendars WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Policies that count on this calendar (it cannot be deleted while any does).
pub async fn policies_using(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT name FROM sla_policies WHERE tenant_id = $1 AND calendar_id = $2 ORDER BY id"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_all(conn)
    .await
}
