//! The platform (provisioning) API, on the base domain only, for the operator who hosts deskd.
//! Guarded by `Authorization: Bearer <DESKD_PLATFORM_TOKEN>`; disabled when that is unset.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::settings::TenantView;
use crate::{
    auth::extractors::PlatformOperator,
    domain::{
        TenantStatus,
        tenants::{NewTenant, TenantChanges},
    },
    error::Result,
    http::pagination::Page,
    http::{
        extract::{ApiJson, ApiPath},
        resources::members::MemberView,
    },
    service::tenants,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProvisionedTenant {
    pub tenant: TenantView,
    /// The tenant's first master admin.
    pub admin: MemberView,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RotatedKey {
    /// The new signing key's id; older keys keep verifying the tokens they signed.
    pub kid: String,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tenants, create_tenant))
        .routes(routes!(get_tenant, update_tenant))
        .routes(routes!(suspend_tenant))
        .routes(routes!(resume_tenant))
        .routes(routes!(rotate_signing_key))
}

/// List every tenant.
#[utoipa::path(get, path = "/tenants", responses((status = 200, body = Page<TenantView>)))]
pub async fn list_tenants(
    State(state): State<AppState>,
    _op: PlatformOperator,
) -> Result<Json<Page<TenantView>>> {
    Ok(Json(Page::whole(
        tenants::list(&state)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    )))
}

/// Create a tenant with its first master admin.
#[utoipa::path(post, path = "/tenants", request_body = NewTenant, responses((status = 201, body = ProvisionedTenant)))]
pub async fn create_tenant(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiJson(input): ApiJson<NewTenant>,
) -> Result<(StatusCode, Json<ProvisionedTenant>)> {
    let (tenant, admin) = tenants::provision(&state, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ProvisionedTenant {
            tenant: tenant.into(),
            admin: admin.into(),
        }),
    ))
}

/// Get a tenant by slug.
#[utoipa::path(get, path = "/tenants/{slug}", params(("slug" = String, Path)), responses((status = 200, body = TenantView)))]
pub async fn get_tenant(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<TenantView>> {
    Ok(Json(tenants::get(&state, &slug).await?.into()))
}

/// Change a tenant: name, status, custom domains, CORS allow-list. Absent fields stay.
#[utoipa::path(patch, path = "/tenants/{slug}", params(("slug" = String, Path)), request_body = TenantChanges, responses((status = 200, body = TenantView)))]
pub async fn update_tenant(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiPath(slug): ApiPath<String>,
    ApiJson(changes): ApiJson<TenantChanges>,
) -> Result<Json<TenantView>> {
    let current = tenants::get(&state, &slug).await?;
    Ok(Json(
        tenants::update(&state, &current.tenant, changes)
            .await?
            .into(),
    ))
}

/// Suspend a tenant: its hosts answer 403 `TenantSuspended` until it is resumed.
#[utoipa::path(post, path = "/tenants/{slug}/suspend", params(("slug" = String, Path)), responses((status = 200, body = TenantView)))]
pub async fn suspend_tenant(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<TenantView>> {
    set_status(&state, &slug, TenantStatus::Suspended).await
}

/// Resume a suspended tenant.
#[utoipa::path(post, path = "/tenants/{slug}/resume", params(("slug" = String, Path)), responses((status = 200, body = TenantView)))]
pub async fn resume_tenant(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<TenantView>> {
    set_status(&state, &slug, TenantStatus::Active).await
}

async fn set_status(
    state: &AppState,
    slug: &str,
    status: TenantStatus,
) -> Result<Json<TenantView>> {
    let current = tenants::get(state, slug).await?;
    let changes = TenantChanges {
        status: Some(status),
        ..Default::default()
    };
    Ok(Json(
        tenants::update(state, &current.tenant, changes)
            .await?
            .into(),
    ))
}

/// Start signing access tokens with a new key (published in the JWKS at once).
#[utoipa::path(post, path = "/signing-keys/rotate", responses((status = 200, body = RotatedKey)))]
pub async fn rotate_signing_key(
    State(state): State<AppState>,
    _op: PlatformOperator,
) -> Result<Json<RotatedKey>> {
    Ok(Json(RotatedKey {
        kid: state.tokens.rotate(&state.pool).await?,
    }))
}
