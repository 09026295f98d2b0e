//! Real-time chat between contacts and members. A contact asks (`request`) or a member starts one
//! with a contact (`push`); members handle, invite, write (also system messages), close with a
//! note, and turn a chat into a ticket with its transcript. Requests nobody handles in time are
//! missed; a contact may ask to be called back instead. Every change is one transaction that also
//! writes the live events the streams carry and, for status changes, the webhook event whose
//! payload is DeskDirector's `ChatSession`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use sqlx::PgConnection;
use utoipa::ToSchema;

use super::{
    companies, contacts, events, members,
    tickets::{self, Viewer},
    validate,
};
use crate::{
    auth::{Principal, principal::Actor as PrincipalActor},
    domain::tickets::TicketInput,
    domain::{Tenant, TenantId},
    error::{Error, Result},
    repo::{
        Slice,
        chats::{
            self as repo, ChatUserRow, MessageRow, NewMessage, NewSession, SessionFilter,
            SessionRow,
        },
        live::{self, Audience},
        tenants,
    },
    state::AppState,
};

/// The longest message, in characters; longer ones are refused with 413.
pub const MAX_MESSAGE_CHARS: usize = 4000;

pub const NEW_CHAT_SESSION: &str = "New Chat Session";
pub const CHAT_STATUS_CHANGED: &str = "Chat Session Status Changed";
/// The chat webhook events, as DeskDirector names them.
pub const EVENT_TYPES: &[&str] = &[NEW_CHAT_SESSION, CHAT_STATUS_CHANGED];

// ---- DeskDirector's shapes ----

/// A chat session exactly as DeskDirector's webhooks, connector and API show it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatSession {
    /// `{unix seconds}-{4 digits}`, e.g. `1530162945-9852`.
    pub id: String,
    pub name: String,
    /// `request` (a contact asked) or `push` (a member started it with a contact).
    #[serde(rename = "type")]
    pub kind: String,
    /// `created`, `handled`, `missed`, `completed` or `callback`.
    pub status: String,
    /// The statuses it had before the current one, oldest first (the initial `created` is left out).
    pub past_status: Vec<String>,
    pub report: ChatReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<ChatReference>,
    pub creator: ChatUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback: Option<ChatCallback>,
    /// Invited, not yet joined.
    pub target_users: Vec<ChatUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_record: Option<CloseRecord>,
    pub closed_date_time: Option<DateTime<Utc>>,
    /// In the chat now.
    pub users: Vec<ChatUser>,
    /// Everyone who has joined, in the chat now or not.
    pub participants: Vec<ChatUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<String>,
    pub created_date_time: DateTime<Utc>,
    pub last_modified_date_time: DateTime<Utc>,
}

impl ChatSession {
    /// What a contact is shown: a member's closing note is for staff.
    pub fn for_contact(mut self) -> Self {
        if let Some(record) = &mut self.close_record
            && record.user.user_id.contains("~m~")
        {
            record.note = None;
        }
        self
    }
}

/// How the chat went; each figure appears once it is known.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatReport {
    /// Seconds the creator waited for a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator_waited: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handled_date_time: Option<DateTime<Utc>>,
    /// Seconds from handled to closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_duration: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ChatReference {
    /// Always `ticket`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// A contact or member in a chat.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChatUser {
    pub entity_id: i32,
    pub name: String,
    /// `{tenant}~c~{id}` for contacts, `{tenant}~m~{id}` for members.
    pub user_id: String,
    /// Contacts' company; members have none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<ChatCompany>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChatCompany {
    pub entity_id: i32,
    pub name: String,
    pub identifier: String,
}

/// The contact's request to be called back.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatCallback {
    /// `phone` or `chat`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_time: Option<Vec<TimeWindow>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct TimeWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloseRecord {
    pub user: ChatUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub last_modified_date_time: DateTime<Utc>,
}

/// A chat message.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// `{unix ms}-{hex sequence}-{author's userId}`.
    pub id: String,
    pub session_id: String,
    /// `message` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Who wrote it; null for system messages from an API key or the server.
    pub user: Option<ChatUser>,
    pub message: String,
    pub created_date_time: DateTime<Utc>,
}

// ---- who is asking ----

/// Who acts on a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Participant {
    Contact(i32),
    Member(i32),
    /// An API key (the connector): reads any chat and writes system messages.
    System,
}

impl Participant {
    fn key(self) -> Option<(&'static str, i32)> {
        match self {
            Participant::Contact(id) => Some(("contact", id)),
            Participant::Member(id) => Some(("member", id)),
            Participant::System => None,
        }
    }
}

