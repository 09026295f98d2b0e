//! A deskd ticket as Desk365's API v3 shows it: its field names, its fixed numbers (priority
//! 1/5/10/20, source 1/5/6/7/12/13, survey type 1/2/3), its date format, nulls included.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::{
    domain::surveys::SurveyKind,
    markdown,
    repo::{surveys::ResponseRow, tickets::ActivityRow},
    service::{lookups::Milestones, tickets::TicketDetails},
};

/// Desk365's priorities, lowest first: a tenant's priorities map onto them in their order.
pub const PRIORITIES: [i32; 4] = [1, 5, 10, 20];

/// Desk365's date format, in UTC.
pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The Desk365 priority of the priority at `position` in the tenant's order.
pub fn priority_number(position: usize) -> i32 {
    PRIORITIES[position.min(PRIORITIES.len() - 1)]
}

/// Desk365's source number for a deskd source, by its name: Email 1, Microsoft Teams 5, Support
/// Portal 6, Web Form 12, Web Widget 13, anything else Phone/Other 7.
pub fn source_number(name: &str) -> i32 {
    let name = name.to_lowercase();
    if name.contains("mail") {
        1
    } else if name.contains("teams") {
        5
    } else if name.contains("portal") {
        6
    } else if name.contains("widget") {
        13
    } else if name.contains("form") {
        12
    } else {
        7
    }
}

/// Desk365's survey type: 1 customer satisfaction (deskd's csat and thumbs), 2 five-star, 3 NPS.
pub fn survey_type(kind: SurveyKind) -> i32 {
    match kind {
        SurveyKind::Csat | SurveyKind::Thumbs => 1,
        SurveyKind::FiveStar => 2,
        SurveyKind::Nps => 3,
    }
}

/// The points of a customer-satisfaction scale (`cs_scale`), for those survey kinds.
pub fn cs_scale(kind: SurveyKind) -> Option<i32> {
    match kind {
        SurveyKind::Csat => Some(3),
        SurveyKind::Thumbs => Some(2),
        _ => None,
    }
}

/// A rating on Desk365's scale: customer satisfaction runs −3…3 around neutral 0 (deskd's csat
/// −1/0/1 as they are, thumbs down/up as −1/1); stars and NPS as given.
pub fn rating(kind: SurveyKind, rating: i16) -> i32 {
    match kind {
        SurveyKind::Thumbs => {
            if rating > 0 {
                1
            } else {
                -1
            }
        }
        _ => rating as i32,
    }
}

/// What a list or read asks to include.
#[derive(Clone, Copy, Default)]
pub struct Include {
    pub description: bool,
    pub custom_fields: bool,
    pub survey: bool,
    /// Custom fields (`cf_…`) and survey details (`sv_…`) as top-level fields.
    pub flat: bool,
    /// The ticket's files (a single ticket's answers: lists do not read them).
    pub files: bool,
}

