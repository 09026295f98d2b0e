//! The staff ticket search as a query string or a JSON body (DeskDirector's `…/find`), read into
//! one `tickets::Search`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::{
    error::{Error, Result},
    http::{extract::parse_json, pagination::ListQuery},
    repo::tickets::{Assigned, Breached, TicketFilter, TicketOrder},
    service::tickets,
};

/// Open, closed or any.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OpenState {
    Open,
    Closed,
    Any,
}

/// Which SLA target must be breached.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum BreachedFilter {
    Any,
    FirstResponse,
    NextResponse,
    Resolution,
}

/// The staff search. Lists of ids are comma-separated (`queueId=1,2`).
/// Which tickets by the state of their task lists.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TaskProgressFilter {
    Completed,
    Incomplete,
    Any,
}

#[derive(Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct TicketSearchQuery {
    /// `open`, `closed` or `any` (default).
    pub status: Option<OpenState>,
    /// Specific statuses.
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub status_id: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub queue_id: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub priority_id: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub request_type_id: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub source_id: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub category_id: Option<String>,
    /// Comma-separated tag names.
    pub tag: Option<String>,
    /// `me`, `unassigned`, `assigned` (to anyone), `any` (default), or member ids.
    #[param(pattern = r"^(me|unassigned|assigned|any|\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*)$")]
    #[schema(pattern = r"^(me|unassigned|assigned|any|\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*)$")]
    pub assigned: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub contact_id: Option<String>,
    #[param(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    #[schema(pattern = r"^\s*(\d{1,9}\s*)?(,\s*(\d{1,9}\s*)?)*$")]
    pub company_id: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Same as `updatedAfter`, for syncing.
    pub updated_since: Option<DateTime<Utc>>,
    /// Words to find in a ticket's summary, description and notes: `kerberos printer` (both, stems
    /// matched: `printers` finds `printer`), `"exact phrase"`, `kerb*` (prefix), `vpn or wifi`,
    /// `-not`. Totals are exact up to 20,000 matches; beyond, `totalCapped` is true.
    pub q: Option<String>,
    /// `updated`, `created`, `id`, `dueAt` (the earliest running SLA due time; tickets without
    /// one last) or `relevance` (with `q`: how well the summary and description match, best
    /// first); prefix `-` for descending (default `-updated`).
    #[param(pattern = r"^-?(updated|created|id|dueAt|relevance)$")]
    #[schema(pattern = r"^-?(updated|created|id|dueAt|relevance)$")]
    pub sort: Option<String>,
    /// Only tickets with an SLA target running and due before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Only tickets whose SLA target is breached: `any`, `firstResponse`, `nextResponse` or
    /// `resolution`.
    pub breached: Option<BreachedFilter>,
    /// Only tickets whose latest public message is (`true`) or is not (`false`) the contact's.
    pub last_contact_message: Option<bool>,
    /// `completed` (every task of every task list done; tickets without tasks count), `incomplete`
    /// (some task not done) or `any` (default).
    pub task_progress: Option<TaskProgressFilter>,
    /// Include archived tickets (default false).
    pub include_archived: Option<bool>,
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    #[schema(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

impl TicketSearchQuery {
    /// The search this query asks for; `me` is the calling member (`assigned=me`).
    pub fn search(&self, me: Option<i32>) -> Result<tickets::Search> {
        let (skip, take) = ListQuery {
            skip: self.skip,
            take: self.take,
            search: None,
            include_archived: None,
        }
        .window()?;
        let (order, descending) = self.order()?;
        Ok(tickets::Search {
            filter: self.filter(me)?,
            order,
            descending,
            skip,
            take,
        })
    }

    /// `sort`: a field, `-` first for descending (default `-updated`).
    fn order(&self) -> Result<(TicketOrder, bool)> {
        let sort = self.sort.as_deref().unwrap_or("-updated");
        let (field, descending) = match sort.strip_prefix('-') {
            Some(field) => (field, true),
            None => (sort, false),
        };
        let order = match field {
            "updated" => TicketOrder::Updated,
            "created" => TicketOrder::Created,
            "id" => TicketOrder::Id,
            "dueAt" => TicketOrder::DueAt,
            "relevance" if self.words().is_some() => TicketOrder::Relevance,
            "relevance" => {
                return Err(Error::validation(
                    "sort",
                    "sorting by relevance needs words to rank by (`q`)",
                ));
            }
            other => {
                return Err(Error::bad_request(
                    "sort",
                    format!(
                        "cannot sort by `{other}`; use updated, created, id, dueAt or relevance"
                    ),
                ));
            }
        };
        Ok((order, descending))
    }

    /// `q`, unless blank.
    fn words(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }

    /// `assigned`: `any`, `unassigned`, `assigned` (to anyone), `me`, or member ids.
    fn assigned(&self, me: Option<i32>) -> Result<Assigned> {
        Ok(match self.assigned.as_deref().map(str::trim) {
            None | Some("any") => Assigned::Any,
            Some("unassigned") => Assigned::Unassigned,
            Some("assigned") => Assigned::Anyone,
            // Well-formed, but without a member there is no `me`: a 422, not a malformed query.
            Some("me") => Assigned::Members(vec![me.ok_or_else(|| {
                Error::validation("assigned", "`me` needs a member's credentials")
            })?]),
            Some(_) => Assigned::Members(ids("assigned", &self.assigned)?),
        })
    }

    fn filter(&self, me: Option<i32>) -> Result<TicketFilter> {
        Ok(TicketFilter {
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
            assigned: self.assigned(me)?,
            contact_ids: ids("contactId", &self.contact_id)?,
            company_ids: ids("companyId", &self.company_id)?,
            created_after: self.created_after,
            created_before: self.created_before,
            updated_after: self.updated_after.max(self.updated_since),
            updated_before: self.updated_before,
            text: self.words().map(str::to_string),
            last_message_from_contact: self.last_contact_message,
            tasks_open: match self.task_progress {
                Some(TaskProgressFilter::Completed) => Some(false),
                Some(TaskProgressFilter::Incomplete) => Some(true),
                Some(TaskProgressFilter::Any) | None => None,
            },
            due_before: self.due_before,
            breached: self.breached.map(|b| match b {
                BreachedFilter::Any => Breached::Any,
                BreachedFilter::FirstResponse => Breached::FirstResponse,
                BreachedFilter::NextResponse => Breached::NextResponse,
                BreachedFilter::Resolution => Breached::Resolution,
            }),
            include_archived: self.include_archived.unwrap_or(false),
        })
    }
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
