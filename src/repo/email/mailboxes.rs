//! Mailboxes deskd receives mail from, and the log of every message received.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MailboxRow {
    pub tenant_id: TenantId,
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub queue_id: i32,
    pub unknown_senders: String,
    pub default_company_id: Option<i32>,
    pub inbound_secret_hash: Vec<u8>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_tls: Option<String>,
    pub imap_user: Option<String>,
    pub imap_password_sealed: Option<Vec<u8>>,
    pub imap_folder: String,
    pub processed_folder: Option<String>,
    pub enabled: bool,
    pub uid_validity: Option<i64>,
    pub last_uid: i64,
    pub last_polled_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! columns {
    () => {
        "tenant_id, id, name, address, queue_id, unknown_senders, default_company_id,
         inbound_secret_hash, imap_host, imap_port, imap_tls, imap_user, imap_password_sealed,
         imap_folder, processed_folder, enabled, uid_validity, last_uid, last_polled_at,
         last_error, created_at, updated_at"
    };
}

/// What an admin sets.
pub struct MailboxFields<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub queue_id: i32,
    pub unknown_senders: &'a str,
    pub default_company_id: Option<i32>,
    pub imap_host: Option<&'a str>,
    pub imap_port: Option<i32>,
    pub imap_tls: Option<&'a str>,
    pub imap_user: Option<&'a str>,
    pub imap_password_sealed: Option<&'a [u8]>,
    pub imap_folder: &'a str,
    pub processed_folder: Option<&'a str>,
    pub enabled: bool,
}

pub async fn insert(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    secret_hash: &[u8],
    f: &MailboxFields<'_>,
) -> Result<MailboxRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO email_mailboxes (tenant_id, id, inbound_secret_hash, name, address, queue_id,
                unknown_senders, default_company_id, imap_host, imap_port, imap_tls, imap_user,
                imap_password_sealed, imap_folder, processed_folder, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(secret_hash)
    .bind(f.name)
    .bind(f.address)
    .bind(f.queue_id)
    .bind(f.unknown_senders)
    .bind(f.default_company_id)
    .bind(f.imap_host)
    .bind(f.imap_port)
    .bind(f.imap_tls)
    .bind(f.imap_user)
    .bind(f.imap_password_sealed)
    .bind(f.imap_folder)
    .bind(f.processed_folder)
    .bind(f.enabled)
    .fetch_one(pool)
    .await
}

/// Replaces the settings; a changed server or folder starts polling afresh.
pub async fn update(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    f: &MailboxFields<'_>,
) -> Result<Option<MailboxRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE email_mailboxes SET name = $3, address = $4, queue_id = $5, unknown_senders = $6,
                default_company_id = $7, imap_host = $8, imap_port = $9, imap_tls = $10,
                imap_user = $11, imap_password_sealed = $12, imap_folder = $13,
                processed_folder = $14, enabled = $15,
                uid_validity = CASE WHEN imap_host IS DISTINCT FROM $8 OR imap_folder <> $13
                                    OR imap_user IS DISTINCT FROM $11 THEN NULL ELSE uid_validity END,
                next_poll_at = now(), poll_failures = 0, last_error = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2
         RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.name)
    .bind(f.address)
    .bind(f.queue_id)
    .bind(f.unknown_senders)
    .bind(f.default_company_id)
    .bind(f.imap_host)
    .bind(f.imap_port)
    .bind(f.imap_tls)
    .bind(f.imap_user)
    .bind(f.imap_password_sealed)
    .bind(f.imap_folder)
    .bind(f.processed_folder)
    .bind(f.enabled)
    .fetch_optional(pool)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<MailboxRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM email_mailboxes WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A mailbox by id alone, for the inbound endpoint (the secret then proves the caller's right).
pub async fn by_id(pool: &PgPool, id: Uuid) -> Result<Option<MailboxRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM email_mailboxes WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn list(pool: &PgPool, tenant: TenantId) -> Result<Vec<MailboxRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM email_mailboxes WHERE tenant_id = $1 ORDER BY created_at"
    ))
    .bind(tenant)
    .fetch_all(pool)
    .await
}

pub async fn delete(pool: &PgPool, tenant: TenantId, id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM email_mailboxes WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn set_secret(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    hash: &[u8],
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE email_mailboxes SET inbound_secret_hash = $3, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(hash)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Leases one enabled IMAP mailbox due for a poll, so no other instance polls it meanwhile.
pub async fn lease_due(pool: &PgPool, lease_secs: f64) -> Result<Option<MailboxRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "WITH due AS (
             SELECT tenant_id, id FROM email_mailboxes
             WHERE enabled AND imap_host IS NOT NULL AND next_poll_at <= now()
               AND (lease_until IS NULL OR lease_until < now())
             ORDER BY next_poll_at LIMIT 1 FOR UPDATE SKIP LOCKED)
         UPDATE email_mailboxes m SET lease_until = now() + make_interval(secs => $1)
         FROM due WHERE m.tenant_id = due.tenant_id AND m.id = due.id
         RETURNING m.tenant_id, m.id, m.name, m.address, m.queue_id, m.unknown_senders,
                   m.default_company_id, m.inbound_secret_hash, m.imap_host, m.imap_port,
                   m.imap_tls, m.imap_user, m.imap_password_sealed, m.imap_folder,
                   m.processed_folder, m.enabled, m.uid_validity, m.last_uid, m.last_polled_at,
                   m.last_error, m.created_at, m.updated_at"
    ))
    .bind(lease_secs)
    .fetch_optional(pool)
    .await
}

