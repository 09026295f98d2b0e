//! Chats in DeskDirector's shapes (`ChatSession`, its users, report, callback and close record, and
//! messages), as webhooks, the connector, the APIs and the streams all carry them; and what chats
//! are started, written and changed with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// Whom to invite.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteRequest {
    #[serde(default)]
    pub member_ids: Vec<i32>,
    #[serde(default)]
    pub contact_ids: Vec<i32>,
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

#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub member: ChatUser,
    /// `online`, `away`, `busy` or `offline`.
    pub status: String,
    pub last_modified_date_time: Option<DateTime<Utc>>,
}