/// A ticket in Desk365's shape. Sections not asked for are left out; asked for and empty, null.
#[derive(Serialize, ToSchema)]
pub struct Desk365Ticket {
    pub ticket_number: i32,
    pub contact_email: String,
    pub subject: String,
    /// HTML (with `include_description=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_text: Option<String>,
    pub status: String,
    /// 1 Low, 5 Medium, 10 High, 20 Urgent.
    pub priority: i32,
    /// The request type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// 1 Email, 5 Microsoft Teams, 6 Support Portal, 7 Phone/Other, 12 Web Form, 13 Web Widget.
    pub source: Option<String>,
    /// The first assignee's email address.
    pub assigned_to: Option<String>,
    /// The queue.
    pub group: String,
    /// The ticket's first category.
    pub category: Option<String>,
    /// The ticket's second category.
    pub sub_category: Option<String>,
    /// The service-level policy's name.
    pub sla: Option<String>,
    pub created_on: String,
    pub updated_on: String,
    pub resolved_on: Option<String>,
    pub closed_on: Option<String>,
    /// When the resolution target falls due.
    pub due_date: Option<String>,
    pub first_response_time: Option<String>,
    pub first_assigned_time: Option<String>,
    /// Minutes from creation.
    pub first_assigned_duration: Option<i64>,
    pub resolved_duration: Option<i64>,
    pub first_replied_duration: Option<i64>,
    pub closed_duration: Option<i64>,
    /// `cf_…` values (with `include_custom_fields=1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
    /// The latest survey (with `include_survey_details=1`): null when none was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Desk365SurveyRating>)]
    pub survey_rating: Option<Value>,
    /// deskd's: the contact's name and company, the contact group the ticket is shared with.
    pub contact_name: String,
    pub company_name: String,
    pub contact_group: Option<String>,
    /// deskd's: every category, every assignee's email, tags.
    pub categories: Vec<String>,
    pub assigned_agents: Vec<String>,
    pub tags: Vec<String>,
    /// deskd's: `pending`, `granted` or `declined` for tickets that need approval.
    pub approval: Option<String>,
    /// deskd's: the ticket this one was merged into.
    pub merged_into: Option<i32>,
    pub is_archived: bool,
    /// deskd's: every file of the ticket (`/tickets/details` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Desk365File>>,
    /// With `nested_fields=1`: the `cf_…` and `sv_…` fields at the top level.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub flat: Map<String, Value>,
}

/// One entry of a ticket's history (both façades' extension: neither helpdesk's API has one).
#[derive(Serialize, ToSchema)]
pub struct FacadeActivity {
    pub id: i64,
    /// `created`, `field_changed`, `closed`, `reopened`, `assigned`, `unassigned`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub field: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub from: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub to: Option<Value>,
    /// `member`, `contact`, `api_key` or `system`.
    pub by_type: String,
    pub by_name: String,
    pub created_on: String,
}

impl From<&ActivityRow> for FacadeActivity {
    fn from(a: &ActivityRow) -> Self {
        Self {
            id: a.id,
            kind: a.kind.clone(),
            field: a.field.clone(),
            from: a.old_value.as_ref().map(|v| v.0.clone()),
            to: a.new_value.as_ref().map(|v| v.0.clone()),
            by_type: a.actor_kind.clone(),
            by_name: a.actor_name.clone(),
            created_on: date(a.created_at),
        }
    }
}

/// A file of a ticket (deskd's extension), downloaded with the same key.
#[derive(Serialize, ToSchema)]
pub struct Desk365File {
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

/// A ticket's survey as Desk365 shows it (`sv_…`).
#[derive(Serialize, ToSchema)]
pub struct Desk365SurveyRating {
    pub sv_name: String,
    pub sv_answered: bool,
    /// 1 customer satisfaction, 2 five-star, 3 net promoter score.
    pub sv_type: i32,
    pub sv_cs_scale: Option<i32>,
    /// 2 (neutral) for customer-satisfaction surveys.
    pub sv_cs_neutral_type: Option<i32>,
    pub sv_question: String,
    pub sv_rating: Option<i32>,
    pub sv_additional_comments_title: Option<String>,
    pub sv_additional_comments_response: Option<String>,
    pub sv_sent_on: String,
    pub sv_rated_on: Option<String>,
}

impl Desk365SurveyRating {
    pub fn of(r: &ResponseRow) -> Self {
        Self {
            sv_name: r.survey_name.clone(),
            sv_answered: r.answered_at.is_some(),
            sv_type: survey_type(r.kind),
            sv_cs_scale: cs_scale(r.kind),
            sv_cs_neutral_type: cs_scale(r.kind).map(|_| 2),
            sv_question: r.question.clone(),
            sv_rating: r.rating.map(|v| rating(r.kind, v)),
            sv_additional_comments_title: r
                .ask_comment
                .then(|| "Add any additional comments you may have".to_string()),
            sv_additional_comments_response: r.comment.clone(),
            sv_sent_on: date(r.sent_at),
            sv_rated_on: r.answered_at.map(date),
        }
    }
}

/// What the shape reads beside the ticket: the tenant's priorities in order, its sources'
/// numbers, the ticket's milestones and survey.
pub struct Context<'a> {
    pub priorities: &'a [i32],
    pub sources: &'a [(i32, String)],
    pub milestones: Option<&'a Milestones>,
    pub survey: Option<&'a ResponseRow>,
}

