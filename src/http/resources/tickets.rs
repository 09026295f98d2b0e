//! Tickets: the client portal's (a contact's own, their groups', their company's) and the staff's
//! (technicians and API keys). Field names follow DeskDirector's Tech connector `Ticket`.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{
        Actor, Principal,
        extractors::{PortalUser, Staff},
    },
    domain::tickets::{
        CommentInput, NoteInput, PortalTicketInput, Scope, TicketInput, TicketPatch,
    },
    domain::{Reference, TextReference},
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery, parse_json},
        multipart::{FormWithFiles, WithFiles},
        pagination::{ListQuery, Page},
        resources::attachments::{self, AttachmentView},
    },
    repo::tickets::{ActivityRow, Assigned, NoteRow, TicketFilter, TicketOrder},
    service::tickets::{self, ContactListing, Precondition, TicketDetails, Viewer},
    state::AppState,
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
    fn new(d: TicketDetails, staff: bool) -> Self {
        let d = if staff { d } else { d.for_contact() };
        let r = d.row;
        let reference = |id: Option<i32>, name: Option<String>| {
            id.zip(name).map(|(id, name)| Reference { id, name })
        };
        Self {
            id: r.id,
            summary: r.summary,
            description: r.description,
            request_type: reference(r.request_type_id, r.request_type_name),
            account: Reference {
                id: r.company_id,
                name: r.company_name,
            },
            contact: Reference {
                id: r.contact_id,
                name: r.contact_name,
            },
            contact_group: r
                .contact_group_id
                .zip(r.contact_group_name)
                .map(|(id, name)| TextReference {
                    id: id.to_string(),
                    name,
                }),
            categories: d
                .categories
                .into_iter()
                .map(|c| TextReference {
                    id: c.id.to_string(),
                    name: c.name,
                })
                .collect(),
            source: reference(r.source_id, r.source_name),
            queue: Reference {
                id: r.queue_id,
                name: r.queue_name,
            },
            status: Reference {
                id: r.status_id,
                name: r.status_name,
            },
            priority: Reference {
                id: r.priority_id,
                name: r.priority_name,
            },
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

    /// A list item: no conversation, no history.
    pub fn listed(d: TicketDetails) -> Self {
        Self {
            notes: None,
            attachments: None,
            ..Self::new(d, false)
        }
    }
}

/// What a contact lists: open, closed, awaiting approval, or any.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PortalState {
    Open,
    Closed,
    AwaitingApproval,
    Any,
}

/// A decision on a ticket awaiting approval.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalInput {
    /// Why; required to decline. It becomes a public comment.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Open, closed or any.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OpenState {
    Open,
    Closed,
    Any,
}

/// The staff search. Lists of ids are comma-separated (`queueId=1,2`).
#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TicketSearchQuery {
    /// `open`, `closed` or `any` (default).
    pub status: Option<OpenState>,
    /// Specific statuses.
    pub status_id: Option<String>,
    pub queue_id: Option<String>,
    pub priority_id: Option<String>,
    pub request_type_id: Option<String>,
    pub source_id: Option<String>,
    pub category_id: Option<String>,
    /// Comma-separated tag names.
    pub tag: Option<String>,
    /// `me`, `unassigned`, `assigned` (to anyone), `any` (default), or member ids.
    pub assigned: Option<String>,
    pub contact_id: Option<String>,
    pub company_id: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Same as `updatedAfter`, for syncing.
    pub updated_since: Option<DateTime<Utc>>,
    /// Words to find in summaries, descriptions and notes (web-search syntax: `"exact phrase"`, `-not`, `or`).
    pub q: Option<String>,
    /// `updated`, `created` or `id`; prefix `-` for descending (default `-updated`).
    pub sort: Option<String>,
    /// Include archived tickets (default false).
    pub include_archived: Option<bool>,
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    pub take: Option<i64>,
}

/// A staff answer about one ticket, with its `ETag` (`"v{version}"`).
pub type TaggedTicket = ([(header::HeaderName, HeaderValue); 1], Json<TicketView>);

pub fn tagged(details: TicketDetails) -> TaggedTicket {
    let etag =
        HeaderValue::from_str(&format!("\"v{}\"", details.row.version)).expect("digits and quotes");
    ([(header::ETAG, etag)], Json(TicketView::for_staff(details)))
}

