//! Companies (accounts): Admin API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    domain::Tenant,
    domain::companies::{CompanyInput, CompanyPatch},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::companies::Company,
    service::companies,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyView {
    pub id: i32,
    pub name: String,
    pub identifier: String,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Company> for CompanyView {
    fn from(c: Company) -> Self {
        Self {
            id: c.id,
            name: c.name,
            identifier: c.identifier,
            is_archived: c.archived_at.is_some(),
            created_on: c.created_at,
            modified_on: c.updated_at,
            archived_on: c.archived_at,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_companies, create_company))
        .routes(routes!(find_companies))
        .routes(routes!(
            get_company,
            replace_company,
            update_company,
            archive_company
        ))
        .routes(routes!(restore_company))
}

/// List companies (accounts).
#[utoipa::path(get, path = "/companies", params(ListQuery), responses((status = 200, body = Page<CompanyView>)))]
pub async fn list_companies(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<CompanyView>>> {
    page_of_companies(&state, &caller.tenant, query).await
}

/// Find companies, as DeskDirector's `POST …/find`: the list's filters in a JSON body.
#[utoipa::path(post, path = "/companies/find", request_body = ListQuery, responses((status = 200, body = Page<CompanyView>)))]
pub async fn find_companies(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(query): ApiJson<ListQuery>,
) -> Result<Json<Page<CompanyView>>> {
    page_of_companies(&state, &caller.tenant, query).await
}

pub async fn page_of_companies(
    state: &AppState,
    tenant: &Tenant,
    query: ListQuery,
) -> Result<Json<Page<CompanyView>>> {
    let options = query.options()?;
    let slice = companies::list(state, tenant, &options).await?;
    Ok(Json(Page::new(
        slice.rows.into_iter().map(Into::into).collect(),
        slice.total,
        options.skip,
    )))
}

/// Create a company.
#[utoipa::path(post, path = "/companies", request_body = CompanyInput, responses((status = 201, body = CompanyView)))]
pub async fn create_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<CompanyInput>,
) -> Result<(StatusCode, Json<CompanyView>)> {
    let company = companies::create(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(company.into())))
}

/// Get a company, archived or not.
#[utoipa::path(get, path = "/companies/{companyId}", params(("companyId" = i32, Path)), responses((status = 200, body = CompanyView)))]
pub async fn get_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CompanyView>> {
    Ok(Json(
        companies::get(&state, &caller.tenant, id).await?.into(),
    ))
}

/// Replace a company: an absent identifier is made from the name again.
#[utoipa::path(put, path = "/companies/{companyId}", params(("companyId" = i32, Path)), request_body = CompanyInput, responses((status = 200, body = CompanyView)))]
pub async fn replace_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<CompanyInput>,
) -> Result<Json<CompanyView>> {
    Ok(Json(
        companies::replace(&state, &caller.tenant, id, input)
            .await?
            .into(),
    ))
}

/// Update a company with a JSON merge patch.
#[utoipa::path(patch, path = "/companies/{companyId}", params(("companyId" = i32, Path)), request_body = CompanyPatch, responses((status = 200, body = CompanyView)))]
pub async fn update_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<CompanyPatch>,
) -> Result<Json<CompanyView>> {
    Ok(Json(
        companies::patch(&state, &caller.tenant, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a company (soft delete); answers the archived company.
#[utoipa::path(delete, path = "/companies/{companyId}", params(("companyId" = i32, Path)), responses((status = 200, body = CompanyView)))]
pub async fn archive_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CompanyView>> {
    Ok(Json(
        companies::set_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived company.
#[utoipa::path(post, path = "/companies/{companyId}/restore", params(("companyId" = i32, Path)), responses((status = 200, body = CompanyView)))]
pub async fn restore_company(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CompanyView>> {
    Ok(Json(
        companies::set_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}