fn user_id(tenant: &Tenant, kind: &str, id: i32) -> String {
    let letter = if kind == "contact" { 'c' } else { 'm' };
    format!("{}~{letter}~{id}", tenant.slug)
}

fn chat_user(tenant: &Tenant, u: &ChatUserRow) -> ChatUser {
    ChatUser {
        entity_id: u.user_id,
        name: u.name.clone(),
        user_id: user_id(tenant, &u.user_kind, u.user_id),
        company: match (&u.company_id, &u.company_name, &u.company_identifier) {
            (Some(id), Some(name), Some(identifier)) => Some(ChatCompany {
                entity_id: *id,
                name: name.clone(),
                identifier: identifier.clone(),
            }),
            _ => None,
        },
    }
}

/// A loaded session: its row, everyone in it, and its DeskDirector shape.
struct Loaded {
    row: SessionRow,
    people: Vec<ChatUserRow>,
    view: ChatSession,
}

impl Loaded {
    fn has(&self, who: (&str, i32)) -> Option<&ChatUserRow> {
        self.people
            .iter()
            .find(|u| u.user_kind == who.0 && u.user_id == who.1)
    }

    /// Contacts see a chat they created or were brought into; members and API keys see all.
    fn visible_to(&self, who: Participant) -> bool {
        match who {
            Participant::Contact(id) => {
                (self.row.creator_kind == "contact" && self.row.creator_id == id)
                    || self.has(("contact", id)).is_some()
            }
            _ => true,
        }
    }

    /// The contacts who get live events about the session itself: those still in it.
    fn contact_audience(&self) -> Audience {
        Audience {
            contact_ids: self.ids_of("contact", |u| u.state != "left"),
            ..Audience::default()
        }
    }

    /// Who gets its messages: those in it or invited to it.
    fn message_audience(&self) -> Audience {
        let present = |u: &ChatUserRow| u.state != "left";
        Audience {
            all_members: false,
            member_ids: self.ids_of("member", present),
            contact_ids: self.ids_of("contact", present),
        }
    }

    fn ids_of(&self, kind: &str, keep: impl Fn(&ChatUserRow) -> bool) -> Vec<i32> {
        self.people
            .iter()
            .filter(|u| u.user_kind == kind && keep(u))
            .map(|u| u.user_id)
            .collect()
    }
}

