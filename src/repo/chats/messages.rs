//! Messages, numbered in order within their session.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub seq: i64,
    pub id: String,
    pub session_id: String,
    pub kind: String,
    pub author_kind: Option<String>,
    pub author_id: Option<i32>,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

macro_rules! message_columns {
    () => {
        "seq, id, session_id, kind, author_kind, author_id, body, created_at"
    };
}

pub struct NewMessage<'a> {
    pub kind: &'a str,
    pub author: Option<(&'a str, i32)>,
    /// The author's `userId`, or the tenant's `{slug}~s~0`: the id's last part.
    pub author_label: &'a str,
    pub body: &'a str,
}

/// Appends a message (its id is `{unix ms}-{hex sequence}-{author}`) and makes it the session's last.
pub async fn insert_message(
    conn: &mut PgConnection,
    tenant: TenantId,
    session: &str,
    m: &NewMessage<'_>,
) -> Result<MessageRow, sqlx::Error> {
    let row: MessageRow = sqlx::query_as(sql!("WITH n AS (SELECT nextval(pg_get_serial_sequence('chat_messages', 'seq')) AS seq, now() AS at)
         INSERT INTO chat_messages (tenant_id, session_id, seq, id, kind, author_kind, author_id, body, created_at)
         OVERRIDING SYSTEM VALUE
         SELECT $1, $2, n.seq,
                (floor(extract(epoch FROM n.at) * 1000))::bigint || '-' || upper(to_hex(n.seq)) || '-' || $3,
                $4, $5, $6, $7, n.at
         FROM n
         RETURNING ", message_columns!()))
    .bind(tenant)
    .bind(session)
    .bind(m.author_label)
    .bind(m.kind)
    .bind(m.author.map(|a| a.0))
    .bind(m.author.map(|a| a.1))
    .bind(m.body)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(sql!("UPDATE chat_sessions SET last_message_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2"))
    .bind(tenant)
    .bind(session)
    .bind(&row.id)
    .execute(conn)
    .await?;
    Ok(row)
}

/// Up to `take` messages after sequence `after` (and written by `until`, if given), oldest first.
pub async fn messages(
    pool: &PgPool,
    tenant: TenantId,
    session: &str,
    after: i64,
    until: Option<DateTime<Utc>>,
    take: i64,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        message_columns!(),
        " FROM chat_messages
         WHERE tenant_id = $1 AND session_id = $2 AND seq > $3
           AND ($4::timestamptz IS NULL OR created_at <= $4)
         ORDER BY seq LIMIT $5"
    ))
    .bind(tenant)
    .bind(session)
    .bind(after)
    .bind(until)
    .bind(take)
    .fetch_all(pool)
    .await
}

/// Every message of a session, oldest first (a transcript).
pub async fn all_messages(
    conn: &mut PgConnection,
    tenant: TenantId,
    session: &str,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        message_columns!(),
        " FROM chat_messages
         WHERE tenant_id = $1 AND session_id = $2 ORDER BY seq"
    ))
    .bind(tenant)
    .bind(session)
    .fetch_all(conn)
    .await
}
