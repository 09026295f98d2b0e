//! Opening sessions: a contact's request (before a ticket, or about one of theirs), a member's
//! push to a contact, and a request to be called back instead.

use chrono::Utc;
use sqlx::PgConnection;

use super::{
    messages::{message_text, post},
    session::{CHAT_STATUS_CHANGED, NEW_CHAT_SESSION, Participant, announce, load, load_for},
};
use crate::{
    domain::{
        Tenant, TenantId,
        chats::{CallbackRequest, ChatCallback, ChatSession, PushChat, StartChat},
    },
    error::{Error, Result},
    repo::{self, chats::NewSession},
    service::{
        companies, contacts, members,
        tickets::{self, Viewer},
        validate,
    },
    state::AppState,
};

/// Opens a session with its first people (and message), and announces it.
pub(super) async fn open(
    state: &AppState,
    tenant: &Tenant,
    new: NewSession<'_>,
    people: &[((&str, i32), &str)],
    first: Option<(Participant, String)>,
) -> Result<ChatSession> {
    let mut tx = state.pool.begin().await?;
    let id = insert_session(&mut tx, tenant.id, new).await?;
    for (who, state) in people {
        repo::chats::set_user(&mut tx, tenant.id, &id, *who, state).await?;
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
pub(super) async fn insert_session(
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
        if repo::chats::insert_session(conn, tenant, &id, &new).await? {
            return Ok(id);
        }
    }
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
    repo::chats::set_callback(&mut tx, tenant.id, id, &value).await?;
    let view = announce(&mut tx, tenant, id, Some(CHAT_STATUS_CHANGED)).await?;
    tx.commit().await?;
    Ok(view)
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
