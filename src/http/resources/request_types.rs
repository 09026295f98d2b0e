//! Request types (service types): what contacts can ask for, and where those tickets start.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::queues::{ArchivedQuery, whole};
use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    domain::Reference,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::service_config::RequestType,
    service::configuration::{self, RequestTypeInput, RequestTypePatch},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypeView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub service_group: Option<Reference>,
    pub default_queue: Reference,
    pub default_priority: Reference,
    pub requires_approval: bool,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<RequestType> for RequestTypeView {
    fn from(r: RequestType) -> Self {
        Self {
            id: r.id,
            name: r.name,
            description: r.description,
            service_group: r
                .service_group_id
                .zip(r.service_group_name)
                .map(|(id, name)| Reference { id, name }),
            default_queue: Reference {
                id: r.default_queue_id,
                name: r.default_queue_name,
            },
            default_priority: Reference {
                id: r.default_priority_id,
                name: r.default_priority_name,
            },
            requires_approval: r.requires_approval,
            is_archived: r.archived_at.is_some(),
            created_on: r.created_at,
            modified_on: r.updated_at,
            archived_on: r.archived_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_request_types, create_request_type))
        .routes(routes!(
            get_request_type,
            replace_request_type,
            update_request_type,
            archive_request_type
        ))
        .routes(routes!(restore_request_type))
}

pub fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_request_types))
}

/// List request types (the service catalogue).
#[utoipa::path(get, path = "/request-types", params(ArchivedQuery), responses((status = 200, body = Page<RequestTypeView>)))]
pub async fn list_request_types(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<RequestTypeView>>> {
    let types = configuration::list_request_types(&state, &caller.tenant, query.include()).await?;
    Ok(Json(whole(types.into_iter().map(Into::into).collect())))
}

/// Create a request type. Its queue, priority and service group must be live ones of this tenant.
#[utoipa::path(post, path = "/request-types", request_body = RequestTypeInput, responses((status = 201, body = RequestTypeView)))]
pub async fn create_request_type(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<RequestTypeInput>,
) -> Result<(StatusCode, Json<RequestTypeView>)> {
    let created = configuration::create_request_type(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Get a request type.
#[utoipa::path(get, path = "/request-types/{requestTypeId}", params(("requestTypeId" = i32, Path)), responses((status = 200, body = RequestTypeView)))]
pub async fn get_request_type(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<RequestTypeView>> {
    Ok(Json(
        configuration::get_request_type(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

/// Replace a request type: absent optional fields are cleared.
#[utoipa::path(put, path = "/request-types/{requestTypeId}", params(("requestTypeId" = i32, Path)), request_body = RequestTypeInput, responses((status = 200, body = RequestTypeView)))]
pub async fn replace_request_type(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<RequestTypeInput>,
) -> Result<Json<RequestTypeView>> {
    Ok(Json(
        configuration::replace_request_type(&state, &caller.tenant, id, input)
            .await?
            .into(),
    ))
}

/// Update a request type with a JSON merge patch.
#[utoipa::path(patch, path = "/request-types/{requestTypeId}", params(("requestTypeId" = i32, Path)), request_body = RequestTypePatch, responses((status = 200, body = RequestTypeView)))]
pub async fn update_request_type(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<RequestTypePatch>,
) -> Result<Json<RequestTypeView>> {
    Ok(Json(
        configuration::patch_request_type(&state, &caller.tenant, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a request type: contacts can no longer choose it.
#[utoipa::path(delete, path = "/request-types/{requestTypeId}", params(("requestTypeId" = i32, Path)), responses((status = 200, body = RequestTypeView)))]
pub async fn archive_request_type(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<RequestTypeView>> {
    Ok(Json(
        configuration::set_request_type_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived request type.
#[utoipa::path(post, path = "/request-types/{requestTypeId}/restore", params(("requestTypeId" = i32, Path)), responses((status = 200, body = RequestTypeView)))]
pub async fn restore_request_type(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<RequestTypeView>> {
    Ok(Json(
        configuration::set_request_type_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}
