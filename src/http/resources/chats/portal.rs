//! A contact's chats: start one, read and write, ask for a callback, leave.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shapes::{
    MessageInput, MessagePage, MessagesQuery, MyChatsQuery, history, message_page,
};
use crate::{
    auth::extractors::PortalUser,
    domain::chats::{CallbackRequest, ChatMessage, ChatSession, StartChat},
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::chats::SessionFilter,
    service::chats::{self, Participant},
    state::AppState,
};

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start_chat, list_my_chats))
        .routes(routes!(get_my_chat))
        .routes(routes!(read_my_messages, write_my_message))
        .routes(routes!(ask_callback))
        .routes(routes!(leave_my_chat))
}

/// Start a chat with the helpdesk (before a ticket exists, or about one of my tickets).
#[utoipa::path(post, path = "/chats", request_body = StartChat, responses((status = 201, body = ChatSession)))]
pub async fn start_chat(
    State(state): State<AppState>,
    user: PortalUser,
    ApiJson(input): ApiJson<StartChat>,
) -> Result<(StatusCode, Json<ChatSession>)> {
    let session = chats::request(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        input,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(session.for_contact())))
}

/// My chat history, newest first.
#[utoipa::path(get, path = "/chats", params(MyChatsQuery), responses((status = 200, body = Page<ChatSession>)))]
pub async fn list_my_chats(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(query): ApiQuery<MyChatsQuery>,
) -> Result<Json<Page<ChatSession>>> {
    let filter = SessionFilter {
        status: query.status.as_deref(),
        involving: Some(("contact", user.contact_id)),
        ..SessionFilter::default()
    };
    let Json(mut page) = history(&state, &user.tenant, filter, query.skip, query.take).await?;
    page.results = page
        .results
        .into_iter()
        .map(ChatSession::for_contact)
        .collect();
    Ok(Json(page))
}

/// One of my chats.
#[utoipa::path(get, path = "/chats/{sessionId}", params(("sessionId" = String, Path)), responses((status = 200, body = ChatSession)))]
pub async fn get_my_chat(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatSession>> {
    let who = Participant::Contact(user.contact_id);
    let session = chats::get(&state, &user.tenant, who, &id).await?;
    Ok(Json(session.for_contact()))
}

/// A chat's messages, oldest first.
#[utoipa::path(get, path = "/chats/{sessionId}/messages", params(("sessionId" = String, Path), MessagesQuery), responses((status = 200, body = MessagePage)))]
pub async fn read_my_messages(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessagePage>> {
    let who = Participant::Contact(user.contact_id);
    message_page(&state, &user.tenant, who, &id, query).await
}

/// Write in a chat (413 over 4000 characters, 409 once it is completed).
#[utoipa::path(post, path = "/chats/{sessionId}/messages", params(("sessionId" = String, Path)), request_body = MessageInput, responses((status = 201, body = ChatMessage)))]
pub async fn write_my_message(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> Result<(StatusCode, Json<ChatMessage>)> {
    if input.kind.as_deref().is_some_and(|k| k != "message") {
        return Err(Error::bad_request("type", "contacts write `message`s"));
    }
    let who = Participant::Contact(user.contact_id);
    let message = chats::send(&state, &user.tenant, who, &id, &input.message, false).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Ask to be called back (by phone or chat) instead of waiting.
#[utoipa::path(post, path = "/chats/{sessionId}/callback", params(("sessionId" = String, Path)), request_body = CallbackRequest, responses((status = 200, body = ChatSession)))]
pub async fn ask_callback(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<CallbackRequest>,
) -> Result<Json<ChatSession>> {
    let session = chats::ask_callback(&state, &user.tenant, user.contact_id, &id, input).await?;
    Ok(Json(session.for_contact()))
}

/// Leave a chat; when the last contact leaves, the chat is completed.
#[utoipa::path(post, path = "/chats/{sessionId}/leave", params(("sessionId" = String, Path)), responses((status = 200, body = ChatSession)))]
pub async fn leave_my_chat(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatSession>> {
    let who = Participant::Contact(user.contact_id);
    let session = chats::leave(&state, &user.tenant, who, &id).await?;
    Ok(Json(session.for_contact()))
}
