//! A product's tickets: the list (20 a page, `Link` to the next), one with its messages, its
//! status log, creating one and replying, with attachments.

use axum::{
    Json,
    extract::{OriginalUri, State},
    http::{HeaderMap, HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    Created, Fields, failed,
    shape::{
        Context, Desk360Message, Desk360Ticket, Desk360TicketDetails, OPEN, RESOLVED, WAITING,
        status_number,
    },
};
use crate::{
    auth::extractors::Staff,
    domain::{
        Tenant,
        tickets::{NoteInput, TicketInput},
    },
    error::{Error, Result},
    http::{
        extract::{ApiPath, ApiQuery},
        resources::desk365::shape::FacadeActivity,
    },
    repo::tickets::{Assigned, TicketFilter, TicketOrder},
    service::{
        lookups::{self, Wanted},
        tickets::{self, Search, TicketDetails, Viewer},
    },
    state::AppState,
};

/// Desk360 pages hold 20 tickets.
const PAGE: i64 = 20;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// From 1.
    pub page: Option<String>,
    pub reason_id: Option<String>,
    /// 0 low, 1 medium, 2 high, 3 urgent.
    pub priority: Option<String>,
    /// A source's name.
    pub platform: Option<String>,
    /// `YYYY-MM-DD`: created on or after.
    pub start_date: Option<String>,
    /// `YYYY-MM-DD`: created on or before.
    pub end_date: Option<String>,
    /// 0 open, 1 resolved, 2 waiting.
    pub status: Option<String>,
    pub agent_id: Option<String>,
    pub type_id: Option<String>,
    /// `asc` for oldest updated first (default newest).
    pub order: Option<String>,
    pub id: Option<String>,
    /// The customer's email address.
    pub email: Option<String>,
    /// Words of the customer's name or the ticket.
    pub name: Option<String>,
    /// Words of the subject.
    pub subject: Option<String>,
}

fn number(value: &Option<String>, field: &str) -> Result<Option<i32>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| failed(field, format!("The {field} must be an integer."))),
    }
}

fn day(value: &Option<String>, field: &str) -> Result<Option<NaiveDate>> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| failed(field, format!("The {field} must be a date as YYYY-MM-DD."))),
    }
}

/// The product (a live queue), or 404.
async fn product(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let queues = lookups::queues(state, tenant).await?;
    if queues.iter().any(|(q, _)| *q == id) {
        Ok(())
    } else {
        Err(Error::not_found("product"))
    }
}

