//! Chats: contacts start them, write, ask for a callback and leave (portal); members see the
//! queue, handle, invite, write, close, push, turn chats into tickets and share presence (tech);
//! admins set how long a request may wait before it is missed.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{
        Principal,
        extractors::{AdminCaller, PortalUser, TechUser},
        principal::Actor,
    },
    domain::Tenant,
    domain::chats::{
        CallbackRequest, ChatMessage, ChatSession, ChatToTicket, InviteRequest, Presence, PushChat,
        StartChat,
    },
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
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

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_chat_settings, set_chat_settings))
}

// ---- shapes ----

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageInput {
    /// Up to 4000 characters (longer is 413).
    pub message: String,
    /// `message` (default) or, for members, `system`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct MessagesQuery {
    /// The `next` of the previous page (0 or absent: from the first message).
    pub after: Option<i64>,
    /// 1 to 500 (default 100).
    pub take: Option<i64>,
}

/// Messages oldest first, and where the next page starts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub results: Vec<ChatMessage>,
    /// Pass as `after` to read on; unchanged when nothing new was there.
    pub next: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct MyChatsQuery {
    /// Only chats in this status.
    pub status: Option<String>,
    pub skip: Option<i64>,
    pub take: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ChatsQuery {
    /// `created` (waiting for a member), `handled`, `missed`, `completed` or `callback`.
    pub status: Option<String>,
    /// `request` or `push`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Chats this member was in.
    pub member_id: Option<i32>,
    /// Chats this contact was in.
    pub contact_id: Option<i32>,
    /// Chats about this ticket.
    pub ticket_id: Option<i32>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
    pub skip: Option<i64>,
    pub take: Option<i64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CloseInput {
    /// Up to 2000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatTicket {
    pub ticket_id: i32,
    pub session: ChatSession,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PresenceInput {
    /// `online`, `away`, `busy` or `offline`.
    pub status: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSettings {
    /// How long a contact's chat request waits for a member before it is missed (1 to 86400).
    pub missed_after_seconds: i32,
}

fn check_choice(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<()> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Error::bad_request(
            field,
            format!("{field} is one of {}", allowed.join(", ")),
        )),
        _ => Ok(()),
    }
}

const STATUSES: &[&str] = &["created", "handled", "missed", "completed", "callback"];

async fn history(
    state: &AppState,
    tenant: &Tenant,
    filter: SessionFilter<'_>,
    skip: Option<i64>,
    take: Option<i64>,
) -> Result<Json<Page<ChatSession>>> {
    check_choice("status", filter.status, STATUSES)?;
    check_choice("type", filter.kind, &["request", "push"])?;
    let (skip, take) = ListQuery {
        skip,
        take,
        ..ListQuery::default()
    }
    .window()?;
    let slice = chats::list(state, tenant, &filter, skip, take).await?;
    Ok(Json(Page::new(slice.rows, slice.total, skip)))
}

async fn message_page(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
    query: MessagesQuery,
) -> Result<Json<MessagePage>> {
    let after = query.after.unwrap_or(0);
    let take = query.take.unwrap_or(100);
    if !(1..=500).contains(&take) {
        return Err(Error::bad_request("take", "take must be between 1 and 500"));
    }
    let rows = chats::messages(state, tenant, who, id, after, take).await?;
    let next = rows.last().map_or(after, |(seq, _)| *seq);
    Ok(Json(MessagePage {
        results: rows.into_iter().map(|(_, m)| m).collect(),
        next,
    }))
}

// ---- portal ----

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

// ---- tech ----

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
#[utoipa::path(get, path = "/presence", responses((status = 200, body = Vec<Presence>)))]
pub async fn list_presence(
    State(state): State<AppState>,
    user: TechUser,
) -> Result<Json<Vec<Presence>>> {
    Ok(Json(chats::presence(&state, &user.tenant).await?))
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

// ---- admin ----

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