fn minutes(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Option<i64> {
    to.map(|to| (to - from).num_minutes().max(0))
}

impl Desk365Ticket {
    pub fn of(d: &TicketDetails, cx: &Context<'_>, include: Include) -> Self {
        let r = &d.row;
        let position = cx.priorities.iter().position(|p| *p == r.priority_id);
        let source = r.source_id.and_then(|id| {
            cx.sources
                .iter()
                .find(|(s, _)| *s == id)
                .map(|(_, name)| source_number(name).to_string())
        });
        let first_response_at = cx.milestones.and_then(|m| m.first_response_at);
        let first_assigned_at = cx.milestones.and_then(|m| m.first_assigned_at);
        let closed_at = r.closed_at.filter(|_| r.is_closed);
        let due = r
            .sla
            .as_ref()
            .and_then(|s| s.0.resolution.as_ref())
            .and_then(|c| c.due_at);
        let custom: Map<String, Value> = r
            .custom_fields
            .0
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .map(|(k, v)| (format!("cf_{k}"), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let survey = cx.survey.map(|s| json!(Desk365SurveyRating::of(s)));
        let mut flat = Map::new();
        let (mut custom_fields, mut survey_rating) = (None, None);
        if include.custom_fields {
            if include.flat {
                flat.extend(custom);
            } else {
                custom_fields = Some(custom);
            }
        }
        if include.survey {
            match (include.flat, survey) {
                (true, Some(Value::Object(fields))) => flat.extend(fields),
                (true, _) => {}
                (false, survey) => survey_rating = Some(survey.unwrap_or(Value::Null)),
            }
        }
        Self {
            ticket_number: r.id,
            contact_email: cx
                .milestones
                .map(|m| m.contact_email.clone())
                .unwrap_or_default(),
            subject: r.summary.clone(),
            description: include
                .description
                .then(|| markdown::to_html(&r.description)),
            description_text: include
                .description
                .then(|| markdown::to_text(&r.description)),
            status: r.status_name.to_lowercase(),
            priority: priority_number(position.unwrap_or(0)),
            kind: r.request_type_name.clone(),
            source,
            assigned_to: cx
                .milestones
                .and_then(|m| m.assignee_emails.first().cloned()),
            group: r.queue_name.clone(),
            category: d.categories.first().map(|c| c.name.clone()),
            sub_category: d.categories.get(1).map(|c| c.name.clone()),
            sla: r.sla.as_ref().map(|s| s.0.policy_name.clone()),
            created_on: date(r.created_at),
            updated_on: date(r.updated_at),
            resolved_on: closed_at.map(date),
            closed_on: closed_at.map(date),
            due_date: due.map(date),
            first_response_time: first_response_at.map(date),
            first_assigned_time: first_assigned_at.map(date),
            first_assigned_duration: minutes(r.created_at, first_assigned_at),
            resolved_duration: minutes(r.created_at, closed_at),
            first_replied_duration: minutes(r.created_at, first_response_at),
            closed_duration: minutes(r.created_at, closed_at),
            custom_fields,
            survey_rating,
            contact_name: r.contact_name.clone(),
            company_name: r.company_name.clone(),
            contact_group: r.contact_group_name.clone(),
            categories: d.categories.iter().map(|c| c.name.clone()).collect(),
            assigned_agents: cx
                .milestones
                .map(|m| m.assignee_emails.clone())
                .unwrap_or_default(),
            tags: r.tags.clone(),
            approval: r.approval.clone(),
            merged_into: r.merged_into,
            is_archived: r.archived_at.is_some(),
            attachments: include.files.then(|| {
                d.attachments
                    .iter()
                    .map(|a| Desk365File {
                        file_name: a.file_name.clone(),
                        content_type: a.content_type.clone(),
                        size: a.size_bytes,
                        url: format!("/apis/v3/attachments/{}", a.id),
                    })
                    .collect()
            }),
            flat,
        }
    }
}