/// `{unix seconds}-{4 digits}`: anything else names no session.
fn is_session_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(secs, n)| {
        (1..=19).contains(&secs.len())
            && secs.bytes().all(|b| b.is_ascii_digit())
            && n.len() == 4
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

async fn load(conn: &mut PgConnection, tenant: &Tenant, id: &str, lock: bool) -> Result<Loaded> {
    if !is_session_id(id) {
        return Err(Error::not_found("chat session"));
    }
    let row = repo::get_session(conn, tenant.id, id, lock)
        .await?
        .ok_or_else(|| Error::not_found("chat session"))?;
    let people = repo::users(conn, tenant.id, id).await?;
    let creator = repo::person(conn, tenant.id, (&row.creator_kind, row.creator_id)).await?;
    let closer = match (&row.closed_by_kind, row.closed_by_id) {
        (Some(kind), Some(id)) => Some(repo::person(conn, tenant.id, (kind, id)).await?),
        _ => None,
    };
    let view = shape(tenant, &row, &people, &creator, closer.as_ref());
    Ok(Loaded { row, people, view })
}

fn shape(
    tenant: &Tenant,
    row: &SessionRow,
    people: &[ChatUserRow],
    creator: &ChatUserRow,
    closer: Option<&ChatUserRow>,
) -> ChatSession {
    let those = |keep: &dyn Fn(&ChatUserRow) -> bool| -> Vec<ChatUser> {
        people
            .iter()
            .filter(|u| keep(u))
            .map(|u| chat_user(tenant, u))
            .collect()
    };
    let report = ChatReport {
        creator_waited: row
            .handled_at
            .map(|h| (h - row.created_at).num_seconds().max(0)),
        handled_date_time: row.handled_at,
        chat_duration: match (row.handled_at, row.closed_at) {
            (Some(h), Some(c)) => Some((c - h).num_seconds().max(0)),
            _ => None,
        },
    };
    ChatSession {
        id: row.id.clone(),
        name: row.name.clone(),
        kind: row.kind.clone(),
        status: row.status.clone(),
        past_status: row.past_status.clone(),
        report,
        reference: row.ticket_id.map(|t| ChatReference {
            kind: "ticket".into(),
            id: t.to_string(),
        }),
        creator: chat_user(tenant, creator),
        callback: row
            .callback
            .as_ref()
            .and_then(|c| serde_json::from_value(c.0.clone()).ok()),
        target_users: those(&|u| u.state == "invited"),
        close_record: match (closer, row.closed_at) {
            (Some(user), Some(at)) => Some(CloseRecord {
                user: chat_user(tenant, user),
                note: row.close_note.clone(),
                last_modified_date_time: at,
            }),
            _ => None,
        },
        closed_date_time: row.closed_at,
        users: those(&|u| u.state == "active"),
        participants: those(&|u| u.joined_at.is_some()),
        last_message_id: row.last_message_id.clone(),
        created_date_time: row.created_at,
        last_modified_date_time: row.updated_at,
    }
}

/// The session if `who` may see it; otherwise (or when there is none) not found.
async fn load_for(
    conn: &mut PgConnection,
    tenant: &Tenant,
    id: &str,
    who: Participant,
    lock: bool,
) -> Result<Loaded> {
    let loaded = load(conn, tenant, id, lock).await?;
    if !loaded.visible_to(who) {
        return Err(Error::not_found("chat session"));
    }
    Ok(loaded)
}

/// Reloads after a change and tells the streams; `status_changed` also raises the webhook event.
async fn announce(
    conn: &mut PgConnection,
    tenant: &Tenant,
    id: &str,
    webhook_event: Option<&str>,
) -> Result<ChatSession> {
    let loaded = load(conn, tenant, id, false).await?;
    let payload = serde_json::to_value(&loaded.view).map_err(Error::internal)?;
    let members = Audience {
        all_members: true,
        ..Audience::default()
    };
    live::insert(conn, tenant.id, "chat.session", &payload, &members).await?;
    let contacts = loaded.contact_audience();
    if !contacts.contact_ids.is_empty() {
        let shown =
            serde_json::to_value(loaded.view.clone().for_contact()).map_err(Error::internal)?;
        live::insert(conn, tenant.id, "chat.session", &shown, &contacts).await?;
    }
    if let Some(kind) = webhook_event {
        events::record(conn, tenant.id, kind, "chat", id.to_string(), payload).await?;
    }
    Ok(loaded.view)
}

fn message_view(tenant: &Tenant, m: &MessageRow, author: Option<&ChatUserRow>) -> ChatMessage {
    ChatMessage {
        id: m.id.clone(),
        session_id: m.session_id.clone(),
        kind: m.kind.clone(),
        user: author.map(|a| chat_user(tenant, a)),
        message: m.body.clone(),
        created_date_time: m.created_at,
    }
}

/// Appends a message and sends it to everyone in the chat.
/// Appends a message to `session` (as loaded in this transaction) and sends it to everyone in
/// the chat.
async fn post(
    conn: &mut PgConnection,
    tenant: &Tenant,
    session: &Loaded,
    kind: &str,
    author: Participant,
    body: &str,
) -> Result<ChatMessage> {
    let id = session.row.id.as_str();
    let author_row = match author.key() {
        Some(who) => match session.has(who) {
            Some(row) => Some(row.clone()),
            // A member acting on a chat they are not in (turning it into a ticket).
            None => Some(repo::person(conn, tenant.id, who).await?),
        },
        None => None,
    };
    let label = match author.key() {
        Some((kind, id)) => user_id(tenant, kind, id),
        // Shaped like a userId (`~s~` for the system), so parsers of message ids keep working.
        None => format!("{}~s~0", tenant.slug),
    };
    let row = repo::insert_message(
        conn,
        tenant.id,
        id,
        &NewMessage {
            kind,
            author: author.key(),
            author_label: &label,
            body,
        },
    )
    .await?;
    let message = message_view(tenant, &row, author_row.as_ref());
    let payload = serde_json::to_value(&message).map_err(Error::internal)?;
    live::insert(
        conn,
        tenant.id,
        "chat.message",
        &payload,
        &session.message_audience(),
    )
    .await?;
    Ok(message)
}

/// 1 to 4000 characters; longer is 413.
fn message_text(text: &str) -> Result<String> {
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error {
            message: format!("a chat message holds at most {MAX_MESSAGE_CHARS} characters"),
            ..Error::payload_too_large()
        }
        .with_field("message"));
    }
    validate::required_text("message", text, MAX_MESSAGE_CHARS)
}

