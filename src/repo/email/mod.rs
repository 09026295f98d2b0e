//! A tenant's mail: its sender, templates, rules and opt-outs; the jobs that plan messages and the
//! messages themselves (the outbox, and once sent the send log).

pub mod facts;
pub mod mailboxes;

pub use facts::*;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SettingsRow {
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub tls: String,
    pub smtp_user: Option<String>,
    pub smtp_password_sealed: Option<Vec<u8>>,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    pub dkim_domain: Option<String>,
    pub dkim_selector: Option<String>,
    pub dkim_key_sealed: Option<Vec<u8>>,
    pub updated_at: DateTime<Utc>,
}

pub async fn settings(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<SettingsRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT enabled, smtp_host, smtp_port, tls, smtp_user, smtp_password_sealed, from_name,
                from_address, reply_to, dkim_domain, dkim_selector, dkim_key_sealed, updated_at
         FROM email_settings WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_optional(conn)
    .await
}

pub async fn save_settings(
    pool: &PgPool,
    tenant: TenantId,
    s: &SettingsRow,
) -> Result<SettingsRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO email_settings (tenant_id, enabled, smtp_host, smtp_port, tls, smtp_user,
                smtp_password_sealed, from_name, from_address, reply_to, dkim_domain,
                dkim_selector, dkim_key_sealed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (tenant_id) DO UPDATE SET
             enabled = EXCLUDED.enabled, smtp_host = EXCLUDED.smtp_host,
             smtp_port = EXCLUDED.smtp_port, tls = EXCLUDED.tls, smtp_user = EXCLUDED.smtp_user,
             smtp_password_sealed = EXCLUDED.smtp_password_sealed,
             from_name = EXCLUDED.from_name, from_address = EXCLUDED.from_address,
             reply_to = EXCLUDED.reply_to, dkim_domain = EXCLUDED.dkim_domain,
             dkim_selector = EXCLUDED.dkim_selector, dkim_key_sealed = EXCLUDED.dkim_key_sealed,
             updated_at = now()
         RETURNING enabled, smtp_host, smtp_port, tls, smtp_user, smtp_password_sealed, from_name,
                   from_address, reply_to, dkim_domain, dkim_selector, dkim_key_sealed, updated_at"
    ))
    .bind(tenant)
    .bind(s.enabled)
    .bind(&s.smtp_host)
    .bind(s.smtp_port)
    .bind(&s.tls)
    .bind(&s.smtp_user)
    .bind(&s.smtp_password_sealed)
    .bind(&s.from_name)
    .bind(&s.from_address)
    .bind(&s.reply_to)
    .bind(&s.dkim_domain)
    .bind(&s.dkim_selector)
    .bind(&s.dkim_key_sealed)
    .fetch_one(pool)
    .await
}

pub async fn delete_settings(pool: &PgPool, tenant: TenantId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!("DELETE FROM email_settings WHERE tenant_id = $1"))
        .bind(tenant)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TemplateRow {
    pub kind: String,
    pub subject: String,
    pub html: String,
    pub text: Option<String>,
    pub updated_at: DateTime<Utc>,
}

pub async fn templates(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT kind, subject, html, text, updated_at FROM email_templates WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn template(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &str,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT kind, subject, html, text, updated_at FROM email_templates
         WHERE tenant_id = $1 AND kind = $2"
    ))
    .bind(tenant)
    .bind(kind)
    .fetch_optional(conn)
    .await
}

pub async fn save_template(
    pool: &PgPool,
    tenant: TenantId,
    kind: &str,
    subject: &str,
    html: &str,
    text: Option<&str>,
) -> Result<TemplateRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO email_templates (tenant_id, kind, subject, html, text)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, kind) DO UPDATE SET subject = EXCLUDED.subject,
             html = EXCLUDED.html, text = EXCLUDED.text, updated_at = now()
         RETURNING kind, subject, html, text, updated_at"
    ))
    .bind(tenant)
    .bind(kind)
    .bind(subject)
    .bind(html)
    .bind(text)
    .fetch_one(pool)
    .await
}

pub async fn delete_template(
    pool: &PgPool,
    tenant: TenantId,
    kind: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "DELETE FROM email_templates WHERE tenant_id = $1 AND kind = $2"
    ))
    .bind(tenant)
    .bind(kind)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RuleRow {
    pub rule: String,
    pub enabled: bool,
    pub status_ids: Vec<i32>,
}

