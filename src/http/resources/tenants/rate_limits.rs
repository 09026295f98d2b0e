//! Rate limits: admins read their tenant's (Admin API v3); the platform sets a tenant's plan.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PlatformOperator},
    domain::{RateLimitPlan, Tenant},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath},
        rate_limit::{COSTS, Limits, WORD_SEARCH_COST},
    },
    service::tenants,
    state::AppState,
};

/// A tenant's limits in force, per window, and what operations cost.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitsView {
    /// Whether limits are enforced on this server.
    pub enabled: bool,
    pub window_seconds: u64,
    /// Each API key and each personal access token.
    pub per_key: u32,
    /// Each signed-in person (session cookie or access token).
    pub per_user: u32,
    /// Each client address, for requests without credentials.
    pub per_address: u32,
    /// All of the tenant's requests together.
    pub per_tenant: u32,
    /// The plan the platform set (null fields take the server's defaults).
    pub plan: RateLimitPlan,
    /// Operations that cost more than one unit.
    pub costs: Vec<OperationCost>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationCost {
    pub method: String,
    /// Any route ending so, in every version and family.
    pub path_suffix: String,
    pub cost: u32,
}

impl RateLimitsView {
    fn new(state: &AppState, tenant: &Tenant) -> Self {
        let plan = tenant.rate_limits.0;
        let limits = Limits::of(&state.config.rate_limits, &plan);
        let mut costs: Vec<OperationCost> = COSTS
            .iter()
            .map(|(method, suffix, cost)| OperationCost {
                method: method.to_string(),
                path_suffix: suffix.to_string(),
                cost: *cost,
            })
            .collect();
        costs.push(OperationCost {
            method: "GET".into(),
            path_suffix: "/tickets?q=…".into(),
            cost: WORD_SEARCH_COST,
        });
        Self {
            enabled: state.config.rate_limits.enabled,
            window_seconds: limits.window_secs,
            per_key: limits.per_key,
            per_user: limits.per_user,
            per_address: limits.per_address,
            per_tenant: limits.per_tenant,
            plan,
            costs,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_rate_limits))
}

pub fn platform_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tenant_rate_limits, set_tenant_rate_limits))
}

/// This tenant's rate limits and operation costs.
#[utoipa::path(get, path = "/rate-limits", responses((status = 200, body = RateLimitsView)))]
pub async fn get_rate_limits(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Json<RateLimitsView> {
    Json(RateLimitsView::new(&state, &caller.tenant))
}

/// A tenant's rate limits.
#[utoipa::path(get, path = "/tenants/{slug}/rate-limits", params(("slug" = String, Path)), responses((status = 200, body = RateLimitsView)))]
pub async fn get_tenant_rate_limits(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<RateLimitsView>> {
    let current = tenants::get(&state, &slug).await?;
    Ok(Json(RateLimitsView::new(&state, &current.tenant)))
}

/// Set a tenant's plan: each limit per window, `null` for the server's default. Every instance
/// applies it at once.
#[utoipa::path(put, path = "/tenants/{slug}/rate-limits", params(("slug" = String, Path)), request_body = RateLimitPlan, responses((status = 200, body = RateLimitsView)))]
pub async fn set_tenant_rate_limits(
    State(state): State<AppState>,
    _op: PlatformOperator,
    ApiPath(slug): ApiPath<String>,
    ApiJson(plan): ApiJson<RateLimitPlan>,
) -> Result<Json<RateLimitsView>> {
    let current = tenants::get(&state, &slug).await?;
    let tenant = tenants::set_rate_limits(&state, &current.tenant, plan).await?;
    Ok(Json(RateLimitsView::new(&state, &tenant)))
}
