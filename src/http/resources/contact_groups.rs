//! Contact groups ("teams") of a company: Admin API, and DeskDirector's Tech route for membership.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, TechUser},
    domain::contact_groups::GroupRole,
    domain::{
        Reference,
        contact_groups::{GroupInput, MembershipInput},
    },
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ArchivedQuery, Page},
    },
    repo::contact_groups::GroupMember,
    service::contact_groups::{self, GroupDetails},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupMemberView {
    pub contact: Reference,
    pub email: String,
    pub role: GroupRole,
}

impl From<GroupMember> for GroupMemberView {
    fn from(m: GroupMember) -> Self {
        Self {
            contact: Reference {
                id: m.contact_id,
                name: crate::domain::full_name(&m.first_name, &m.last_name),
            },
            email: m.email,
            role: m.role,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactGroupView {
    pub id: i32,
    pub name: String,
    pub company: Reference,
    pub members: Vec<GroupMemberView>,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<GroupDetails> for ContactGroupView {
    fn from(d: GroupDetails) -> Self {
        Self {
            id: d.group.id,
            name: d.group.name,
            company: Reference {
                id: d.group.company_id,
                name: d.group.company_name,
            },
            members: d.members.into_iter().map(Into::into).collect(),
            is_archived: d.group.archived_at.is_some(),
            created_on: d.group.created_at,
            modified_on: d.group.updated_at,
            archived_on: d.group.archived_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contact_groups, create_contact_group))
        .routes(routes!(
            get_contact_group,
            replace_contact_group,
            archive_contact_group
        ))
        .routes(routes!(restore_contact_group))
        .routes(routes!(set_group_member, remove_group_member))
}

pub fn tech_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(set_team_user, remove_team_user))
}

/// List a company's contact groups with their members.
#[utoipa::path(get, path = "/companies/{companyId}/groups", params(("companyId" = i32, Path), ArchivedQuery), responses((status = 200, body = Page<ContactGroupView>)))]
pub async fn list_contact_groups(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(company): ApiPath<i32>,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<ContactGroupView>>> {
    let groups = contact_groups::list(&state, &caller.tenant, company, query.include()).await?;
    Ok(Json(Page::whole(
        groups.into_iter().map(Into::into).collect(),
    )))
}

/// Create a contact group in a company.
#[utoipa::path(post, path = "/companies/{companyId}/groups", params(("companyId" = i32, Path)), request_body = GroupInput, responses((status = 201, body = ContactGroupView)))]
pub async fn create_contact_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(company): ApiPath<i32>,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<(StatusCode, Json<ContactGroupView>)> {
    let group = contact_groups::create(&state, &caller.tenant, company, input).await?;
    Ok((StatusCode::CREATED, Json(group.into())))
}

/// Get a contact group with its members.
#[utoipa::path(get, path = "/companies/{companyId}/groups/{groupId}", params(("companyId" = i32, Path), ("groupId" = i32, Path)), responses((status = 200, body = ContactGroupView)))]
pub async fn get_contact_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((company, id)): ApiPath<(i32, i32)>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::get(&state, &caller.tenant, company, id)
            .await?
            .into(),
    ))
}

/// Rename a contact group.
#[utoipa::path(put, path = "/companies/{companyId}/groups/{groupId}", params(("companyId" = i32, Path), ("groupId" = i32, Path)), request_body = GroupInput, responses((status = 200, body = ContactGroupView)))]
pub async fn replace_contact_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((company, id)): ApiPath<(i32, i32)>,
    ApiJson(input): ApiJson<GroupInput>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::rename(&state, &caller.tenant, company, id, input)
            .await?
            .into(),
    ))
}

/// Archive a contact group.
#[utoipa::path(delete, path = "/companies/{companyId}/groups/{groupId}", params(("companyId" = i32, Path), ("groupId" = i32, Path)), responses((status = 200, body = ContactGroupView)))]
pub async fn archive_contact_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((company, id)): ApiPath<(i32, i32)>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::set_archived(&state, &caller.tenant, company, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived contact group.
#[utoipa::path(post, path = "/companies/{companyId}/groups/{groupId}/restore", params(("companyId" = i32, Path), ("groupId" = i32, Path)), responses((status = 200, body = ContactGroupView)))]
pub async fn restore_contact_group(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((company, id)): ApiPath<(i32, i32)>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::set_archived(&state, &caller.tenant, company, id, false)
            .await?
            .into(),
    ))
}

/// Add a contact of the company to the group, or change their role (`manager` or `member`).
#[utoipa::path(put, path = "/companies/{companyId}/groups/{groupId}/members/{contactId}", params(("companyId" = i32, Path), ("groupId" = i32, Path), ("contactId" = i32, Path)), request_body = MembershipInput, responses((status = 200, body = ContactGroupView)))]
pub async fn set_group_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((company, group, contact)): ApiPath<(i32, i32, i32)>,
    ApiJson(input): ApiJson<MembershipInput>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::set_member(&state, &caller.tenant, company, group, contact, input.role)
            .await?
            .into(),
    ))
}

/// Remove a contact from the group.
#[utoipa::path(delete, path = "/companies/{companyId}/groups/{groupId}/members/{contactId}", params(("companyId" = i32, Path), ("groupId" = i32, Path), ("contactId" = i32, Path)), responses((status = 200, body = ContactGroupView)))]
pub async fn remove_group_member(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((company, group, contact)): ApiPath<(i32, i32, i32)>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::remove_member(&state, &caller.tenant, company, group, contact)
            .await?
            .into(),
    ))
}

/// DeskDirector's route for a technician to put a contact in a team: body `{"role": "guest"}` (member) or `manager`.
#[utoipa::path(put, path = "/companies/{companyId}/teams/{teamId}/users/{userId}", params(("companyId" = i32, Path), ("teamId" = i32, Path), ("userId" = i32, Path)), request_body = MembershipInput, responses((status = 200, body = ContactGroupView)))]
pub async fn set_team_user(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath((company, group, contact)): ApiPath<(i32, i32, i32)>,
    ApiJson(input): ApiJson<MembershipInput>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::set_member(&state, &user.tenant, company, group, contact, input.role)
            .await?
            .into(),
    ))
}

/// Take a contact out of a team.
#[utoipa::path(delete, path = "/companies/{companyId}/teams/{teamId}/users/{userId}", params(("companyId" = i32, Path), ("teamId" = i32, Path), ("userId" = i32, Path)), responses((status = 200, body = ContactGroupView)))]
pub async fn remove_team_user(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath((company, group, contact)): ApiPath<(i32, i32, i32)>,
) -> Result<Json<ContactGroupView>> {
    Ok(Json(
        contact_groups::remove_member(&state, &user.tenant, company, group, contact)
            .await?
            .into(),
    ))
}
