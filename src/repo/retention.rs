//! Removing what grows without bound, a batch at a time: each statement deletes at most `batch`
//! of the oldest rows past their window, so no lock is held for long and the job can stop anywhere.

use sqlx::PgPool;

use crate::sql;

/// What the retention job removes, and from when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// Events (the change feed, history of what was sent) older than the window.
    Events,
    /// Finished webhook deliveries (and their attempts); pending ones are never removed.
    Deliveries,
    /// Sent or failed mail older than the window; pending mail is never removed.
    Mail,
    /// The log of received mail.
    InboundMail,
    /// Sessions expired or revoked longer ago than the window.
    Sessions,
    /// One-time login codes expired longer ago than the window.
    LoginCodes,
    /// Idempotency records older than the window (replay lasts 24 hours).
    IdempotencyKeys,
    /// Failed sign-in attempts older than the window (the throttle looks back a minute).
    LoginFailures,
}

/// Deletes up to `batch` rows of `kept` older than `window_secs`; answers how many.
pub async fn prune(
    pool: &PgPool,
    kept: Kept,
    window_secs: f64,
    batch: i64,
) -> Result<u64, sqlx::Error> {
    let statement = match kept {
        Kept::Events => sql!(
            "DELETE FROM events WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM events WHERE created_at < now() - make_interval(secs => $1)
                 LIMIT $2))"
        ),
        Kept::Deliveries => sql!(
            "DELETE FROM webhook_deliveries WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM webhook_deliveries
                 WHERE created_at < now() - make_interval(secs => $1) AND state <> 'pending'
                 LIMIT $2))"
        ),
        Kept::Mail => sql!(
            "DELETE FROM email_messages WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM email_messages
                 WHERE created_at < now() - make_interval(secs => $1) AND state <> 'pending'
                 LIMIT $2))"
        ),
        Kept::InboundMail => sql!(
            "DELETE FROM email_inbound WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM email_inbound
                 WHERE received_at < now() - make_interval(secs => $1) LIMIT $2))"
        ),
        Kept::Sessions => sql!(
            "DELETE FROM sessions WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM sessions
                 WHERE expires_at < now() - make_interval(secs => $1)
                    OR revoked_at < now() - make_interval(secs => $1)
                 LIMIT $2))"
        ),
        Kept::LoginCodes => sql!(
            "DELETE FROM login_codes WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM login_codes
                 WHERE expires_at < now() - make_interval(secs => $1) LIMIT $2))"
        ),
        Kept::IdempotencyKeys => sql!(
            "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM idempotency_keys
                 WHERE created_at < now() - make_interval(secs => $1) LIMIT $2))"
        ),
        Kept::LoginFailures => sql!(
            "DELETE FROM login_failures WHERE ctid = ANY(ARRAY(
                 SELECT ctid FROM login_failures
                 WHERE failed_at < now() - make_interval(secs => $1) LIMIT $2))"
        ),
    };
    let done = sqlx::query(statement)
        .bind(window_secs)
        .bind(batch)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
