//! The conversation of a ticket: public comments and notes, internal notes, and time entries.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{
    domain::{TenantId, TextReference},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct NoteRow {
    pub id: i32,
    pub ticket_id: i32,
    pub body: String,
    pub is_internal: bool,
    pub author_kind: String,
    pub author_id: String,
    pub author_name: String,
    pub time_start: Option<DateTime<Utc>>,
    pub time_end: Option<DateTime<Utc>>,
    pub actual_hours: Option<f64>,
    pub billable_hours: Option<f64>,
    pub created_at: DateTime<Utc>,
    /// Filled in by the service from the ticket's attachments.
    #[sqlx(skip)]
    #[serde(skip)]
    pub attachments: Vec<TextReference>,
}

pub struct NewNote<'a> {
    pub body: &'a str,
    pub is_internal: bool,
    pub author_kind: &'a str,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub time_start: Option<DateTime<Utc>>,
    pub time_end: Option<DateTime<Utc>>,
    pub actual_hours: Option<f64>,
    pub billable_hours: Option<f64>,
}

macro_rules! select_notes {
    () => {
        "SELECT id, ticket_id, body, is_internal, author_kind, author_id, author_name, time_start,
            time_end, actual_hours::float8 AS actual_hours, billable_hours::float8 AS billable_hours,
            created_at FROM ticket_notes"
    };
}

/// Adds a note and marks the ticket changed.
pub async fn insert_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    n: &NewNote<'_>,
) -> Result<NoteRow, sqlx::Error> {
    // Numbered from the tenant's own sequence (migration 0032): no note waits for another.
    let id: i32 = sqlx::query_scalar(sql!("INSERT INTO ticket_notes (tenant_id, id, ticket_id, body, is_internal, author_kind, author_id, author_name,
             time_start, time_end, actual_hours, billable_hours)
         VALUES ($1, nextval(format('ids_ticket_note_%s', $1::bigint)::regclass), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING id"))
    .bind(tenant)
    .bind(ticket)
    .bind(n.body)
    .bind(n.is_internal)
    .bind(n.author_kind)
    .bind(n.author_id)
    .bind(n.author_name)
    .bind(n.time_start)
    .bind(n.time_end)
    .bind(n.actual_hours)
    .bind(n.billable_hours)
    .fetch_one(&mut *conn)
    .await?;
    super::write::touch(&mut *conn, tenant, ticket).await?;
    sqlx::query_as(sql!(select_notes!(), " WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_one(conn)
        .await
}

/// The latest note of each of the given tickets.
pub async fn latest_notes(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
) -> Result<Vec<NoteRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT DISTINCT ON (ticket_id) * FROM (",
        select_notes!(),
        " WHERE tenant_id = $1 AND ticket_id = ANY($2)) n ORDER BY ticket_id, id DESC"
    ))
    .bind(tenant)
    .bind(tickets)
    .fetch_all(conn)
    .await
}

/// A member's time entries (notes with time) logged between two instants, newest first, with
/// the summary of their ticket.
pub async fn time_entries_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    member: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(NoteRow, String)>, sqlx::Error> {
    let notes: Vec<NoteRow> = sqlx::query_as(sql!(
        select_notes!(),
        " WHERE tenant_id = $1 AND author_kind = 'member' AND author_id = $2 AND actual_hours IS NOT NULL
           AND coalesce(time_start, created_at) >= $3 AND coalesce(time_start, created_at) < $4
         ORDER BY coalesce(time_start, created_at) DESC, id DESC"
    ))
    .bind(tenant)
    .bind(member.to_string())
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let ticket_ids: Vec<i32> = notes.iter().map(|n| n.ticket_id).collect();
    let summaries: Vec<(i32, String)> = sqlx::query_as(sql!(
        "SELECT id, summary FROM tickets WHERE tenant_id = $1 AND id = ANY($2)"
    ))
    .bind(tenant)
    .bind(&ticket_ids)
    .fetch_all(conn)
    .await?;
    Ok(notes
        .into_iter()
        .map(|n| {
            let summary = summaries
                .iter()
                .find(|(id, _)| *id == n.ticket_id)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            (n, summary)
        })
        .collect())
}
