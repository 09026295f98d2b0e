//! A deskd ticket as Desk360's API v1 shows it: a product is a queue, a reason a request type,
//! a type the first category, an agent the first assignee; status 0 open, 1 resolved, 2 waiting;
//! priority 0–3 in the tenant's priority order; dates `YYYY-MM-DD HH:MM:SS` (UTC).

use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::{
    markdown,
    repo::{attachments::AttachmentRow, tickets::NoteRow},
    service::tickets::TicketDetails,
};

pub use crate::http::resources::desk365::shape::date;

/// Desk360's statuses.
pub const OPEN: i32 = 0;
pub const RESOLVED: i32 = 1;
pub const WAITING: i32 = 2;

/// The Desk360 status of a deskd status: closed ones are resolved, those named "waiting…" wait,
/// the rest are open.
pub fn status_number(name: &str, is_closed: bool) -> i32 {
    if is_closed {
        RESOLVED
    } else if name.to_lowercase().starts_with("waiting") {
        WAITING
    } else {
        OPEN
    }
}

/// What the shape reads beside the ticket.
pub struct Context<'a> {
    pub priorities: &'a [i32],
    pub contact_email: &'a str,
    pub last_message: Option<&'a str>,
}

/// A ticket in a list.
#[derive(Serialize, ToSchema)]
pub struct Desk360Ticket {
    pub id: i32,
    /// The request type.
    pub reason_id: Option<i32>,
    /// The first category.
    pub type_id: Option<i32>,
    /// The first assignee.
    pub agent_id: Option<i32>,
    /// The contact's name.
    pub name: String,
    pub email: String,
    pub subject: Option<String>,
    pub last_message: Option<String>,
    /// The source's name (`Api` when none).
    pub channel: String,
    pub platform: String,
    /// 0 open, 1 resolved, 2 waiting.
    pub status: i32,
    /// 0 low, 1 medium, 2 high, 3 urgent.
    pub priority: i32,
    pub created_at: String,
    pub updated_at: String,
}

impl Desk360Ticket {
    pub fn of(d: &TicketDetails, cx: &Context<'_>) -> Self {
        let r = &d.row;
        let channel = r.source_name.clone().unwrap_or_else(|| "Api".to_string());
        let priority = cx
            .priorities
            .iter()
            .position(|p| *p == r.priority_id)
            .unwrap_or(0)
            .min(3) as i32;
        Self {
            id: r.id,
            reason_id: r.request_type_id,
            type_id: d.categories.first().map(|c| c.id),
            agent_id: d.assignees.first().map(|a| a.id),
            name: r.contact_name.clone(),
            email: cx.contact_email.to_string(),
            subject: Some(r.summary.clone()),
            last_message: cx
                .last_message
                .map(markdown::to_text)
                .or_else(|| Some(markdown::to_text(&r.description))),
            platform: channel.clone(),
            channel,
            status: status_number(&r.status_name, r.is_closed),
            priority,
            created_at: date(r.created_at),
            updated_at: date(r.updated_at),
        }
    }
}

/// A ticket's files, by kind, as Desk360 groups them.
#[derive(Default, Serialize, ToSchema)]
pub struct Desk360Attachments {
    pub images: Vec<Desk360File>,
    pub videos: Vec<Desk360File>,
    pub files: Vec<Desk360File>,
    pub others: Vec<Desk360File>,
}

#[derive(Serialize, ToSchema)]
pub struct Desk360File {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub content_type: String,
    pub size: i64,
    /// Downloaded with the same token.
    pub url: String,
}

impl Desk360Attachments {
    pub fn of<'a>(rows: impl Iterator<Item = &'a AttachmentRow>) -> Self {
        let mut all = Self::default();
        for a in rows {
            let file = Desk360File {
                id: a.id.to_string(),
                name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size: a.size_bytes,
                url: format!("/v1/attachments/{}", a.id),
            };
            let kind = a.content_type.split('/').next().unwrap_or("");
            match kind {
                "image" => all.images.push(file),
                "video" => all.videos.push(file),
                "application" | "text" => all.files.push(file),
                _ => all.others.push(file),
            }
        }
        all
    }
}

/// A message: the ticket's description (id 0) and each note. `type` 0 is the customer's, 1 an
/// agent's reply, 2 an internal note.
#[derive(Serialize, ToSchema)]
pub struct Desk360Message {
    pub id: i32,
    pub agent_id: Option<i32>,
    pub message: String,
    pub attachments: Desk360Attachments,
    #[serde(rename = "type")]
    pub kind: i32,
    pub created_at: String,
    pub updated_at: String,
}

