//! Messages: writing (contacts and members in the chat, system messages from staff and API
//! keys) and reading a page of them.

use sqlx::PgConnection;

use super::session::{
    Loaded, MAX_MESSAGE_CHARS, Participant, announce, chat_user, load_for, user_id,
};
use crate::{
    domain::{Tenant, chats::ChatMessage},
    error::{Error, Result},
    repo::{
        self,
        chats::{ChatUserRow, MessageRow, NewMessage},
        live,
    },
    service::validate,
    state::AppState,
};

pub(super) fn message_view(
    tenant: &Tenant,
    m: &MessageRow,
    author: Option<&ChatUserRow>,
) -> ChatMessage {
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
pub(super) async fn post(
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
            None => Some(repo::chats::person(conn, tenant.id, who).await?),
        },
        None => None,
    };
    let label = match author.key() {
        Some((kind, id)) => user_id(tenant, kind, id),
        // Shaped like a userId (`~s~` for the system), so parsers of message ids keep working.
        None => format!("{}~s~0", tenant.slug),
    };
    let row = repo::chats::insert_message(
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
pub(super) fn message_text(text: &str) -> Result<String> {
    if text.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error {
            message: format!("a chat message holds at most {MAX_MESSAGE_CHARS} characters"),
            ..Error::payload_too_large()
        }
        .with_field("message"));
    }
    validate::required_text("message", text, MAX_MESSAGE_CHARS)
}

pub(super) fn completed_conflict() -> Error {
    Error::conflict("sessionId", "the chat session is completed")
}

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
                repo::chats::set_user(&mut tx, tenant.id, id, key, "active").await?;
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
    let rows = repo::chats::messages(&state.pool, tenant.id, id, after, until, take).await?;
    let mut authors: Vec<ChatUserRow> = loaded.people;
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let author = match (&m.author_kind, m.author_id) {
            (Some(kind), Some(aid)) => {
                if !authors
                    .iter()
                    .any(|u| &u.user_kind == kind && u.user_id == aid)
                {
                    authors.push(repo::chats::person(&mut conn, tenant.id, (kind, aid)).await?);
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
