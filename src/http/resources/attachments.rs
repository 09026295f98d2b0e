//! Attachments: uploads that return ids to reference later, a ticket's files, and downloads.
//! Downloads always save (never render) and carry the type detected from the bytes.

use axum::{
    Json,
    body::Body,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{PortalUser, Staff},
    domain::TenantId,
    error::{Error, Result},
    files::content_disposition,
    http::pagination::Page,
    http::{
        extract::ApiPath,
        multipart::{FilesForm, Uploads},
    },
    repo::attachments::{AttachmentRow, KeptFile},
    service::{
        attachments::{self, owner},
        tickets::Viewer,
    },
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentView {
    pub id: String,
    pub name: String,
    /// Detected from the file's bytes.
    pub content_type: String,
    pub size: i64,
    /// The ticket it is attached to; absent while the upload waits to be attached.
    pub ticket_id: Option<i32>,
    /// The note it came with, if any.
    pub note_id: Option<i32>,
    pub created_on: DateTime<Utc>,
}

impl From<AttachmentRow> for AttachmentView {
    fn from(a: AttachmentRow) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.file_name,
            content_type: a.content_type,
            size: a.size_bytes,
            ticket_id: a.ticket_id,
            note_id: a.note_id,
            created_on: a.created_at,
        }
    }
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_my_attachments))
        .routes(routes!(download_my_attachment))
        .routes(routes!(list_my_ticket_attachments))
}

pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_attachments))
        .routes(routes!(download_attachment))
        .routes(routes!(list_ticket_attachments))
}

fn contact(user: &PortalUser) -> (Viewer, (&'static str, String)) {
    (
        Viewer::Contact {
            id: user.contact_id,
            company_id: user.company_id,
        },
        ("contact", user.contact_id.to_string()),
    )
}

/// Upload files to attach later (by id, in `attachmentIds`) to a ticket or comment of mine. Files
/// not attached within a day are forgotten.
#[utoipa::path(post, path = "/attachments", request_body(content((FilesForm = "multipart/form-data"))), responses((status = 201, body = Vec<AttachmentView>), (status = 413, description = "a file is over the size limit")))]
pub async fn upload_my_attachments(
    State(state): State<AppState>,
    user: PortalUser,
    Uploads(files): Uploads,
) -> Result<(StatusCode, Json<Vec<AttachmentView>>)> {
    let (_, (kind, id)) = contact(&user);
    let rows = attachments::upload(&state, &user.tenant, (kind, &id), &files).await?;
    Ok((
        StatusCode::CREATED,
        Json(rows.into_iter().map(Into::into).collect()),
    ))
}

/// Upload files to attach later (by id, in `attachmentIds`) to a ticket or note. Files not
/// attached within a day are forgotten.
#[utoipa::path(post, path = "/attachments", request_body(content((FilesForm = "multipart/form-data"))), responses((status = 201, body = Vec<AttachmentView>), (status = 413, description = "a file is over the size limit")))]
pub async fn upload_attachments(
    State(state): State<AppState>,
    staff: Staff,
    Uploads(files): Uploads,
) -> Result<(StatusCode, Json<Vec<AttachmentView>>)> {
    let (kind, id) = owner(&staff.principal);
    let rows = attachments::upload(&state, &staff.tenant, (kind, &id), &files).await?;
    Ok((
        StatusCode::CREATED,
        Json(rows.into_iter().map(Into::into).collect()),
    ))
}

/// Download a file of a ticket I may see (never an internal note's), or one I uploaded.
#[utoipa::path(get, path = "/attachments/{attachmentId}", params(("attachmentId" = String, Path)), responses((status = 200, description = "The file's bytes, typed from their content (`image/png`, `application/pdf` …; `application/octet-stream` when unknown).", content_type = "*/*")))]
pub async fn download_my_attachment(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Response> {
    let (viewer, (kind, caller)) = contact(&user);
    let (row, path) =
        attachments::download(&state, &user.tenant, (kind, &caller), viewer, &id).await?;
    send_file(row, path).await
}

/// Download a ticket's file, or one I uploaded.
#[utoipa::path(get, path = "/attachments/{attachmentId}", params(("attachmentId" = String, Path)), responses((status = 200, description = "The file's bytes, typed from their content (`image/png`, `application/pdf` …; `application/octet-stream` when unknown).", content_type = "*/*")))]
pub async fn download_attachment(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<String>,
) -> Result<Response> {
    let (kind, caller) = owner(&staff.principal);
    let (row, path) =
        attachments::download(&state, &staff.tenant, (kind, &caller), Viewer::Staff, &id).await?;
    send_file(row, path).await
}

/// The files of one of my tickets (not those of internal notes), oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/attachments", params(("ticketId" = i32, Path)), responses((status = 200, body = Page<AttachmentView>)))]
pub async fn list_my_ticket_attachments(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(ticket): ApiPath<i32>,
) -> Result<Json<Page<AttachmentView>>> {
    let (viewer, _) = contact(&user);
    let rows = attachments::of_ticket(&state, &user.tenant, viewer, ticket).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// A ticket's files, oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/attachments", params(("ticketId" = i32, Path)), responses((status = 200, body = Page<AttachmentView>)))]
pub async fn list_ticket_attachments(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(ticket): ApiPath<i32>,
) -> Result<Json<Page<AttachmentView>>> {
    let rows = attachments::of_ticket(&state, &staff.tenant, Viewer::Staff, ticket).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Streams the file as a download that browsers will neither render nor sniff.
async fn send_file(row: AttachmentRow, path: std::path::PathBuf) -> Result<Response> {
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        tracing::error!(error = %e, attachment = %row.id, "an attachment's file is missing");
        Error::not_found("attachment")
    })?;
    let stream = tokio_util::io::ReaderStream::new(file);
    let disposition = HeaderValue::from_str(&content_disposition(&row.file_name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let content_type = HeaderValue::from_str(&row.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, HeaderValue::from(row.size_bytes)),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// Serves a file a tenant resource keeps (a logo, an article's image): raster images inline, all
/// else as a download; never sniffed, never scripted.
pub async fn send_kept(
    state: &AppState,
    tenant: TenantId,
    file: KeptFile,
    max_age: u32,
) -> Result<Response> {
    let bytes = tokio::fs::read(state.files.path(tenant, &file.sha256))
        .await
        .map_err(|_| Error::not_found("file"))?;
    let inline = matches!(
        file.content_type.as_str(),
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/vnd.microsoft.icon"
    );
    let disposition = if inline {
        HeaderValue::from_static("inline")
    } else {
        HeaderValue::from_str(&content_disposition(&file.file_name))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
    };
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let cache = HeaderValue::from_str(&format!("private, max-age={max_age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("no-store"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
            (header::CACHE_CONTROL, cache),
        ],
        Body::from(bytes),
    )
        .into_response())
}