impl Desk360Message {
    pub fn of(n: &NoteRow, files: &[AttachmentRow]) -> Self {
        let at = date(n.created_at);
        Self {
            id: n.id,
            agent_id: (n.author_kind == "member")
                .then(|| n.author_id.parse().ok())
                .flatten(),
            message: markdown::to_text(&n.body),
            attachments: Desk360Attachments::of(files.iter().filter(|a| a.note_id == Some(n.id))),
            kind: match (n.is_internal, n.author_kind.as_str()) {
                (true, _) => 2,
                (false, "contact") => 0,
                (false, _) => 1,
            },
            created_at: at.clone(),
            updated_at: at,
        }
    }
}

/// A ticket with its messages.
#[derive(Serialize, ToSchema)]
pub struct Desk360TicketDetails {
    #[serde(flatten)]
    pub ticket: Desk360Ticket,
    pub settings: Option<Value>,
    pub country_code: Option<String>,
    /// The five-star survey rating, once given.
    pub star_rating: Option<i32>,
    /// `{name, value}` of each custom field.
    #[schema(value_type = Vec<Object>)]
    pub custom_fields: Vec<Value>,
    pub messages: Vec<Desk360Message>,
    /// deskd's: the customer's company, the contact group the ticket is shared with.
    pub company_name: String,
    pub contact_group: Option<String>,
    /// deskd's: every category and assignee (`type_id` and `agent_id` are the first).
    pub type_ids: Vec<i32>,
    pub agent_ids: Vec<i32>,
    pub tags: Vec<String>,
    /// deskd's: `pending`, `granted` or `declined` for tickets that need approval.
    pub approval: Option<String>,
    pub merged_into: Option<i32>,
    pub is_archived: bool,
    pub closed_at: Option<String>,
    /// deskd's: the service-level policy and when the resolution falls due.
    pub sla_name: Option<String>,
    pub due_at: Option<String>,
    /// deskd's: the survey answer of any kind (`star_rating` is five-star only).
    #[schema(value_type = Option<Object>)]
    pub survey: Option<Value>,
}

impl Desk360TicketDetails {
    pub fn of(d: &TicketDetails, cx: &Context<'_>) -> Self {
        let r = &d.row;
        let description = Desk360Message {
            id: 0,
            agent_id: None,
            message: markdown::to_text(&r.description),
            attachments: Desk360Attachments::of(
                d.attachments.iter().filter(|a| a.note_id.is_none()),
            ),
            kind: 0,
            created_at: date(r.created_at),
            updated_at: date(r.created_at),
        };
        let mut messages = vec![description];
        messages.extend(
            d.notes
                .iter()
                .map(|n| Desk360Message::of(n, &d.attachments)),
        );
        let mut ticket = Desk360Ticket::of(d, cx);
        ticket.last_message = d
            .notes
            .iter()
            .rev()
            .find(|n| !n.is_internal)
            .map(|n| markdown::to_text(&n.body))
            .or(ticket.last_message);
        Self {
            ticket,
            settings: None,
            country_code: None,
            star_rating: r
                .survey
                .as_ref()
                .filter(|s| s.0.kind == crate::domain::surveys::SurveyKind::FiveStar)
                .map(|s| s.0.rating as i32),
            custom_fields: r
                .custom_fields
                .0
                .as_object()
                .map(|f| {
                    f.iter()
                        .map(|(k, v)| json!({"name": k, "value": v}))
                        .collect()
                })
                .unwrap_or_default(),
            messages,
            company_name: r.company_name.clone(),
            contact_group: r.contact_group_name.clone(),
            type_ids: d.categories.iter().map(|c| c.id).collect(),
            agent_ids: d.assignees.iter().map(|a| a.id).collect(),
            tags: r.tags.clone(),
            approval: r.approval.clone(),
            merged_into: r.merged_into,
            is_archived: r.archived_at.is_some(),
            closed_at: r.closed_at.filter(|_| r.is_closed).map(date),
            sla_name: r.sla.as_ref().map(|s| s.0.policy_name.clone()),
            due_at: r
                .sla
                .as_ref()
                .and_then(|s| s.0.resolution.as_ref())
                .and_then(|c| c.due_at)
                .map(date),
            survey: r.survey.as_ref().map(|s| {
                json!({"kind": s.0.kind.as_str(), "rating": s.0.rating, "comment": s.0.comment})
            }),
        }
    }
}
