//! Members (technicians, agents): Admin API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    domain::members::{MemberInput, MemberPatch},
    domain::{MemberRole, Tenant},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::members::Member,
    service::members,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    pub id: i32,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub role: MemberRole,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        Self {
            id: m.id,
            name: crate::domain::full_name(&m.first_name, &m.last_name),
            first_name: m.first_name,
            last_name: m.last_name,
            email: m.email,
            role: m.role,
            is_archived: m.archived_at.is_some(),
            created_on: m.created_at,
            modified_on: m.updated_at,
            archived_on: m.archived_at,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members, create_member))
        .routes(routes!(
            get_member,
            replace_member,
            update_member,
            archive_member
        ))
        .routes(routes!(restore_member))
}

/// List members (technicians).
#[utoipa::path(get, path = "/members", params(ListQuery), responses((status = 200, body = Page<MemberView>)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<MemberView>>> {
    page_of_members(&state, &caller.tenant, query).await
}

pub async fn page_of_members(
    state: &AppState,
    tenant: &Tenant,
    query: ListQuery,
) -> Result<Json<Page<MemberView>>> {
    let options = query.options()?;
    let slice = members::list(state, tenant, &options).await?;
    Ok(Json(Page::new(
        slice.rows.into_iter().map(Into::into).collect(),
        slice.total,
        options.skip,
    )))
}

/// Create a member. Only a master admin may create another master admin.
#[utoipa::path(post, path = "/members", request_body = MemberInput, responses((status = 201, body = MemberView)))]
pub async fn create_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<(StatusCode, Json<MemberView>)> {
    let member = members::create(&state, &caller.tenant, &caller.principal, input).await?;
    Ok((StatusCode::CREATED, Json(member.into())))
}

/// Get a member, archived or not.
#[utoipa::path(get, path = "/members/{memberId}", params(("memberId" = i32, Path)), responses((status = 200, body = MemberView)))]
pub async fn get_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<MemberView>> {
    Ok(Json(members::get(&state, &caller.tenant, id).await?.into()))
}

/// Replace a member: absent optional fields are cleared.
#[utoipa::path(put, path = "/members/{memberId}", params(("memberId" = i32, Path)), request_body = MemberInput, responses((status = 200, body = MemberView)))]
pub async fn replace_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MemberInput>,
) -> Result<Json<MemberView>> {
    Ok(Json(
        members::replace(&state, &caller.tenant, &caller.principal, id, input)
            .await?
            .into(),
    ))
}

/// Update a member with a JSON merge patch: absent = unchanged, `null` = cleared.
#[utoipa::path(patch, path = "/members/{memberId}", params(("memberId" = i32, Path)), request_body = MemberPatch, responses((status = 200, body = MemberView)))]
pub async fn update_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<MemberPatch>,
) -> Result<Json<MemberView>> {
    Ok(Json(
        members::patch(&state, &caller.tenant, &caller.principal, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a member (soft delete); answers the archived member. Their credentials stop working.
#[utoipa::path(delete, path = "/members/{memberId}", params(("memberId" = i32, Path)), responses((status = 200, body = MemberView)))]
pub async fn archive_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<MemberView>> {
    Ok(Json(
        members::set_archived(&state, &caller.tenant, &caller.principal, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived member.
#[utoipa::path(post, path = "/members/{memberId}/restore", params(("memberId" = i32, Path)), responses((status = 200, body = MemberView)))]
pub async fn restore_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<MemberView>> {
    Ok(Json(
        members::set_archived(&state, &caller.tenant, &caller.principal, id, false)
            .await?
            .into(),
    ))
}
