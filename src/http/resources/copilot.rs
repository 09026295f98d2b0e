//! DeskDirector's Tech connector ("DeskDirector Tech", Copilot) at `/api/v2/copilot`: its query
//! parameters, enum values and response models exactly as the connector definition gives them.

use axum::{Json, extract::State};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::tickets::{
    OpenState, TaskProgressFilter, TicketNoteUser, TicketNoteView, TicketSearchQuery,
};
use crate::{
    auth::extractors::TechUser,
    domain::{Reference, TextReference},
    error::Result,
    http::extract::{ApiPath, ApiQuery},
    repo::tickets::{ActivityRow, NoteRow},
    service::{
        tasks,
        tickets::{self, TicketDetails, Viewer},
    },
    state::AppState,
};

/// Copilot answers at most this many tickets; `total` says how many matched.
pub const COPILOT_PAGE: i64 = 50;

#[derive(Serialize, ToSchema)]
pub struct TaskProgress {
    pub done: i32,
    pub total: i32,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopilotActivityUser {
    pub id: String,
    pub name: String,
    pub user_type: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopilotActivity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_on: DateTime<Utc>,
    pub created_by: CopilotActivityUser,
}

impl From<ActivityRow> for CopilotActivity {
    fn from(a: ActivityRow) -> Self {
        Self {
            id: a.id.to_string(),
            kind: a.kind,
            created_on: a.created_at,
            created_by: CopilotActivityUser {
                id: a.actor_id,
                name: a.actor_name,
                user_type: a.actor_kind,
            },
        }
    }
}

/// The fields a ticket and its summary share.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopilotTicketHead {
    pub id: i32,
    pub summary: String,
    pub request_type: Option<Reference>,
    pub account: Reference,
    pub contact_group: Option<TextReference>,
    pub contact: Reference,
    pub categories: Vec<TextReference>,
    pub source: Option<Reference>,
    pub queue: Reference,
    pub status: Reference,
    pub priority: Reference,
    pub assigned_agents: Vec<Reference>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub closed_on: Option<DateTime<Utc>>,
    pub is_closed: bool,
    pub tags: Vec<String>,
}

impl CopilotTicketHead {
    fn of(d: &TicketDetails) -> Self {
        let r = &d.row;
        let reference = |id: Option<i32>, name: &Option<String>| {
            id.zip(name.clone())
                .map(|(id, name)| Reference { id, name })
        };
        Self {
            id: r.id,
            summary: r.summary.clone(),
            request_type: reference(r.request_type_id, &r.request_type_name),
            account: Reference {
                id: r.company_id,
                name: r.company_name.clone(),
            },
            contact_group: r.contact_group_id.zip(r.contact_group_name.clone()).map(
                |(id, name)| TextReference {
                    id: id.to_string(),
                    name,
                },
            ),
            contact: Reference {
                id: r.contact_id,
                name: r.contact_name.clone(),
            },
            categories: d
                .categories
                .iter()
                .map(|c| TextReference {
                    id: c.id.to_string(),
                    name: c.name.clone(),
                })
                .collect(),
            source: reference(r.source_id, &r.source_name),
            queue: Reference {
                id: r.queue_id,
                name: r.queue_name.clone(),
            },
            status: Reference {
                id: r.status_id,
                name: r.status_name.clone(),
            },
            priority: Reference {
                id: r.priority_id,
                name: r.priority_name.clone(),
            },
            assigned_agents: d.assignees.clone(),
            created_on: r.created_at,
            modified_on: r.updated_at,
            closed_on: r.closed_at,
            is_closed: r.is_closed,
            tags: r.tags.clone(),
        }
    }
}

/// `Ticket`: the full content, with notes and time entries.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopilotTicket {
    #[serde(flatten)]
    pub head: CopilotTicketHead,
    pub description: String,
    pub notes: Vec<TicketNoteView>,
    pub activities: Vec<CopilotActivity>,
    pub task_progress: TaskProgress,
    /// The ticket's task lists, oldest first.
    pub task_lists: Vec<TextReference>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketNotePreview {
    pub id: i32,
    pub note_preview: String,
    pub created_on: DateTime<Utc>,
    pub created_by: TicketNoteUser,
}