fn completed_conflict() -> Error {
    Error::conflict("sessionId", "the chat session is completed")
}

/// Opens a session with its first people (and message), and announces it.
async fn open(
    state: &AppState,
    tenant: &Tenant,
    new: NewSession<'_>,
    people: &[((&str, i32), &str)],
    first: Option<(Participant, String)>,
) -> Result<ChatSession> {
    let mut tx = state.pool.begin().await?;
    let id = insert_session(&mut tx, tenant.id, new).await?;
    for (who, state) in people {
        repo::set_user(&mut tx, tenant.id, &id, *who, state).await?;
    }
    if let Some((author, text)) = first {
        let session = load(&mut tx, tenant, &id, false).await?;
        post(&mut tx, tenant, &session, "message", author, &text).await?;
    }
    let view = announce(&mut tx, tenant, &id, Some(NEW_CHAT_SESSION)).await?;
    tx.commit().await?;
    Ok(view)
}

/// A new session with a DeskDirector-shaped id; the id is drawn again if taken.
async fn insert_session(
    conn: &mut PgConnection,
    tenant: TenantId,
    new: NewSession<'_>,
) -> Result<String> {
    loop {
        let id = format!(
            "{}-{:04}",
            Utc::now().timestamp(),
            rand::random::<u16>() % 10_000
        );
        if repo::insert_session(conn, tenant, &id, &new).await? {
            return Ok(id);
        }
    }
}

// ---- contacts ----

/// A contact asks for a chat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StartChat {
    /// The first message (optional).
    #[serde(default)]
    pub message: Option<String>,
    /// One of the contact's tickets the chat is about.
    #[serde(default)]
    pub ticket_id: Option<i32>,
}

pub async fn request(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company: i32,
    input: StartChat,
) -> Result<ChatSession> {
    let first = input.message.as_deref().map(message_text).transpose()?;
    if let Some(ticket) = input.ticket_id {
        let viewer = Viewer::Contact {
            id: contact,
            company_id: company,
        };
        tickets::get(state, tenant, viewer, ticket)
            .await
            .map_err(|e| e.with_field("ticketId"))?;
    }
    let who = contacts::signed_in(state, tenant, contact).await?;
    let company = companies::get(state, tenant, who.company_id).await?;
    let name = format!(
        "Chat Request from {} at {}",
        crate::domain::full_name(&who.first_name, &who.last_name).as_str(),
        company.name
    );
    let new = NewSession {
        name: &name,
        kind: "request",
        status: "created",
        creator_kind: "contact",
        creator_id: contact,
        ticket_id: input.ticket_id,
        handled: false,
    };
    let first = first.map(|text| (Participant::Contact(contact), text));
    open(
        state,
        tenant,
        new,
        &[(("contact", contact), "active")],
        first,
    )
    .await
}

/// The contact's request to be called back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallbackRequest {
    /// `phone` or `chat`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For `phone`; the contact's phone number on record when absent.
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// When they would like to be called, up to 10 windows.
    #[serde(default)]
    pub preferred_time: Vec<TimeWindow>,
}

/// A waiting (or missed) request becomes a callback request.
pub async fn ask_callback(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    id: &str,
    input: CallbackRequest,
) -> Result<ChatSession> {
    if !matches!(input.kind.as_str(), "phone" | "chat") {
        return Err(Error::validation("type", "type is `phone` or `chat`"));
    }
    let note = validate::optional_text("note", input.note.as_deref().unwrap_or(""), 2000)?;
    if input.preferred_time.len() > 10 {
        return Err(Error::validation(
            "preferredTime",
            "at most 10 time windows",
        ));
    }
    if input.preferred_time.iter().any(|w| w.start >= w.end) {
        return Err(Error::validation(
            "preferredTime",
            "each window starts before it ends",
        ));
    }
    let phone = match input.kind.as_str() {
        "phone" => {
            let given = input
                .phone
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty());
            let phone = match given {
                Some(p) => Some(validate::required_text("phone", p, 50)?),
                None => contacts::get(state, tenant, contact).await?.phone,
            };
            Some(phone.ok_or_else(|| {
                Error::validation("phone", "a phone callback needs a phone number")
            })?)
        }
        _ => None,
    };
    let callback = ChatCallback {
        kind: input.kind,
        phone,
        note: (!note.is_empty()).then_some(note),
        preferred_time: (!input.preferred_time.is_empty()).then_some(input.preferred_time),
    };
    let mut tx = state.pool.begin().await?;
    let loaded = load_for(&mut tx, tenant, id, Participant::Contact(contact), true).await?;
    if !matches!(loaded.row.status.as_str(), "created" | "missed") {
        return Err(Error::conflict(
            "sessionId",
            "only a chat still waiting for a technician (or missed) can become a callback request",
        ));
    }
    let value = serde_json::to_value(&callback).map_err(Error::internal)?;
    repo::set_callback(&mut tx, tenant.id, id, &value).await?;
    let view = announce(&mut tx, tenant, id, Some(CHAT_STATUS_CHANGED)).await?;
    tx.commit().await?;
    Ok(view)
}

