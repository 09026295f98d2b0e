//! Service-level policies, and each ticket's clocks against its policy.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{PgConnection, types::Json};

use crate::{
    domain::{
        TenantId,
        sla::{Clock, SlaConditions, SlaTargets},
    },
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: i32,
    pub name: String,
    pub position: i32,
    pub enabled: bool,
    pub conditions: Json<SlaConditions>,
    pub targets: Json<Vec<SlaTargets>>,
    pub business_hours: bool,
    pub calendar_id: Option<i32>,
    pub pause_status_ids: Vec<i32>,
    pub warn_before_secs: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A policy as stored (the service has checked it).
pub struct PolicyFields<'a> {
    pub name: &'a str,
    pub position: i32,
    pub enabled: bool,
    pub conditions: &'a SlaConditions,
    pub targets: &'a [SlaTargets],
    pub business_hours: bool,
    pub calendar_id: Option<i32>,
    pub pause_status_ids: &'a [i32],
    pub warn_before_secs: i32,
}

macro_rules! columns {
    () => {
        "id, name, position, enabled, conditions, targets, business_hours, calendar_id,
         pause_status_ids, warn_before_secs, created_at, updated_at"
    };
}

/// Every policy, in the order they are tried.
pub async fn policies(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<PolicyRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM sla_policies WHERE tenant_id = $1 ORDER BY position, id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<PolicyRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM sla_policies WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Inserts (`id` new) or replaces a policy.
pub async fn save_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    p: &PolicyFields<'_>,
) -> Result<PolicyRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO sla_policies (tenant_id, id, name, position, enabled, conditions, targets,
                business_hours, calendar_id, pause_status_ids, warn_before_secs)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = $3, position = $4, enabled = $5,
                conditions = $6, targets = $7, business_hours = $8, calendar_id = $9,
                pause_status_ids = $10, warn_before_secs = $11, updated_at = now()
         RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(p.name)
    .bind(p.position)
    .bind(p.enabled)
    .bind(Json(p.conditions))
    .bind(Json(p.targets))
    .bind(p.business_hours)
    .bind(p.calendar_id)
    .bind(p.pause_status_ids)
    .bind(p.warn_before_secs)
    .fetch_one(conn)
    .await
}

/// Deletes a policy; its tickets keep their clocks under its name. False when there is none.
pub async fn delete_policy(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE ticket_slas SET policy_id = NULL WHERE tenant_id = $1 AND policy_id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(sql!(
        "DELETE FROM sla_policies WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A ticket's clocks, as stored (and read as JSON inside ticket reads).
#[derive(Clone, Debug, Deserialize)]
pub struct TicketSla {
    pub policy_id: Option<i32>,
    pub policy_name: String,
    pub calendar_id: Option<i32>,
    pub business_hours: bool,
    pub warn_before_secs: i32,
    pub pause_status_ids: Vec<i32>,
    pub next_response_secs: Option<i32>,
    pub paused_since: Option<DateTime<Utc>>,
    pub paused_secs: i64,
    pub first_response: Option<Clock>,
    pub next_response: Option<Clock>,
    pub resolution: Option<Clock>,
}

/// What the clocks' columns for lists, filters and the sweeper hold.
pub struct Derived {
    pub due_at: Option<DateTime<Utc>>,
    pub first_response_breach_at: Option<DateTime<Utc>>,
    pub next_response_breach_at: Option<DateTime<Utc>>,
    pub resolution_breach_at: Option<DateTime<Utc>>,
    pub breach_at: Option<DateTime<Utc>>,
    pub alarm_at: Option<DateTime<Utc>>,
}

/// What keeping a ticket's clocks reads about it, with its clocks locked.
#[derive(Debug, sqlx::FromRow)]
pub struct TicketFacts {
    pub priority_id: i32,
    pub queue_id: i32,
    pub request_type_id: Option<i32>,
    pub company_id: i32,
    pub status_id: i32,
    pub is_closed: bool,
    pub created_at: DateTime<Utc>,
    pub contact_vip: bool,
    /// The company's own calendar, else the tenant's default.
    pub calendar_id: Option<i32>,
    pub sla: Option<Json<TicketSla>>,
}

pub async fn facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Option<TicketFacts>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT t.priority_id, t.queue_id, t.request_type_id, t.company_id, t.status_id,
                t.is_closed, t.created_at, c.is_vip AS contact_vip,
                coalesce((SELECT calendar_id FROM companies
                          WHERE tenant_id = t.tenant_id AND id = t.company_id),
                         (SELECT id FROM calendars WHERE tenant_id = t.tenant_id AND is_default))
                    AS calendar_id,
                (SELECT to_jsonb(s) FROM ticket_slas s
                 WHERE s.tenant_id = t.tenant_id AND s.ticket_id = t.id FOR UPDATE) AS sla
         FROM tickets t JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.contact_id
         WHERE t.tenant_id = $1 AND t.id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_optional(conn)
    .await
}

pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    s: &TicketSla,
    d: &Derived,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO ticket_slas (tenant_id, ticket_id, policy_id, policy_name, calendar_id,
                business_hours, warn_before_secs, pause_status_ids, next_response_secs,
                paused_since, paused_secs, first_response, next_response, resolution, due_at,
                first_response_breach_at, next_response_breach_at, resolution_breach_at,
                breach_at, alarm_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20)
         ON CONFLICT (tenant_id, ticket_id) DO UPDATE SET policy_id = $3, policy_name = $4,
                calendar_id = $5, business_hours = $6, warn_before_secs = $7,
                pause_status_ids = $8, next_response_secs = $9, paused_since = $10,
                paused_secs = $11, first_response = $12, next_response = $13, resolution = $14,
                due_at = $15, first_response_breach_at = $16, next_response_breach_at = $17,
                resolution_breach_at = $18, breach_at = $19, alarm_at = $20, updated_at = now()"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(s.policy_id)
    .bind(&s.policy_name)
    .bind(s.calendar_id)
    .bind(s.business_hours)
    .bind(s.warn_before_secs)
    .bind(&s.pause_status_ids)
    .bind(s.next_response_secs)
    .bind(s.paused_since)
    .bind(s.paused_secs)
    .bind(s.first_response.as_ref().map(Json))
    .bind(s.next_response.as_ref().map(Json))
    .bind(s.resolution.as_ref().map(Json))
    .bind(d.due_at)
    .bind(d.first_response_breach_at)
    .bind(d.next_response_breach_at)
    .bind(d.resolution_breach_at)
    .bind(d.breach_at)
    .bind(d.alarm_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// No policy applies to the ticket any more.
pub async fn forget(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "DELETE FROM ticket_slas WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .execute(conn)
    .await?;
    Ok(())
}

/// A ticket whose clocks have a warning or a breach to tell.
#[derive(sqlx::FromRow)]
pub struct Alarm {
    pub tenant_id: TenantId,
    pub ticket_id: i32,
    pub sla: Json<TicketSla>,
}

/// Claims (locks) up to `batch` tickets whose alarm is due; other sweepers skip them.
pub async fn claim_alarms(conn: &mut PgConnection, batch: i64) -> Result<Vec<Alarm>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT s.tenant_id, s.ticket_id, to_jsonb(s) AS sla FROM ticket_slas s
         WHERE s.alarm_at <= now() ORDER BY s.alarm_at LIMIT $1 FOR UPDATE SKIP LOCKED"
    ))
    .bind(batch)
    .fetch_all(conn)
    .await
}
