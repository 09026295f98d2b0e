//! Queues (boards) and their statuses: Admin API, and the read-only list for technicians.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::service_config::{ApprovalRole, Status},
    service::configuration::{
        self, QueueDetails, QueueInput, QueuePatch, StatusInput, StatusPatch,
    },
    state::AppState,
};

/// `includeArchived` for the configuration lists (they are short and answered whole).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArchivedQuery {
    /// Include archived items (default false).
    #[serde(rename = "includeArchived")]
    pub include_archived: Option<bool>,
}

impl ArchivedQuery {
    pub fn include(&self) -> bool {
        self.include_archived.unwrap_or(false)
    }
}

/// The whole list as one page: configuration lists are short.
pub fn whole<T>(items: Vec<T>) -> Page<T> {
    let total = items.len() as i64;
    Page::new(items, total, 0)
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    pub id: i32,
    pub queue_id: i32,
    pub name: String,
    pub is_closed: bool,
    pub is_default: bool,
    pub approval_role: Option<ApprovalRole>,
    pub order: i32,
    pub is_archived: bool,
}

impl From<Status> for StatusView {
    fn from(s: Status) -> Self {
        Self {
            id: s.id,
            queue_id: s.queue_id,
            name: s.name,
            is_closed: s.is_closed,
            is_default: s.is_default,
            approval_role: s.approval_role,
            order: s.sort_order,
            is_archived: s.archived_at.is_some(),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub statuses: Vec<StatusView>,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<QueueDetails> for QueueView {
    fn from(d: QueueDetails) -> Self {
        Self {
            id: d.queue.id,
            name: d.queue.name,
            description: d.queue.description,
            statuses: d.statuses.into_iter().map(Into::into).collect(),
            is_archived: d.queue.archived_at.is_some(),
            created_on: d.queue.created_at,
            modified_on: d.queue.updated_at,
            archived_on: d.queue.archived_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_queues, create_queue))
        .routes(routes!(
            get_queue,
            replace_queue,
            update_queue,
            archive_queue
        ))
        .routes(routes!(restore_queue))
        .routes(routes!(create_status))
        .routes(routes!(replace_status, update_status, archive_status))
        .routes(routes!(restore_status))
}

pub fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_queues))
}

/// List queues (boards), each with its statuses.
#[utoipa::path(get, path = "/queues", params(ArchivedQuery), responses((status = 200, body = Page<QueueView>)))]
pub async fn list_queues(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<QueueView>>> {
    let queues = configuration::list_queues(&state, &caller.tenant, query.include()).await?;
    Ok(Json(whole(queues.into_iter().map(Into::into).collect())))
}

/// Create a queue; it starts with the standard statuses (New … Closed, and the two approval statuses).
#[utoipa::path(post, path = "/queues", request_body = QueueInput, responses((status = 201, body = QueueView)))]
pub async fn create_queue(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<QueueInput>,
) -> Result<(StatusCode, Json<QueueView>)> {
    let queue = configuration::create_queue(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(queue.into())))
}

/// Get a queue with all its statuses (archived ones too).
#[utoipa::path(get, path = "/queues/{queueId}", params(("queueId" = i32, Path)), responses((status = 200, body = QueueView)))]
pub async fn get_queue(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<QueueView>> {
    Ok(Json(
        configuration::get_queue(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

/// Replace a queue's name and description.
#[utoipa::path(put, path = "/queues/{queueId}", params(("queueId" = i32, Path)), request_body = QueueInput, responses((status = 200, body = QueueView)))]
pub async fn replace_queue(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<QueueInput>,
) -> Result<Json<QueueView>> {
    Ok(Json(
        configuration::replace_queue(&state, &caller.tenant, id, input)
            .await?
            .into(),
    ))
}

/// Update a queue with a JSON merge patch.
#[utoipa::path(patch, path = "/queues/{queueId}", params(("queueId" = i32, Path)), request_body = QueuePatch, responses((status = 200, body = QueueView)))]
pub async fn update_queue(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<QueuePatch>,
) -> Result<Json<QueueView>> {
    Ok(Json(
        configuration::patch_queue(&state, &caller.tenant, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a queue; refused (409 `InUse`) while request types start tickets in it.
#[utoipa::path(delete, path = "/queues/{queueId}", params(("queueId" = i32, Path)), responses((status = 200, body = QueueView)))]
pub async fn archive_queue(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<QueueView>> {
    Ok(Json(
        configuration::set_queue_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived queue.
#[utoipa::path(post, path = "/queues/{queueId}/restore", params(("queueId" = i32, Path)), responses((status = 200, body = QueueView)))]
pub async fn restore_queue(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<QueueView>> {
    Ok(Json(
        configuration::set_queue_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}

/// Add a status to a queue.
#[utoipa::path(post, path = "/queues/{queueId}/statuses", params(("queueId" = i32, Path)), request_body = StatusInput, responses((status = 201, body = StatusView)))]
pub async fn create_status(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(queue): ApiPath<i32>,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<(StatusCode, Json<StatusView>)> {
    let status = configuration::create_status(&state, &caller.tenant, queue, input).await?;
    Ok((StatusCode::CREATED, Json(status.into())))
}

/// Replace a status. A queue always keeps one open default status.
#[utoipa::path(put, path = "/queues/{queueId}/statuses/{statusId}", params(("queueId" = i32, Path), ("statusId" = i32, Path)), request_body = StatusInput, responses((status = 200, body = StatusView)))]
pub async fn replace_status(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((queue, id)): ApiPath<(i32, i32)>,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<Json<StatusView>> {
    Ok(Json(
        configuration::replace_status(&state, &caller.tenant, queue, id, input)
            .await?
            .into(),
    ))
}

/// Update a status with a JSON merge patch.
#[utoipa::path(patch, path = "/queues/{queueId}/statuses/{statusId}", params(("queueId" = i32, Path), ("statusId" = i32, Path)), request_body = StatusPatch, responses((status = 200, body = StatusView)))]
pub async fn update_status(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((queue, id)): ApiPath<(i32, i32)>,
    ApiJson(patch): ApiJson<StatusPatch>,
) -> Result<Json<StatusView>> {
    Ok(Json(
        configuration::patch_status(&state, &caller.tenant, queue, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a status; the queue's default cannot be archived (409 `InUse`).
#[utoipa::path(delete, path = "/queues/{queueId}/statuses/{statusId}", params(("queueId" = i32, Path), ("statusId" = i32, Path)), responses((status = 200, body = StatusView)))]
pub async fn archive_status(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((queue, id)): ApiPath<(i32, i32)>,
) -> Result<Json<StatusView>> {
    Ok(Json(
        configuration::set_status_archived(&state, &caller.tenant, queue, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived status.
#[utoipa::path(post, path = "/queues/{queueId}/statuses/{statusId}/restore", params(("queueId" = i32, Path), ("statusId" = i32, Path)), responses((status = 200, body = StatusView)))]
pub async fn restore_status(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((queue, id)): ApiPath<(i32, i32)>,
) -> Result<Json<StatusView>> {
    Ok(Json(
        configuration::set_status_archived(&state, &caller.tenant, queue, id, false)
            .await?
            .into(),
    ))
}