// ---- reading ----

pub async fn get(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
) -> Result<ChatSession> {
    let mut conn = state.pool.acquire().await?;
    Ok(load_for(&mut conn, tenant, id, who, false).await?.view)
}

/// A page of messages after `after` (a message's sequence number, 0 for the start).
pub async fn messages(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
    after: i64,
    take: i64,
) -> Result<Vec<(i64, ChatMessage)>> {
    let mut conn = state.pool.acquire().await?;
    let loaded = load_for(&mut conn, tenant, id, who, false).await?;
    // A contact who left reads what was written while they were in it.
    let until = who
        .key()
        .filter(|k| k.0 == "contact")
        .and_then(|k| loaded.has(k))
        .and_then(|u| u.left_at);
    let rows = repo::messages(&state.pool, tenant.id, id, after, until, take).await?;
    let mut authors: Vec<ChatUserRow> = loaded.people;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let author = match (&m.author_kind, m.author_id) {
            (Some(kind), Some(aid)) => {
                if !authors
                    .iter()
                    .any(|u| &u.user_kind == kind && u.user_id == aid)
                {
                    authors.push(repo::person(&mut conn, tenant.id, (kind, aid)).await?);
                }
                authors
                    .iter()
                    .find(|u| &u.user_kind == kind && u.user_id == aid)
            }
            _ => None,
        };
        out.push((m.seq, message_view(tenant, &m, author)));
    }
    Ok(out)
}

/// History: the sessions `filter` picks, newest first.
pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    filter: &SessionFilter<'_>,
    skip: i64,
    take: i64,
) -> Result<Slice<ChatSession>> {
    let slice = repo::list_sessions(&state.pool, tenant.id, filter, skip, take).await?;
    let mut conn = state.pool.acquire().await?;
    let mut rows = Vec::with_capacity(slice.rows.len());
    for row in slice.rows {
        rows.push(load(&mut conn, tenant, &row.id, false).await?.view);
    }
    Ok(Slice {
        rows,
        total: slice.total,
    })
}

// ---- writing ----

/// `who` writes in the chat. Contacts and members must be in it (an invited one joins by
/// writing); `system` messages come from members and API keys.
pub async fn send(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
    text: &str,
    system: bool,
) -> Result<ChatMessage> {
    let text = message_text(text)?;
    let mut tx = state.pool.begin().await?;
    let loaded = load_for(&mut tx, tenant, id, who, true).await?;
    if loaded.row.status == "completed" {
        return Err(completed_conflict());
    }
    // Someone invited joins by writing.
    let mut joined = false;
    if let Some(key) = who.key() {
        match loaded.has(key).map(|u| u.state.as_str()) {
            Some("active") => {}
            Some("invited") => {
                repo::set_user(&mut tx, tenant.id, id, key, "active").await?;
                joined = true;
            }
            _ if key.0 == "contact" => {
                return Err(Error::conflict(
                    "sessionId",
                    "you have left this chat session",
                ));
            }
            _ => {
                return Err(Error::conflict(
                    "sessionId",
                    "join (handle) the chat session before writing in it",
                ));
            }
        }
    }
    let kind = if system { "system" } else { "message" };
    let message = post(&mut tx, tenant, &loaded, kind, who, &text).await?;
    if joined {
        announce(&mut tx, tenant, id, None).await?;
    }
    tx.commit().await?;
    Ok(message)
}

/// A member handles a waiting, missed or callback chat, or joins one already handled.
pub async fn handle(
    state: &AppState,
    tenant: &Tenant,
    member: i32,
    id: &str,
) -> Result<ChatSession> {
    let mut tx = state.pool.begin().await?;
    let loaded = load(&mut tx, tenant, id, true).await?;
    let status_change = match loaded.row.status.as_str() {
        "completed" => return Err(completed_conflict()),
        "handled" => None,
        _ => Some(CHAT_STATUS_CHANGED),
    };
    if status_change.is_some() {
        repo::set_status(&mut tx, tenant.id, id, "handled").await?;
    }
    repo::set_user(&mut tx, tenant.id, id, ("member", member), "active").await?;
    repo::touch(&mut tx, tenant.id, id).await?;
    let view = announce(&mut tx, tenant, id, status_change).await?;
    tx.commit().await?;
    Ok(view)
}

