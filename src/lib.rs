//! deskd: a multi-tenant helpdesk API server compatible with DeskDirector's API.
//!
//! The request path: `tenancy` (Host → tenant) → `auth` (credentials → principal) → `http`
//! (versioned routers, family guards, handlers) → `service` (use cases) → `repo` (SQL).

pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod files;
pub mod http;
pub mod live;
pub mod markdown;
pub mod metrics;
pub mod outbound;
pub mod rate_limit;
pub mod repo;
pub mod secrets;
pub mod service;
pub mod shutdown;
pub mod state;
pub mod telemetry;
pub mod tenancy;

pub use http::router as build_app;

use config::Config;
use db::Database;
use state::AppState;

/// Opens the database (running the private cluster if needed), applies migrations, and builds the state.
pub async fn start(config: Config) -> anyhow::Result<(Database, AppState)> {
    let database = db::open(&config).await?;
    db::migrate(&database.pool).await?;
    let server_key = secrets::ServerKey::load(config.secret_key.as_ref(), &config.data_dir)?;
    let state = AppState::new(config, database.pool.clone(), server_key);
    Ok((database, state))
}
