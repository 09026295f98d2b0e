//! Liveness, readiness, and the access-token verification keys.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::access_token::Jwks,
    error::{ApiError, ApiResult},
    state::AppState,
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
}

/// The process is up.
#[utoipa::path(get, path = "/health", responses((status = 200, body = Health)))]
pub async fn get_health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The database is reachable; 503 when it is not.
#[utoipa::path(get, path = "/ready", responses((status = 200, body = Health)))]
pub async fn get_readiness(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => Ok(Json(Health { status: "ready" })),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "NotReady",
                "the database is not reachable",
            ))
        }
    }
}

/// The public keys that verify `DdAccessToken`s (Ed25519, JWK set), served on every host.
#[utoipa::path(get, path = "/.well-known/jwks.json", responses((status = 200, body = Jwks)))]
pub async fn get_jwks(State(state): State<AppState>) -> ApiResult<Json<Jwks>> {
    Ok(Json(state.tokens.jwks(&state.pool).await?))
}