/// Whom to invite.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    #[serde(default)]
    pub member_ids: Vec<i32>,
    #[serde(default)]
    pub contact_ids: Vec<i32>,
}

/// Invites members (and contacts) into a chat: they become its target users until they join.
pub async fn invite(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
    input: InviteRequest,
) -> Result<ChatSession> {
    if input.member_ids.is_empty() && input.contact_ids.is_empty() {
        return Err(Error::validation(
            "memberIds",
            "name at least one member or contact to invite",
        ));
    }
    if input.member_ids.len() + input.contact_ids.len() > 50 {
        return Err(Error::validation("memberIds", "at most 50 at once"));
    }
    for &m in &input.member_ids {
        let member = members::get(state, tenant, m)
            .await
            .map_err(|_| Error::validation("memberIds", format!("no member {m}")))?;
        if member.archived_at.is_some() {
            return Err(Error::validation("memberIds", format!("no member {m}")));
        }
    }
    for &c in &input.contact_ids {
        let contact = contacts::get(state, tenant, c)
            .await
            .map_err(|_| Error::validation("contactIds", format!("no contact {c}")))?;
        if contact.archived_at.is_some() {
            return Err(Error::validation("contactIds", format!("no contact {c}")));
        }
    }
    let mut tx = state.pool.begin().await?;
    let loaded = load_for(&mut tx, tenant, id, who, true).await?;
    if loaded.row.status == "completed" {
        return Err(completed_conflict());
    }
    let invited = input
        .member_ids
        .iter()
        .map(|&m| ("member", m))
        .chain(input.contact_ids.iter().map(|&c| ("contact", c)));
    for key in invited {
        repo::set_user(&mut tx, tenant.id, id, key, "invited").await?;
    }
    repo::touch(&mut tx, tenant.id, id).await?;
    let view = announce(&mut tx, tenant, id, None).await?;
    tx.commit().await?;
    Ok(view)
}

/// A member closes the chat, with an optional note: it is completed.
pub async fn close(
    state: &AppState,
    tenant: &Tenant,
    member: i32,
    id: &str,
    note: Option<&str>,
) -> Result<ChatSession> {
    let note = validate::optional_text("note", note.unwrap_or(""), 2000)?;
    let mut tx = state.pool.begin().await?;
    let loaded = load(&mut tx, tenant, id, true).await?;
    if loaded.row.status == "completed" {
        return Err(completed_conflict());
    }
    let note = (!note.is_empty()).then_some(note.as_str());
    repo::close(&mut tx, tenant.id, id, ("member", member), note).await?;
    let view = announce(&mut tx, tenant, id, Some(CHAT_STATUS_CHANGED)).await?;
    tx.commit().await?;
    Ok(view)
}

/// Someone leaves. When the last contact leaves a chat that is not completed, it completes (closed
/// by that contact).
pub async fn leave(
    state: &AppState,
    tenant: &Tenant,
    who: Participant,
    id: &str,
) -> Result<ChatSession> {
    let key = who
        .key()
        .ok_or_else(|| Error::forbidden("an API key is not in any chat"))?;
    let mut tx = state.pool.begin().await?;
    let loaded = load_for(&mut tx, tenant, id, who, true).await?;
    if loaded.has(key).is_none_or(|u| u.state == "left") {
        return Err(Error::conflict(
            "sessionId",
            "you are not in this chat session",
        ));
    }
    repo::set_user(&mut tx, tenant.id, id, key, "left").await?;
    let contacts_left = !loaded.people.iter().any(|u| {
        u.user_kind == "contact" && u.state != "left" && (u.user_kind.as_str(), u.user_id) != key
    });
    let completes = key.0 == "contact" && contacts_left && loaded.row.status != "completed";
    if completes {
        repo::close(&mut tx, tenant.id, id, key, None).await?;
    } else {
        repo::touch(&mut tx, tenant.id, id).await?;
    }
    let view = announce(
        &mut tx,
        tenant,
        id,
        completes.then_some(CHAT_STATUS_CHANGED),
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}

/// A member starts a chat with a contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushChat {
    pub contact_id: i32,
    #[serde(default)]
    pub message: Option<String>,
    /// A ticket of the contact's the chat is about.
    #[serde(default)]
    pub ticket_id: Option<i32>,
}

