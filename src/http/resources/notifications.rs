//! Notifications: each contact's and member's inbox (portal and tech), and sending one (Admin API
//! and the Power Automate connector).

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, Person},
    domain::notifications::NotificationInput,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::notifications::NotificationRow,
    service::notifications::{self, contact_inbox, inbox_of, member_inbox},
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
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

/// A person's own inbox, in the portal (contacts) and tech (members) families alike.
pub fn inbox_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_notifications))
        .routes(routes!(count_my_unread))
        .routes(routes!(read_my_notification))
        .routes(routes!(read_all_my_notifications))
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notify_contact))
        .routes(routes!(notify_member))
}

/// My notifications, newest first.
#[utoipa::path(get, path = "/notifications", params(InboxQuery), responses((status = 200, body = Page<NotificationView>)))]
pub async fn list_my_notifications(
    State(state): State<AppState>,
    me: Person,
    ApiQuery(query): ApiQuery<InboxQuery>,
) -> Result<Json<Page<NotificationView>>> {
    let (skip, take) = ListQuery {
        skip: query.skip,
        take: query.take,
        ..ListQuery::default()
    }
    .window()?;
    let unread_only = query.unread_only.unwrap_or(false);
    let inbox = inbox_of(me.kind, me.id);
    let slice = notifications::list(&state, &me.tenant, inbox, unread_only, skip, take).await?;
    Ok(Json(Page::new(
        slice.rows.into_iter().map(Into::into).collect(),
        slice.total,
        skip,
    )))
}

/// How many of my notifications are unread.
#[utoipa::path(get, path = "/notifications/unread-count", responses((status = 200, body = UnreadCount)))]
pub async fn count_my_unread(
    State(state): State<AppState>,
    me: Person,
) -> Result<Json<UnreadCount>> {
    let count = notifications::unread(&state, &me.tenant, inbox_of(me.kind, me.id)).await?;
    Ok(Json(UnreadCount { count }))
}

/// Mark one of my notifications read.
#[utoipa::path(post, path = "/notifications/{notificationId}/read", params(("notificationId" = i64, Path)), responses((status = 204)))]
pub async fn read_my_notification(
    State(state): State<AppState>,
    me: Person,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode> {
    notifications::mark_read(&state, &me.tenant, inbox_of(me.kind, me.id), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all my notifications read.
#[utoipa::path(post, path = "/notifications/read-all", responses((status = 204)))]
pub async fn read_all_my_notifications(
    State(state): State<AppState>,
    me: Person,
) -> Result<StatusCode> {
    notifications::mark_all_read(&state, &me.tenant, inbox_of(me.kind, me.id)).await?;
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
