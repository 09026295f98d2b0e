//! A session as loaded: its row, its people and its DeskDirector shape; who may see it, who
//! hears of it, and announcing it to the streams and webhooks after a change.

use sqlx::PgConnection;

use crate::{
    auth::{Principal, principal::Actor as PrincipalActor},
    domain::{
        Tenant,
        chats::{ChatCompany, ChatReference, ChatReport, ChatSession, ChatUser, CloseRecord},
    },
    error::{Error, Result},
    repo::{
        self,
        chats::{ChatUserRow, SessionRow},
        live::{self, Audience},
    },
    service::events,
};

/// The longest message, in characters; longer ones are refused with 413.
pub const MAX_MESSAGE_CHARS: usize = 4000;

pub const NEW_CHAT_SESSION: &str = "New Chat Session";

pub const CHAT_STATUS_CHANGED: &str = "Chat Session Status Changed";

/// The chat webhook events, as DeskDirector names them.
pub const EVENT_TYPES: &[&str] = &[NEW_CHAT_SESSION, CHAT_STATUS_CHANGED];

/// Who acts on a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Participant {
    Contact(i32),
    Member(i32),
    /// An API key (the connector): reads any chat and writes system messages.
    System,
}

impl Participant {
    pub(super) fn key(self) -> Option<(&'static str, i32)> {
        match self {
            Participant::Contact(id) => Some(("contact", id)),
            Participant::Member(id) => Some(("member", id)),
            Participant::System => None,
        }
    }
}

/// The acting participant for a principal.
pub fn participant(principal: &Principal) -> Participant {
    match principal.actor {
        PrincipalActor::Contact { id, .. } => Participant::Contact(id),
        PrincipalActor::Member { id, .. } => Participant::Member(id),
        PrincipalActor::ApiKey { .. } => Participant::System,
    }
}

pub(super) fn user_id(tenant: &Tenant, kind: &str, id: i32) -> String {
    let letter = if kind == "contact" { 'c' } else { 'm' };
    format!("{}~{letter}~{id}", tenant.slug)
}

pub(super) fn chat_user(tenant: &Tenant, u: &ChatUserRow) -> ChatUser {
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
pub(super) struct Loaded {
    pub(super) row: SessionRow,
    pub(super) people: Vec<ChatUserRow>,
    pub(super) view: ChatSession,
}

impl Loaded {
    pub(super) fn has(&self, who: (&str, i32)) -> Option<&ChatUserRow> {
        self.people
            .iter()
            .find(|u| u.user_kind == who.0 && u.user_id == who.1)
    }

    /// Contacts see a chat they created or were brought into; members and API keys see all.
    pub(super) fn visible_to(&self, who: Participant) -> bool {
        match who {
            Participant::Contact(id) => {
                (self.row.creator_kind == "contact" && self.row.creator_id == id)
                    || self.has(("contact", id)).is_some()
            }
            _ => true,
        }
    }

    /// The contacts who get live events about the session itself: those still in it.
    pub(super) fn contact_audience(&self) -> Audience {
        Audience {
            contact_ids: self.ids_of("contact", |u| u.state != "left"),
            ..Audience::default()
        }
    }

    /// Who gets its messages: those in it or invited to it.
    pub(super) fn message_audience(&self) -> Audience {
        let present = |u: &ChatUserRow| u.state != "left";
        Audience {
            all_members: false,
            member_ids: self.ids_of("member", present),
            contact_ids: self.ids_of("contact", present),
        }
    }

    pub(super) fn ids_of(&self, kind: &str, keep: impl Fn(&ChatUserRow) -> bool) -> Vec<i32> {
        self.people
            .iter()
            .filter(|u| u.user_kind == kind && keep(u))
            .map(|u| u.user_id)
            .collect()
    }
}

/// `{unix seconds}-{4 digits}`: anything else names no session.
pub(super) fn is_session_id(id: &str) -> bool {
    id.split_once('-').is_some_and(|(secs, n)| {
        (1..=19).contains(&secs.len())
            && secs.bytes().all(|b| b.is_ascii_digit())
            && n.len() == 4
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

pub(super) async fn load(
    conn: &mut PgConnection,
    tenant: &Tenant,
    id: &str,
    lock: bool,
) -> Result<Loaded> {
    if !is_session_id(id) {
        return Err(Error::not_found("chat session"));
    }
    let row = repo::chats::get_session(conn, tenant.id, id, lock)
        .await?
        .ok_or_else(|| Error::not_found("chat session"))?;
    let people = repo::chats::users(conn, tenant.id, id).await?;
    let creator = repo::chats::person(conn, tenant.id, (&row.creator_kind, row.creator_id)).await?;
    let closer = match (&row.closed_by_kind, row.closed_by_id) {
        (Some(kind), Some(id)) => Some(repo::chats::person(conn, tenant.id, (kind, id)).await?),
        _ => None,
    };
    let view = shape(tenant, &row, &people, &creator, closer.as_ref());
    Ok(Loaded { row, people, view })
}

pub(super) fn shape(
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
pub(super) async fn load_for(
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
pub(super) async fn announce(
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