pub async fn rules(conn: &mut PgConnection, tenant: TenantId) -> Result<Vec<RuleRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT rule, enabled, status_ids FROM email_rules WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

pub async fn save_rule(pool: &PgPool, tenant: TenantId, rule: &RuleRow) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO email_rules (tenant_id, rule, enabled, status_ids) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, rule) DO UPDATE SET enabled = EXCLUDED.enabled,
             status_ids = EXCLUDED.status_ids, updated_at = now()"
    ))
    .bind(tenant)
    .bind(&rule.rule)
    .bind(rule.enabled)
    .bind(&rule.status_ids)
    .execute(pool)
    .await?;
    Ok(())
}

/// The rules this person refused.
pub async fn opt_outs(
    conn: &mut PgConnection,
    tenant: TenantId,
    person_kind: &str,
    person_id: i32,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT rule FROM email_opt_outs
         WHERE tenant_id = $1 AND person_kind = $2 AND person_id = $3 ORDER BY rule"
    ))
    .bind(tenant)
    .bind(person_kind)
    .bind(person_id)
    .fetch_all(conn)
    .await
}

/// One refusal: this person does not want this rule's mail.
#[derive(Debug, sqlx::FromRow)]
pub struct OptOut {
    pub person_kind: String,
    pub person_id: i32,
    pub rule: String,
}

/// What each of these people (kinds and ids, pairwise) refused.
pub async fn opt_outs_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    kinds: &[&str],
    ids: &[i32],
) -> Result<Vec<OptOut>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT o.person_kind, o.person_id, o.rule FROM email_opt_outs o
         JOIN unnest($2::text[], $3::int[]) AS p (kind, id)
           ON o.person_kind = p.kind AND o.person_id = p.id
         WHERE o.tenant_id = $1"
    ))
    .bind(tenant)
    .bind(kinds)
    .bind(ids)
    .fetch_all(conn)
    .await
}

pub async fn set_opt_out(
    pool: &PgPool,
    tenant: TenantId,
    person_kind: &str,
    person_id: i32,
    rule: &str,
    opted_out: bool,
) -> Result<(), sqlx::Error> {
    if opted_out {
        sqlx::query(sql!(
            "INSERT INTO email_opt_outs (tenant_id, person_kind, person_id, rule)
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING"
        ))
    } else {
        sqlx::query(sql!(
            "DELETE FROM email_opt_outs
             WHERE tenant_id = $1 AND person_kind = $2 AND person_id = $3 AND rule = $4"
        ))
    }
    .bind(tenant)
    .bind(person_kind)
    .bind(person_id)
    .bind(rule)
    .execute(pool)
    .await?;
    Ok(())
}

/// A job to plan: what it is about.
#[derive(Debug, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub tenant_id: TenantId,
    pub source: String,
    pub attempts: i32,
}

/// Claims up to `batch` due jobs, leased for `lease_secs` so no other worker plans them meanwhile.
pub async fn claim_jobs(
    pool: &PgPool,
    batch: i64,
    lease_secs: f64,
) -> Result<Vec<Job>, sqlx::Error> {
    sqlx::query_as(sql!(
        "WITH due AS (
             SELECT id FROM email_jobs WHERE next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE email_jobs j SET attempts = j.attempts + 1,
                next_attempt_at = now() + make_interval(secs => $2)
         FROM due WHERE j.id = due.id
         RETURNING j.id, j.tenant_id, j.source, j.attempts"
    ))
    .bind(batch)
    .bind(lease_secs)
    .fetch_all(pool)
    .await
}

/// Planned (or nothing to plan): the jobs are done. Returns how many were still this worker's
/// (fewer when another worker took one after its lease ran out).
pub async fn finish_jobs(conn: &mut PgConnection, jobs: &[Job]) -> Result<u64, sqlx::Error> {
    let ids: Vec<i64> = jobs.iter().map(|j| j.id).collect();
    let attempts: Vec<i32> = jobs.iter().map(|j| j.attempts).collect();
    let done = sqlx::query(sql!(
        "DELETE FROM email_jobs j USING unnest($1::bigint[], $2::int[]) AS mine (id, attempts)
         WHERE j.id = mine.id AND j.attempts = mine.attempts"
    ))
    .bind(&ids)
    .bind(&attempts)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

pub async fn retry_job(pool: &PgPool, job: &Job, after_secs: f64) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE email_jobs SET next_attempt_at = now() + make_interval(secs => $2) WHERE id = $1"
    ))
    .bind(job.id)
    .bind(after_secs)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn add_job(
    conn: &mut PgConnection,
    tenant: TenantId,
    source: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO email_jobs (tenant_id, source) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    ))
    .bind(tenant)
    .bind(source)
    .execute(conn)
    .await?;
    Ok(())
}

