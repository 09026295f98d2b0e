//! Ticket sources (Email, Portal, Phone, …) and service groups: Admin API, and read-only lists.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::queues::{ArchivedQuery, whole};
use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    domain::patch::Patch,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::service_config::{Named, Table},
    service::configuration::{self, DescribedItemInput, NamedPatch, SimpleItemInput},
    state::AppState,
};

/// A list item that is just a name: a source or a tag.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimpleItemView {
    pub id: i32,
    pub name: String,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Named> for SimpleItemView {
    fn from(n: Named) -> Self {
        Self {
            id: n.id,
            name: n.name,
            is_archived: n.archived_at.is_some(),
            created_on: n.created_at,
            modified_on: n.updated_at,
            archived_on: n.archived_at,
        }
    }
}

/// A list item with a name and a description: a service group or a category.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribedItemView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Named> for DescribedItemView {
    fn from(n: Named) -> Self {
        Self {
            id: n.id,
            name: n.name,
            description: n.description,
            is_archived: n.archived_at.is_some(),
            created_on: n.created_at,
            modified_on: n.updated_at,
            archived_on: n.archived_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sources, create_source))
        .routes(routes!(replace_source, archive_source))
        .routes(routes!(restore_source))
        .routes(routes!(list_service_groups, create_service_group))
        .routes(routes!(
            replace_service_group,
            update_service_group,
            archive_service_group
        ))
        .routes(routes!(restore_service_group))
}

pub fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_sources))
}

/// List ticket sources.
#[utoipa::path(get, path = "/sources", params(ArchivedQuery), responses((status = 200, body = Page<SimpleItemView>)))]
pub async fn list_sources(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<SimpleItemView>>> {
    let sources =
        configuration::list_named(&state, &caller.tenant, Table::Sources, query.include()).await?;
    Ok(Json(whole(sources.into_iter().map(Into::into).collect())))
}

/// Create a ticket source.
#[utoipa::path(post, path = "/sources", request_body = SimpleItemInput, responses((status = 201, body = SimpleItemView)))]
pub async fn create_source(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<SimpleItemInput>,
) -> Result<(StatusCode, Json<SimpleItemView>)> {
    let source =
        configuration::create_named(&state, &caller.tenant, Table::Sources, &input.name, None)
            .await?;
    Ok((StatusCode::CREATED, Json(source.into())))
}

/// Rename a ticket source.
#[utoipa::path(put, path = "/sources/{sourceId}", params(("sourceId" = i32, Path)), request_body = SimpleItemInput, responses((status = 200, body = SimpleItemView)))]
pub async fn replace_source(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<SimpleItemInput>,
) -> Result<Json<SimpleItemView>> {
    let patch = NamedPatch {
        name: Patch::Value(input.name),
        description: Patch::Absent,
    };
    Ok(Json(
        configuration::patch_named(&state, &caller.tenant, Table::Sources, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a ticket source.
#[utoipa::path(delete, path = "/sources/{sourceId}", params(("sourceId" = i32, Path)), responses((status = 200, body = SimpleItemView)))]
pub async fn archive_source(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SimpleItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::Sources, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived ticket source.
#[utoipa::path(post, path = "/sources/{sourceId}/restore", params(("sourceId" = i32, Path)), responses((status = 200, body = SimpleItemView)))]
pub async fn restore_source(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SimpleItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::Sources, id, false)
            .await?
            .into(),
    ))
}

/// List service groups (the sections of the service catalogue).
#[utoipa::path(get, path = "/service-groups", params(ArchivedQuery), responses((status = 200, body = Page<DescribedItemView>)))]
pub async fn list_service_groups(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<DescribedItemView>>> {
    let groups = configuration::list_named(
        &state,
        &caller.tenant,
        Table::ServiceGroups,
        query.include(),
    )
    .await?;
    Ok(Json(whole(groups.into_iter().map(Into::into).collect())))
}

/// Create a service group.
#[utoipa::path(post, path = "/service-groups", request_body = DescribedItemInput, responses((status = 201, body = DescribedItemView)))]
pub async fn create_service_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<DescribedItemInput>,
) -> Result<(StatusCode, Json<DescribedItemView>)> {
    let group = configuration::create_named(
        &state,
        &caller.tenant,
        Table::ServiceGroups,
        &input.name,
        input.description.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(group.into())))
}

/// Replace a service group: an absent description is cleared.
#[utoipa::path(put, path = "/service-groups/{serviceGroupId}", params(("serviceGroupId" = i32, Path)), request_body = DescribedItemInput, responses((status = 200, body = DescribedItemView)))]
pub async fn replace_service_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<DescribedItemInput>,
) -> Result<Json<DescribedItemView>> {
    let patch = NamedPatch {
        name: Patch::Value(input.name),
        description: Patch::Value(input.description.unwrap_or_default()),
    };
    Ok(Json(
        configuration::patch_named(&state, &caller.tenant, Table::ServiceGroups, id, patch)
            .await?
            .into(),
    ))
}

/// Update a service group with a JSON merge patch.
#[utoipa::path(patch, path = "/service-groups/{serviceGroupId}", params(("serviceGroupId" = i32, Path)), request_body = NamedPatch, responses((status = 200, body = DescribedItemView)))]
pub async fn update_service_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<NamedPatch>,
) -> Result<Json<DescribedItemView>> {
    Ok(Json(
        configuration::patch_named(&state, &caller.tenant, Table::ServiceGroups, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a service group; refused (409 `InUse`) while request types belong to it.
#[utoipa::path(delete, path = "/service-groups/{serviceGroupId}", params(("serviceGroupId" = i32, Path)), responses((status = 200, body = DescribedItemView)))]
pub async fn archive_service_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<DescribedItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::ServiceGroups, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived service group.
#[utoipa::path(post, path = "/service-groups/{serviceGroupId}/restore", params(("serviceGroupId" = i32, Path)), responses((status = 200, body = DescribedItemView)))]
pub async fn restore_service_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<DescribedItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::ServiceGroups, id, false)
            .await?
            .into(),
    ))
}
