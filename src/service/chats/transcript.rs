//! Turning a chat into a ticket: the transcript becomes its description.

use super::{
    messages::post,
    session::{Participant, announce, load},
};
use crate::{
    auth::Principal,
    domain::{
        Tenant,
        chats::{ChatSession, ChatToTicket},
        tickets::TicketInput,
    },
    error::{Error, Result},
    repo,
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
    let transcript = repo::chats::all_messages(&mut tx, tenant.id, id).await?;
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
    if !repo::chats::set_ticket(&mut tx, tenant.id, id, ticket_id).await? {
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
