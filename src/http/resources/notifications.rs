//! Notifications: each contact's and member's inbox (portal and tech), and sending one (Admin API
//! and the Power Automate connector).

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser, TechUser},
    domain::Tenant,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::notifications::{Inbox, NotificationRow},
    service::notifications::{self, NotificationInput, contact_inbox, member_inbox},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: i64,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub link: Option<String>,
    pub is_read: bool,
    pub created_on: DateTime<Utc>,
    pub read_on: Option<DateTime<Utc>>,
}

impl From<NotificationRow> for NotificationView {
    fn from(n: NotificationRow) -> Self {
        Self {
            id: n.id,
            title: n.title,
            body: n.body,
            link: n.link,
            is_read: n.read_at.is_some(),
            created_on: n.created_at,
            read_on: n.read_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnreadCount {
    pub count: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct InboxQuery {
    /// Only unread notifications (default false).
    pub unread_only: Option<bool>,
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    pub take: Option<i64>,
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_notifications))
        .routes(routes!(count_my_unread))
        .routes(routes!(read_my_notification))
        .routes(routes!(read_all_my_notifications))
}

pub fn tech_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_member_notifications))
        .routes(routes!(count_member_unread))
        .routes(routes!(read_member_notification))
        .routes(routes!(read_all_member_notifications))
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notify_contact))
        .routes(routes!(notify_member))
}

async fn inbox_page(
    state: &AppState,
    tenant: &Tenant,
    inbox: Inbox,
    query: InboxQuery,
) -> Result<Json<Page<NotificationView>>> {
    let (skip, take) = ListQuery {
        skip: query.skip,
        take: query.take,
        ..ListQuery::default()
    }
    .window()?;
    let unread_only = query.unread_only.unwrap_or(false);
    let slice = notifications::list(state, tenant, inbox, unread_only, skip, take).await?;
    Ok(Json(Page::new(
        slice.rows.into_iter().map(Into::into).collect(),
        slice.total,
        skip,
    )))
}

/// My notifications, newest first.
#[utoipa::path(get, path = "/notifications", params(InboxQuery), responses((status = 200, body = Page<NotificationView>)))]
pub async fn list_my_notifications(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<Json<Page<NotificationView>>> {
    inbox_page(&state, &user.tenant, contact_inbox(user.contact_id), query).await
}

/// How many of my notifications are unread.
#[utoipa::path(get, path = "/notifications/unread-count", responses((status = 200, body = UnreadCount)))]
pub async fn count_my_unread(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<UnreadCount>> {
    let count = notifications::unread(&state, &user.tenant, contact_inbox(user.contact_id)).await?;
    Ok(Json(UnreadCount { count }))
}

/// Mark one of my notifications read.
#[utoipa::path(post, path = "/notifications/{notificationId}/read", params(("notificationId" = i64, Path)), responses((status = 204)))]
pub async fn read_my_notification(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    notifications::mark_read(&state, &user.tenant, contact_inbox(user.contact_id), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all my notifications read.
#[utoipa::path(post, path = "/notifications/read-all", responses((status = 204)))]
pub async fn read_all_my_notifications(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<StatusCode> {
    notifications::mark_all_read(&state, &user.tenant, contact_inbox(user.contact_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// My notifications, newest first.
#[utoipa::path(get, path = "/notifications", params(InboxQuery), responses((status = 200, body = Page<NotificationView>)))]
pub async fn list_member_notifications(
    State(state): State<AppState>,
    user: TechUser,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<Json<Page<NotificationView>>> {
    inbox_page(&state, &user.tenant, member_inbox(user.member_id), query).await
}

/// How many of my notifications are unread.
#[utoipa::path(get, path = "/notifications/unread-count", responses((status = 200, body = UnreadCount)))]
pub async fn count_member_unread(
    State(state): State<AppState>,
    user: TechUser,
) -> Result<Json<UnreadCount>> {
    let count = notifications::unread(&state, &user.tenant, member_inbox(user.member_id)).await?;
    Ok(Json(UnreadCount { count }))
}

/// Mark one of my notifications read.
#[utoipa::path(post, path = "/notifications/{notificationId}/read", params(("notificationId" = i64, Path)), responses((status = 204)))]
pub async fn read_member_notification(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    notifications::mark_read(&state, &user.tenant, member_inbox(user.member_id), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all my notifications read.
#[utoipa::path(post, path = "/notifications/read-all", responses((status = 204)))]
pub async fn read_all_member_notifications(
    State(state): State<AppState>,
    user: TechUser,
) -> Result<StatusCode> {
    notifications::mark_all_read(&state, &user.tenant, member_inbox(user.member_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a notification to a contact (their client portal inbox).
#[utoipa::path(post, path = "/contacts/{contactId}/notifications", params(("contactId" = i32, Path)), request_body = NotificationInput, responses((status = 201, body = NotificationView)))]
pub async fn notify_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<NotificationInput>,
) -> Result<(StatusCode, Json<NotificationView>)> {
    let n = notifications::send(
        &state,
        &caller.tenant,
        contact_inbox(id),
        &caller.label(),
        input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(n.into())))
}

/// Send a notification to a member (their tech portal inbox).
#[utoipa::path(post, path = "/members/{memberId}/notifications", params(("memberId" = i32, Path)), request_body = NotificationInput, responses((status = 201, body = NotificationView)))]
pub async fn notify_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<NotificationInput>,
) -> Result<(StatusCode, Json<NotificationView>)> {
    let n = notifications::send(
        &state,
        &caller.tenant,
        member_inbox(id),
        &caller.label(),
        input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(n.into())))
}
