//! Deliveries: one per event and subscription, claimed by workers with a lease, each attempt
//! logged, retried on a schedule until delivered or failed.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{domain::TenantId, sql};

/// A delivery to send now, with what sending it needs.
#[derive(Debug, sqlx::FromRow)]
pub struct Due {
    pub delivery_id: i64,
    pub tenant_id: TenantId,
    pub webhook_id: Uuid,
    pub event_id: Uuid,
    pub body: String,
    pub attempts: i32,
    pub url: String,
    pub secret_sealed: Vec<u8>,
    /// The subscription failed too often in a row and its rest is over: this send probes whether
    /// the receiver is back, alone.
    pub probing: bool,
}

/// Claims up to `batch` due deliveries of enabled, unpaused subscriptions, at most `per_webhook` of
/// one subscription (one while it is probed: `pause_after` failures in a row) and none of those in
/// `skip` (already busy in this worker). Each claimed
/// delivery is leased (its next attempt pushed `lease_secs` ahead), so another worker skips it, and
/// a worker that dies leaves it to be retried with the same body and id.
pub async fn claim(
    pool: &PgPool,
    batch: i64,
    per_webhook: i64,
    skip: &[Uuid],
    lease_secs: f64,
    pause_after: i32,
) -> Result<Vec<Due>, sqlx::Error> {
    sqlx::query_as(sql!(
        "WITH candidates AS (
             SELECT d.id, d.webhook_id, d.next_attempt_at,
                    w.consecutive_failures >= $5 AS probing
             FROM webhook_deliveries d
             JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= now()
               AND w.enabled AND (w.paused_until IS NULL OR w.paused_until <= now())
               AND d.webhook_id <> ALL ($4)
             ORDER BY d.next_attempt_at
             LIMIT $1 * 4
             FOR UPDATE OF d SKIP LOCKED),
         due AS (
             SELECT id FROM (
                 SELECT id, next_attempt_at,
                        row_number() OVER (PARTITION BY webhook_id ORDER BY next_attempt_at) AS n,
                        probing
                 FROM candidates) ranked
             WHERE n <= CASE WHEN probing THEN 1 ELSE $3 END
             ORDER BY next_attempt_at
             LIMIT $1)
         UPDATE webhook_deliveries d
         SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
         FROM due, webhooks w
         WHERE d.id = due.id AND w.tenant_id = d.tenant_id AND w.id = d.webhook_id
         RETURNING d.id AS delivery_id, d.tenant_id, d.webhook_id, d.event_id, d.body, d.attempts,
                   w.url, w.secret_sealed, w.consecutive_failures >= $5 AS probing"
    ))
    .bind(batch)
    .bind(lease_secs)
    .bind(per_webhook)
    .bind(skip)
    .bind(pause_after)
    .fetch_all(pool)
    .await
}

/// Hands back a claimed delivery unsent, due at once, as if never claimed.
pub async fn release(pool: &PgPool, due: &Due) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE webhook_deliveries SET attempts = attempts - 1, next_attempt_at = now()
         WHERE id = $1 AND attempts = $2 AND state = 'pending'"
    ))
    .bind(due.delivery_id)
    .bind(due.attempts)
    .execute(pool)
    .await?;
    Ok(())
}

pub struct Attempt<'a> {
    /// When the send began and ended (the worker's clock).
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i32,
    pub error: Option<&'a str>,
    pub response_head: Option<&'a str>,
}

/// Records one attempt and what follows from it, in one transaction. Nothing follows when the
/// delivery moved on meanwhile (its lease ran out and another worker claimed it), and nothing is
/// recorded when the subscription was deleted meanwhile.
pub async fn finish_attempt(
    conn: &mut PgConnection,
    due: &Due,
    attempt: &Attempt<'_>,
    outcome: Outcome,
) -> Result<(), sqlx::Error> {
    // The subscription's row first, as deleting it does (then its deliveries, by cascade): taken
    // in the other order, a deletion and a finishing attempt could each wait for the other.
    let subscribed: bool = sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM webhooks WHERE id = $1 FOR NO KEY UPDATE)"
    ))
    .bind(due.webhook_id)
    .fetch_one(&mut *conn)
    .await?;
    if !subscribed {
        return Ok(());
    }
    let still_ours: bool = sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM webhook_deliveries
                        WHERE id = $1 AND attempts = $2 AND state = 'pending' FOR UPDATE)"
    ))
    .bind(due.delivery_id)
    .bind(due.attempts)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "INSERT INTO webhook_attempts (delivery_id, status_code, latency_ms, error, response_head)
         VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(due.delivery_id)
    .bind(attempt.status_code)
    .bind(attempt.latency_ms)
    .bind(attempt.error)
    .bind(attempt.response_head)
    .execute(&mut *conn)
    .await?;
    if !still_ours {
        return Ok(());
    }
    match outcome {
        Outcome::Delivered => delivered(conn, due).await,
        Outcome::RetryIn { secs, rest } => failed(conn, due, attempt, secs, false, rest).await,
        Outcome::GiveUp { secs, rest } => failed(conn, due, attempt, secs, true, rest).await,
        Outcome::Gone => gone(conn, due).await,
    }
}