/// `If-Match` as a precondition: `"v3"` or `W/"v3"` names version 3; `*` or no header asks nothing.
pub fn precondition(headers: &HeaderMap) -> Precondition {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Precondition::None;
    };
    let value = value.to_str().unwrap_or("");
    if value.trim() == "*" {
        return Precondition::None;
    }
    value
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .find_map(|tag| tag.strip_prefix('v').and_then(|v| v.parse().ok()))
        .map_or(Precondition::Unmatchable, Precondition::Version)
}

/// Comma-separated ids; a bad one is a 400 naming the parameter.
pub fn ids(field: &str, value: &Option<String>) -> Result<Vec<i32>> {
    let Some(value) = value else {
        return Ok(vec![]);
    };
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse().map_err(|_| {
                Error::bad_request(
                    field,
                    format!("{field} takes comma-separated ids, not `{v}`"),
                )
            })
        })
        .collect()
}

impl TicketSearchQuery {
    fn search(&self, caller: &Principal) -> Result<tickets::Search> {
        let (skip, take) = ListQuery {
            skip: self.skip,
            take: self.take,
            search: None,
            include_archived: None,
        }
        .window()?;
        let assigned = match self.assigned.as_deref().map(str::trim) {
            None | Some("any") => Assigned::Any,
            Some("unassigned") => Assigned::Unassigned,
            Some("assigned") => Assigned::Anyone,
            Some("me") => match caller.actor {
                Actor::Member { id, .. } => Assigned::Members(vec![id]),
                _ => {
                    return Err(Error::bad_request(
                        "assigned",
                        "`me` needs a member's credentials",
                    ));
                }
            },
            Some(_) => Assigned::Members(ids("assigned", &self.assigned)?),
        };
        let (order, descending) = match self.sort.as_deref().unwrap_or("-updated") {
            "updated" => (TicketOrder::Updated, false),
            "-updated" => (TicketOrder::Updated, true),
            "created" => (TicketOrder::Created, false),
            "-created" => (TicketOrder::Created, true),
            "id" => (TicketOrder::Id, false),
            "-id" => (TicketOrder::Id, true),
            other => {
                return Err(Error::bad_request(
                    "sort",
                    format!("cannot sort by `{other}`; use updated, created or id"),
                ));
            }
        };
        let filter = TicketFilter {
            closed: match self.status.unwrap_or(OpenState::Any) {
                OpenState::Open => Some(false),
                OpenState::Closed => Some(true),
                OpenState::Any => None,
            },
            status_ids: ids("statusId", &self.status_id)?,
            queue_ids: ids("queueId", &self.queue_id)?,
            priority_ids: ids("priorityId", &self.priority_id)?,
            request_type_ids: ids("requestTypeId", &self.request_type_id)?,
            source_ids: ids("sourceId", &self.source_id)?,
            category_ids: ids("categoryId", &self.category_id)?,
            tags: self
                .tag
                .iter()
                .flat_map(|t| t.split(','))
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            assigned,
            contact_ids: ids("contactId", &self.contact_id)?,
            company_ids: ids("companyId", &self.company_id)?,
            created_after: self.created_after,
            created_before: self.created_before,
            updated_after: self.updated_after.max(self.updated_since),
            updated_before: self.updated_before,
            text: self
                .q
                .as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_string),
            last_message_from_contact: None,
            include_archived: self.include_archived.unwrap_or(false),
        };
        Ok(tickets::Search {
            filter,
            order,
            descending,
            skip,
            take,
        })
    }
}

/// One merge patch for many tickets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpdateInput {
    /// 1 to 100 ticket ids.
    pub ticket_ids: Vec<i32>,
    pub changes: TicketPatch,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergeInput {
    /// The ticket that survives.
    pub into_ticket_id: i32,
}

/// Closing a ticket from the portal, optionally saying why.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloseInput {
    /// Becomes a public comment on the ticket.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortalTicketQuery {
    /// `personal` (default), `group` (groups I manage) or `company` (when I may see my company's tickets).
    pub scope: Option<Scope>,
    /// `open` (default), `closed`, `awaiting_approval` or `any`.
    pub status: Option<PortalState>,
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    pub take: Option<i64>,
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_tickets, create_my_ticket))
        .routes(routes!(get_my_ticket))
        .routes(routes!(list_my_ticket_comments, create_my_ticket_comment))
        .routes(routes!(close_my_ticket))
        .routes(routes!(list_my_approvals))
        .routes(routes!(approve_ticket))
        .routes(routes!(decline_ticket))
        .routes(routes!(reopen_my_ticket))
        .merge(attachments::portal_routes())
}

pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_tickets, create_ticket, bulk_update_tickets))
        .routes(routes!(merge_ticket))
        .routes(routes!(find_tickets_by_body))
        .routes(routes!(
            get_ticket,
            replace_ticket,
            update_ticket,
            archive_ticket
        ))
        .routes(routes!(restore_ticket))
        .routes(routes!(list_ticket_notes, create_ticket_note))
        .routes(routes!(assign_ticket, unassign_ticket))
        .merge(attachments::staff_routes())
}

/// List my tickets (or my groups', or my company's), most recently changed first.
#[utoipa::path(get, path = "/tickets", params(PortalTicketQuery), responses((status = 200, body = Page<TicketView>)))]
pub async fn list_my_tickets(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(query): ApiQuery<PortalTicketQuery>,
) -> Result<Json<Page<TicketView>>> {
    let list = ListQuery {
        skip: query.skip,
        take: query.take,
        search: None,
        include_archived: None,
    };
    let (skip, take) = list.window()?;
    let wanted = query.status.unwrap_or(PortalState::Open);
    let closed = match wanted {
        PortalState::Open => Some(false),
        PortalState::Closed => Some(true),
        PortalState::AwaitingApproval | PortalState::Any => None,
    };
    let listing = ContactListing {
        scope: query.scope.unwrap_or(Scope::Personal),
        closed,
        awaiting_approval: wanted == PortalState::AwaitingApproval,
        skip,
        take,
    };
    let (found, total) = tickets::list_for_contact(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        &listing,
    )
    .await?;
    Ok(Json(Page::new(
        found.into_iter().map(TicketView::listed).collect(),
        total,
        skip,
    )))
}

/// Raise a ticket from a request type: its queue, priority and the queue's default status apply.
/// Files may come along as `multipart/form-data` (JSON in the `payload` part).
#[utoipa::path(post, path = "/tickets", request_body(content((PortalTicketInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketView)))]
pub async fn create_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    WithFiles { body, files }: WithFiles<PortalTicketInput>,
) -> Result<(StatusCode, Json<TicketView>)> {
    let ticket =
        tickets::create_for_contact(&state, &user.tenant, user.contact_id, body, files).await?;
    Ok((StatusCode::CREATED, Json(TicketView::for_contact(ticket))))
}

/// Get one of the tickets I may see.
#[utoipa::path(get, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn get_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    let viewer = Viewer::Contact {
        id: user.contact_id,
        company_id: user.company_id,
    };
    Ok(Json(TicketView::for_contact(
        tickets::get(&state, &user.tenant, viewer, id).await?,
    )))
}

/// Find tickets by any combination of filters and words; sorted, paged, with the total.
#[utoipa::path(get, path = "/tickets", params(TicketSearchQuery), responses((status = 200, body = Page<TicketView>)))]
pub async fn find_tickets(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<TicketSearchQuery>,
) -> Result<Json<Page<TicketView>>> {
    page_of_tickets(&state, &staff, &query).await
}

pub async fn page_of_tickets(
    state: &AppState,
    staff: &Staff,
    query: &TicketSearchQuery,
) -> Result<Json<Page<TicketView>>> {
    let search = query.search(&staff.principal)?;
    let (found, total) = tickets::find(state, &staff.tenant, &search).await?;
    Ok(Json(Page::new(
        found.into_iter().map(TicketView::listed).collect(),
        total,
        search.skip,
    )))
}