pub async fn push(
    state: &AppState,
    tenant: &Tenant,
    member: i32,
    input: PushChat,
) -> Result<ChatSession> {
    let first = input.message.as_deref().map(message_text).transpose()?;
    let contact = contacts::get(state, tenant, input.contact_id)
        .await
        .ok()
        .filter(|c| c.archived_at.is_none())
        .ok_or_else(|| Error::validation("contactId", "contactId names no contact here"))?;
    if let Some(ticket) = input.ticket_id {
        // The contact will see the reference: it must be a ticket they can see.
        let viewer = Viewer::Contact {
            id: contact.id,
            company_id: contact.company_id,
        };
        tickets::get(state, tenant, viewer, ticket)
            .await
            .map_err(|_| {
                Error::validation("ticketId", "ticketId names no ticket of this contact's")
            })?;
    }
    let me = members::signed_in(state, tenant, member).await?;
    let name = format!(
        "Chat from {} to {}",
        crate::domain::full_name(&me.first_name, &me.last_name).as_str(),
        crate::domain::full_name(&contact.first_name, &contact.last_name).as_str()
    );
    let new = NewSession {
        name: &name,
        kind: "push",
        status: "handled",
        creator_kind: "member",
        creator_id: member,
        ticket_id: input.ticket_id,
        handled: true,
    };
    let people = [
        (("member", member), "active"),
        (("contact", contact.id), "invited"),
    ];
    let first = first.map(|text| (Participant::Member(member), text));
    open(state, tenant, new, &people, first).await
}

/// The ticket a chat becomes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatToTicket {
    /// Defaults to the chat's name.
    #[serde(default)]
    pub summary: Option<String>,
    /// Required unless the request type gives one.
    #[serde(default)]
    pub queue_id: Option<i32>,
    #[serde(default)]
    pub request_type_id: Option<i32>,
    #[serde(default)]
    pub priority_id: Option<i32>,
}

/// Turns a chat not yet about a ticket into a ticket for its contact, with the transcript as the
/// description; the chat then refers to the ticket and says so in a system message.
pub async fn to_ticket(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    member: i32,
    id: &str,
    input: ChatToTicket,
) -> Result<(ChatSession, i32)> {
    // The session stays locked until the chat refers to the ticket, so a second call waits and
    // then finds the reference, and no message slips in after the transcript.
    let mut tx = state.pool.begin().await?;
    let loaded = load(&mut tx, tenant, id, true).await?;
    let transcript = repo::all_messages(&mut tx, tenant.id, id).await?;
    if loaded.row.ticket_id.is_some() {
        return Err(Error::conflict(
            "sessionId",
            "the chat session already refers to a ticket",
        ));
    }
    let contact = match (loaded.row.creator_kind.as_str(), loaded.row.creator_id) {
        ("contact", c) => c,
        _ => loaded
            .people
            .iter()
            .find(|u| u.user_kind == "contact")
            .map(|u| u.user_id)
            .ok_or_else(|| Error::conflict("sessionId", "no contact is in this chat"))?,
    };
    let mut names = std::collections::HashMap::new();
    for u in &loaded.people {
        names.insert((u.user_kind.clone(), u.user_id), u.name.clone());
    }
    let mut description = format!(
        "Transcript of chat {} ({})\n\n",
        loaded.row.id, loaded.row.name
    );
    let limit = tickets::MAX_DESCRIPTION - 200;
    let mut written_chars = description.chars().count();
    for (written, m) in transcript.iter().enumerate() {
        let who = match (&m.author_kind, m.author_id) {
            (Some(k), Some(a)) => names
                .get(&(k.clone(), a))
                .cloned()
                .unwrap_or_else(|| format!("{k} {a}")),
            _ => "System".to_string(),
        };
        let line = format!(
            "[{}] {who}: {}\n",
            m.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
            m.body
        );
        let length = line.chars().count();
        if written_chars + length > limit {
            let rest = transcript.len() - written;
            description.push_str(&format!(
                "\n… {rest} more messages: the whole transcript is in chat {id}.\n"
            ));
            break;
        }
        description.push_str(&line);
        written_chars += length;
    }
    let summary = input
        .summary
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| loaded.row.name.chars().take(200).collect());
    let ticket = tickets::create(
        state,
        tenant,
        principal,
        TicketInput {
            summary,
            description: Some(description),
            contact_id: contact,
            request_type_id: input.request_type_id,
            queue_id: input.queue_id,
            status_id: None,
            priority_id: input.priority_id,
            source_id: None,
            category_ids: vec![],
            tags: vec![],
            custom_fields: Default::default(),
            contact_group_id: None,
            assigned_member_ids: vec![],
            attachment_ids: vec![],
        },
        vec![],
    )
    .await?;
    let ticket_id = ticket.row.id;
    if !repo::set_ticket(&mut tx, tenant.id, id, ticket_id).await? {
        return Err(Error::conflict(
            "sessionId",
            "the chat session already refers to a ticket",
        ));
    }
    post(
        &mut tx,
        tenant,
        &loaded,
        "system",
        Participant::Member(member),
        &format!("Ticket #{ticket_id} was created from this chat."),
    )
    .await?;
    let view = announce(&mut tx, tenant, id, None).await?;
    tx.commit().await?;
    Ok((view, ticket_id))
}

