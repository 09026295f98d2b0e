//! Forms (a draft and its published versions) and the results submitted against a version.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, types::Json};

use crate::{
    domain::{TenantId, forms::FormPlacement},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FormRow {
    pub id: i32,
    pub name: String,
    pub draft: Value,
    pub standalone: bool,
    pub published_version: Option<i32>,
    /// The published version's definition, when there is one.
    pub published: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

macro_rules! form_select {
    () => {
        "SELECT f.id, f.name, f.draft, f.standalone, f.published_version, v.definition AS published,
                f.created_at, f.updated_at, f.archived_at
         FROM forms f
         LEFT JOIN form_versions v ON v.tenant_id = f.tenant_id AND v.form_id = f.id
                                  AND v.version = f.published_version"
    };
}

pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    include_archived: bool,
    published_only: bool,
) -> Result<Vec<FormRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        form_select!(),
        " WHERE f.tenant_id = $1 AND ($2 OR f.archived_at IS NULL)
            AND (NOT $3 OR f.published_version IS NOT NULL)
          ORDER BY f.id"
    ))
    .bind(tenant)
    .bind(include_archived)
    .bind(published_only)
    .fetch_all(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<FormRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        form_select!(),
        " WHERE f.tenant_id = $1 AND f.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Inserts (`id` new) or replaces the draft of a form.
pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    name: &str,
    draft: &Value,
    standalone: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO forms (tenant_id, id, name, draft, standalone) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, id) DO UPDATE
            SET name = EXCLUDED.name, draft = EXCLUDED.draft, standalone = EXCLUDED.standalone,
                updated_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(Json(draft))
    .bind(standalone)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_archived(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE forms SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END,
                          updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The form a request type carries, with its published version: `None` when the type does not
/// exist or carries none; the version and definition are `None` while the form is unpublished or
/// archived.
pub async fn of_request_type(
    conn: &mut PgConnection,
    tenant: TenantId,
    request_type: i32,
) -> Result<Option<RequestTypeForm>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT r.form_id, r.form_placement, v.version, v.definition
         FROM request_types r
         JOIN forms f ON f.tenant_id = r.tenant_id AND f.id = r.form_id
         LEFT JOIN form_versions v ON v.tenant_id = f.tenant_id AND v.form_id = f.id
                                  AND v.version = f.published_version AND f.archived_at IS NULL
         WHERE r.tenant_id = $1 AND r.id = $2"
    ))
    .bind(tenant)
    .bind(request_type)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestTypeForm {
    pub form_id: i32,
    pub form_placement: FormPlacement,
    pub version: Option<i32>,
    pub definition: Option<Value>,
}

/// Live request types that carry the form.
pub async fn request_types_using(
    conn: &mut PgConnection,
    tenant: TenantId,
    form: i32,
) -> Result<Vec<i32>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT id FROM request_types
         WHERE tenant_id = $1 AND form_id = $2 AND archived_at IS NULL ORDER BY id"
    ))
    .bind(tenant)
    .bind(form)
    .fetch_all(conn)
    .await
}

/// Freezes the draft as the next version and makes it the published one; answers the version.
pub async fn publish(
    conn: &mut PgConnection,
    tenant: TenantId,
    form: i32,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "WITH f AS (SELECT draft FROM forms WHERE tenant_id = $1 AND id = $2 FOR UPDATE),
              v AS (INSERT INTO form_versions (tenant_id, form_id, version, definition)
                    SELECT $1, $2, coalesce((SELECT max(version) FROM form_versions
                                             WHERE tenant_id = $1 AND form_id = $2), 0) + 1,
                           f.draft
                    FROM f
                    RETURNING version)
         UPDATE forms SET published_version = v.version, updated_at = now()
         FROM v WHERE tenant_id = $1 AND id = $2
         RETURNING v.version"
    ))
    .bind(tenant)
    .bind(form)
    .fetch_one(conn)
    .await
}

pub async fn version(
    conn: &mut PgConnection,
    tenant: TenantId,
    form: i32,
    version: i32,
) -> Result<Option<Value>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT definition FROM form_versions
         WHERE tenant_id = $1 AND form_id = $2 AND version = $3"
    ))
    .bind(tenant)
    .bind(form)
    .bind(version)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResultRow {
    pub id: i64,
    pub form_id: i32,
    pub form_name: String,
    pub version: i32,
    pub definition: Value,
    pub contact_id: Option<i32>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub submitter_kind: String,
    pub submitter_id: String,
    pub ticket_id: Option<i32>,
    pub answers: Value,
    pub display: Value,
    pub submitted_at: DateTime<Utc>,
}

macro_rules! result_select {
    () => {
        "SELECT r.id, r.form_id, f.name AS form_name, r.version, v.definition, r.contact_id,
                trim(c.first_name || ' ' || c.last_name) AS contact_name, c.email AS contact_email,
                r.submitter_kind, r.submitter_id, r.ticket_id, r.answers, r.display, r.submitted_at
         FROM form_results r
         JOIN forms f ON f.tenant_id = r.tenant_id AND f.id = r.form_id
         JOIN form_versions v ON v.tenant_id = r.tenant_id AND v.form_id = r.form_id
                             AND v.version = r.version
         LEFT JOIN contacts c ON c.tenant_id = r.tenant_id AND c.id = r.contact_id"
    };
}

