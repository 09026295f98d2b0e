//! Content pages: admins write them in Markdown (Admin API v3); contacts read those their audience
//! includes, as sanitised HTML (Portal API v2).

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser},
    domain::portal::{ContentAudience, ContentPageInput},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath},
        pagination::Page,
    },
    repo::content_pages::PageRow,
    service::content_pages,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentPageView {
    pub id: i32,
    pub title: String,
    /// The Markdown as written.
    pub body: String,
    /// The body rendered, scripts and unsafe links removed.
    pub body_html: String,
    pub audience: ContentAudience,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<PageRow> for ContentPageView {
    fn from(p: PageRow) -> Self {
        Self {
            id: p.id,
            title: p.title,
            body: p.body,
            body_html: p.body_html,
            audience: ContentAudience {
                kind: p.audience,
                company_ids: p.company_ids,
                contact_group_ids: p.contact_group_ids,
            },
            created_on: p.created_at,
            modified_on: p.updated_at,
        }
    }
}

/// A page as a contact reads it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalPageView {
    pub id: i32,
    pub title: String,
    pub body_html: String,
    pub modified_on: DateTime<Utc>,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_pages, create_page))
        .routes(routes!(get_page, replace_page, delete_page))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_page))
}

#[utoipa::path(get, path = "/content-pages", responses((status = 200, body = Page<ContentPageView>)))]
pub async fn list_pages(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<ContentPageView>>> {
    let rows = content_pages::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Create a content page (Markdown; scripts and `javascript:` links are stripped when rendered).
#[utoipa::path(post, path = "/content-pages", request_body = ContentPageInput, responses((status = 201, body = ContentPageView)))]
pub async fn create_page(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<ContentPageInput>,
) -> Result<(StatusCode, Json<ContentPageView>)> {
    let row = content_pages::save(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/content-pages/{pageId}", params(("pageId" = i32, Path)), responses((status = 200, body = ContentPageView)))]
pub async fn get_page(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ContentPageView>> {
    Ok(Json(
        content_pages::get(&state, &caller.tenant, id).await?.into(),
    ))
}

#[utoipa::path(put, path = "/content-pages/{pageId}", params(("pageId" = i32, Path)), request_body = ContentPageInput, responses((status = 200, body = ContentPageView)))]
pub async fn replace_page(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ContentPageInput>,
) -> Result<Json<ContentPageView>> {
    Ok(Json(
        content_pages::save(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

/// Delete a page; refused (409) while a menu item opens it.
#[utoipa::path(delete, path = "/content-pages/{pageId}", params(("pageId" = i32, Path)), responses((status = 204)))]
pub async fn delete_page(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    content_pages::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A content page my audience includes (any other is a 404).
#[utoipa::path(get, path = "/content-pages/{pageId}", params(("pageId" = i32, Path)), responses((status = 200, body = PortalPageView)))]
pub async fn read_page(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<PortalPageView>> {
    let p =
        content_pages::for_contact(&state, &user.tenant, (user.contact_id, user.company_id), id)
            .await?;
    Ok(Json(PortalPageView {
        id: p.id,
        title: p.title,
        body_html: p.body_html,
        modified_on: p.updated_at,
    }))
}
