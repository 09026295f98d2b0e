//! The calling tenant's own settings (Admin API) and public description (Public API).

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    domain::{TenantStatus, tenants::TenantChanges},
    error::Result,
    http::extract::ApiJson,
    service::tenants::{self, TenantDetails},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantView {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub custom_domains: Vec<String>,
    /// Origins whose pages may call this tenant's API from a browser (extension pages).
    pub cors_origins: Vec<String>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<TenantDetails> for TenantView {
    fn from(d: TenantDetails) -> Self {
        Self {
            id: d.tenant.id,
            slug: d.tenant.slug,
            name: d.tenant.name,
            status: d.tenant.status,
            custom_domains: d.custom_domains,
            cors_origins: d.tenant.cors_origins,
            created_on: d.tenant.created_at,
            modified_on: d.tenant.updated_at,
        }
    }
}

/// What a tenant's admins may change themselves; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantSettingsPatch {
    pub name: Option<String>,
    pub cors_origins: Option<Vec<String>>,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tenant_settings, update_tenant_settings))
}

/// Get this tenant's settings.
#[utoipa::path(get, path = "/tenant", responses((status = 200, body = TenantView)))]
pub async fn get_tenant_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<TenantView>> {
    Ok(Json(
        tenants::get(&state, &caller.tenant.slug).await?.into(),
    ))
}

/// Change this tenant's name or CORS allow-list.
#[utoipa::path(patch, path = "/tenant", request_body = TenantSettingsPatch, responses((status = 200, body = TenantView)))]
pub async fn update_tenant_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(patch): ApiJson<TenantSettingsPatch>,
) -> Result<Json<TenantView>> {
    let changes = TenantChanges {
        name: patch.name,
        cors_origins: patch.cors_origins,
        ..Default::default()
    };
    Ok(Json(
        tenants::update(&state, &caller.tenant, changes)
            .await?
            .into(),
    ))
}
