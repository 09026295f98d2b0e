//! Survey definitions, and the one survey each closed ticket may be sent and answered.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use sqlx::{PgConnection, QueryBuilder};

use crate::{
    domain::{TenantId, surveys::SurveyKind},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SurveyRow {
    pub id: i32,
    pub name: String,
    pub question: String,
    pub kind: SurveyKind,
    pub ask_comment: bool,
    pub position: i32,
    pub enabled: bool,
    pub queue_ids: Vec<i32>,
    pub request_type_ids: Vec<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A survey as stored (the service has checked it).
pub struct SurveyFields<'a> {
    pub name: &'a str,
    pub question: &'a str,
    pub kind: SurveyKind,
    pub ask_comment: bool,
    pub position: i32,
    pub enabled: bool,
    pub queue_ids: &'a [i32],
    pub request_type_ids: &'a [i32],
}

macro_rules! columns {
    () => {
        "id, name, question, kind, ask_comment, position, enabled, queue_ids, request_type_ids,
         created_at, updated_at"
    };
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<SurveyRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM surveys WHERE tenant_id = $1 ORDER BY position, id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<SurveyRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM surveys WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Inserts (`id` new) or replaces a survey.
pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    s: &SurveyFields<'_>,
) -> Result<SurveyRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO surveys (tenant_id, id, name, question, kind, ask_comment, position, enabled,
                queue_ids, request_type_ids)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = $3, question = $4, kind = $5,
                ask_comment = $6, position = $7, enabled = $8, queue_ids = $9,
                request_type_ids = $10, updated_at = now()
         RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(s.name)
    .bind(s.question)
    .bind(s.kind)
    .bind(s.ask_comment)
    .bind(s.position)
    .bind(s.enabled)
    .bind(s.queue_ids)
    .bind(s.request_type_ids)
    .fetch_one(conn)
    .await
}

/// Deletes a survey; what was sent and answered stays. False when there is none.
pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE survey_responses SET survey_id = NULL WHERE tenant_id = $1 AND survey_id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(sql!("DELETE FROM surveys WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A survey a ticket was sent.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SentSurvey {
    pub survey_id: i32,
    pub survey_name: String,
    pub kind: SurveyKind,
}

/// Sends the first enabled survey that matches the ticket, unless one was sent before; the survey
/// when this call sent it.
pub async fn send(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    window_secs: i64,
) -> Result<Option<SentSurvey>, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO survey_responses (tenant_id, ticket_id, survey_id, survey_name, kind, question,
                ask_comment, contact_id, company_id, queue_id, request_type_id, member_id,
                answer_until)
         SELECT t.tenant_id, t.id, s.id, s.name, s.kind, s.question, s.ask_comment, t.contact_id,
                t.company_id, t.queue_id, t.request_type_id,
                (SELECT min(a.member_id) FROM ticket_assignees a
                  WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id),
                now() + make_interval(secs => $3)
         FROM tickets t
         CROSS JOIN LATERAL (
             SELECT * FROM surveys s
             WHERE s.tenant_id = t.tenant_id AND s.enabled
               AND (cardinality(s.queue_ids) = 0 OR t.queue_id = ANY (s.queue_ids))
               AND (cardinality(s.request_type_ids) = 0 OR t.request_type_id = ANY (s.request_type_ids))
             ORDER BY s.position, s.id LIMIT 1) s
         WHERE t.tenant_id = $1 AND t.id = $2
         ON CONFLICT (tenant_id, ticket_id) DO NOTHING
         RETURNING survey_id, survey_name, kind"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(window_secs as f64)
    .fetch_optional(conn)
    .await
}

/// A ticket's survey as sent (and answered), with the ticket's summary.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResponseRow {
    pub ticket_id: i32,
    pub ticket_summary: String,
    pub survey_id: Option<i32>,
    pub survey_name: String,
    pub kind: SurveyKind,
    pub question: String,
    pub ask_comment: bool,
    pub contact_id: i32,
    pub contact_name: String,
    pub company_id: i32,
    pub queue_id: i32,
    pub request_type_id: Option<i32>,
    pub member_id: Option<i32>,
    pub sent_at: DateTime<Utc>,
    pub answer_until: DateTime<Utc>,
    pub rating: Option<i16>,
    pub score: Option<i16>,
    pub satisfied: Option<bool>,
    pub comment: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