pub struct NewMessage<'a> {
    pub source: Option<&'a str>,
    pub rule: &'a str,
    pub template: &'a str,
    pub recipient: &'a str,
    pub person_kind: Option<&'a str>,
    pub person_id: Option<i32>,
    pub ticket_id: Option<i32>,
    pub subject: &'a str,
    pub message_id: &'a str,
    pub raw_sealed: &'a [u8],
    /// Held back from the workers this long (a test send, sent by its own request).
    pub held_secs: f64,
}

/// Queues a message; a second one for the same source, rule and recipient is ignored.
pub async fn insert_message(
    conn: &mut PgConnection,
    tenant: TenantId,
    m: &NewMessage<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "INSERT INTO email_messages (tenant_id, source, rule, template, recipient, person_kind,
                person_id, ticket_id, subject, message_id, raw_sealed, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() + make_interval(secs => $12))
         ON CONFLICT (tenant_id, source, rule, recipient) DO NOTHING
         RETURNING id"
    ))
    .bind(tenant)
    .bind(m.source)
    .bind(m.rule)
    .bind(m.template)
    .bind(m.recipient)
    .bind(m.person_kind)
    .bind(m.person_id)
    .bind(m.ticket_id)
    .bind(m.subject)
    .bind(m.message_id)
    .bind(m.raw_sealed)
    .bind(m.held_secs)
    .fetch_optional(conn)
    .await
}

/// Queues messages at once; as `insert_message`, a second one for the same source, rule and
/// recipient is ignored. Returns how many were queued.
pub async fn insert_messages(
    conn: &mut PgConnection,
    tenant: TenantId,
    messages: &[NewMessage<'_>],
) -> Result<u64, sqlx::Error> {
    fn column<'a, T: 'a>(m: &'a [NewMessage<'a>], f: impl Fn(&'a NewMessage<'a>) -> T) -> Vec<T> {
        m.iter().map(f).collect()
    }
    let queued = sqlx::query(sql!(
        "INSERT INTO email_messages (tenant_id, source, rule, template, recipient, person_kind,
                person_id, ticket_id, subject, message_id, raw_sealed, next_attempt_at)
         SELECT $1, m.source, m.rule, m.template, m.recipient, m.person_kind, m.person_id,
                m.ticket_id, m.subject, m.message_id, m.raw_sealed,
                now() + make_interval(secs => m.held_secs)
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                     $8::int[], $9::text[], $10::text[], $11::bytea[], $12::float8[])
              AS m (source, rule, template, recipient, person_kind, person_id, ticket_id, subject,
                    message_id, raw_sealed, held_secs)
         ON CONFLICT (tenant_id, source, rule, recipient) DO NOTHING"
    ))
    .bind(tenant)
    .bind(column(messages, |m| m.source))
    .bind(column(messages, |m| m.rule))
    .bind(column(messages, |m| m.template))
    .bind(column(messages, |m| m.recipient))
    .bind(column(messages, |m| m.person_kind))
    .bind(column(messages, |m| m.person_id))
    .bind(column(messages, |m| m.ticket_id))
    .bind(column(messages, |m| m.subject))
    .bind(column(messages, |m| m.message_id))
    .bind(column(messages, |m| m.raw_sealed))
    .bind(column(messages, |m| m.held_secs))
    .execute(conn)
    .await?;
    Ok(queued.rows_affected())
}

/// A message to send now.
#[derive(Debug, sqlx::FromRow)]
pub struct DueMessage {
    pub id: i64,
    pub tenant_id: TenantId,
    pub recipient: String,
    pub raw_sealed: Vec<u8>,
    pub attempts: i32,
}

/// Claims up to `batch` due messages of tenants whose mail is enabled, leased like deliveries.
pub async fn claim_messages(
    pool: &PgPool,
    batch: i64,
    lease_secs: f64,
) -> Result<Vec<DueMessage>, sqlx::Error> {
    sqlx::query_as(sql!(
        "WITH due AS (
             SELECT m.id FROM email_messages m
             JOIN email_settings s ON s.tenant_id = m.tenant_id AND s.enabled
             WHERE m.state = 'pending' AND m.next_attempt_at <= now() AND m.raw_sealed IS NOT NULL
             ORDER BY m.next_attempt_at LIMIT $1
             FOR UPDATE OF m SKIP LOCKED)
         UPDATE email_messages m SET attempts = m.attempts + 1,
                next_attempt_at = now() + make_interval(secs => $2)
         FROM due WHERE m.id = due.id
         RETURNING m.id, m.tenant_id, m.recipient, m.raw_sealed, m.attempts"
    ))
    .bind(batch)
    .bind(lease_secs)
    .fetch_all(pool)
    .await
}