pub struct NewResult<'a> {
    pub form_id: i32,
    pub version: i32,
    pub contact_id: Option<i32>,
    pub submitter: (&'a str, &'a str),
    pub ticket_id: Option<i32>,
    pub answers: &'a Value,
    pub display: &'a Value,
}

pub async fn insert_result(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: &NewResult<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "INSERT INTO form_results (tenant_id, form_id, version, contact_id, submitter_kind,
             submitter_id, ticket_id, answers, display)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         RETURNING id"
    ))
    .bind(tenant)
    .bind(new.form_id)
    .bind(new.version)
    .bind(new.contact_id)
    .bind(new.submitter.0)
    .bind(new.submitter.1)
    .bind(new.ticket_id)
    .bind(Json(new.answers))
    .bind(Json(new.display))
    .fetch_one(conn)
    .await
}

pub async fn get_result(
    conn: &mut PgConnection,
    tenant: TenantId,
    form: i32,
    id: i64,
) -> Result<Option<ResultRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        result_select!(),
        " WHERE r.tenant_id = $1 AND r.form_id = $2 AND r.id = $3"
    ))
    .bind(tenant)
    .bind(form)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A ticket's form results, oldest first.
pub async fn of_ticket(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Vec<ResultRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        result_select!(),
        " WHERE r.tenant_id = $1 AND r.ticket_id = $2 ORDER BY r.id"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_all(conn)
    .await
}

pub struct ResultFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub ticket_id: Option<i32>,
    pub contact_id: Option<i32>,
}

/// A form's results, newest first, and how many match.
pub async fn list_results(
    conn: &mut PgConnection,
    tenant: TenantId,
    form: i32,
    filter: &ResultFilter,
    skip: i64,
    take: i64,
) -> Result<(Vec<ResultRow>, i64), sqlx::Error> {
    let rows = sqlx::query_as(sql!(
        result_select!(),
        " WHERE r.tenant_id = $1 AND r.form_id = $2
            AND ($3::timestamptz IS NULL OR r.submitted_at >= $3)
            AND ($4::timestamptz IS NULL OR r.submitted_at < $4)
            AND ($5::int IS NULL OR r.ticket_id = $5)
            AND ($6::int IS NULL OR r.contact_id = $6)
          ORDER BY r.submitted_at DESC, r.id DESC OFFSET $7 LIMIT $8"
    ))
    .bind(tenant)
    .bind(form)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.ticket_id)
    .bind(filter.contact_id)
    .bind(skip)
    .bind(take)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar(sql!(
        "SELECT count(*) FROM form_results r
         WHERE r.tenant_id = $1 AND r.form_id = $2
           AND ($3::timestamptz IS NULL OR r.submitted_at >= $3)
           AND ($4::timestamptz IS NULL OR r.submitted_at < $4)
           AND ($5::int IS NULL OR r.ticket_id = $5)
           AND ($6::int IS NULL OR r.contact_id = $6)"
    ))
    .bind(tenant)
    .bind(form)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.ticket_id)
    .bind(filter.contact_id)
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// Contacts a submitter may name: of `company` (a contact's own), or any (staff); with names.
pub async fn contact_names(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
    company: Option<i32>,
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, trim(first_name || ' ' || last_name) || ' <' || email || '>'
         FROM contacts
         WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL
           AND ($3::int IS NULL OR company_id = $3)"
    ))
    .bind(tenant)
    .bind(ids)
    .bind(company)
    .fetch_all(conn)
    .await
}

pub async fn company_names(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
    company: Option<i32>,
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, name FROM companies
         WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL
           AND ($3::int IS NULL OR id = $3)"
    ))
    .bind(tenant)
    .bind(ids)
    .bind(company)
    .fetch_all(conn)
    .await
}

/// The uploader's pending uploads among `ids`, with their file names.
pub async fn pending_uploads(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[uuid::Uuid],
    uploader: (&str, &str),
) -> Result<Vec<(uuid::Uuid, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, file_name FROM attachments
         WHERE tenant_id = $1 AND id = ANY($2) AND ticket_id IS NULL AND form_result_id IS NULL
           AND NOT kept AND uploader_kind = $3 AND uploader_id = $4"
    ))
    .bind(tenant)
    .bind(ids)
    .bind(uploader.0)
    .bind(uploader.1)
    .fetch_all(conn)
    .await
}

/// A stand-alone result keeps the files its answers name, when they are still the uploader's
/// pending uploads; answers how many it took.
pub async fn hold_uploads(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[uuid::Uuid],
    uploader: (&str, &str),
    result: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE attachments SET form_result_id = $5
         WHERE tenant_id = $1 AND id = ANY($2) AND ticket_id IS NULL AND form_result_id IS NULL
           AND NOT kept AND uploader_kind = $3 AND uploader_id = $4"
    ))
    .bind(tenant)
    .bind(ids)
    .bind(uploader.0)
    .bind(uploader.1)
    .bind(result)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