/// `TicketSummary`: a list item.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopilotTicketSummary {
    #[serde(flatten)]
    pub head: CopilotTicketHead,
    pub description_preview: String,
    pub latest_note: Option<TicketNotePreview>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindTicketsResponse {
    pub total: i64,
    pub results_count: i64,
    pub results: Vec<CopilotTicketSummary>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeEntryItem {
    pub id: i32,
    pub note: String,
    pub is_internal: bool,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub actual_hours: f64,
    pub created_on: DateTime<Utc>,
    pub parent_ticket: Reference,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindMyTicketTimeEntriesResponse {
    pub total: i64,
    pub results_count: i64,
    pub results: Vec<TimeEntryItem>,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CopilotAssigned {
    Me,
    Assigned,
    Unassigned,
    Any,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Today,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct CopilotTicketQuery {
    /// Keywords in the summary, description or notes.
    pub search: Option<String>,
    /// `open`, `closed` or `any` (default).
    pub status: Option<OpenState>,
    /// `me`, `assigned`, `unassigned` or `any` (default).
    #[param(inline)]
    pub assigned: Option<CopilotAssigned>,
    /// `completed`, `incomplete` or `any` (default). A ticket without tasks is complete.
    pub task_progress: Option<TaskProgressFilter>,
    /// Only tickets whose last message is (or is not) the contact's.
    pub last_contact_message: Option<bool>,
    /// Created at or after, e.g. `2024-01-31T00:00:00Z`.
    pub start_time: Option<DateTime<Utc>>,
    /// Created before.
    pub end_time: Option<DateTime<Utc>>,
    pub tag: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeEntriesQuery {
    /// `today`, `this_week` (default), `last_week`, `this_month` or `last_month` (UTC).
    #[param(inline)]
    pub period: Option<Period>,
}

impl CopilotTicketQuery {
    /// The staff search this asks for: the same filters under the connector's names, newest
    /// change first, one page of at most 50.
    fn as_search(&self) -> TicketSearchQuery {
        TicketSearchQuery {
            status: self.status,
            assigned: self.assigned.map(|a| a.as_str().to_string()),
            tag: self.tag.clone(),
            q: self.search.clone(),
            created_after: self.start_time,
            created_before: self.end_time,
            last_contact_message: self.last_contact_message,
            task_progress: self.task_progress,
            take: Some(COPILOT_PAGE),
            ..TicketSearchQuery::default()
        }
    }
}

impl CopilotAssigned {
    fn as_str(self) -> &'static str {
        match self {
            CopilotAssigned::Me => "me",
            CopilotAssigned::Assigned => "assigned",
            CopilotAssigned::Unassigned => "unassigned",
            CopilotAssigned::Any => "any",
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_copilot_tickets))
        .routes(routes!(get_copilot_ticket))
        .routes(routes!(find_copilot_time_entries))
}

/// Find tickets (Tech connector `FindTickets`), most recently changed first.
#[utoipa::path(get, path = "/tickets", operation_id = "FindTickets", params(CopilotTicketQuery), responses((status = 200, body = FindTicketsResponse)))]
pub async fn find_copilot_tickets(
    State(state): State<AppState>,
    user: TechUser,
    ApiQuery(q): ApiQuery<CopilotTicketQuery>,
) -> Result<Json<FindTicketsResponse>> {
    let search = q.as_search().search(Some(user.member_id))?;
    let (found, total) = tickets::find(&state, &user.tenant, &search).await?;
    let total = total.count;
    let ids: Vec<i32> = found.iter().map(|d| d.row.id).collect();
    let latest = tickets::latest_notes(&state, &user.tenant, &ids).await?;
    let results: Vec<CopilotTicketSummary> = found
        .iter()
        .map(|d| CopilotTicketSummary {
            head: CopilotTicketHead::of(d),
            description_preview: preview(&d.row.description),
            latest_note: latest
                .iter()
                .find(|n| n.ticket_id == d.row.id)
                .map(note_preview),
        })
        .collect();
    Ok(Json(FindTicketsResponse {
        total,
        results_count: results.len() as i64,
        results,
    }))
}

/// Get a ticket's full content (Tech connector `GetTicket`).
#[utoipa::path(get, path = "/tickets/{ticketId}", operation_id = "GetTicket", params(("ticketId" = i32, Path)), responses((status = 200, body = CopilotTicket)))]
pub async fn get_copilot_ticket(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CopilotTicket>> {
    let d = tickets::get(&state, &user.tenant, Viewer::Staff, id).await?;
    let lists = tasks::lists_of(&state, &user.tenant, id).await?;
    let every_task = lists.iter().flat_map(|l| l.tasks.0.iter());
    let task_progress = TaskProgress {
        done: every_task
            .clone()
            .filter(|t| t.completed_at.is_some())
            .count() as i32,
        total: every_task.count() as i32,
    };
    let head = CopilotTicketHead::of(&d);
    Ok(Json(CopilotTicket {
        head,
        description: d.row.description,
        notes: d.notes.into_iter().map(Into::into).collect(),
        activities: d.activities.into_iter().map(Into::into).collect(),
        task_progress,
        task_lists: lists
            .into_iter()
            .map(|l| TextReference::new(l.id, l.name))
            .collect(),
    }))
}

/// My time entries in a period (Tech connector `FindTimeEntries`), newest first.
#[utoipa::path(get, path = "/time-entries", operation_id = "FindTimeEntries", params(TimeEntriesQuery), responses((status = 200, body = FindMyTicketTimeEntriesResponse)))]
pub async fn find_copilot_time_entries(
    State(state): State<AppState>,
    user: TechUser,
    ApiQuery(q): ApiQuery<TimeEntriesQuery>,
) -> Result<Json<FindMyTicketTimeEntriesResponse>> {
    let (from, to) = period_bounds(q.period.unwrap_or(Period::ThisWeek), Utc::now());
    let entries = tickets::time_entries_of(&state, &user.tenant, user.member_id, from, to).await?;
    let results: Vec<TimeEntryItem> = entries
        .into_iter()
        .map(|(n, summary)| TimeEntryItem {
            id: n.id,
            note: n.body,
            is_internal: n.is_internal,
            start_time: n.time_start,
            end_time: n.time_end,
            actual_hours: n.actual_hours.unwrap_or(0.0),
            created_on: n.created_at,
            parent_ticket: Reference {
                id: n.ticket_id,
                name: summary,
            },
        })
        .collect();
    let count = results.len() as i64;
    Ok(Json(FindMyTicketTimeEntriesResponse {
        total: count,
        results_count: count,
        results,
    }))
}

/// The start and end (exclusive) of a period around `now`, in UTC; weeks start on Monday.
pub fn period_bounds(period: Period, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |d: chrono::NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
    let today = now.date_naive();
    let week_start = today - Duration::days(today.weekday().num_days_from_monday() as i64);
    let month_start = today.with_day(1).expect("day 1 exists");
    let last_month_start = (month_start - Duration::days(1))
        .with_day(1)
        .expect("day 1 exists");
    match period {
        Period::Today => (midnight(today), midnight(today + Duration::days(1))),
        Period::ThisWeek => (
            midnight(week_start),
            midnight(week_start + Duration::days(7)),
        ),
        Period::LastWeek => (
            midnight(week_start - Duration::days(7)),
            midnight(week_start),
        ),
        Period::ThisMonth => (
            midnight(month_start),
            midnight(month_start + chrono::Months::new(1)),
        ),
        Period::LastMonth => (midnight(last_month_start), midnight(month_start)),
    }
}

fn preview(text: &str) -> String {
    const PREVIEW: usize = 200;
    let mut out: String = text.chars().take(PREVIEW).collect();
    if text.chars().count() > PREVIEW {
        out.push('…');
    }
    out
}

fn note_preview(n: &NoteRow) -> TicketNotePreview {
    TicketNotePreview {
        id: n.id,
        note_preview: preview(&n.body),
        created_on: n.created_at,
        created_by: TicketNoteUser {
            id: n.author_id.parse().unwrap_or(0),
            name: n.author_name.clone(),
            user_type: n.author_kind.clone(),
        },
    }
}
