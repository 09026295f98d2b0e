//! The middleware that puts the request's [`Site`] in its extensions, and refuses hosts that serve
//! no helpdesk, suspended tenants, and paths the host does not serve.

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::Site;
use crate::{
    domain::TenantStatus,
    error::{Error, Kind},
    state::AppState,
};

pub fn tenant_not_found() -> Error {
    Error::new(
        Kind::NotFound,
        "TenantNotFound",
        "no helpdesk is served at this host name",
    )
}

/// Paths answered on any host, with or without a tenant.
fn is_open_path(path: &str) -> bool {
    matches!(path, "/health" | "/ready" | "/.well-known/jwks.json")
        || path == "/swagger"
        || path.starts_with("/swagger/")
}

/// Paths served on the base domain only: the platform API and the metrics.
fn is_platform_path(path: &str) -> bool {
    path.starts_with("/api/v3/platform/") || path == "/api/v3/platform" || path == "/metrics"
}

pub async fn resolve_site(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_string();
    // Liveness, readiness, the token keys and Swagger need no site (nor the database it is read from).
    if is_open_path(&path) {
        return next.run(request).await;
    }
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
        .unwrap_or("")
        .to_string();
    let site = match state.tenants.site_for(&state.pool, &host).await {
        Ok(site) => site,
        Err(e) => return Error::from(e).into_response(),
    };
    match site {
        Some(Site::Platform) if !is_open_path(&path) && !is_platform_path(&path) => {
            return tenant_not_found().into_response();
        }
        Some(Site::Tenant(_)) if is_platform_path(&path) => {
            return Error::new(
                Kind::NotFound,
                "NotFound",
                "the platform API is served on the base domain only",
            )
            .into_response();
        }
        Some(Site::Tenant(ref tenant))
            if tenant.status == TenantStatus::Suspended && !is_open_path(&path) =>
        {
            return Error::new(
                Kind::Forbidden,
                "TenantSuspended",
                "this helpdesk is suspended",
            )
            .into_response();
        }
        None if !is_open_path(&path) => return tenant_not_found().into_response(),
        _ => {}
    }
    if let Some(site) = site {
        request.extensions_mut().insert(site);
    }
    next.run(request).await
}
