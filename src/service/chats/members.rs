//! What members do with a session: handle (and join), invite, close with a note, leave.

use super::{
    messages::completed_conflict,
    session::{CHAT_STATUS_CHANGED, Participant, announce, load, load_for},
};
use crate::{
    domain::{
        Tenant,
        chats::{ChatSession, InviteRequest},
    },
    error::{Error, Result},
    repo,
    service::{contacts, members, validate},
    state::AppState,
};

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
        repo::chats::set_status(&mut tx, tenant.id, id, "handled").await?;
    }
    repo::chats::set_user(&mut tx, tenant.id, id, ("member", member), "active").await?;
    repo::chats::touch(&mut tx, tenant.id, id).await?;
    let view = announce(&mut tx, tenant, id, status_change).await?;
    tx.commit().await?;
    Ok(view)
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
        repo::chats::set_user(&mut tx, tenant.id, id, key, "invited").await?;
    }
    repo::chats::touch(&mut tx, tenant.id, id).await?;
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
    repo::chats::close(&mut tx, tenant.id, id, ("member", member), note).await?;
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
    repo::chats::set_user(&mut tx, tenant.id, id, key, "left").await?;
    let contacts_left = !loaded.people.iter().any(|u| {
        u.user_kind == "contact" && u.state != "left" && (u.user_kind.as_str(), u.user_id) != key
    });
    let completes = key.0 == "contact" && contacts_left && loaded.row.status != "completed";
    if completes {
        repo::chats::close(&mut tx, tenant.id, id, key, None).await?;
    } else {
        repo::chats::touch(&mut tx, tenant.id, id).await?;
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
