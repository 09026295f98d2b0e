//! What the chat operations read and answer beyond DeskDirector's shapes, and the helpers the
//! portal and tech handlers share.

use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    domain::{
        Tenant,
        chats::{ChatMessage, ChatSession},
    },
    error::{Error, Result},
    http::pagination::{ListQuery, Page},
    repo::chats::SessionFilter,
    service::chats::{self, Participant},
    state::AppState,
};

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
    #[param(minimum = 1, maximum = 500)]
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
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
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
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
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

pub(super) fn check_choice(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<()> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(Error::bad_request(
            field,
            format!("{field} is one of {}", allowed.join(", ")),
        )),
        _ => Ok(()),
    }
}

pub(super) const STATUSES: &[&str] = &["created", "handled", "missed", "completed", "callback"];

pub async fn history(
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

pub async fn message_page(
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
