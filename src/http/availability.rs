//! While the database does not answer (as `db::health`'s prober sees it), requests get 503
//! `DatabaseUnavailable` with `Retry-After` at once, and those already waiting for it are answered
//! so the moment it goes, instead of each waiting out the pool's timeout. `/health`, `/ready`,
//! `/metrics` and Swagger need no database and pass.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::Error, state::AppState};

pub async fn database_gate(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if matches!(path, "/health" | "/ready" | "/metrics") || path.starts_with("/swagger") {
        return next.run(request).await;
    }
    let health = &state.db_health;
    if !health.is_up() {
        return Error::database_unavailable().into_response();
    }
    tokio::select! {
        biased;
        response = next.run(request) => response,
        () = health.down() => Error::database_unavailable().into_response(),
    }
}
