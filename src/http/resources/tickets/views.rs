//! A ticket as answered: to staff with its whole history and internal notes, to contacts with
//! their public conversation only; staff answers carry an `ETag`.

use axum::{
    Json,
    http::{HeaderValue, header},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::{
    domain::{Reference, TextReference},
    http::resources::{attachments::AttachmentView, sla::TicketSlaView, surveys::TicketSurveyView},
    repo::tickets::{ActivityRow, NoteRow},
    service::tickets::TicketDetails,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketActivityUser {
    pub id: String,
    pub name: String,
    /// `member`, `contact`, `api_key` or `system`.
    pub user_type: String,
}

/// One entry of a ticket's history.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketActivityView {
    pub id: String,
    /// `created`, `field_changed`, `closed`, `reopened`, `assigned`, `unassigned`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The changed field, by its API name.
    pub field: Option<String>,
    pub from: Option<Value>,
    pub to: Option<Value>,
    pub created_on: DateTime<Utc>,
    pub created_by: TicketActivityUser,
}

impl From<ActivityRow> for TicketActivityView {
    fn from(a: ActivityRow) -> Self {
        Self {
            id: a.id.to_string(),
            kind: a.kind,
            field: a.field,
            from: a.old_value.map(|v| v.0),
            to: a.new_value.map(|v| v.0),
            created_on: a.created_at,
            created_by: TicketActivityUser {
                id: a.actor_id,
                name: a.actor_name,
                user_type: a.actor_kind,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketNoteUser {
    /// The member's or contact's id; 0 for API keys and the system.
    pub id: i32,
    pub name: String,
    /// `member`, `contact`, `api_key` or `system`.
    pub user_type: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketTimeEntryView {
    pub time_start: Option<DateTime<Utc>>,
    pub time_end: Option<DateTime<Utc>>,
    pub actual_hours: f64,
    pub hours_billed: f64,
}

/// A comment or note, as DeskDirector's `TicketNote`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketNoteView {
    pub id: i32,
    /// Markdown.
    pub note: String,
    /// `comment` (public) or `internal_note`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub is_internal: bool,
    pub created_on: DateTime<Utc>,
    pub created_by: TicketNoteUser,
    pub time_entry: Option<TicketTimeEntryView>,
    pub attachments: Vec<TextReference>,
}

impl From<NoteRow> for TicketNoteView {
    fn from(n: NoteRow) -> Self {
        Self {
            id: n.id,
            note: n.body,
            kind: if n.is_internal {
                "internal_note"
            } else {
                "comment"
            },
            is_internal: n.is_internal,
            created_on: n.created_at,
            created_by: TicketNoteUser {
                id: n.author_id.parse().unwrap_or(0),
                name: n.author_name,
                user_type: n.author_kind,
            },
            time_entry: n.actual_hours.map(|actual_hours| TicketTimeEntryView {
                time_start: n.time_start,
                time_end: n.time_end,
                actual_hours,
                hours_billed: n.billable_hours.unwrap_or(actual_hours),
            }),
            attachments: n.attachments,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    pub id: i32,
    pub summary: String,
    /// Markdown.
    pub description: String,
    pub request_type: Option<Reference>,
    /// The contact's company.
    pub account: Reference,
    pub contact: Reference,
    pub contact_group: Option<TextReference>,
    pub categories: Vec<TextReference>,
    pub source: Option<Reference>,
    pub queue: Reference,
    pub status: Reference,
    pub priority: Reference,
    pub assigned_agents: Vec<Reference>,
    pub tags: Vec<String>,
    /// Custom field values by key.
    pub custom_fields: Value,
    pub is_closed: bool,
    /// `pending`, `granted` or `declined` when the request type needs approval.
    pub approval: Option<String>,
    /// The ticket this one was merged into.
    pub merged_into: Option<i32>,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub closed_on: Option<DateTime<Utc>>,
    /// Its service level, for staff, when an SLA policy applies (`null` otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<Option<TicketSlaView>>,
    /// The contact's answer to the ticket's satisfaction survey (`null` until answered).
    pub survey: Option<TicketSurveyView>,
    /// The conversation, oldest first, in single-ticket answers; contacts see only public comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<TicketNoteView>>,
    /// The ticket's history, for staff; absent in the client portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activities: Option<Vec<TicketActivityView>>,
    /// Every file of the ticket the caller may see, in single-ticket answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentView>>,
}

impl TicketView {
    /// `staff` decides whether internal notes and the history are shown.
    pub fn new(d: TicketDetails, staff: bool) -> Self {
        let d = if staff { d } else { d.for_contact() };
        let r = d.row;
        Self {
            id: r.id,
            summary: r.summary,
            description: r.description,
            request_type: Reference::maybe(r.request_type_id, r.request_type_name),
            account: Reference::new(r.company_id, r.company_name),
            contact: Reference::new(r.contact_id, r.contact_name),
            contact_group: Reference::maybe(r.contact_group_id, r.contact_group_name)
                .map(|g| TextReference::new(g.id, g.name)),
            categories: d
                .categories
                .into_iter()
                .map(|c| TextReference::new(c.id, c.name))
                .collect(),
            source: Reference::maybe(r.source_id, r.source_name),
            queue: Reference::new(r.queue_id, r.queue_name),
            status: Reference::new(r.status_id, r.status_name),
            priority: Reference::new(r.priority_id, r.priority_name),
            assigned_agents: d.assignees,
            tags: r.tags,
            custom_fields: r.custom_fields.0,
            is_closed: r.is_closed,
            approval: r.approval,
            merged_into: r.merged_into,
            is_archived: r.archived_at.is_some(),
            created_on: r.created_at,
            modified_on: r.updated_at,
            closed_on: r.closed_at,
            sla: staff.then(|| r.sla.as_ref().map(|s| TicketSlaView::from(&s.0))),
            survey: r.survey.as_ref().map(|s| TicketSurveyView::from(&s.0)),
            notes: Some(d.notes.into_iter().map(Into::into).collect()),
            activities: staff.then(|| d.activities.into_iter().map(Into::into).collect()),
            attachments: Some(d.attachments.into_iter().map(Into::into).collect()),
        }
    }

    pub fn for_staff(d: TicketDetails) -> Self {
        Self::new(d, true)
    }

    pub fn for_contact(d: TicketDetails) -> Self {
        Self::new(d, false)
    }

    /// A list item for a contact: no conversation, no history.
    pub fn listed(d: TicketDetails) -> Self {
        Self {
            notes: None,
            attachments: None,
            ..Self::new(d, false)
        }
    }

    /// A list item for staff: no conversation, no history, with the service level.
    pub fn listed_for_staff(d: TicketDetails) -> Self {
        Self {
            notes: None,
            attachments: None,
            activities: None,
            ..Self::new(d, true)
        }
    }
}

/// A staff answer about one ticket, with its `ETag` (`"v{version}"`).
pub type TaggedTicket = ([(header::HeaderName, HeaderValue); 1], Json<TicketView>);

pub fn tagged(details: TicketDetails) -> TaggedTicket {
    let etag =
        HeaderValue::from_str(&format!("\"v{}\"", details.row.version)).expect("digits and quotes");
    ([(header::ETAG, etag)], Json(TicketView::for_staff(details)))
}
