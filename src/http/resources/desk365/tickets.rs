//! Desk365's tickets: list with its filters, details, create and update.

use axum::{Json, extract::State};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    Facts, TicketNumber, flag,
    shape::{Desk365Ticket, Include},
};
use crate::{
    auth::extractors::AdminCaller,
    error::{Error, Result},
    http::extract::ApiQuery,
    repo::tickets::{Assigned, TicketFilter, TicketOrder},
    service::{
        lookups::{self, Listed},
        tickets::{self, Search, Viewer},
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
        files: false,
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
    let (rows, total) = tickets::find(state, tenant, &search).await?;
    let count = total.count;
    let facts = Facts::load(state, tenant, &rows, include.survey).await?;
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
        files: true,
    };
    let d = tickets::get(&state, &caller.tenant, Viewer::Staff, number).await?;
    let facts = Facts::load(
        &state,
        &caller.tenant,
        std::slice::from_ref(&d),
        include.survey,
    )
    .await?;
    Ok(Json(facts.ticket(&d, include)))
}
