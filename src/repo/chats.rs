//! Chat sessions, the people in them, their messages, members' presence and the chat settings.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgPool, types::Json};

use super::Slice;
use crate::{domain::TenantId, sql};

/// Waiting this long for a member makes a chat request missed, unless the tenant says otherwise.
pub const DEFAULT_MISSED_AFTER_SECS: i32 = 300;

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

/// Someone in a chat, with what the `User` shape shows of them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChatUserRow {
    pub user_kind: String,
    pub user_id: i32,
    /// `invited`, `active` or `left`; `creator` for the creator row of [`person`].
    pub state: String,
    pub joined_at: Option<DateTime<Utc>>,
    pub left_at: Option<DateTime<Utc>>,
    pub name: String,
    pub company_id: Option<i32>,
    pub company_name: Option<String>,
    pub company_identifier: Option<String>,
}

/// The name and company of the contact or member `u` (`tenant_id`, `user_kind`, `user_id`), as chat
/// users show them: a lateral subquery.
macro_rules! person_of_u {
    () => {
        "
    SELECT coalesce(trim(c.first_name || ' ' || c.last_name), trim(m.first_name || ' ' || m.last_name), '') AS name,
           co.id AS company_id, co.name AS company_name, co.identifier AS company_identifier
    FROM (SELECT 1) one
    LEFT JOIN contacts c ON u.user_kind = 'contact' AND c.tenant_id = u.tenant_id AND c.id = u.user_id
    LEFT JOIN companies co ON co.tenant_id = u.tenant_id AND co.id = c.company_id
    LEFT JOIN members m ON u.user_kind = 'member' AND m.tenant_id = u.tenant_id AND m.id = u.user_id"
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

/// Puts someone in a chat as `state` (`invited`, `active` or `left`). Inviting never demotes someone
/// already active; joining remembers when they first joined.
pub async fn set_user(
    conn: &mut PgConnection,
    tenant: TenantId,
    session: &str,
    who: (&str, i32),
    state: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO chat_users (tenant_id, session_id, user_kind, user_id, state, joined_at)
         VALUES ($1, $2, $3, $4, $5, CASE WHEN $5 = 'active' THEN now() END)
         ON CONFLICT (tenant_id, session_id, user_kind, user_id) DO UPDATE
         SET state = CASE WHEN $5 = 'invited' AND chat_users.state = 'active' THEN 'active' ELSE $5 END,
             joined_at = CASE WHEN $5 = 'active' THEN coalesce(chat_users.joined_at, now())
                              ELSE chat_users.joined_at END,
             left_at = CASE WHEN $5 = 'left' THEN now() END"))
    .bind(tenant)
    .bind(session)
    .bind(who.0)
    .bind(who.1)
    .bind(state)
    .execute(conn)
    .await?;
    Ok(())
}

/// Everyone in the session, in the order they were added.
pub async fn users(
    conn: &mut PgConnection,
    tenant: TenantId,
    session: &str,
) -> Result<Vec<ChatUserRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT u.user_kind, u.user_id, u.state, u.joined_at, u.left_at, p.*
         FROM chat_users u CROSS JOIN LATERAL (",
        person_of_u!(),
        ") p
         WHERE u.tenant_id = $1 AND u.session_id = $2
         ORDER BY u.added_at, u.user_kind, u.user_id"
    ))
    .bind(tenant)
    .bind(session)
    .fetch_all(conn)
    .await
}

/// A contact or member as a chat user (state `creator`), whether or not they are in a chat.
pub async fn person(
    conn: &mut PgConnection,
    tenant: TenantId,
    who: (&str, i32),
) -> Result<ChatUserRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT u.user_kind, u.user_id, 'creator' AS state,
                NULL::timestamptz AS joined_at, NULL::timestamptz AS left_at, p.*
         FROM (SELECT $1::bigint AS tenant_id, $2::text AS user_kind, $3::int AS user_id) u
         CROSS JOIN LATERAL (",
        person_of_u!(),
        ") p"
    ))
    .bind(tenant)
    .bind(who.0)
    .bind(who.1)
    .fetch_one(conn)
    .await
}

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

pub async fn missed_after(pool: &PgPool, tenant: TenantId) -> Result<i32, sqlx::Error> {
    Ok(sqlx::query_scalar(sql!(
        "SELECT missed_after_secs FROM chat_settings WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_optional(pool)
    .await?
    .unwrap_or(DEFAULT_MISSED_AFTER_SECS))
}

pub async fn set_missed_after(
    pool: &PgPool,
    tenant: TenantId,
    secs: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO chat_settings (tenant_id, missed_after_secs) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET missed_after_secs = $2"
    ))
    .bind(tenant)
    .bind(secs)
    .execute(pool)
    .await?;
    Ok(())
}

// ---- presence ----

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PresenceRow {
    pub member_id: i32,
    pub name: String,
    pub status: String,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn set_presence(
    conn: &mut PgConnection,
    tenant: TenantId,
    member: i32,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO member_presence (tenant_id, member_id, status) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, member_id) DO UPDATE SET status = $3, updated_at = now()"
    ))
    .bind(tenant)
    .bind(member)
    .bind(status)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every live member with their presence (`offline` when they never set one).
pub async fn presence(pool: &PgPool, tenant: TenantId) -> Result<Vec<PresenceRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT m.id AS member_id, trim(m.first_name || ' ' || m.last_name) AS name,
                coalesce(p.status, 'offline') AS status, p.updated_at
         FROM members m
         LEFT JOIN member_presence p ON p.tenant_id = m.tenant_id AND p.member_id = m.id
         WHERE m.tenant_id = $1 AND m.archived_at IS NULL
         ORDER BY m.id"
    ))
    .bind(tenant)
    .fetch_all(pool)
    .await
}
