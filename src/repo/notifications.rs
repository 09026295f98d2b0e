//! Notifications in contacts' and members' inboxes.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::Slice;
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Whose inbox: `contact` or `member`, and the id.
#[derive(Clone, Copy, Debug)]
pub struct Inbox {
    pub kind: &'static str,
    pub id: i32,
}

pub struct NewNotification<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
    pub sent_by: &'a str,
}

macro_rules! columns {
    () => {
        "id, title, body, link, created_at, read_at"
    };
}

pub async fn insert(
    pool: &PgPool,
    tenant: TenantId,
    to: Inbox,
    n: &NewNotification<'_>,
) -> Result<NotificationRow, sqlx::Error> {
    sqlx::query_as(sql!("INSERT INTO notifications (tenant_id, recipient_kind, recipient_id, title, body, link, sent_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ", columns!()))
    .bind(tenant)
    .bind(to.kind)
    .bind(to.id)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .bind(n.sent_by)
    .fetch_one(pool)
    .await
}

/// Newest first; `unread_only` leaves out the read ones.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    inbox: Inbox,
    unread_only: bool,
    skip: i64,
    take: i64,
) -> Result<Slice<NotificationRow>, sqlx::Error> {
    let rows = sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM notifications
         WHERE tenant_id = $1 AND recipient_kind = $2 AND recipient_id = $3
           AND (NOT $4 OR read_at IS NULL)
         ORDER BY id DESC OFFSET $5 LIMIT $6"
    ))
    .bind(tenant)
    .bind(inbox.kind)
    .bind(inbox.id)
    .bind(unread_only)
    .bind(skip)
    .bind(take)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(sql!(
        "SELECT count(*) FROM notifications
         WHERE tenant_id = $1 AND recipient_kind = $2 AND recipient_id = $3
           AND (NOT $4 OR read_at IS NULL)"
    ))
    .bind(tenant)
    .bind(inbox.kind)
    .bind(inbox.id)
    .bind(unread_only)
    .fetch_one(pool)
    .await?;
    Ok(Slice { rows, total })
}

pub async fn unread(pool: &PgPool, tenant: TenantId, inbox: Inbox) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT count(*) FROM notifications
         WHERE tenant_id = $1 AND recipient_kind = $2 AND recipient_id = $3 AND read_at IS NULL"
    ))
    .bind(tenant)
    .bind(inbox.kind)
    .bind(inbox.id)
    .fetch_one(pool)
    .await
}

/// Marks one notification of the inbox read (`Some(id)`) or all of them; answers how many there were.
pub async fn mark_read(
    pool: &PgPool,
    tenant: TenantId,
    inbox: Inbox,
    id: Option<i64>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE notifications SET read_at = coalesce(read_at, now())
         WHERE tenant_id = $1 AND recipient_kind = $2 AND recipient_id = $3
           AND ($4::bigint IS NULL OR id = $4)"
    ))
    .bind(tenant)
    .bind(inbox.kind)
    .bind(inbox.id)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// The same notification to each live member assigned to a ticket, in the caller's transaction.
pub async fn to_assignees(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    ticket: i32,
    n: &NewNotification<'_>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql!(
        "INSERT INTO notifications (tenant_id, recipient_kind, recipient_id, title, body, link, sent_by)
         SELECT $1, 'member', a.member_id, $3, $4, $5, $6 FROM ticket_assignees a
         JOIN members m ON m.tenant_id = a.tenant_id AND m.id = a.member_id
         WHERE a.tenant_id = $1 AND a.ticket_id = $2 AND m.archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(n.title)
    .bind(n.body)
    .bind(n.link)
    .bind(n.sent_by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
