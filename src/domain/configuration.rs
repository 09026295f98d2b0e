//! What service configuration is written with: queues and statuses, priorities, the named lists
//! (categories, tags, sources, service groups), request types and custom ticket fields.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::patch::Patch;

/// The part a status plays in approvals: tickets move to it when an approver decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ApprovalRole {
    Granted,
    Declined,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Date,
    Boolean,
    SingleChoice,
    MultipleChoice,
}

impl FieldType {
    pub fn has_choices(self) -> bool {
        matches!(self, FieldType::SingleChoice | FieldType::MultipleChoice)
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueuePatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
}

/// A status of a queue. Making one the default (or giving it an approval role) takes that mark
/// from the queue's other status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Closed statuses close the ticket (default false).
    #[serde(default)]
    pub is_closed: bool,
    /// New tickets in the queue start here; it must be open (default false).
    #[serde(default)]
    pub is_default: bool,
    /// Where approvals move tickets: `granted` or `declined`.
    #[serde(default)]
    pub approval_role: Option<ApprovalRole>,
    /// Position in lists (default 0).
    #[serde(default)]
    pub order: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusPatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub is_closed: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub is_default: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<ApprovalRole>)]
    pub approval_role: Patch<ApprovalRole>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub order: Patch<i32>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Position in lists, lowest first (default 0).
    #[serde(default)]
    pub order: Option<i32>,
    /// `#rrggbb`.
    #[schema(pattern = r"^\s*#[0-9A-Fa-f]{6}\s*$")]
    pub colour: String,
    /// New tickets without a priority get the default one (default false).
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityPatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub order: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = String, pattern = r"^\s*#[0-9A-Fa-f]{6}\s*$")]
    pub colour: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub is_default: Patch<bool>,
}

/// A source or a tag.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimpleItemInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
}

/// A service group or a category.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribedItemInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// A category or a service group, merge-patched.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamedPatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
}

/// A source or a tag, merge-patched.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimpleItemPatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub name: Patch<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypeInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub service_group_id: Option<i32>,
    /// The queue tickets of this type start in.
    pub default_queue_id: i32,
    pub default_priority_id: i32,
    /// Tickets of this type wait for an approver (default false).
    #[serde(default)]
    pub requires_approval: bool,
    /// A published form contacts answer when raising a ticket of this type.
    #[serde(default)]
    pub form_id: Option<i32>,
    /// Where the ticket shows the answers (default `description`).
    #[serde(default)]
    pub form_placement: crate::domain::forms::FormPlacement,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypePatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub name: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub service_group_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub default_queue_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub default_priority_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub requires_approval: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub form_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = crate::domain::forms::FormPlacement)]
    pub form_placement: Patch<crate::domain::forms::FormPlacement>,
}

/// A custom ticket field. `key` and `type` cannot change once the field exists (stored values
/// depend on them); a `PUT` must repeat them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldInput {
    /// Where the value lives on a ticket: lowercase letters, digits and `_`, starting with a letter.
    #[schema(pattern = r"^[a-z][a-z0-9_]{0,49}$")]
    pub key: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// A ticket must carry a value (default false).
    #[serde(default)]
    pub required: bool,
    /// The allowed values of `single_choice` and `multiple_choice` fields.
    #[serde(default)]
    pub choices: Vec<String>,
    /// Bounds of a `number` field.
    #[serde(default)]
    pub min_value: Option<f64>,
    #[serde(default)]
    pub max_value: Option<f64>,
    /// Longest `text` value, in characters.
    #[serde(default)]
    pub max_length: Option<i32>,
    #[serde(default)]
    pub order: Option<i32>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldPatch {
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    pub label: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub required: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub choices: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub min_value: Patch<f64>,
    #[serde(default)]
    #[schema(value_type = Option<f64>)]
    pub max_value: Patch<f64>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub max_length: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = i32)]
    pub order: Patch<i32>,
}
