//! Ticket priorities: Admin API, and the read-only list for technicians.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::queues::{ArchivedQuery, whole};
use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::service_config::Priority,
    service::configuration::{self, PriorityInput, PriorityPatch},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityView {
    pub id: i32,
    pub name: String,
    pub order: i32,
    pub colour: String,
    pub is_default: bool,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Priority> for PriorityView {
    fn from(p: Priority) -> Self {
        Self {
            id: p.id,
            name: p.name,
            order: p.sort_order,
            colour: p.colour,
            is_default: p.is_default,
            is_archived: p.archived_at.is_some(),
            created_on: p.created_at,
            modified_on: p.updated_at,
            archived_on: p.archived_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_priorities, create_priority))
        .routes(routes!(
            get_priority,
            replace_priority,
            update_priority,
            archive_priority
        ))
        .routes(routes!(restore_priority))
}

pub fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_priorities))
}

/// List priorities, lowest order first.
#[utoipa::path(get, path = "/priorities", params(ArchivedQuery), responses((status = 200, body = Page<PriorityView>)))]
pub async fn list_priorities(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<PriorityView>>> {
    let priorities =
        configuration::list_priorities(&state, &caller.tenant, query.include()).await?;
    Ok(Json(whole(
        priorities.into_iter().map(Into::into).collect(),
    )))
}

/// Create a priority; making it the default takes the mark from the previous default.
#[utoipa::path(post, path = "/priorities", request_body = PriorityInput, responses((status = 201, body = PriorityView)))]
pub async fn create_priority(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<PriorityInput>,
) -> Result<(StatusCode, Json<PriorityView>)> {
    let priority = configuration::create_priority(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(priority.into())))
}

/// Get a priority.
#[utoipa::path(get, path = "/priorities/{priorityId}", params(("priorityId" = i32, Path)), responses((status = 200, body = PriorityView)))]
pub async fn get_priority(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<PriorityView>> {
    Ok(Json(
        configuration::get_priority(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

/// Replace a priority.
#[utoipa::path(put, path = "/priorities/{priorityId}", params(("priorityId" = i32, Path)), request_body = PriorityInput, responses((status = 200, body = PriorityView)))]
pub async fn replace_priority(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<PriorityInput>,
) -> Result<Json<PriorityView>> {
    Ok(Json(
        configuration::replace_priority(&state, &caller.tenant, id, input)
            .await?
            .into(),
    ))
}

/// Update a priority with a JSON merge patch.
#[utoipa::path(patch, path = "/priorities/{priorityId}", params(("priorityId" = i32, Path)), request_body = PriorityPatch, responses((status = 200, body = PriorityView)))]
pub async fn update_priority(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<PriorityPatch>,
) -> Result<Json<PriorityView>> {
    Ok(Json(
        configuration::patch_priority(&state, &caller.tenant, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a priority; refused (409 `InUse`) for the default one or one request types use.
#[utoipa::path(delete, path = "/priorities/{priorityId}", params(("priorityId" = i32, Path)), responses((status = 200, body = PriorityView)))]
pub async fn archive_priority(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<PriorityView>> {
    Ok(Json(
        configuration::set_priority_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived priority.
#[utoipa::path(post, path = "/priorities/{priorityId}/restore", params(("priorityId" = i32, Path)), responses((status = 200, body = PriorityView)))]
pub async fn restore_priority(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<PriorityView>> {
    Ok(Json(
        configuration::set_priority_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}