macro_rules! response_columns {
    () => {
        "r.ticket_id, t.summary AS ticket_summary, r.survey_id, r.survey_name, r.kind, r.question,
         r.ask_comment, r.contact_id,
         (SELECT trim(first_name || ' ' || last_name) FROM contacts
           WHERE tenant_id = r.tenant_id AND id = r.contact_id) AS contact_name,
         r.company_id, r.queue_id, r.request_type_id, r.member_id, r.sent_at, r.answer_until,
         r.rating, r.score, r.satisfied, r.comment, r.answered_at
         FROM survey_responses r
         JOIN tickets t ON t.tenant_id = r.tenant_id AND t.id = r.ticket_id"
    };
}

/// The survey of a ticket; `lock` holds it for an answer.
pub async fn response(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    lock: bool,
) -> Result<Option<ResponseRow>, sqlx::Error> {
    let query = if lock {
        sql!(
            "SELECT ",
            response_columns!(),
            " WHERE r.tenant_id = $1 AND r.ticket_id = $2 FOR UPDATE OF r"
        )
    } else {
        sql!(
            "SELECT ",
            response_columns!(),
            " WHERE r.tenant_id = $1 AND r.ticket_id = $2"
        )
    };
    sqlx::query_as(query)
        .bind(tenant)
        .bind(ticket)
        .fetch_optional(conn)
        .await
}

/// The surveys sent for these tickets.
pub async fn of_tickets(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
) -> Result<Vec<ResponseRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        response_columns!(),
        " WHERE r.tenant_id = $1 AND r.ticket_id = ANY($2)"
    ))
    .bind(tenant)
    .bind(tickets)
    .fetch_all(conn)
    .await
}

/// Records (or changes) the answer.
pub async fn answer(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    rating: i16,
    score: i16,
    satisfied: bool,
    comment: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE survey_responses SET rating = $3, score = $4, satisfied = $5, comment = $6,
                answered_at = now()
         WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(rating)
    .bind(score)
    .bind(satisfied)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which responses a list wants; every filter is optional.
#[derive(Clone, Debug, Default)]
pub struct ResponseFilter {
    /// Sent (or, with `answered`, answered) at or after.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only answered (`true`) or unanswered (`false`) ones.
    pub answered: Option<bool>,
    pub contact_id: Option<i32>,
    pub member_id: Option<i32>,
    pub company_id: Option<i32>,
    pub queue_id: Option<i32>,
    pub rating: Option<i16>,
    /// Oldest first (Desk365's order) instead of newest first.
    pub oldest_first: bool,
}

/// A page of responses, newest first (or oldest), and how many match.
pub async fn responses(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &ResponseFilter,
    skip: i64,
    take: i64,
) -> Result<(Vec<ResponseRow>, i64), sqlx::Error> {
    let at = if f.answered == Some(true) {
        "r.answered_at"
    } else {
        "r.sent_at"
    };
    let filter = |q: &mut QueryBuilder<sqlx::Postgres>| {
        q.push(" WHERE r.tenant_id = ").push_bind(tenant);
        if let Some(from) = f.from {
            q.push(format_args!(" AND {at} >= ")).push_bind(from);
        }
        if let Some(to) = f.to {
            q.push(format_args!(" AND {at} < ")).push_bind(to);
        }
        match f.answered {
            Some(true) => q.push(" AND r.answered_at IS NOT NULL"),
            Some(false) => q.push(" AND r.answered_at IS NULL"),
            None => q,
        };
        for (column, value) in [
            ("r.contact_id", f.contact_id),
            ("r.member_id", f.member_id),
            ("r.company_id", f.company_id),
            ("r.queue_id", f.queue_id),
        ] {
            if let Some(value) = value {
                q.push(format_args!(" AND {column} = ")).push_bind(value);
            }
        }
        if let Some(rating) = f.rating {
            q.push(" AND r.rating = ").push_bind(rating);
        }
    };
    let mut count = QueryBuilder::new(
        "SELECT count(*) FROM survey_responses r JOIN tickets t ON t.tenant_id = r.tenant_id AND t.id = r.ticket_id",
    );
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut page = QueryBuilder::new(concat!("SELECT ", response_columns!()));
    filter(&mut page);
    let direction = if f.oldest_first { "ASC" } else { "DESC" };
    page.push(format_args!(
        " ORDER BY {at} {direction}, r.ticket_id {direction} LIMIT "
    ))
    .push_bind(take)
    .push(" OFFSET ")
    .push_bind(skip);
    let rows = page.build_query_as().fetch_all(conn).await?;
    Ok((rows, total))
}

/// The answered survey a ticket shows (read as JSON inside ticket reads).
#[derive(Clone, Debug, Deserialize)]
pub struct TicketSurvey {
    pub kind: SurveyKind,
    pub rating: i16,
    pub score: i16,
    pub satisfied: bool,
    pub comment: Option<String>,
    pub answered_at: DateTime<Utc>,
}