/// Find tickets, as DeskDirector's `POST …/find`: the same filters as `GET /tickets`, in a JSON
/// body, where lists of ids or tags may also be arrays (`{"queueId":[1,2],"status":"open"}`).
#[utoipa::path(post, path = "/tickets/find", request_body = TicketSearchQuery, responses((status = 200, body = Page<TicketView>)))]
pub async fn find_tickets_by_body(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Page<TicketView>>> {
    page_of_tickets(&state, &staff, &TicketSearchQuery::from_body(body)?).await
}

impl TicketSearchQuery {
    /// The search from a JSON body, where lists of ids or tags may also be arrays.
    pub fn from_body(mut body: serde_json::Map<String, Value>) -> Result<Self> {
        // Lists become the query string's comma-separated form, so both share one reading.
        for value in body.values_mut() {
            let joined = match value {
                Value::Array(items) => Some(
                    items
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if let Some(joined) = joined {
                *value = Value::String(joined);
            }
        }
        for number in ["skip", "take"] {
            if let Some(Value::String(v)) = body.get(number)
                && let Ok(n) = v.parse::<i64>()
            {
                body.insert(number.to_string(), Value::from(n));
            }
        }
        parse_json(&serde_json::to_vec(&body).unwrap_or_default())
    }
}

/// Create a ticket for a contact. Absent queue and priority come from the request type. Files may
/// come along as `multipart/form-data` (JSON in the `payload` part).
#[utoipa::path(post, path = "/tickets", request_body(content((TicketInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketView)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    staff: Staff,
    WithFiles { body, files }: WithFiles<TicketInput>,
) -> Result<(StatusCode, TaggedTicket)> {
    let ticket = tickets::create(&state, &staff.tenant, &staff.principal, body, files).await?;
    Ok((StatusCode::CREATED, tagged(ticket)))
}

/// Get a ticket with its history; the `ETag` header carries its version, for `If-Match`.
#[utoipa::path(get, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<TaggedTicket> {
    Ok(tagged(
        tickets::get(&state, &staff.tenant, Viewer::Staff, id).await?,
    ))
}

/// Replace a ticket: absent optional fields are cleared (the status resets to the queue's default).
/// With `If-Match`, a ticket changed since is refused with 412.
#[utoipa::path(put, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), request_body = TicketInput, responses((status = 200, body = TicketView)))]
pub async fn replace_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<TicketInput>,
) -> Result<TaggedTicket> {
    let precondition = precondition(&headers);
    Ok(tagged(
        tickets::replace(
            &state,
            &staff.tenant,
            &staff.principal,
            id,
            input,
            precondition,
        )
        .await?,
    ))
}

/// Update a ticket with a JSON merge patch; every change is recorded in its history. With
/// `If-Match`, a ticket changed since is refused with 412.
#[utoipa::path(patch, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), request_body = TicketPatch, responses((status = 200, body = TicketView)))]
pub async fn update_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> Result<TaggedTicket> {
    let precondition = precondition(&headers);
    Ok(tagged(
        tickets::patch(
            &state,
            &staff.tenant,
            &staff.principal,
            id,
            patch,
            precondition,
        )
        .await?,
    ))
}

/// The public comments of one of my tickets, oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/comments", params(("ticketId" = i32, Path)), responses((status = 200, body = Vec<TicketNoteView>)))]
pub async fn list_my_ticket_comments(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Vec<TicketNoteView>>> {
    let viewer = Viewer::Contact {
        id: user.contact_id,
        company_id: user.company_id,
    };
    let notes = tickets::notes(&state, &user.tenant, viewer, id).await?;
    Ok(Json(notes.into_iter().map(Into::into).collect()))
}

/// Comment on one of the tickets I may see. Files may come along as `multipart/form-data` (JSON
/// in the `payload` part).
#[utoipa::path(post, path = "/tickets/{ticketId}/comments", params(("ticketId" = i32, Path)), request_body(content((CommentInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketNoteView)))]
pub async fn create_my_ticket_comment(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    WithFiles { body, files }: WithFiles<CommentInput>,
) -> Result<(StatusCode, Json<TicketNoteView>)> {
    let note = tickets::add_comment(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        body,
        files,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// All notes of a ticket, public and internal, oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/notes", params(("ticketId" = i32, Path)), responses((status = 200, body = Vec<TicketNoteView>)))]
pub async fn list_ticket_notes(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Vec<TicketNoteView>>> {
    let notes = tickets::notes(&state, &staff.tenant, Viewer::Staff, id).await?;
    Ok(Json(notes.into_iter().map(Into::into).collect()))
}

/// Add a public comment or an internal note, optionally with time worked. Files may come along as
/// `multipart/form-data` (JSON in the `payload` part); an internal note's files stay internal.
#[utoipa::path(post, path = "/tickets/{ticketId}/notes", params(("ticketId" = i32, Path)), request_body(content((NoteInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketNoteView)))]
pub async fn create_ticket_note(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    WithFiles { body, files }: WithFiles<NoteInput>,
) -> Result<(StatusCode, Json<TicketNoteView>)> {
    let note = tickets::add_note(&state, &staff.tenant, &staff.principal, id, body, files).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// Close one of my tickets, optionally with a note (it becomes a comment).
#[utoipa::path(post, path = "/tickets/{ticketId}/close", params(("ticketId" = i32, Path)), request_body = CloseInput, responses((status = 200, body = TicketView)))]
pub async fn close_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<CloseInput>,
) -> Result<Json<TicketView>> {
    let ticket = tickets::close_for_contact(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        input.note,
    )
    .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Reopen one of my closed tickets: it returns to its queue's default status.
#[utoipa::path(post, path = "/tickets/{ticketId}/reopen", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn reopen_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    let ticket =
        tickets::reopen_for_contact(&state, &user.tenant, user.contact_id, user.company_id, id)
            .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Archive a ticket (soft delete); answers the archived ticket. Contacts no longer see it.
#[utoipa::path(delete, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn archive_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_archived(&state, &staff.tenant, &staff.principal, id, true).await?,
    )))
}

/// Restore an archived ticket.
#[utoipa::path(post, path = "/tickets/{ticketId}/restore", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn restore_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_archived(&state, &staff.tenant, &staff.principal, id, false).await?,
    )))
}

