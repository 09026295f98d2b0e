//! What tickets are written with: a contact's new ticket, staff's ticket and merge patch, comments
//! and notes with time worked, and which of a contact's tickets to list.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use super::patch::Patch;

/// A ticket raised by a contact in the client portal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalTicketInput {
    /// What is being asked for; it decides the queue and priority.
    pub request_type_id: i32,
    #[schema(min_length = 1, pattern = r"\S")]
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    pub description: Option<String>,
    /// Values of custom fields, by key.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    /// One of the contact's own groups, to share the ticket with it.
    #[serde(default)]
    pub contact_group_id: Option<i32>,
    /// Earlier uploads (`POST …/attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// Answers to the request type's form, by question identifier; required when it carries one.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form_answers: Option<Map<String, Value>>,
}

/// A ticket as staff create (`POST`) or replace (`PUT`) it. Absent optional fields take the request
/// type's defaults on create and are cleared on replace; `statusId` defaults to the queue's default.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The contact the ticket is for; their company comes with them.
    pub contact_id: i32,
    #[serde(default)]
    pub request_type_id: Option<i32>,
    /// Required unless the request type gives one.
    #[serde(default)]
    pub queue_id: Option<i32>,
    #[serde(default)]
    pub status_id: Option<i32>,
    #[serde(default)]
    pub priority_id: Option<i32>,
    #[serde(default)]
    pub source_id: Option<i32>,
    #[serde(default)]
    pub category_ids: Vec<i32>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    #[serde(default)]
    pub contact_group_id: Option<i32>,
    #[serde(default)]
    pub assigned_member_ids: Vec<i32>,
    /// Earlier uploads (`POST …/attachments`) to attach; on create only (notes carry later files).
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
    /// Answers to the request type's form, by question identifier; on create only, and optional
    /// for staff (when given they are checked and stored as for a contact).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub form_answers: Option<Map<String, Value>>,
}

/// JSON merge patch of a ticket: absent = unchanged, `null` = cleared. `customFields` merges by key.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketPatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub summary: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub contact_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub request_type_id: Patch<i32>,
    /// Moving to another queue without a `statusId` puts the ticket in that queue's default status.
    #[serde(default)]
    #[schema(value_type = i32)]
    pub queue_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub status_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub priority_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub source_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<i32>>)]
    pub category_ids: Patch<Vec<i32>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Patch<Map<String, Value>>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub contact_group_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<i32>>)]
    pub assigned_member_ids: Patch<Vec<i32>>,
}

/// A contact's comment on a ticket they may see: always public.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentInput {
    /// Markdown.
    #[schema(min_length = 1, pattern = r"\S")]
    pub note: String,
    /// Earlier uploads (`POST …/attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// A staff note: public (the contact sees it) or internal, optionally recording time worked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteInput {
    /// Markdown.
    #[schema(min_length = 1, pattern = r"\S")]
    pub note: String,
    /// Internal notes never reach contacts (default false).
    #[serde(default)]
    pub is_internal: bool,
    #[serde(default)]
    pub time_entry: Option<TimeEntryInput>,
    /// Earlier uploads (`POST …/attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// Time worked: a start and end, or just hours (with start and end, hours default to their span).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeEntryInput {
    #[serde(default)]
    pub time_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub time_end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub actual_hours: Option<f64>,
    /// Billable hours; default the actual hours.
    #[serde(default)]
    pub hours_billed: Option<f64>,
}

/// Which of a contact's tickets to list.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Tickets they raised.
    Personal,
    /// Tickets of the groups they manage.
    Group,
    /// Every ticket of their company (contacts allowed to see them).
    Company,
}