/// The delivery is done; its subscription's failures in a row start again from none, and a rest
/// ends (the probe got through).
async fn delivered(conn: &mut PgConnection, due: &Due) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now() WHERE id = $1"
    ))
    .bind(due.delivery_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "UPDATE webhooks SET consecutive_failures = 0, paused_until = NULL
         WHERE id = $1 AND (consecutive_failures <> 0 OR paused_until IS NOT NULL)"
    ))
    .bind(due.webhook_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The attempt failed: the delivery is tried again after `secs`, unless `give_up`. The failure
/// counts towards the subscription's failures in a row only when the attempt began after the last
/// counted one ended (sends that fail together are one failure); from `rest.after` in a row
/// the subscription rests, `rest.first_secs` at first and twice as long after each failed probe,
/// up to `rest.longest_secs`.
async fn failed(
    conn: &mut PgConnection,
    due: &Due,
    attempt: &Attempt<'_>,
    secs: f64,
    give_up: bool,
    rest: Rest,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE webhook_deliveries
         SET state = CASE WHEN $3 THEN 'failed' ELSE 'pending' END,
             next_attempt_at = now() + make_interval(secs => $2)
         WHERE id = $1"
    ))
    .bind(due.delivery_id)
    .bind(secs)
    .bind(give_up)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "UPDATE webhooks w
         SET consecutive_failures = w.consecutive_failures + 1, last_failure_at = $6,
             paused_until = CASE WHEN w.consecutive_failures + 1 >= $2
                                 THEN now() + make_interval(secs =>
                                      least($4, $3 * power(2, least(w.consecutive_failures + 1 - $2, 20))))
                                 ELSE w.paused_until END
         WHERE w.id = $1 AND (w.last_failure_at IS NULL OR w.last_failure_at < $5)"
    ))
    .bind(due.webhook_id)
    .bind(rest.after)
    .bind(rest.first_secs)
    .bind(rest.longest_secs)
    .bind(attempt.started_at)
    .bind(attempt.ended_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The receiver answered 410 Gone: the delivery fails and the subscription is disabled.
async fn gone(conn: &mut PgConnection, due: &Due) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE webhook_deliveries SET state = 'failed' WHERE id = $1"
    ))
    .bind(due.delivery_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "UPDATE webhooks SET enabled = false, updated_at = now(),
             disabled_reason = 'the receiver answered 410 Gone' WHERE id = $1"
    ))
    .bind(due.webhook_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// When a failing subscription rests (its circuit opens), and for how long.
#[derive(Clone, Copy, Debug)]
pub struct Rest {
    /// Failures in a row that open it.
    pub after: i32,
    /// The first rest; each failed probe doubles it.
    pub first_secs: f64,
    pub longest_secs: f64,
}

#[derive(Clone, Copy, Debug)]
pub enum Outcome {
    Delivered,
    /// Try again in `secs`; the subscription may rest.
    RetryIn {
        secs: f64,
        rest: Rest,
    },
    /// The last attempt failed too.
    GiveUp {
        secs: f64,
        rest: Rest,
    },
    /// 410: the receiver wants no more.
    Gone,
}

#[derive(Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub event_id: Uuid,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i32>,
    pub last_error: Option<String>,
    pub last_response_head: Option<String>,
}

/// A subscription's latest deliveries, newest first, each with its last attempt.
pub async fn deliveries(
    pool: &PgPool,
    tenant: TenantId,
    webhook: Uuid,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT d.id, d.event_id, d.state, d.attempts, d.next_attempt_at, d.created_at, d.delivered_at,
                a.status_code AS last_status_code, a.latency_ms AS last_latency_ms,
                a.error AS last_error, a.response_head AS last_response_head
         FROM webhook_deliveries d
         LEFT JOIN LATERAL (SELECT * FROM webhook_attempts WHERE delivery_id = d.id
                            ORDER BY attempted_at DESC LIMIT 1) a ON true
         WHERE d.tenant_id = $1 AND d.webhook_id = $2
         ORDER BY d.id DESC LIMIT $3"))
    .bind(tenant)
    .bind(webhook)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Sends a finished (delivered or failed) delivery again now. Answers its state before: `None`
/// when it is not this subscription's, `pending` when it was left alone (still being tried).
pub async fn redeliver(
    pool: &PgPool,
    tenant: TenantId,
    webhook: Uuid,
    delivery: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "WITH d AS (SELECT id, state FROM webhook_deliveries
                    WHERE tenant_id = $1 AND webhook_id = $2 AND id = $3 FOR UPDATE),
              again AS (UPDATE webhook_deliveries w SET state = 'pending', next_attempt_at = now()
                        FROM d WHERE w.id = d.id AND d.state <> 'pending')
         SELECT state FROM d"
    ))
    .bind(tenant)
    .bind(webhook)
    .bind(delivery)
    .fetch_optional(pool)
    .await
}

/// Queues a `webhook.ping` for one subscription.
pub async fn ping(
    pool: &PgPool,
    tenant: TenantId,
    webhook: Uuid,
    body: &str,
    event_id: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!("INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, body) VALUES ($1, $2, $3, $4) RETURNING id"))
    .bind(tenant)
    .bind(webhook)
    .bind(event_id)
    .bind(body)
    .fetch_one(pool)
    .await
}

/// Deliveries waiting to be sent, across tenants (for the metrics).
pub async fn queue_depth(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT count(*) FROM webhook_deliveries WHERE state = 'pending'"
    ))
    .fetch_one(pool)
    .await
}