/// Assign a member to a ticket (keeping the other assignees).
#[utoipa::path(put, path = "/tickets/{ticketId}/assignees/{memberId}", params(("ticketId" = i32, Path), ("memberId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn assign_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((id, member)): ApiPath<(i32, i32)>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_assigned(&state, &staff.tenant, &staff.principal, id, member, true).await?,
    )))
}

/// Take a member off a ticket.
#[utoipa::path(delete, path = "/tickets/{ticketId}/assignees/{memberId}", params(("ticketId" = i32, Path), ("memberId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn unassign_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((id, member)): ApiPath<(i32, i32)>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_assigned(&state, &staff.tenant, &staff.principal, id, member, false).await?,
    )))
}

/// Tickets waiting for my approval (I am an approver of my company; group tickets only when I manage the group).
#[utoipa::path(get, path = "/approvals", responses((status = 200, body = Vec<TicketView>)))]
pub async fn list_my_approvals(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<Vec<TicketView>>> {
    let waiting =
        tickets::pending_approvals(&state, &user.tenant, user.contact_id, user.company_id).await?;
    Ok(Json(waiting.into_iter().map(TicketView::listed).collect()))
}

/// Approve a ticket awaiting approval; it moves to its queue's "approval granted" status.
#[utoipa::path(post, path = "/tickets/{ticketId}/approve", params(("ticketId" = i32, Path)), request_body = ApprovalInput, responses((status = 200, body = TicketView)))]
pub async fn approve_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ApprovalInput>,
) -> Result<Json<TicketView>> {
    let ticket = tickets::decide_approval(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        true,
        input.reason,
    )
    .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Decline a ticket awaiting approval, saying why (the reason becomes a comment).
#[utoipa::path(post, path = "/tickets/{ticketId}/decline", params(("ticketId" = i32, Path)), request_body = ApprovalInput, responses((status = 200, body = TicketView)))]
pub async fn decline_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ApprovalInput>,
) -> Result<Json<TicketView>> {
    let ticket = tickets::decide_approval(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        false,
        input.reason,
    )
    .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Change up to 100 tickets with one merge patch, all or none (a failure names the ticket and field).
#[utoipa::path(patch, path = "/tickets", request_body = BulkUpdateInput, responses((status = 200, body = Vec<TicketView>)))]
pub async fn bulk_update_tickets(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<BulkUpdateInput>,
) -> Result<Json<Vec<TicketView>>> {
    let updated = tickets::bulk_patch(
        &state,
        &staff.tenant,
        &staff.principal,
        &input.ticket_ids,
        input.changes,
    )
    .await?;
    Ok(Json(updated.into_iter().map(TicketView::listed).collect()))
}

/// Merge this ticket into another: its notes move there, it closes and points to the survivor.
/// Answers the survivor.
#[utoipa::path(post, path = "/tickets/{ticketId}/merge", params(("ticketId" = i32, Path)), request_body = MergeInput, responses((status = 200, body = TicketView)))]
pub async fn merge_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<TaggedTicket> {
    Ok(tagged(
        tickets::merge(
            &state,
            &staff.tenant,
            &staff.principal,
            id,
            input.into_ticket_id,
        )
        .await?,
    ))
}
