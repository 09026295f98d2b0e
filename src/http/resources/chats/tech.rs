//! Members' chats: the queue and history, handle, invite, write, close, leave, push, turn into a
//! ticket, and presence.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::shapes::{
    ChatTicket, ChatsQuery, CloseInput, MessageInput, MessagePage, MessagesQuery, PresenceInput,
    check_choice, history, message_page,
};
use crate::{
    auth::{Principal, extractors::TechUser, principal::Actor},
    domain::chats::{ChatMessage, ChatSession, ChatToTicket, InviteRequest, Presence, PushChat},
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::chats::SessionFilter,
    service::chats::{self, Participant},
    state::AppState,
};

pub fn tech_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push_chat, list_chats))
        .routes(routes!(get_chat))
        .routes(routes!(read_messages, write_message))
        .routes(routes!(handle_chat))
        .routes(routes!(invite_to_chat))
        .routes(routes!(close_chat))
        .routes(routes!(leave_chat))
        .routes(routes!(chat_to_ticket))
        .routes(routes!(list_presence, set_my_presence))
}

/// Chats with filters, newest first; `status=created` is the queue of waiting requests.
#[utoipa::path(get, path = "/chats", params(ChatsQuery), responses((status = 200, body = Page<ChatSession>)))]
pub async fn list_chats(
    State(state): State<AppState>,
    user: TechUser,
    ApiQuery(query): ApiQuery<ChatsQuery>,
) -> Result<Json<Page<ChatSession>>> {
    if query.member_id.is_some() && query.contact_id.is_some() {
        return Err(Error::bad_request(
            "memberId",
            "filter by memberId or contactId, not both",
        ));
    }
    let involving = query
        .member_id
        .map(|m| ("member", m))
        .or(query.contact_id.map(|c| ("contact", c)));
    let filter = SessionFilter {
        status: query.status.as_deref(),
        kind: query.kind.as_deref(),
        involving,
        ticket_id: query.ticket_id,
        created_from: query.from,
        created_to: query.to,
    };
    history(&state, &user.tenant, filter, query.skip, query.take).await
}

/// Start a chat with a contact (a `push` chat: the contact is invited).
#[utoipa::path(post, path = "/chats", request_body = PushChat, responses((status = 201, body = ChatSession)))]
pub async fn push_chat(
    State(state): State<AppState>,
    user: TechUser,
    ApiJson(input): ApiJson<PushChat>,
) -> Result<(StatusCode, Json<ChatSession>)> {
    let session = chats::push(&state, &user.tenant, user.member_id, input).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// A chat.
#[utoipa::path(get, path = "/chats/{sessionId}", params(("sessionId" = String, Path)), responses((status = 200, body = ChatSession)))]
pub async fn get_chat(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatSession>> {
    let who = Participant::Member(user.member_id);
    Ok(Json(chats::get(&state, &user.tenant, who, &id).await?))
}

/// A chat's messages, oldest first.
#[utoipa::path(get, path = "/chats/{sessionId}/messages", params(("sessionId" = String, Path), MessagesQuery), responses((status = 200, body = MessagePage)))]
pub async fn read_messages(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<MessagePage>> {
    let who = Participant::Member(user.member_id);
    message_page(&state, &user.tenant, who, &id, query).await
}

/// Write in a chat I joined; `type: system` writes a system message.
#[utoipa::path(post, path = "/chats/{sessionId}/messages", params(("sessionId" = String, Path)), request_body = MessageInput, responses((status = 201, body = ChatMessage)))]
pub async fn write_message(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> Result<(StatusCode, Json<ChatMessage>)> {
    check_choice("type", input.kind.as_deref(), &["message", "system"])?;
    let system = input.kind.as_deref() == Some("system");
    let who = Participant::Member(user.member_id);
    let message = chats::send(&state, &user.tenant, who, &id, &input.message, system).await?;
    Ok((StatusCode::CREATED, Json(message)))
}

/// Handle a waiting, missed or callback chat (or join one already handled).
#[utoipa::path(post, path = "/chats/{sessionId}/handle", params(("sessionId" = String, Path)), responses((status = 200, body = ChatSession)))]
pub async fn handle_chat(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatSession>> {
    Ok(Json(
        chats::handle(&state, &user.tenant, user.member_id, &id).await?,
    ))
}

/// Invite members (or contacts) into a chat.
#[utoipa::path(post, path = "/chats/{sessionId}/invite", params(("sessionId" = String, Path)), request_body = InviteRequest, responses((status = 200, body = ChatSession)))]
pub async fn invite_to_chat(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<InviteRequest>,
) -> Result<Json<ChatSession>> {
    let who = Participant::Member(user.member_id);
    Ok(Json(
        chats::invite(&state, &user.tenant, who, &id, input).await?,
    ))
}

/// Close a chat with an optional note: it is completed.
#[utoipa::path(post, path = "/chats/{sessionId}/close", params(("sessionId" = String, Path)), request_body = CloseInput, responses((status = 200, body = ChatSession)))]
pub async fn close_chat(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<CloseInput>,
) -> Result<Json<ChatSession>> {
    let session = chats::close(
        &state,
        &user.tenant,
        user.member_id,
        &id,
        input.note.as_deref(),
    )
    .await?;
    Ok(Json(session))
}

/// Leave a chat (it goes on without me).
#[utoipa::path(post, path = "/chats/{sessionId}/leave", params(("sessionId" = String, Path)), responses((status = 200, body = ChatSession)))]
pub async fn leave_chat(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChatSession>> {
    let who = Participant::Member(user.member_id);
    Ok(Json(chats::leave(&state, &user.tenant, who, &id).await?))
}

/// Turn a chat into a ticket for its contact, with the transcript as the description.
#[utoipa::path(post, path = "/chats/{sessionId}/ticket", params(("sessionId" = String, Path)), request_body = ChatToTicket, responses((status = 201, body = ChatTicket)))]
pub async fn chat_to_ticket(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<ChatToTicket>,
) -> Result<(StatusCode, Json<ChatTicket>)> {
    let principal = Principal {
        tenant_id: user.tenant.id,
        actor: Actor::Member {
            id: user.member_id,
            role: user.role,
        },
        via: user.via,
        credential: None,
    };
    let (session, ticket_id) =
        chats::to_ticket(&state, &user.tenant, &principal, user.member_id, &id, input).await?;
    Ok((StatusCode::CREATED, Json(ChatTicket { ticket_id, session })))
}

/// Every member's presence.
#[utoipa::path(get, path = "/presence", responses((status = 200, body = Page<Presence>)))]
pub async fn list_presence(
    State(state): State<AppState>,
    user: TechUser,
) -> Result<Json<Page<Presence>>> {
    Ok(Json(Page::whole(
        chats::presence(&state, &user.tenant).await?,
    )))
}

/// Set my presence; other members see it (and their streams get a `presence` event).
#[utoipa::path(put, path = "/presence", request_body = PresenceInput, responses((status = 200, body = Presence)))]
pub async fn set_my_presence(
    State(state): State<AppState>,
    user: TechUser,
    ApiJson(input): ApiJson<PresenceInput>,
) -> Result<Json<Presence>> {
    let presence =
        chats::set_presence(&state, &user.tenant, user.member_id, input.status.trim()).await?;
    Ok(Json(presence))
}
