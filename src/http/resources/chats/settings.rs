//! The tenant's chat settings, for admins.

use axum::{Json, extract::State};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shapes::ChatSettings;
use crate::{
    auth::extractors::AdminCaller, error::Result, http::extract::ApiJson, service::chats,
    state::AppState,
};

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_chat_settings, set_chat_settings))
}

/// The chat settings.
#[utoipa::path(get, path = "/chat-settings", responses((status = 200, body = ChatSettings)))]
pub async fn get_chat_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<ChatSettings>> {
    let secs = chats::missed_after(&state, &caller.tenant).await?;
    Ok(Json(ChatSettings {
        missed_after_seconds: secs,
    }))
}

/// Change the chat settings.
#[utoipa::path(put, path = "/chat-settings", request_body = ChatSettings, responses((status = 200, body = ChatSettings)))]
pub async fn set_chat_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<ChatSettings>,
) -> Result<Json<ChatSettings>> {
    let secs = chats::set_missed_after(&state, &caller.tenant, input.missed_after_seconds).await?;
    Ok(Json(ChatSettings {
        missed_after_seconds: secs,
    }))
}
