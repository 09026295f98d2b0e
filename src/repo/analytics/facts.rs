//! Each ticket's analytics facts (`ticket_facts`), kept as the ticket changes.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, types::Json};

use crate::{domain::TenantId, domain::office_hours::Schedule, sql};

/// The ticket's dimensions, as they are now.
macro_rules! dimensions {
    () => {
        "t.queue_id, t.company_id, t.request_type_id,
         (SELECT min(a.member_id) FROM ticket_assignees a
           WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id)"
    };
}

/// When the ticket's current assignees were given to it (the first assignment, while none was
/// recorded before).
macro_rules! first_assigned {
    () => {
        "(SELECT min(a.assigned_at) FROM ticket_assignees a
           WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id)"
    };
}

pub async fn insert_facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO ticket_facts (tenant_id, ticket_id, created_at, queue_id, company_id,
                request_type_id, member_id, first_assigned_at)
         SELECT t.tenant_id, t.id, t.created_at, ",
        dimensions!(),
        ", ",
        first_assigned!(),
        " FROM tickets t WHERE t.tenant_id = $1 AND t.id = $2
         ON CONFLICT (tenant_id, ticket_id) DO NOTHING"
    ))
    .bind(tenant)
    .bind(ticket)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn refresh_dimensions(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE ticket_facts f SET (queue_id, company_id, request_type_id, member_id, first_assigned_at) =
                (SELECT ",
        dimensions!(),
        ", coalesce(f.first_assigned_at, ",
        first_assigned!(),
        ") FROM tickets t WHERE t.tenant_id = f.tenant_id AND t.id = f.ticket_id)
         WHERE f.tenant_id = $1 AND f.ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .execute(conn)
    .await?;
    Ok(())
}

/// What a staff reply concluded of the SLA targets.
pub struct Outcome {
    pub first_response_met: Option<bool>,
    pub next_response_met: i32,
    pub next_response_missed: i32,
}

/// Records a staff reply; answers when it was answered first, while that is not yet measured.
pub async fn responded(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    o: &Outcome,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let first: Option<(DateTime<Utc>, bool)> = sqlx::query_as(sql!(
        "UPDATE ticket_facts SET first_response_at = coalesce(first_response_at, now()),
                first_response_met = coalesce(first_response_met, $3),
                next_responses_met = next_responses_met + $4,
                next_responses_missed = next_responses_missed + $5
         WHERE tenant_id = $1 AND ticket_id = $2
         RETURNING first_response_at, first_response_secs IS NULL"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(o.first_response_met)
    .bind(o.next_response_met)
    .bind(o.next_response_missed)
    .fetch_optional(conn)
    .await?;
    Ok(first
        .filter(|(_, unmeasured)| *unmeasured)
        .map(|(at, _)| at))
}

pub async fn set_first_response_secs(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE ticket_facts SET first_response_secs = $3 WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(secs)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn closed(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    at: DateTime<Utc>,
    resolution_secs: i64,
    met: Option<bool>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE ticket_facts SET closed_at = $3, resolution_secs = $4, resolution_met = $5
         WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(at)
    .bind(resolution_secs)
    .bind(met)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn reopened(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE ticket_facts SET closed_at = NULL, resolution_secs = NULL, resolution_met = NULL
         WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .execute(conn)
    .await?;
    Ok(())
}

/// When a ticket was made, and the office hours its working time is counted on: its company's,
/// else the tenant's default (`None`: every hour).
pub async fn timing(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Option<(DateTime<Utc>, Option<Schedule>)>, sqlx::Error> {
    let found: Option<(DateTime<Utc>, Option<Json<Schedule>>)> = sqlx::query_as(sql!(
        "SELECT f.created_at,
                (SELECT c.schedule FROM calendars c WHERE c.tenant_id = f.tenant_id
                   AND (c.id = (SELECT co.calendar_id FROM companies co
                                WHERE co.tenant_id = f.tenant_id AND co.id = f.company_id)
                        OR c.is_default)
                 ORDER BY c.is_default LIMIT 1)
         FROM ticket_facts f WHERE f.tenant_id = $1 AND f.ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|(created, schedule)| (created, schedule.map(|s| s.0))))
}
