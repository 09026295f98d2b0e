//! Tenants: provisioning on the base domain (the platform API), each tenant's own settings, and
//! their rate-limit plans.

pub mod platform;
pub mod rate_limits;
pub mod settings;

use utoipa_axum::router::OpenApiRouter;

use crate::{http::openapi::platform_security, state::AppState};

/// The platform API: provisioning tenants and setting their plans, on the base domain.
pub fn platform_routes() -> OpenApiRouter<AppState> {
    let mut routes = platform::routes().merge(rate_limits::platform_routes());
    platform_security(routes.get_openapi_mut());
    routes
}
