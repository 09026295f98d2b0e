//! Power Automate flows: what a flow receives for each ticket event, and what the connector's
//! triggers subscribe with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Reference, TextReference};

/// What a flow receives for each ticket event, one object per POST. The database builds it when
/// the event commits (`fan_out_event`); this type describes it to the designer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowNotification {
    /// The same on every retry of this delivery.
    pub event_id: Uuid,
    /// `ticket.created`, `ticket.status_changed`, …
    pub event_type: String,
    pub occurred_on: DateTime<Utc>,
    /// `null` only for `form.submitted` of a form filled in on its own.
    pub ticket_id: Option<i32>,
    pub change: TicketChange,
    pub by: ChangeAuthor,
    /// The ticket as the change left it (`null` when `ticketId` is).
    pub ticket: Option<TicketSnapshot>,
    /// For `form.submitted`: the result, typed `answers` and text `fields` by question identifier.
    pub form_result: Option<FlowFormResult>,
    /// The workflow that matched, for "When a workflow is triggered"; null otherwise.
    pub workflow: Option<TextReference>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowFormResult {
    pub id: i64,
    pub form_id: i32,
    pub form_name: String,
    pub version: i32,
    pub ticket_id: Option<i32>,
    pub contact_id: Option<i32>,
    #[schema(value_type = Object)]
    pub answers: Value,
    #[schema(value_type = Object)]
    pub fields: Value,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketChange {
    /// `created`, `field_changed`, `closed`, `reopened`, `assigned`, `note_added`,
    /// `form_submitted`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The changed field, for `field_changed`.
    pub field: Option<String>,
    pub from: Option<Value>,
    pub to: Option<Value>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeAuthor {
    /// `member`, `contact`, `api_key` or `system`.
    pub user_type: String,
    pub id: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketSnapshot {
    pub id: i32,
    pub summary: String,
    pub queue: Reference,
    pub status: Reference,
    pub priority: Reference,
    /// The contact's company.
    pub account: Reference,
    pub contact: Reference,
    pub is_closed: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    /// Its service level, when an SLA policy applies.
    pub sla: Option<SnapshotSla>,
    /// The contact's survey rating, once answered (on the survey's scale).
    pub survey_rating: Option<i16>,
}

/// A ticket's service level, in a flow's snapshot.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotSla {
    pub policy_name: String,
    /// The earliest due time of a running target (`null` while paused or when all are met).
    pub due_at: Option<DateTime<Utc>>,
    /// A target is past its due time unmet, or was met late.
    pub is_breached: bool,
    pub is_paused: bool,
}

/// "When a ticket is created or updated": the flow's name, filters and callback.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketFlowRequest {
    /// A name for this flow's subscription.
    pub description: String,
    /// Only tickets on this board (queue).
    #[serde(default)]
    pub board_id: Option<i32>,
    /// Only tickets in this status (of the board).
    #[serde(default)]
    pub status_id: Option<i32>,
    #[serde(default)]
    pub advanced_filters: TicketFlowFilters,
    /// Where to POST each event (Power Automate's callback).
    pub url: String,
}

/// Further filters of a ticket flow.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketFlowFilters {
    /// Only tickets of this priority.
    #[serde(default)]
    pub priority_id: Option<i32>,
    /// Only tickets of this company's contacts.
    #[serde(default)]
    pub company_id: Option<i32>,
}

/// "When a workflow is triggered": the callback; the workflow holds the events and filters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowFlowRequest {
    /// Where to POST each event (Power Automate's callback).
    pub url: String,
    #[serde(default)]
    pub parameters: WorkflowFlowParameters,
}

/// A workflow's flow takes no parameters: the workflow says what it listens to.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct WorkflowFlowParameters {}

/// "When a chat session is created or updated": the callback; the event type is in the query.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatFlowRequest {
    /// Where to POST each event: an array of `ChatSession`s (Power Automate's callback).
    pub url: String,
    #[serde(default)]
    pub parameters: ChatFlowParameters,
}

/// A chat flow takes no parameters: it receives every chat of the event type.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ChatFlowParameters {}
