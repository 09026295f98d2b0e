//! Turning a chat into a ticket: the transcript becomes its description.

use std::collections::HashMap;

use super::{
    messages::post,
    session::{Loaded, Participant, announce, load},
};
use crate::{
    auth::Principal,
    domain::{
        Tenant,
        chats::{ChatSession, ChatToTicket},
        tickets::TicketInput,
    },
    error::{Error, Result},
    repo::{self, chats::MessageRow},
    service::tickets,
    state::AppState,
};

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
    if loaded.row.ticket_id.is_some() {
        return Err(already_a_ticket());
    }
    let transcript = repo::chats::all_messages(&mut tx, tenant.id, id).await?;
    let summary = input
        .summary
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| loaded.row.name.chars().take(200).collect());
    let ticket = TicketInput {
        summary,
        description: Some(description(&loaded, &transcript)),
        contact_id: contact_of(&loaded)?,
        request_type_id: input.request_type_id,
        queue_id: input.queue_id,
        priority_id: input.priority_id,
        ..TicketInput::default()
    };
    let ticket_id = tickets::create(state, tenant, principal, ticket, vec![])
        .await?
        .row
        .id;
    if !repo::chats::set_ticket(&mut tx, tenant.id, id, ticket_id).await? {
        return Err(already_a_ticket());
    }
    let note = format!("Ticket #{ticket_id} was created from this chat.");
    post(
        &mut tx,
        tenant,
        &loaded,
        "system",
        Participant::Member(member),
        &note,
    )
    .await?;
    let view = announce(&mut tx, tenant, id, None).await?;
    tx.commit().await?;
    Ok((view, ticket_id))
}

fn already_a_ticket() -> Error {
    Error::conflict("sessionId", "the chat session already refers to a ticket")
}

/// The contact the ticket is for: the chat's creator, else the first contact in it.
fn contact_of(loaded: &Loaded) -> Result<i32> {
    match (loaded.row.creator_kind.as_str(), loaded.row.creator_id) {
        ("contact", c) => Ok(c),
        _ => loaded
            .people
            .iter()
            .find(|u| u.user_kind == "contact")
            .map(|u| u.user_id)
            .ok_or_else(|| Error::conflict("sessionId", "no contact is in this chat")),
    }
}

/// The transcript, one line per message, cut (with a pointer to the chat) to fit a description.
fn description(loaded: &Loaded, transcript: &[MessageRow]) -> String {
    let names: HashMap<(&str, i32), &str> = loaded
        .people
        .iter()
        .map(|u| ((u.user_kind.as_str(), u.user_id), u.name.as_str()))
        .collect();
    let mut text = format!(
        "Transcript of chat {} ({})\n\n",
        loaded.row.id, loaded.row.name
    );
    let limit = tickets::MAX_DESCRIPTION - 200;
    let mut length = text.chars().count();
    for (written, m) in transcript.iter().enumerate() {
        let who = match (&m.author_kind, m.author_id) {
            (Some(k), Some(a)) => names
                .get(&(k.as_str(), a))
                .map_or_else(|| format!("{k} {a}"), |n| n.to_string()),
            _ => "System".to_string(),
        };
        let at = m.created_at.format("%Y-%m-%d %H:%M:%S UTC");
        let line = format!("[{at}] {who}: {}\n", m.body);
        if length + line.chars().count() > limit {
            let rest = transcript.len() - written;
            let id = &loaded.row.id;
            text.push_str(&format!(
                "\n… {rest} more messages: the whole transcript is in chat {id}.\n"
            ));
            break;
        }
        length += line.chars().count();
        text.push_str(&line);
    }
    text
}
