//! Ticket categories and tags: Admin API, and read-only lists for technicians.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    queues::{ArchivedQuery, whole},
    sources::{DescribedItemView, SimpleItemView},
};
use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    domain::patch::Patch,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::service_config::Table,
    service::configuration::{self, DescribedItemInput, NamedPatch, SimpleItemInput},
    state::AppState,
};

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories, create_category))
        .routes(routes!(replace_category, update_category, archive_category))
        .routes(routes!(restore_category))
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(replace_tag, archive_tag))
        .routes(routes!(restore_tag))
}

pub fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories))
        .routes(routes!(list_tags))
}

/// List ticket categories.
#[utoipa::path(get, path = "/categories", params(ArchivedQuery), responses((status = 200, body = Page<DescribedItemView>)))]
pub async fn list_categories(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<DescribedItemView>>> {
    let categories =
        configuration::list_named(&state, &caller.tenant, Table::Categories, query.include())
            .await?;
    Ok(Json(whole(
        categories.into_iter().map(Into::into).collect(),
    )))
}

/// Create a ticket category.
#[utoipa::path(post, path = "/categories", request_body = DescribedItemInput, responses((status = 201, body = DescribedItemView)))]
pub async fn create_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<DescribedItemInput>,
) -> Result<(StatusCode, Json<DescribedItemView>)> {
    let created = configuration::create_named(
        &state,
        &caller.tenant,
        Table::Categories,
        &input.name,
        input.description.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Replace a category: an absent description is cleared.
#[utoipa::path(put, path = "/categories/{categoryId}", params(("categoryId" = i32, Path)), request_body = DescribedItemInput, responses((status = 200, body = DescribedItemView)))]
pub async fn replace_category(
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
        configuration::patch_named(&state, &caller.tenant, Table::Categories, id, patch)
            .await?
            .into(),
    ))
}

/// Update a category with a JSON merge patch.
#[utoipa::path(patch, path = "/categories/{categoryId}", params(("categoryId" = i32, Path)), request_body = NamedPatch, responses((status = 200, body = DescribedItemView)))]
pub async fn update_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<NamedPatch>,
) -> Result<Json<DescribedItemView>> {
    Ok(Json(
        configuration::patch_named(&state, &caller.tenant, Table::Categories, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a category.
#[utoipa::path(delete, path = "/categories/{categoryId}", params(("categoryId" = i32, Path)), responses((status = 200, body = DescribedItemView)))]
pub async fn archive_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<DescribedItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::Categories, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived category.
#[utoipa::path(post, path = "/categories/{categoryId}/restore", params(("categoryId" = i32, Path)), responses((status = 200, body = DescribedItemView)))]
pub async fn restore_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<DescribedItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::Categories, id, false)
            .await?
            .into(),
    ))
}

/// List ticket tags.
#[utoipa::path(get, path = "/tags", params(ArchivedQuery), responses((status = 200, body = Page<SimpleItemView>)))]
pub async fn list_tags(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<SimpleItemView>>> {
    let tags =
        configuration::list_named(&state, &caller.tenant, Table::Tags, query.include()).await?;
    Ok(Json(whole(tags.into_iter().map(Into::into).collect())))
}

/// Create a ticket tag.
#[utoipa::path(post, path = "/tags", request_body = SimpleItemInput, responses((status = 201, body = SimpleItemView)))]
pub async fn create_tag(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<SimpleItemInput>,
) -> Result<(StatusCode, Json<SimpleItemView>)> {
    let created =
        configuration::create_named(&state, &caller.tenant, Table::Tags, &input.name, None).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// Rename a tag.
#[utoipa::path(put, path = "/tags/{tagId}", params(("tagId" = i32, Path)), request_body = SimpleItemInput, responses((status = 200, body = SimpleItemView)))]
pub async fn replace_tag(
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
        configuration::patch_named(&state, &caller.tenant, Table::Tags, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a tag.
#[utoipa::path(delete, path = "/tags/{tagId}", params(("tagId" = i32, Path)), responses((status = 200, body = SimpleItemView)))]
pub async fn archive_tag(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SimpleItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::Tags, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived tag.
#[utoipa::path(post, path = "/tags/{tagId}/restore", params(("tagId" = i32, Path)), responses((status = 200, body = SimpleItemView)))]
pub async fn restore_tag(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SimpleItemView>> {
    Ok(Json(
        configuration::set_named_archived(&state, &caller.tenant, Table::Tags, id, false)
            .await?
            .into(),
    ))
}