/// Sent (each message with the server's answer): the log keeps the answer; the message itself is
/// dropped.
pub async fn mark_sent(pool: &PgPool, sent: &[(&DueMessage, String)]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = sent.iter().map(|(m, _)| m.id).collect();
    let attempts: Vec<i32> = sent.iter().map(|(m, _)| m.attempts).collect();
    let answers: Vec<&str> = sent.iter().map(|(_, a)| a.as_str()).collect();
    sqlx::query(sql!(
        "UPDATE email_messages m SET state = 'sent', sent_at = now(), last_answer = s.answer,
                raw_sealed = NULL
         FROM unnest($1::bigint[], $2::int[], $3::text[]) AS s (id, attempts, answer)
         WHERE m.id = s.id AND m.attempts = s.attempts"
    ))
    .bind(&ids)
    .bind(&attempts)
    .bind(&answers)
    .execute(pool)
    .await?;
    Ok(())
}

/// Not sent: retried after `retry_secs`, or failed for good when `None`.
pub async fn mark_unsent(
    pool: &PgPool,
    m: &DueMessage,
    answer: &str,
    retry_secs: Option<f64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE email_messages SET last_answer = $3,
                state = CASE WHEN $4::float8 IS NULL THEN 'failed' ELSE 'pending' END,
                raw_sealed = CASE WHEN $4::float8 IS NULL THEN NULL ELSE raw_sealed END,
                next_attempt_at = now() + make_interval(secs => coalesce($4::float8, 0))
         WHERE id = $1 AND attempts = $2"
    ))
    .bind(m.id)
    .bind(m.attempts)
    .bind(answer)
    .bind(retry_secs)
    .execute(pool)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub rule: String,
    pub template: String,
    pub recipient: String,
    pub ticket_id: Option<i32>,
    pub subject: String,
    pub message_id: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_answer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The send log, newest first; `total` counts every match.
pub async fn log(
    pool: &PgPool,
    tenant: TenantId,
    state: Option<&str>,
    recipient: Option<&str>,
    skip: i64,
    take: i64,
) -> Result<(Vec<LogRow>, i64), sqlx::Error> {
    let rows = sqlx::query_as(sql!(
        "SELECT id, rule, template, recipient, ticket_id, subject, message_id, state, attempts,
                next_attempt_at, last_answer, created_at, sent_at
         FROM email_messages
         WHERE tenant_id = $1 AND ($2::text IS NULL OR state = $2)
           AND ($3::text IS NULL OR lower(recipient) = lower($3))
         ORDER BY id DESC OFFSET $4 LIMIT $5"
    ))
    .bind(tenant)
    .bind(state)
    .bind(recipient)
    .bind(skip)
    .bind(take)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(sql!(
        "SELECT count(*) FROM email_messages
         WHERE tenant_id = $1 AND ($2::text IS NULL OR state = $2)
           AND ($3::text IS NULL OR lower(recipient) = lower($3))"
    ))
    .bind(tenant)
    .bind(state)
    .bind(recipient)
    .fetch_one(pool)
    .await?;
    Ok((rows, total))
}

/// Messages waiting to be sent, for `/metrics`.
pub async fn pending_count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT count(*) FROM email_messages WHERE state = 'pending'"
    ))
    .fetch_one(pool)
    .await
}

/// Claims one message of the tenant (a test send), leased like the worker's claims.
pub async fn claim_one(
    pool: &PgPool,
    tenant: TenantId,
    id: i64,
    lease_secs: f64,
) -> Result<Option<DueMessage>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE email_messages SET attempts = attempts + 1,
                next_attempt_at = now() + make_interval(secs => $3)
         WHERE tenant_id = $1 AND id = $2 AND state = 'pending' AND raw_sealed IS NOT NULL
         RETURNING id, tenant_id, recipient, raw_sealed, attempts"
    ))
    .bind(tenant)
    .bind(id)
    .bind(lease_secs)
    .fetch_optional(pool)
    .await
}
