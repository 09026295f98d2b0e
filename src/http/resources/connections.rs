//! `connections/test`, which the Power Automate connectors call to check a connection.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{ConnectorCaller, TechUser},
    state::AppState,
};

/// An empty object: the credentials work.
#[derive(Serialize, ToSchema)]
pub struct ConnectionOk {}

pub fn connector_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(test_connector_connection))
}

pub fn copilot_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(test_copilot_connection))
}

/// Check a DeskDirector (Power Automate) connection: 200 `{}` when the API key works.
#[utoipa::path(get, path = "/connections/test", operation_id = "TestConnection", responses((status = 200, body = ConnectionOk)))]
pub async fn test_connector_connection(_caller: ConnectorCaller) -> Json<ConnectionOk> {
    Json(ConnectionOk {})
}

/// Check a DeskDirector Tech connection: 200 `{}` when the personal access token works.
#[utoipa::path(get, path = "/connections/test", operation_id = "TestCopilotConnection", responses((status = 200, body = ConnectionOk)))]
pub async fn test_copilot_connection(_user: TechUser) -> Json<ConnectionOk> {
    Json(ConnectionOk {})
}
