//! Desk365's tickets: list with its filters, details, create and update.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use super::{
    Facts, TicketNumber, WriteAs, flag, one_named,
    shape::{Desk365Ticket, Include, PRIORITIES},
};
use crate::{
    auth::extractors::AdminCaller,
    domain::{
        patch::Patch,
        tickets::{TicketInput, TicketPatch},
    },
    error::{Error, Result},
    http::extract::{ApiJson, ApiQuery},
    repo::tickets::{Assigned, TicketFilter, TicketOrder},
    service::{
        lookups::{self, Listed},
        tickets::{self, Precondition, Search, Viewer},
    },
    state::AppState,
};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// JSON object of filters, each an array of strings, e.g.
    /// `{"status":["Open","Pending"],"assigned_to":["--"]}`; `--` means unassigned.
    pub filters: Option<String>,
    /// 30 (default), 50 or 100.
    pub ticket_count: Option<String>,
    pub offset: Option<String>,
    /// `created_time` (default), `updated_time`, `ticket_number` or `due_date`.
    pub order_by: Option<String>,
    /// `desc` (default) or `asc`.
    pub order_type: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS` (UTC) or `YYYY-MM-DD`: only tickets updated after it.
    pub updated_since: Option<String>,
    /// `1` to include `description` and `description_text`.
    pub include_description: Option<String>,
    /// `1` to include `custom_fields` (`cf_…`).
    pub include_custom_fields: Option<String>,
    /// `1` to include `survey_rating`.
    pub include_survey_details: Option<String>,
    /// `1` to put `cf_…` and `sv_…` fields at the top level.
    pub nested_fields: Option<String>,
}

/// The seed's filters: each an array of strings.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Filters {
    #[serde(default)]
    status: Vec<String>,
    #[serde(default)]
    priority: Vec<String>,
    #[serde(default, rename = "type")]
    kind: Vec<String>,
    #[serde(default)]
    group: Vec<String>,
    #[serde(default)]
    assigned_to: Vec<String>,
    #[serde(default)]
    category: Vec<String>,
    #[serde(default)]
    subcategory: Vec<String>,
    #[serde(default)]
    source: Vec<String>,
    #[serde(default)]
    contact: Vec<String>,
}

/// `{count, tickets}`: how many match, and this page of them.
#[derive(serde::Serialize, ToSchema)]
pub struct Desk365TicketList {
    pub count: i64,
    pub tickets: Vec<Desk365Ticket>,
}

/// List tickets, newest first unless ordered otherwise, filtered as Desk365 filters.
#[utoipa::path(get, path = "/tickets", params(ListQuery), responses((status = 200, body = Desk365TicketList)))]
pub async fn list_tickets(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Desk365TicketList>> {
    let take = match q.ticket_count.as_deref().unwrap_or("30") {
        "30" => 30,
        "50" => 50,
        "100" => 100,
        _ => {
            return Err(Error::bad_request(
                "ticket_count",
                "ticket_count is 30, 50 or 100",
            ));
        }
    };
    let skip: i64 = match q.offset.as_deref() {
        None | Some("") => 0,
        Some(v) => v
            .parse()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| Error::bad_request("offset", "offset is a whole number ≥ 0"))?,
    };
    let order = match q.order_by.as_deref().unwrap_or("created_time") {
        "created_time" | "created_on" => TicketOrder::Created,
        "updated_time" | "updated_on" => TicketOrder::Updated,
        "ticket_number" => TicketOrder::Id,
        "due_date" | "due_by" => TicketOrder::DueAt,
        _ => {
            return Err(Error::bad_request(
                "order_by",
                "order_by is created_time, updated_time, ticket_number or due_date",
            ));
        }
    };
    let descending = match q.order_type.as_deref().unwrap_or("desc") {
        "desc" | "DESC" => true,
        "asc" | "ASC" => false,
        _ => {
            return Err(Error::bad_request(
                "order_type",
                "order_type is asc or desc",
            ));
        }
    };
    let include = Include {
        description: flag(&q.include_description, "include_description")?,
        custom_fields: flag(&q.include_custom_fields, "include_custom_fields")?,
        survey: flag(&q.include_survey_details, "include_survey_details")?,
        flat: flag(&q.nested_fields, "nested_fields")?,
    };
    let filters: Filters = match q.filters.as_deref() {
        None | Some("") => Filters::default(),
        Some(text) => serde_json::from_str(text)
            .map_err(|e| Error::bad_request("filters", format!("filters: {e}")))?,
    };
    let mut filter = TicketFilter {
        updated_after: q
            .updated_since
            .as_deref()
            .map(|v| parse_time(v, "updated_since"))
            .transpose()?,
        ..Default::default()
    };
    let (state, tenant) = (&state, &caller.tenant);
    let empty = Json(Desk365TicketList {
        count: 0,
        tickets: vec![],
    });
    if !narrow(state, tenant, &filters, &mut filter).await? {
        return Ok(empty);
    }
    let search = Search {
        filter,
        order,
        descending,
        skip,
        take,
    };
    let (rows, count) = tickets::find(state, tenant, &search).await?;
    let facts = Facts::load(state, tenant, &rows).await?;
    let tickets = rows.iter().map(|d| facts.ticket(d, include)).collect();
    Ok(Json(Desk365TicketList { count, tickets }))
}

/// Sets `filter` from Desk365's filters; false when a filter names nothing that exists (so
/// nothing matches, as in Desk365).
async fn narrow(
    state: &AppState,
    tenant: &crate::domain::Tenant,
    f: &Filters,
    filter: &mut TicketFilter,
) -> Result<bool> {
    let lists = [
        (Listed::Statuses, &f.status),
        (Listed::RequestTypes, &f.kind),
        (Listed::Queues, &f.group),
        // A subcategory is a second category; the more specific filter wins.
        (
            Listed::Categories,
            if f.subcategory.is_empty() {
                &f.category
            } else {
                &f.subcategory
            },
        ),
    ];
    let mut found = vec![];
    for (list, names) in lists {
        if names.is_empty() {
            found.push(vec![]);
            continue;
        }
        let ids = lookups::ids_named(state, tenant, list, names).await?;
        if ids.is_empty() {
            return Ok(false);
        }
        found.push(ids);
    }
    let [status_ids, request_type_ids, queue_ids, category_ids] =
        <[Vec<i32>; 4]>::try_from(found).expect("four lists");
    (
        filter.status_ids,
        filter.request_type_ids,
        filter.queue_ids,
        filter.category_ids,
    ) = (status_ids, request_type_ids, queue_ids, category_ids);
    if !f.priority.is_empty() {
        let order = lookups::priorities_in_order(state, tenant).await?;
        filter.priority_ids = order
            .iter()
            .enumerate()
            .filter(|(i, _)| {
                let n = super::shape::priority_number(*i).to_string();
                f.priority.contains(&n)
            })
            .map(|(_, id)| *id)
            .collect();
        if filter.priority_ids.is_empty() {
            return Ok(false);
        }
    }
    if !f.source.is_empty() {
        filter.source_ids = lookups::sources(state, tenant)
            .await?
            .into_iter()
            .filter(|(_, name)| {
                f.source
                    .contains(&super::shape::source_number(name).to_string())
            })
            .map(|(id, _)| id)
            .collect();
        if filter.source_ids.is_empty() {
            return Ok(false);
        }
    }
    if !f.assigned_to.is_empty() {
        let emails: Vec<String> = f
            .assigned_to
            .iter()
            .filter(|e| e.as_str() != "--")
            .cloned()
            .collect();
        filter.assigned = if emails.is_empty() {
            Assigned::Unassigned
        } else {
            if emails.len() < f.assigned_to.len() {
                return Err(Error::bad_request(
                    "filters",
                    "assigned_to: `--` (unassigned) cannot be combined with agent emails",
                ));
            }
            let members = lookups::members_by_email(state, tenant, &emails).await?;
            if members.is_empty() {
                return Ok(false);
            }
            Assigned::Members(members.into_iter().map(|(id, _)| id).collect())
        };
    }
    if !f.contact.is_empty() {
        filter.contact_ids = lookups::contacts_by_email(state, tenant, &f.contact).await?;
        if filter.contact_ids.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Desk365's `YYYY-MM-DD HH:MM:SS` (UTC), a date, or RFC 3339.
fn parse_time(value: &str, field: &str) -> Result<DateTime<Utc>> {
    let value = value.trim();
    NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .or_else(|_| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .or_else(|_| DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)))
        .map_err(|_| Error::bad_request(field, format!("{field} is YYYY-MM-DD HH:MM:SS")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailsQuery {
    pub ticket_number: Option<String>,
    pub include_custom_fields: Option<String>,
    pub include_survey_details: Option<String>,
    pub nested_fields: Option<String>,
}

/// One ticket, with its description.
#[utoipa::path(get, path = "/tickets/details", params(DetailsQuery), responses((status = 200, body = Desk365Ticket)))]
pub async fn ticket_details(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<DetailsQuery>,
) -> Result<Json<Desk365Ticket>> {
    let number = TicketNumber::parse(&q.ticket_number)?;
    let include = Include {
        description: true,
        custom_fields: !matches!(q.include_custom_fields.as_deref(), Some("0")),
        survey: flag(&q.include_survey_details, "include_survey_details")?,
        flat: flag(&q.nested_fields, "nested_fields")?,
    };
    let d = tickets::get(&state, &caller.tenant, Viewer::Staff, number).await?;
    let facts = Facts::load(&state, &caller.tenant, std::slice::from_ref(&d)).await?;
    Ok(Json(facts.ticket(&d, include)))
}

/// A ticket as Desk365 creates and updates it. Custom fields take the `cf_` prefix.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Desk365TicketInput {
    /// The contact's email address (create: required).
    #[serde(default, alias = "contact_email")]
    pub email: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// HTML or Markdown.
    #[serde(default)]
    pub description: Option<String>,
    /// A status name of the ticket's queue.
    #[serde(default)]
    pub status: Option<String>,
    /// 1, 5, 10 or 20.
    #[serde(default)]
    pub priority: Option<i32>,
    /// A request type name.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// A queue name.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default, alias = "subcategory")]
    pub sub_category: Option<String>,
    /// An agent's email address.
    #[serde(default, alias = "assigned_to")]
    pub assign_to: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<Map<String, Value>>,
}

/// Create a ticket (`multipart/form-data` with a `ticket_object` part and files, at
/// `/tickets/create_with_attachment`).
#[utoipa::path(post, path = "/tickets/create", request_body = Desk365TicketInput, responses((status = 201, body = Desk365Ticket)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<Desk365TicketInput>,
) -> Result<(StatusCode, Json<Desk365Ticket>)> {
    create(state, caller, input, vec![]).await
}

/// Create a ticket with files: a `ticket_object` part holding the JSON, and file parts.
#[utoipa::path(post, path = "/tickets/create_with_attachment", request_body(content((super::TicketObjectForm = "multipart/form-data"))), responses((status = 201, body = Desk365Ticket)))]
pub async fn create_ticket_with_attachment(
    State(state): State<AppState>,
    caller: AdminCaller,
    form: super::Objects<Desk365TicketInput>,
) -> Result<(StatusCode, Json<Desk365Ticket>)> {
    create(state, caller, form.body, form.files).await
}

async fn create(
    state: AppState,
    caller: AdminCaller,
    input: Desk365TicketInput,
    files: Vec<crate::files::StoredFile>,
) -> Result<(StatusCode, Json<Desk365Ticket>)> {
    let (state, tenant) = (&state, &caller.tenant);
    let email = input
        .email
        .as_deref()
        .ok_or_else(|| Error::bad_request("email", "email is required"))?;
    let contact_id = *lookups::contacts_by_email(state, tenant, &[email.to_string()])
        .await?
        .first()
        .ok_or_else(|| Error::bad_request("email", format!("no contact has the email {email}")))?;
    let subject = input
        .subject
        .clone()
        .ok_or_else(|| Error::bad_request("subject", "subject is required"))?;
    let request_type_id = match &input.kind {
        Some(name) => Some(one_named(state, tenant, Listed::RequestTypes, name, "type").await?),
        None => None,
    };
    // Without a group or a type (which brings its queue), the tenant's first queue.
    let queue_id = match (&input.group, request_type_id) {
        (Some(name), _) => Some(one_named(state, tenant, Listed::Queues, name, "group").await?),
        (None, Some(_)) => None,
        (None, None) => lookups::queues(state, tenant)
            .await?
            .first()
            .map(|(id, _)| *id),
    };
    let refs = References::resolve(state, tenant, &input, queue_id).await?;
    let ticket = TicketInput {
        summary: subject,
        description: input.description,
        contact_id,
        request_type_id,
        queue_id,
        status_id: refs.status_id,
        priority_id: refs.priority_id,
        category_ids: refs.category_ids.unwrap_or_default(),
        custom_fields: refs.custom_fields.unwrap_or_default(),
        assigned_member_ids: refs.assignees.unwrap_or_default(),
        ..Default::default()
    };
    let principal = WriteAs::caller(&caller);
    let d = tickets::create(state, tenant, &principal, ticket, files).await?;
    let facts = Facts::load(state, tenant, std::slice::from_ref(&d)).await?;
    let include = Include {
        description: true,
        custom_fields: true,
        ..Default::default()
    };
    Ok((StatusCode::CREATED, Json(facts.ticket(&d, include))))
}

/// The ids a create or update names, resolved; `None` where the input left a field out.
struct References {
    status_id: Option<i32>,
    priority_id: Option<i32>,
    category_ids: Option<Vec<i32>>,
    custom_fields: Option<Map<String, Value>>,
    assignees: Option<Vec<i32>>,
}

impl References {
    async fn resolve(
        state: &AppState,
        tenant: &crate::domain::Tenant,
        input: &Desk365TicketInput,
        queue_id: Option<i32>,
    ) -> Result<Self> {
        let status_id = match &input.status {
            Some(name) => {
                let found = lookups::statuses_named(state, tenant, name).await?;
                let mine = found
                    .iter()
                    .find(|(_, q)| Some(*q) == queue_id)
                    .or(found.first());
                Some(mine.map(|(id, _)| *id).ok_or_else(|| {
                    Error::bad_request("status", format!("no status is named {name}"))
                })?)
            }
            None => None,
        };
        let priority_id = match input.priority {
            Some(n) => {
                let Some(rank) = PRIORITIES.iter().position(|p| *p == n) else {
                    return Err(Error::bad_request("priority", "priority is 1, 5, 10 or 20"));
                };
                let order = lookups::priorities_in_order(state, tenant).await?;
                let id = order
                    .iter()
                    .enumerate()
                    .rev()
                    .find(|(i, _)| (*i).min(PRIORITIES.len() - 1) == rank)
                    .map(|(_, id)| *id)
                    .ok_or_else(|| {
                        Error::bad_request("priority", format!("no priority maps to {n}"))
                    })?;
                Some(id)
            }
            None => None,
        };
        let mut categories = vec![];
        for (name, field) in [
            (&input.category, "category"),
            (&input.sub_category, "sub_category"),
        ] {
            if let Some(name) = name {
                categories.push(one_named(state, tenant, Listed::Categories, name, field).await?);
            }
        }
        let category_ids =
            (input.category.is_some() || input.sub_category.is_some()).then_some(categories);
        let custom_fields = input.custom_fields.as_ref().map(unprefixed).transpose()?;
        let assignees = match &input.assign_to {
            Some(email) if email.is_empty() || email == "--" => Some(vec![]),
            Some(email) => {
                let found = lookups::members_by_email(state, tenant, &[email.clone()]).await?;
                let (id, _) = found.first().ok_or_else(|| {
                    Error::bad_request("assign_to", format!("no agent has the email {email}"))
                })?;
                Some(vec![*id])
            }
            None => None,
        };
        Ok(Self {
            status_id,
            priority_id,
            category_ids,
            custom_fields,
            assignees,
        })
    }
}

/// Custom fields as deskd keys them: Desk365 v3 prefixes each with `cf_`.
fn unprefixed(fields: &Map<String, Value>) -> Result<Map<String, Value>> {
    fields
        .iter()
        .map(|(k, v)| match k.strip_prefix("cf_") {
            Some(key) if !key.is_empty() => Ok((key.to_string(), v.clone())),
            _ => Err(Error::bad_request(
                "custom_fields",
                format!("custom field `{k}` needs the cf_ prefix"),
            )),
        })
        .collect()
}

/// Update a ticket: fields left out stay as they are.
#[utoipa::path(put, path = "/tickets/update", params(TicketNumber), request_body = Desk365TicketInput, responses((status = 200, body = Desk365Ticket)))]
pub async fn update_ticket(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(number): ApiQuery<TicketNumber>,
    ApiJson(input): ApiJson<Desk365TicketInput>,
) -> Result<Json<Desk365Ticket>> {
    let id = TicketNumber::parse(&number.ticket_number)?;
    let (state, tenant) = (&state, &caller.tenant);
    let patch_of = |v: Option<i32>| v.map_or(Patch::Absent, Patch::Value);
    let queue_id = match &input.group {
        Some(name) => Some(one_named(state, tenant, Listed::Queues, name, "group").await?),
        None => None,
    };
    let current_queue = match queue_id {
        Some(q) => Some(q),
        None => Some(
            tickets::get(state, tenant, Viewer::Staff, id)
                .await?
                .row
                .queue_id,
        ),
    };
    let refs = References::resolve(state, tenant, &input, current_queue).await?;
    let request_type_id = match &input.kind {
        Some(name) => Some(one_named(state, tenant, Listed::RequestTypes, name, "type").await?),
        None => None,
    };
    let contact_id = match &input.email {
        Some(email) => Some(
            *lookups::contacts_by_email(state, tenant, &[email.clone()])
                .await?
                .first()
                .ok_or_else(|| {
                    Error::bad_request("contact_email", format!("no contact has the email {email}"))
                })?,
        ),
        None => None,
    };
    let patch = TicketPatch {
        summary: input.subject.map_or(Patch::Absent, Patch::Value),
        description: input.description.map_or(Patch::Absent, Patch::Value),
        contact_id: patch_of(contact_id),
        request_type_id: patch_of(request_type_id),
        queue_id: patch_of(queue_id),
        status_id: patch_of(refs.status_id),
        priority_id: patch_of(refs.priority_id),
        category_ids: refs.category_ids.map_or(Patch::Absent, Patch::Value),
        custom_fields: refs.custom_fields.map_or(Patch::Absent, Patch::Value),
        assigned_member_ids: refs.assignees.map_or(Patch::Absent, Patch::Value),
        ..Default::default()
    };
    let principal = WriteAs::caller(&caller);
    let d = tickets::patch(state, tenant, &principal, id, patch, Precondition::None).await?;
    let facts = Facts::load(state, tenant, std::slice::from_ref(&d)).await?;
    let include = Include {
        description: true,
        custom_fields: true,
        ..Default::default()
    };
    Ok(Json(facts.ticket(&d, include)))
}
