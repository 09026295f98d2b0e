//! The connector's chat operations: read a session, write a system message, invite users, and the
//! "When a chat session is created or updated" trigger, which receives DeskDirector's array of
//! `ChatSession`s.

use axum::{Json, extract::State, http::HeaderMap};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::{
    lists::DynamicList,
    triggers::{ChatEventQuery, Done, Subscription, TokenQuery, subscription},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    domain::{
        TextReference,
        chats::{ChatMessage, ChatSession, InviteRequest},
        flows::{ChatFlowParameters, ChatFlowRequest},
    },
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        json_schema,
    },
    service::{
        chats::{self, Participant},
        flows::{self, CHAT_FLOW},
    },
    state::AppState,
};

/// A system message to write in a chat.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SystemMessageRequest {
    /// Up to 4000 characters.
    pub message: String,
}

/// Get a chat session.
#[utoipa::path(get, path = "/chat-sessions/{sessionId}", operation_id = "GetChatSession", params(("sessionId" = String, Path)), responses((status = 200, body = ChatSession)))]
pub async fn get_chat_session(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatSession>> {
    let session = chats::get(&state, &caller.tenant, Participant::System, &id).await?;
    Ok(Json(session))
}

/// Send a system message in a chat (409 once it is completed).
#[utoipa::path(post, path = "/chat-sessions/{sessionId}/system-messages", operation_id = "AddChatSystemMessage", params(("sessionId" = String, Path)), request_body = SystemMessageRequest, responses((status = 200, body = ChatMessage)))]
pub async fn add_chat_system_message(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<SystemMessageRequest>,
) -> Result<Json<ChatMessage>> {
    let message = chats::send(
        &state,
        &caller.tenant,
        Participant::System,
        &id,
        &request.message,
        true,
    )
    .await?;
    Ok(Json(message))
}

/// Invite members (or contacts) to a chat.
#[utoipa::path(post, path = "/chat-sessions/{sessionId}/invite", operation_id = "InviteUsersToChat", params(("sessionId" = String, Path)), request_body = InviteRequest, responses((status = 200, body = ChatSession)))]
pub async fn invite_users_to_chat(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<InviteRequest>,
) -> Result<Json<ChatSession>> {
    let session = chats::invite(&state, &caller.tenant, Participant::System, &id, request).await?;
    Ok(Json(session))
}

/// When a chat session is created or updated: POSTs an array of `ChatSession`s to `url` for each
/// event of the type chosen.
#[utoipa::path(post, path = "/chat-workflows", operation_id = "CreateChatWebhook", params(ChatEventQuery), request_body = ChatFlowRequest, responses((status = 201, body = super::triggers::FlowSubscription, headers(("Location" = String, description = "Where to DELETE the subscription")))))]
pub async fn subscribe_chat_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ChatEventQuery>,
    ApiJson(request): ApiJson<ChatFlowRequest>,
) -> Result<Subscription> {
    let s = flows::subscribe_chat_flow(&state, &caller.tenant, &query.kind, request).await?;
    subscription(&state, &headers, format!("/chat-workflows/{}", s.id), s)
}

/// Remove a chat flow's subscription; the token must be the one its `Location` carried.
#[utoipa::path(delete, path = "/chat-workflows/{workflowId}", operation_id = "DeleteChatWebhook", params(("workflowId" = String, Path), TokenQuery), responses((status = 200, body = Done)))]
pub async fn unsubscribe_chat_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> Result<Json<Done>> {
    flows::unsubscribe(
        &state,
        &caller.tenant,
        CHAT_FLOW,
        &id,
        None,
        query.token.as_deref(),
    )
    .await?;
    Ok(Json(Done {}))
}

/// The `parameters` of a chat flow (none).
#[utoipa::path(get, path = "/schema/chat-workflow-webhook/$parameters", operation_id = "GetChatWorkflowRequestParameterSchema", params(ChatEventQuery), responses((status = 200, body = Object)))]
pub async fn chat_flow_parameters_schema(
    _caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<ChatEventQuery>,
) -> Result<Json<Value>> {
    flows::check_chat_event(&query.kind)?;
    Ok(Json(json_schema::of::<ChatFlowParameters>()))
}

/// What a chat flow receives: an array of `ChatSession`s.
#[utoipa::path(get, path = "/schema/chat-workflow-webhook/$request", operation_id = "GetChatWebhookTriggerSchema", params(ChatEventQuery), responses((status = 200, body = Object)))]
pub async fn chat_trigger_schema(
    _caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<ChatEventQuery>,
) -> Result<Json<Value>> {
    flows::check_chat_event(&query.kind)?;
    Ok(Json(chat_sessions_schema()))
}

pub fn chat_sessions_schema() -> Value {
    json!({"type": "array", "items": json_schema::of::<ChatSession>()})
}

/// The chat events a flow can start on.
#[utoipa::path(get, path = "/chat-webhook-events", operation_id = "ListChatWebhookEvents", responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_chat_events(_caller: ConnectorCaller) -> Json<DynamicList<TextReference>> {
    DynamicList::whole(
        chats::EVENT_TYPES
            .iter()
            .map(|t| TextReference {
                id: t.to_string(),
                name: t.to_string(),
            })
            .collect(),
    )
}

/// The chat operations and trigger.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_chat_session))
        .routes(routes!(add_chat_system_message))
        .routes(routes!(invite_users_to_chat))
        .routes(routes!(subscribe_chat_flow))
        .routes(routes!(unsubscribe_chat_flow))
        .routes(routes!(chat_flow_parameters_schema))
        .routes(routes!(chat_trigger_schema))
        .routes(routes!(list_chat_events))
}
