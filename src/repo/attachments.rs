//! Attachment metadata: pending uploads, and files linked to a ticket (and perhaps one of its notes).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub uploader_kind: String,
    pub uploader_id: String,
    pub ticket_id: Option<i32>,
    pub note_id: Option<i32>,
    /// Whether the note it belongs to is internal (never shown to contacts).
    pub is_internal: bool,
    /// The stand-alone form result that holds it (a ticket's files have `ticket_id`).
    #[serde(default)]
    pub form_result_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub struct NewAttachment<'a> {
    pub sha256: &'a str,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub uploader_kind: &'a str,
    pub uploader_id: &'a str,
    pub ticket_id: Option<i32>,
    pub note_id: Option<i32>,
}

macro_rules! select {
    () => {
        "SELECT a.id, a.sha256, a.file_name, a.content_type, a.size_bytes,
        a.uploader_kind, a.uploader_id, a.ticket_id, a.note_id,
        coalesce(n.is_internal, false) AS is_internal, a.form_result_id, a.created_at
    FROM attachments a
    LEFT JOIN ticket_notes n ON n.tenant_id = a.tenant_id AND n.id = a.note_id"
    };
}

/// Records a file and answers it. `is_internal` comes back false: only pending uploads use the
/// answer, and they belong to no note.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: &NewAttachment<'_>,
) -> Result<AttachmentRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO attachments (tenant_id, id, sha256, file_name, content_type, size_bytes,
             uploader_kind, uploader_id, ticket_id, note_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING id, sha256, file_name, content_type, size_bytes, uploader_kind, uploader_id,
                   ticket_id, note_id, false AS is_internal, form_result_id, created_at"
    ))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(new.sha256)
    .bind(new.file_name)
    .bind(new.content_type)
    .bind(new.size as i64)
    .bind(new.uploader_kind)
    .bind(new.uploader_id)
    .bind(new.ticket_id)
    .bind(new.note_id)
    .fetch_one(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(sql!(select!(), " WHERE a.tenant_id = $1 AND a.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A ticket's attachments, oldest first; `internal_too` false leaves out internal notes' files.
pub async fn of_ticket(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    internal_too: bool,
) -> Result<Vec<AttachmentRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        select!(),
        " WHERE a.tenant_id = $1 AND a.ticket_id = $2
             AND ($3 OR NOT coalesce(n.is_internal, false))
         ORDER BY a.created_at, a.id"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(internal_too)
    .fetch_all(conn)
    .await
}

/// Links pending uploads of one uploader to a ticket (and note); returns how many were linked, so
/// the caller can tell when an id was unknown, someone else's or already used.
pub async fn link_pending(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
    uploader: (&str, &str),
    ticket: i32,
    note: Option<i32>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE attachments SET ticket_id = $5, note_id = $6
         WHERE tenant_id = $1 AND id = ANY($2) AND ticket_id IS NULL AND form_result_id IS NULL
           AND NOT kept AND uploader_kind = $3 AND uploader_id = $4"
    ))
    .bind(tenant)
    .bind(ids)
    .bind(uploader.0)
    .bind(uploader.1)
    .bind(ticket)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Moves a merged ticket's files to the ticket that absorbed it.
pub async fn move_to_ticket(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: i32,
    into: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE attachments SET ticket_id = $3 WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(from)
    .bind(into)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets uploads never linked to a ticket within `older_than`; returns the (tenant, hash) pairs
/// they had, whose files may go once `is_used` says nothing else refers to them.
pub async fn sweep_pending(
    conn: &mut PgConnection,
    older_than: std::time::Duration,
) -> Result<Vec<(TenantId, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "WITH gone AS (
             DELETE FROM attachments
             WHERE ticket_id IS NULL AND form_result_id IS NULL AND NOT kept
               AND created_at < now() - make_interval(secs => $1)
             RETURNING tenant_id, sha256)
         SELECT DISTINCT tenant_id, sha256 FROM gone"
    ))
    .bind(older_than.as_secs_f64())
    .fetch_all(conn)
    .await
}

/// Whether any attachment of the tenant still has these bytes (asked after the sweep committed).
pub async fn is_used(
    conn: &mut PgConnection,
    tenant: TenantId,
    sha256: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM attachments WHERE tenant_id = $1 AND sha256 = $2)"
    ))
    .bind(tenant)
    .bind(sha256)
    .fetch_one(conn)
    .await
}

/// A file kept by a tenant resource (branding, an article): where its bytes are and what they are.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeptFile {
    pub id: Uuid,
    pub sha256: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// One of the uploader's pending uploads, to be kept.
pub async fn pending_upload(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
    uploader: (&str, &str),
) -> Result<Option<KeptFile>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, sha256, file_name, content_type, size_bytes FROM attachments
         WHERE tenant_id = $1 AND id = $2 AND ticket_id IS NULL AND form_result_id IS NULL
           AND NOT kept AND uploader_kind = $3 AND uploader_id = $4
         FOR UPDATE"
    ))
    .bind(tenant)
    .bind(id)
    .bind(uploader.0)
    .bind(uploader.1)
    .fetch_optional(conn)
    .await
}

/// Marks files kept (or no longer kept, so the sweeper forgets them).
pub async fn set_kept(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[Uuid],
    kept: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE attachments SET kept = $3 WHERE tenant_id = $1 AND id = ANY($2)"
    ))
    .bind(tenant)
    .bind(ids)
    .bind(kept)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn kept_file(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<KeptFile>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, sha256, file_name, content_type, size_bytes FROM attachments
         WHERE tenant_id = $1 AND id = $2 AND kept"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}
