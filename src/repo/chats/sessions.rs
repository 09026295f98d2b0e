//! Chat sessions: their rows, status changes, the history search, and claiming missed ones.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, types::Json};

use super::settings::DEFAULT_MISSED_AFTER_SECS;
use crate::{domain::TenantId, repo::Slice, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub past_status: Vec<String>,
    pub creator_kind: String,
    pub creator_id: i32,
    pub ticket_id: Option<i32>,
    pub callback: Option<Json<Value>>,
    pub handled_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by_kind: Option<String>,
    pub closed_by_id: Option<i32>,
    pub close_note: Option<String>,
    pub last_message_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! session_columns {
    () => {
        "id, name, type AS kind, status, past_status, creator_kind, creator_id, \
     ticket_id, callback, handled_at, closed_at, closed_by_kind, closed_by_id, close_note, \
     last_message_id, created_at, updated_at"
    };
}

pub struct NewSession<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub status: &'a str,
    pub creator_kind: &'a str,
    pub creator_id: i32,
    pub ticket_id: Option<i32>,
    pub handled: bool,
}

/// Inserts a session; false when the id is taken (the caller draws another).
pub async fn insert_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    s: &NewSession<'_>,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(sql!("INSERT INTO chat_sessions (tenant_id, id, name, type, status, creator_kind, creator_id, ticket_id, handled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9 THEN now() END)
         ON CONFLICT DO NOTHING"))
    .bind(tenant)
    .bind(id)
    .bind(s.name)
    .bind(s.kind)
    .bind(s.status)
    .bind(s.creator_kind)
    .bind(s.creator_id)
    .bind(s.ticket_id)
    .bind(s.handled)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// The session, locked for the rest of the transaction when `lock`.
pub async fn get_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    lock: bool,
) -> Result<Option<SessionRow>, sqlx::Error> {
    let statement = if lock {
        sql!(
            "SELECT ",
            session_columns!(),
            " FROM chat_sessions WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
        )
    } else {
        sql!(
            "SELECT ",
            session_columns!(),
            " FROM chat_sessions WHERE tenant_id = $1 AND id = $2"
        )
    };
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Moves a session to `status`, remembering the one it leaves (unless that was `created`).
pub async fn set_status(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("UPDATE chat_sessions
         SET past_status = CASE WHEN status = 'created' THEN past_status ELSE past_status || status END,
             status = $3,
             handled_at = CASE WHEN $3 = 'handled' THEN coalesce(handled_at, now()) ELSE handled_at END,
             updated_at = now()
         WHERE tenant_id = $1 AND id = $2"))
    .bind(tenant)
    .bind(id)
    .bind(status)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_callback(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    callback: &Value,
) -> Result<(), sqlx::Error> {
    set_status(conn, tenant, id, "callback").await?;
    sqlx::query(sql!(
        "UPDATE chat_sessions SET callback = $3 WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(Json(callback))
    .execute(conn)
    .await?;
    Ok(())
}

/// Completes a session, recording who closed it and why.
pub async fn close(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    by: (&str, i32),
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    set_status(conn, tenant, id, "completed").await?;
    sqlx::query(sql!("UPDATE chat_sessions SET closed_at = now(), closed_by_kind = $3, closed_by_id = $4, close_note = $5
         WHERE tenant_id = $1 AND id = $2"))
    .bind(tenant)
    .bind(id)
    .bind(by.0)
    .bind(by.1)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(())
}

/// Refers the session to a ticket unless it already refers to one; false when it did.
pub async fn set_ticket(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: &str,
    ticket: i32,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(sql!(
        "UPDATE chat_sessions SET ticket_id = $3, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND ticket_id IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .bind(ticket)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

pub async fn touch(conn: &mut PgConnection, tenant: TenantId, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE chat_sessions SET updated_at = now() WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Which sessions a history lists.
#[derive(Default)]
pub struct SessionFilter<'a> {
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
    /// Sessions this contact or member created or was in.
    pub involving: Option<(&'a str, i32)>,
    pub ticket_id: Option<i32>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
}

/// Newest first.
pub async fn list_sessions(
    pool: &PgPool,
    tenant: TenantId,
    f: &SessionFilter<'_>,
    skip: i64,
    take: i64,
) -> Result<Slice<SessionRow>, sqlx::Error> {
    macro_rules! filter {
        () => {
            "tenant_id = $1
        AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR type = $3)
        AND ($4::text IS NULL
             OR (creator_kind = $4 AND creator_id = $5)
             OR EXISTS (SELECT 1 FROM chat_users u WHERE u.tenant_id = s.tenant_id AND u.session_id = s.id
                        AND u.user_kind = $4 AND u.user_id = $5))
        AND ($6::int IS NULL OR ticket_id = $6)
        AND ($7::timestamptz IS NULL OR created_at >= $7) AND ($8::timestamptz IS NULL OR created_at < $8)"
        };
    }
    let total: i64 = sqlx::query_scalar(sql!(
        "SELECT count(*) FROM chat_sessions s WHERE ",
        filter!()
    ))
    .bind(tenant)
    .bind(f.status)
    .bind(f.kind)
    .bind(f.involving.map(|w| w.0))
    .bind(f.involving.map(|w| w.1))
    .bind(f.ticket_id)
    .bind(f.created_from)
    .bind(f.created_to)
    .fetch_one(pool)
    .await?;
    let rows = sqlx::query_as(sql!(
        "SELECT ",
        session_columns!(),
        " FROM chat_sessions s WHERE ",
        filter!(),
        "
         ORDER BY created_at DESC, id DESC OFFSET $9 LIMIT $10"
    ))
    .bind(tenant)
    .bind(f.status)
    .bind(f.kind)
    .bind(f.involving.map(|w| w.0))
    .bind(f.involving.map(|w| w.1))
    .bind(f.ticket_id)
    .bind(f.created_from)
    .bind(f.created_to)
    .bind(skip)
    .bind(take)
    .fetch_all(pool)
    .await?;
    Ok(Slice { rows, total })
}

/// Marks missed one request that waited longer than its tenant allows, and answers it. Rows are
/// claimed with SKIP LOCKED, so two instances sweeping at once never claim the same one.
pub async fn claim_missed(
    conn: &mut PgConnection,
) -> Result<Option<(TenantId, String)>, sqlx::Error> {
    sqlx::query_as(sql!("UPDATE chat_sessions s
         SET status = 'missed', updated_at = now()
         FROM (SELECT w.tenant_id, w.id FROM chat_sessions w
               LEFT JOIN chat_settings cs ON cs.tenant_id = w.tenant_id
               WHERE w.status = 'created' AND w.type = 'request'
                 AND w.created_at < now() - make_interval(secs => coalesce(cs.missed_after_secs, $1))
               LIMIT 1 FOR UPDATE OF w SKIP LOCKED) due
         WHERE s.tenant_id = due.tenant_id AND s.id = due.id
         RETURNING s.tenant_id, s.id"))
    .bind(DEFAULT_MISSED_AFTER_SECS)
    .fetch_optional(conn)
    .await
}
