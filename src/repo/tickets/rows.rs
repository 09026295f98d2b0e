//! What a ticket is read as and written with.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

use super::{ActivityRow, NoteRow};
use crate::repo::attachments::AttachmentRow;

/// A ticket with the names of everything it references, as every surface shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i32,
    pub summary: String,
    pub description: String,
    pub request_type_id: Option<i32>,
    pub request_type_name: Option<String>,
    pub queue_id: i32,
    pub queue_name: String,
    pub status_id: i32,
    pub status_name: String,
    pub priority_id: i32,
    pub priority_name: String,
    pub source_id: Option<i32>,
    pub source_name: Option<String>,
    pub category_ids: Vec<i32>,
    pub tags: Vec<String>,
    pub custom_fields: Json<Value>,
    pub contact_id: i32,
    pub contact_name: String,
    pub company_id: i32,
    pub company_name: String,
    pub contact_group_id: Option<i32>,
    pub contact_group_name: Option<String>,
    pub is_closed: bool,
    /// `pending`, `granted` or `declined` for tickets that need approval.
    pub approval: Option<String>,
    /// The ticket this one was merged into.
    pub merged_into: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Its service-level clocks, when a policy applies.
    pub sla: Option<Json<crate::repo::sla::TicketSla>>,
    /// Its contact's survey answer, once given.
    pub survey: Option<Json<crate::repo::surveys::TicketSurvey>>,
}

/// Everything a ticket's owner sets; `is_closed` follows the status.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketFields {
    pub summary: String,
    pub description: String,
    pub request_type_id: Option<i32>,
    pub queue_id: i32,
    pub status_id: i32,
    pub priority_id: i32,
    pub source_id: Option<i32>,
    pub category_ids: Vec<i32>,
    pub tags: Vec<String>,
    pub custom_fields: Value,
    pub contact_id: i32,
    pub company_id: i32,
    pub contact_group_id: Option<i32>,
    pub is_closed: bool,
}

impl TicketFields {
    pub fn of(row: &TicketRow) -> Self {
        Self {
            summary: row.summary.clone(),
            description: row.description.clone(),
            request_type_id: row.request_type_id,
            queue_id: row.queue_id,
            status_id: row.status_id,
            priority_id: row.priority_id,
            source_id: row.source_id,
            category_ids: row.category_ids.clone(),
            tags: row.tags.clone(),
            custom_fields: row.custom_fields.0.clone(),
            contact_id: row.contact_id,
            company_id: row.company_id,
            contact_group_id: row.contact_group_id,
            is_closed: row.is_closed,
        }
    }
}

/// A ticket with everything a single-ticket answer shows, read in one round trip.
#[derive(sqlx::FromRow)]
pub struct WholeTicket {
    #[sqlx(flatten)]
    pub row: TicketRow,
    /// `[member id, name]` pairs, in assignment order.
    pub assignees: Json<Vec<(i32, String)>>,
    /// `[category id, name]` pairs.
    pub categories: Json<Vec<(i32, String)>>,
    pub notes: Json<Vec<NoteRow>>,
    pub activities: Json<Vec<ActivityRow>>,
    pub attachments: Json<Vec<AttachmentRow>>,
}
