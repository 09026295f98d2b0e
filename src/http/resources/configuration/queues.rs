//! Queues (boards) and their statuses.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::resource::{Api, Exposed, Summaries};
use crate::{
    auth::extractors::AdminCaller,
    domain::configuration::{ApprovalRole, StatusInput, StatusPatch},
    error::Result,
    http::extract::{ApiJson, ApiPath},
    repo::configuration::statuses::Status,
    service::configuration::{QueueDetails, Queues, statuses},
    state::AppState,
};

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

impl Exposed for Queues {
    type View = QueueView;
    const API: Api = Api {
        path: "/queues",
        id: "queueId",
        one: "queue",
        many: "queues",
        summaries: Summaries {
            list: "List queues (boards), each with its statuses.",
            create: "Create a queue; it starts with the standard statuses (New … Closed, and the two approval statuses).",
            get: "Get a queue with all its statuses (archived ones too).",
            replace: "Replace a queue's name and description.",
            update: "Update a queue with a JSON merge patch.",
            archive: "Archive a queue; refused (409 `InUse`) while request types start tickets in it.",
            restore: "Restore an archived queue.",
        },
    };
}

/// A queue's statuses, for admins.
pub fn status_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_status))
        .routes(routes!(replace_status, update_status, archive_status))
        .routes(routes!(restore_status))
}

/// Add a status to a queue.
#[utoipa::path(post, path = "/queues/{queueId}/statuses", params(("queueId" = i32, Path)), request_body = StatusInput, responses((status = 201, body = StatusView)))]
pub async fn create_status(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(queue): ApiPath<i32>,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<(StatusCode, Json<StatusView>)> {
    let status = statuses::create(&state, &caller.tenant, queue, input).await?;
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
        statuses::replace(&state, &caller.tenant, queue, id, input)
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
        statuses::patch(&state, &caller.tenant, queue, id, patch)
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
        statuses::set_archived(&state, &caller.tenant, queue, id, true)
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
        statuses::set_archived(&state, &caller.tenant, queue, id, false)
            .await?
            .into(),
    ))
}