/// Where polling got to, so a restart resumes after the last message processed; the poll's lease
/// is renewed with it.
pub async fn advance(
    pool: &PgPool,
    mailbox: &MailboxRow,
    uid_validity: i64,
    last_uid: i64,
    lease_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE email_mailboxes SET uid_validity = $3, last_uid = greatest(last_uid, $4),
                lease_until = now() + make_interval(secs => $5)
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(mailbox.tenant_id)
    .bind(mailbox.id)
    .bind(uid_validity)
    .bind(last_uid)
    .bind(lease_secs)
    .execute(pool)
    .await?;
    Ok(())
}

/// A poll ended: the lease is released and the next poll scheduled (later after failures).
pub async fn polled(
    pool: &PgPool,
    mailbox: &MailboxRow,
    error: Option<&str>,
    next_in_secs: f64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE email_mailboxes SET lease_until = NULL, last_polled_at = now(), last_error = $3,
                poll_failures = CASE WHEN $3::text IS NULL THEN 0 ELSE poll_failures + 1 END,
                next_poll_at = now() + make_interval(secs => $4)
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(mailbox.tenant_id)
    .bind(mailbox.id)
    .bind(error)
    .bind(next_in_secs)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn poll_failures(pool: &PgPool, mailbox: &MailboxRow) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT poll_failures FROM email_mailboxes WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(mailbox.tenant_id)
    .bind(mailbox.id)
    .fetch_one(pool)
    .await
}

pub struct Received<'a> {
    pub mailbox_id: Uuid,
    pub message_id: &'a str,
    pub sender: &'a str,
    pub subject: &'a str,
    pub outcome: &'a str,
    pub ticket_id: Option<i32>,
    pub reason: Option<&'a str>,
}

/// Records a message as received; false when it already was (a duplicate, or another instance).
pub async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    r: &Received<'_>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "INSERT INTO email_inbound (tenant_id, mailbox_id, message_id, sender, subject, outcome,
                ticket_id, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, message_id) DO NOTHING"
    ))
    .bind(tenant)
    .bind(r.mailbox_id)
    .bind(r.message_id)
    .bind(r.sender)
    .bind(r.subject)
    .bind(r.outcome)
    .bind(r.ticket_id)
    .bind(r.reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, sqlx::FromRow)]
pub struct ReceivedRow {
    pub id: i64,
    pub message_id: String,
    pub sender: String,
    pub subject: String,
    pub outcome: String,
    pub ticket_id: Option<i32>,
    pub reason: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// The latest 100 messages a mailbox received, newest first.
pub async fn received(
    pool: &PgPool,
    tenant: TenantId,
    mailbox: Uuid,
) -> Result<Vec<ReceivedRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, message_id, sender, subject, outcome, ticket_id, reason, received_at
         FROM email_inbound WHERE tenant_id = $1 AND mailbox_id = $2
         ORDER BY id DESC LIMIT 100"
    ))
    .bind(tenant)
    .bind(mailbox)
    .fetch_all(pool)
    .await
}

/// The ticket a message deskd sent (by Message-ID) was about, and who it went to (`contact`,
/// `member`).
pub async fn ticket_of_message(
    conn: &mut PgConnection,
    tenant: TenantId,
    message_ids: &[String],
) -> Result<Option<(i32, Option<String>)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ticket_id, person_kind FROM email_messages
         WHERE tenant_id = $1 AND message_id = ANY ($2) AND ticket_id IS NOT NULL
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(tenant)
    .bind(message_ids)
    .fetch_optional(conn)
    .await
}

/// Whether the tenant has this ticket.
pub async fn ticket_exists(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM tickets WHERE tenant_id = $1 AND id = $2)"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_one(conn)
    .await
}

/// Who an address belongs to in the tenant: an active member, else an active contact.
#[derive(Debug, sqlx::FromRow)]
pub struct Sender {
    pub kind: String,
    pub id: i32,
    pub company_id: Option<i32>,
    pub sees_company_tickets: bool,
}

pub async fn sender(
    conn: &mut PgConnection,
    tenant: TenantId,
    address: &str,
) -> Result<Option<Sender>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT 'member' AS kind, id, NULL::int AS company_id, false AS sees_company_tickets
         FROM members
         WHERE tenant_id = $1 AND lower(email) = lower($2) AND archived_at IS NULL
         UNION ALL
         SELECT 'contact', id, company_id, sees_company_tickets FROM contacts
         WHERE tenant_id = $1 AND lower(email) = lower($2) AND archived_at IS NULL
         LIMIT 1"
    ))
    .bind(tenant)
    .bind(address)
    .fetch_optional(conn)
    .await
}

/// The one company whose active contacts use this email domain (none when several do).
pub async fn company_of_domain(
    conn: &mut PgConnection,
    tenant: TenantId,
    domain: &str,
) -> Result<Option<i32>, sqlx::Error> {
    let companies: Vec<i32> = sqlx::query_scalar(sql!(
        "SELECT DISTINCT c.company_id FROM contacts c
         JOIN companies co ON co.tenant_id = c.tenant_id AND co.id = c.company_id
         WHERE c.tenant_id = $1 AND c.archived_at IS NULL AND co.archived_at IS NULL
           AND lower(split_part(c.email, '@', 2)) = lower($2)
         LIMIT 2"
    ))
    .bind(tenant)
    .bind(domain)
    .fetch_all(conn)
    .await?;
    Ok((companies.len() == 1).then(|| companies[0]))
}

/// The ticket's company, and its contact.
pub async fn ticket_parties(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Option<(i32, i32)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT company_id, contact_id FROM tickets WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_optional(conn)
    .await
}
