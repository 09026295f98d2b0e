//! Liveness, readiness, and the access-token verification keys.

use std::time::Duration;

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, header},
    response::IntoResponse,
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::access_token::Jwks,
    error::{Error, Kind, Result},
    repo, secrets,
    state::AppState,
    tenancy::Site,
};

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_health))
        .routes(routes!(get_readiness))
        .routes(routes!(get_jwks))
        .routes(routes!(get_metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/health", responses((status = 200, body = Health)))]
pub async fn get_health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// 200 while the database answers; 503 `NotReady` (with `Retry-After`) within a second when it
/// does not.
#[utoipa::path(get, path = "/ready", responses((status = 200, body = Health), (status = 503, body = crate::http::envelope::ErrorBody)))]
pub async fn get_readiness(State(state): State<AppState>) -> Result<Json<Health>> {
    let not_ready = || {
        Error::new(
            Kind::Unavailable,
            "NotReady",
            "the database is not reachable",
        )
        .with_retry_after(1)
    };
    // Within a second, for a load balancer: known down, or no answer in time.
    if !state.db_health.is_up() {
        return Err(not_ready());
    }
    match tokio::time::timeout(Duration::from_secs(1), crate::db::ping(&state.pool)).await {
        Ok(Ok(())) => Ok(Json(Health { status: "ready" })),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(not_ready())
        }
        Err(_) => Err(not_ready()),
    }
}

/// The public keys that verify `DdAccessToken`s (Ed25519, JWK set), served on every host.
#[utoipa::path(get, path = "/.well-known/jwks.json", responses((status = 200, body = Jwks)))]
pub async fn get_jwks(State(state): State<AppState>) -> Result<Json<Jwks>> {
    Ok(Json(state.tokens.jwks(&state.pool).await?))
}

/// Prometheus metrics in text format, on the base domain only. With `DESKD_METRICS_TOKEN` set, it
/// needs `Authorization: Bearer <token>`.
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain; version=0.0.4", body = String)))]
pub async fn get_metrics(
    State(state): State<AppState>,
    Extension(site): Extension<Site>,
    headers: HeaderMap,
) -> Result<impl IntoResponse> {
    if !matches!(site, Site::Platform) {
        return Err(Error::not_found("resource"));
    }
    if let Some(expected) = &state.config.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !secrets::secrets_equal(presented.trim(), expected.expose()) {
            return Err(Error::unauthorized("a valid metrics token is required"));
        }
    }
    // Read at scrape time: the pool, the delivery and mail queues, where rate limits are counted.
    let m = &state.metrics;
    m.db_connections.set(i64::from(state.pool.size()));
    m.db_idle.set(state.pool.num_idle() as i64);
    m.db_max
        .set(i64::from(state.pool.options().get_max_connections()));
    if let Ok(depth) = repo::webhooks::queue_depth(&state.pool).await {
        m.webhook_queue.set(depth);
    }
    if let Ok(depth) = repo::email::pending_count(&state.pool).await {
        m.email_queue.set(depth);
    }
    m.rate_limit_shared
        .set(i64::from(state.limiter.shared_now()));
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        m.render(),
    ))
}