// ---- presence ----

pub const PRESENCE: &[&str] = &["online", "away", "busy", "offline"];

#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub member: ChatUser,
    /// `online`, `away`, `busy` or `offline`.
    pub status: String,
    pub last_modified_date_time: Option<DateTime<Utc>>,
}

pub async fn set_presence(
    state: &AppState,
    tenant: &Tenant,
    member: i32,
    status: &str,
) -> Result<Presence> {
    if !PRESENCE.contains(&status) {
        return Err(Error::validation(
            "status",
            "status is online, away, busy or offline",
        ));
    }
    let mut tx = state.pool.begin().await?;
    repo::set_presence(&mut tx, tenant.id, member, status).await?;
    let who = repo::person(&mut tx, tenant.id, ("member", member)).await?;
    let presence = Presence {
        member: chat_user(tenant, &who),
        status: status.to_string(),
        last_modified_date_time: Some(Utc::now()),
    };
    let payload = serde_json::to_value(&presence).map_err(Error::internal)?;
    let everyone = Audience {
        all_members: true,
        ..Audience::default()
    };
    live::insert(&mut tx, tenant.id, "presence", &payload, &everyone).await?;
    tx.commit().await?;
    Ok(presence)
}

pub async fn presence(state: &AppState, tenant: &Tenant) -> Result<Vec<Presence>> {
    let rows = repo::presence(&state.pool, tenant.id).await?;
    Ok(rows
        .into_iter()
        .map(|p| Presence {
            member: ChatUser {
                entity_id: p.member_id,
                name: p.name,
                user_id: user_id(tenant, "member", p.member_id),
                company: None,
            },
            status: p.status,
            last_modified_date_time: p.updated_at,
        })
        .collect())
}

// ---- settings and the missed sweep ----

pub async fn missed_after(state: &AppState, tenant: &Tenant) -> Result<i32> {
    Ok(repo::missed_after(&state.pool, tenant.id).await?)
}

pub async fn set_missed_after(state: &AppState, tenant: &Tenant, secs: i32) -> Result<i32> {
    if !(1..=86_400).contains(&secs) {
        return Err(Error::validation(
            "missedAfterSeconds",
            "between 1 and 86400 seconds",
        ));
    }
    repo::set_missed_after(&state.pool, tenant.id, secs).await?;
    Ok(secs)
}

/// Marks missed, once a second, the requests that waited too long, and announces each.
pub fn spawn_missed_sweeper(state: AppState) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if let Err(e) = sweep_missed(&state).await {
                tracing::warn!(error = %e.message, "chat missed sweep failed");
            }
        }
    });
}

/// One transaction per session, so one that fails does not hold back the others.
async fn sweep_missed(state: &AppState) -> Result<()> {
    for _ in 0..1000 {
        let mut tx = state.pool.begin().await?;
        let Some((tenant_id, id)) = repo::claim_missed(&mut tx).await? else {
            return Ok(());
        };
        if let Some(tenant) = tenants::find_by_id(&mut tx, tenant_id).await? {
            announce(&mut tx, &tenant, &id, Some(CHAT_STATUS_CHANGED)).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The acting participant for a principal.
pub fn participant(principal: &Principal) -> Participant {
    match principal.actor {
        PrincipalActor::Contact { id, .. } => Participant::Contact(id),
        PrincipalActor::Member { id, .. } => Participant::Member(id),
        PrincipalActor::ApiKey { .. } => Participant::System,
    }
}