/// A product's tickets, 20 a page, most recently updated first.
#[utoipa::path(get, path = "/products/{productId}/tickets", params(("productId" = i32, Path), ListQuery), responses((status = 200, body = Vec<Desk360Ticket>, headers(("Link" = String, description = "`<…?page=N>; rel=next` while a next page exists")))))]
pub async fn list_tickets(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(product_id): ApiPath<i32>,
    ApiQuery(q): ApiQuery<ListQuery>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response> {
    let (state, tenant) = (&state, &staff.tenant);
    let page = number(&q.page, "page")?.unwrap_or(1);
    if page < 1 {
        return Err(failed("page", "The page must be at least 1.".to_string()));
    }
    let mut filter = TicketFilter {
        queue_ids: vec![product_id],
        ..Default::default()
    };
    if let Some(reason) = number(&q.reason_id, "reason_id")? {
        filter.request_type_ids = vec![reason];
    }
    if let Some(kind) = number(&q.type_id, "type_id")? {
        filter.category_ids = vec![kind];
    }
    if let Some(agent) = number(&q.agent_id, "agent_id")? {
        filter.assigned = Assigned::Members(vec![agent]);
    }
    let mut nothing = false;
    if let Some(p) = number(&q.priority, "priority")? {
        filter.priority_ids = lookups::priorities_in_order(state, tenant)
            .await?
            .iter()
            .enumerate()
            .filter(|(i, _)| (*i).min(3) as i32 == p)
            .map(|(_, id)| *id)
            .collect();
        nothing |= filter.priority_ids.is_empty();
    }
    if let Some(status) = number(&q.status, "status")? {
        filter.status_ids = lookups::statuses(state, tenant)
            .await?
            .into_iter()
            .filter(|(_, queue, name, closed)| {
                *queue == product_id && status_number(name, *closed) == status
            })
            .map(|(id, ..)| id)
            .collect();
        nothing |= filter.status_ids.is_empty();
    }
    if let Some(platform) = q.platform.as_ref().filter(|p| !p.is_empty()) {
        filter.source_ids = lookups::sources(state, tenant)
            .await?
            .into_iter()
            .filter(|(_, name)| name.eq_ignore_ascii_case(platform))
            .map(|(id, _)| id)
            .collect();
        nothing |= filter.source_ids.is_empty();
    }
    if let Some(email) = q.email.as_ref().filter(|e| !e.is_empty()) {
        filter.contact_ids =
            lookups::contacts_by_email(state, tenant, std::slice::from_ref(email)).await?;
        nothing |= filter.contact_ids.is_empty();
    }
    let midnight =
        |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    filter.created_after = day(&q.start_date, "start_date")?.map(midnight);
    filter.created_before = day(&q.end_date, "end_date")?
        .and_then(|d| d.succ_opt())
        .map(midnight);
    let words: Vec<&str> = [&q.name, &q.subject]
        .into_iter()
        .filter_map(|w| w.as_deref())
        .filter(|w| !w.trim().is_empty())
        .collect();
    if !words.is_empty() {
        filter.text = Some(words.join(" "));
    }
    let only = number(&q.id, "id")?;
    let descending = !matches!(q.order.as_deref(), Some("asc" | "ASC"));
    let (rows, total) = if nothing {
        (vec![], 0)
    } else if let Some(id) = only {
        let found = Error::found(tickets::get(state, tenant, Viewer::Staff, id).await)?;
        let matches = found.filter(|d| d.row.queue_id == product_id && page == 1);
        let n = matches.is_some() as i64;
        (matches.into_iter().collect(), n)
    } else {
        let search = Search {
            filter,
            order: TicketOrder::Updated,
            descending,
            skip: (page as i64 - 1) * PAGE,
            take: PAGE,
        };
        let (rows, total) = tickets::find(state, tenant, &search).await?;
        // Beyond the counted matches, a full page may have a next.
        let more = total.capped && rows.len() as i64 == PAGE;
        let count = if more { i64::MAX } else { total.count };
        (rows, count)
    };
    if rows.is_empty() {
        // A page with tickets of the product shows it exists; an empty one must check.
        product(state, tenant, product_id).await?;
    }
    let listed = listing(state, tenant, &rows).await?;
    let mut response = Json(listed).into_response();
    if (page as i64) * PAGE < total
        && let Some(link) = next_link(state, &headers, &uri, page + 1)
    {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// The tickets as Desk360 lists them, each with its latest public message.
async fn listing(
    state: &AppState,
    tenant: &Tenant,
    rows: &[TicketDetails],
) -> Result<Vec<Desk360Ticket>> {
    let wanted = Wanted {
        last_public_notes: true,
        ..Wanted::default()
    };
    let facts = lookups::page_facts(state, tenant, rows, wanted).await?;
    Ok(rows
        .iter()
        .map(|d| {
            let m = facts.milestones.get(&d.row.id);
            Desk360Ticket::of(
                d,
                &Context {
                    priorities: &facts.ranked.priorities,
                    contact_email: m.map_or("", |m| m.contact_email.as_str()),
                    last_message: m.and_then(|m| m.last_public_note.as_deref()),
                },
            )
        })
        .collect())
}

/// `<https://host/v1/…?…&page=N>; rel=next`, keeping the other query parameters.
fn next_link(state: &AppState, headers: &HeaderMap, uri: &Uri, page: i32) -> Option<HeaderValue> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let scheme = if state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(uri.query().unwrap_or("")).ok()?;
    // A key in the query never travels back in a header.
    pairs.retain(|(k, _)| k != "page" && k != "api_key");
    pairs.push(("page".into(), page.to_string()));
    let query = serde_urlencoded::to_string(&pairs).ok()?;
    HeaderValue::from_str(&format!(
        "<{scheme}://{host}{}?{query}>; rel=next",
        uri.path()
    ))
    .ok()
}

/// The ticket if it is the product's.
async fn of_product(
    state: &AppState,
    tenant: &Tenant,
    product_id: i32,
    id: i32,
) -> Result<TicketDetails> {
    product(state, tenant, product_id).await?;
    let d = tickets::get(state, tenant, Viewer::Staff, id).await?;
    if d.row.queue_id != product_id {
        return Err(Error::not_found("ticket"));
    }
    Ok(d)
}

async fn details(
    state: &AppState,
    tenant: &Tenant,
    d: &TicketDetails,
) -> Result<Desk360TicketDetails> {
    let facts =
        lookups::page_facts(state, tenant, std::slice::from_ref(d), Wanted::default()).await?;
    let email = facts
        .milestones
        .get(&d.row.id)
        .map_or("", |m| m.contact_email.as_str());
    Ok(Desk360TicketDetails::of(
        d,
        &Context {
            priorities: &facts.ranked.priorities,
            contact_email: email,
            last_message: None,
        },
    ))
}

/// A ticket with its messages and their attachments.
#[utoipa::path(get, path = "/products/{productId}/tickets/{ticketId}", params(("productId" = i32, Path), ("ticketId" = i32, Path)), responses((status = 200, body = Desk360TicketDetails)))]
pub async fn ticket_details(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((product_id, id)): ApiPath<(i32, i32)>,
) -> Result<Json<Desk360TicketDetails>> {
    let d = of_product(&state, &staff.tenant, product_id, id).await?;
    Ok(Json(details(&state, &staff.tenant, &d).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Desk360Log {
    pub id: i64,
    pub old_status_id: i32,
    pub new_status_id: i32,
    pub reason_id: Option<i32>,
    pub agent_id: Option<i32>,
    pub created_at: String,
}

/// The ticket's status changes, oldest first.
#[utoipa::path(get, path = "/products/{productId}/tickets/{ticketId}/logs", params(("productId" = i32, Path), ("ticketId" = i32, Path)), responses((status = 200, body = Vec<Desk360Log>)))]
pub async fn ticket_logs(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((product_id, id)): ApiPath<(i32, i32)>,
) -> Result<Json<Vec<Desk360Log>>> {
    let d = of_product(&state, &staff.tenant, product_id, id).await?;
    let statuses = lookups::statuses(&state, &staff.tenant).await?;
    let number_of = |value: &Option<sqlx::types::Json<serde_json::Value>>| {
        let id = value.as_ref().and_then(|v| v.0["id"].as_i64())?;
        statuses
            .iter()
            .find(|(s, ..)| i64::from(*s) == id)
            .map(|(_, _, name, closed)| status_number(name, *closed))
    };
    let logs = d
        .activities
        .iter()
        .filter(|a| a.kind == "field_changed" && a.field.as_deref() == Some("status"))
        .map(|a| Desk360Log {
            id: a.id,
            old_status_id: number_of(&a.old_value).unwrap_or(OPEN),
            new_status_id: number_of(&a.new_value).unwrap_or(OPEN),
            reason_id: d.row.request_type_id,
            agent_id: (a.actor_kind == "member")
                .then(|| a.actor_id.parse().ok())
                .flatten(),
            created_at: super::shape::date(a.created_at),
        })
        .collect();
    Ok(Json(logs))
}

/// The ticket's whole history, oldest first (deskd's extension: Desk360's logs show status only).
#[utoipa::path(get, path = "/products/{productId}/tickets/{ticketId}/activities", params(("productId" = i32, Path), ("ticketId" = i32, Path)), responses((status = 200, body = Vec<FacadeActivity>)))]
pub async fn ticket_activities(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((product_id, id)): ApiPath<(i32, i32)>,
) -> Result<Json<Vec<FacadeActivity>>> {
    let d = of_product(&state, &staff.tenant, product_id, id).await?;
    Ok(Json(d.activities.iter().map(Into::into).collect()))
}

/// The status of `queue` a Desk360 status asks for: resolved is the first closed status (one
/// named "Resolved" first), waiting the first named "Waiting…", open the queue's default.
async fn status_for(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    status: i32,
) -> Result<Option<i32>> {
    if status == OPEN {
        return Ok(None);
    }
    if status != RESOLVED && status != WAITING {
        return Err(Error::new(
            crate::error::Kind::Invalid,
            "status_update_failed",
            "You can only set Resolved (1) or Waiting (2).",
        )
        .with_field("status"));
    }
    let mut candidates: Vec<(i32, String, bool)> = lookups::statuses(state, tenant)
        .await?
        .into_iter()
        .filter(|(_, q, name, closed)| *q == queue && status_number(name, *closed) == status)
        .map(|(id, _, name, closed)| (id, name, closed))
        .collect();
    candidates.sort_by_key(|(_, name, _)| !name.eq_ignore_ascii_case("resolved"));
    Ok(candidates.first().map(|(id, ..)| *id))
}

/// A new ticket, as JSON or as the fields of a form with `attachments[]` files (as OpenAPI shows
/// it; the handler reads the fields themselves, numbers as numbers or text).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Desk360TicketInput {
    /// The customer's name (the contact's, when they exist).
    name: Option<String>,
    /// The customer: a contact's email address.
    email: String,
    /// A request type id.
    reason_id: Option<i32>,
    description: String,
    /// Absent or 0: the queue's default status; 1 resolved; 2 waiting.
    status: Option<i32>,
    assign_to_agent_id: Option<i32>,
    /// Defaults to the description's first line.
    subject: Option<String>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    #[schema(rename = "attachments[]")]
    attachments: Option<Vec<String>>,
}

/// A reply, as JSON or as a form with `attachments[]` files.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Desk360ReplyInput {
    message: String,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    #[schema(rename = "attachments[]")]
    attachments: Option<Vec<String>>,
}

/// Create a ticket in the product: JSON, or `multipart/form-data` with `attachments[]` files.
/// The customer (`email`) must be a contact; the subject is the description's first line.
#[utoipa::path(post, path = "/products/{productId}/tickets", params(("productId" = i32, Path)), request_body(content((Desk360TicketInput = "application/json"), (Desk360TicketInput = "multipart/form-data"))), responses((status = 201, body = Desk360Ticket)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(product_id): ApiPath<i32>,
    form: Fields,
) -> Result<Created<Desk360Ticket>> {
    let (state, tenant) = (&state, &staff.tenant);
    product(state, tenant, product_id).await?;
    let email = form
        .text("email")?
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| failed("email", "The email field is required.".into()))?;
    let description = form
        .text("description")?
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| failed("description", "The description field is required.".into()))?;
    let contact_id = *lookups::contacts_by_email(state, tenant, std::slice::from_ref(&email))
        .await?
        .first()
        .ok_or_else(|| failed("email", format!("No customer has the email {email}.")))?;
    let status_id = match form.integer("status")? {
        Some(s) => status_for(state, tenant, product_id, s).await?,
        None => None,
    };
    let summary: String = form
        .text("subject")?
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| {
            description
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .chars()
                .take(120)
                .collect()
        });
    let input = TicketInput {
        summary,
        description: Some(description),
        contact_id,
        request_type_id: form.integer("reason_id")?,
        queue_id: Some(product_id),
        status_id,
        assigned_member_ids: form.integer("assign_to_agent_id")?.into_iter().collect(),
        ..Default::default()
    };
    let d = tickets::create(state, tenant, &staff.principal, input, form.files).await?;
    let listed = listing(state, tenant, std::slice::from_ref(&d)).await?;
    let ticket = listed
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found("ticket"))?;
    Ok((StatusCode::CREATED, Json(ticket)))
}

/// Reply to a ticket (public: the customer is mailed as for any public note): JSON, or
/// `multipart/form-data` with `attachments[]` files.
#[utoipa::path(post, path = "/products/{productId}/tickets/{ticketId}/reply", params(("productId" = i32, Path), ("ticketId" = i32, Path)), request_body(content((Desk360ReplyInput = "application/json"), (Desk360ReplyInput = "multipart/form-data"))), responses((status = 201, body = Desk360Message)))]
pub async fn reply(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((product_id, id)): ApiPath<(i32, i32)>,
    form: Fields,
) -> Result<Created<Desk360Message>> {
    let (state, tenant) = (&state, &staff.tenant);
    of_product(state, tenant, product_id, id).await?;
    let message = form
        .text("message")?
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| failed("message", "The message field is required.".into()))?;
    let input = NoteInput {
        note: message,
        is_internal: false,
        time_entry: None,
        attachment_ids: vec![],
    };
    let note = tickets::add_note(state, tenant, &staff.principal, id, input, form.files).await?;
    let d = tickets::get(state, tenant, Viewer::Staff, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(Desk360Message::of(&note, &d.attachments)),
    ))
}
