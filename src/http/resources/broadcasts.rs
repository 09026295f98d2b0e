//! Broadcasts: admins write them (Admin API v3); contacts read and dismiss theirs (portal).

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser},
    domain::broadcasts::BroadcastInput,
    error::Result,
    http::extract::{ApiJson, ApiPath},
    http::pagination::Page,
    repo::broadcasts::BroadcastRow,
    service::broadcasts,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastView {
    pub id: i64,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// `everyone`, `companies` or `groups`.
    pub audience: String,
    pub company_ids: Vec<i32>,
    pub group_ids: Vec<i32>,
    pub expires_on: Option<DateTime<Utc>>,
    /// Also mailed to its contacts.
    pub also_email: bool,
    pub created_on: DateTime<Utc>,
}

impl From<BroadcastRow> for BroadcastView {
    fn from(b: BroadcastRow) -> Self {
        Self {
            id: b.id,
            title: b.title,
            body: b.body,
            audience: b.audience,
            company_ids: b.company_ids,
            group_ids: b.group_ids,
            expires_on: b.expires_at,
            also_email: b.also_email,
            created_on: b.created_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_broadcasts, create_broadcast))
        .routes(routes!(delete_broadcast))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_broadcasts))
        .routes(routes!(dismiss_broadcast))
}

/// Every broadcast, newest first.
#[utoipa::path(get, path = "/broadcasts", responses((status = 200, body = Page<BroadcastView>)))]
pub async fn list_broadcasts(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<BroadcastView>>> {
    let rows = broadcasts::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Write a broadcast to everyone, to companies (`companyIds`) or to contact groups (`groupIds`).
#[utoipa::path(post, path = "/broadcasts", request_body = BroadcastInput, responses((status = 201, body = BroadcastView)))]
pub async fn create_broadcast(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<BroadcastInput>,
) -> Result<(StatusCode, Json<BroadcastView>)> {
    let row = broadcasts::create(&state, &caller.tenant, &caller.label(), input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Withdraw a broadcast.
#[utoipa::path(delete, path = "/broadcasts/{broadcastId}", params(("broadcastId" = i64, Path)), responses((status = 204)))]
pub async fn delete_broadcast(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    broadcasts::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The live broadcasts meant for me that I have not dismissed, newest first.
#[utoipa::path(get, path = "/broadcasts", responses((status = 200, body = Page<BroadcastView>)))]
pub async fn list_my_broadcasts(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<Page<BroadcastView>>> {
    let rows =
        broadcasts::for_contact(&state, &user.tenant, user.contact_id, user.company_id).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Dismiss a broadcast: it no longer shows for me.
#[utoipa::path(post, path = "/broadcasts/{broadcastId}/dismiss", params(("broadcastId" = i64, Path)), responses((status = 204)))]
pub async fn dismiss_broadcast(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    broadcasts::dismiss(&state, &user.tenant, user.contact_id, user.company_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
