//! Desk365's ticket writes: create (with files from a `ticket_object` form) and update, with names
//! for types, groups, statuses and categories, numbers for priorities and `cf_` custom fields.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{
    Facts, TicketNumber, WriteAs, one_named,
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
    service::{
        lookups::{self, Listed},
        tickets::{self, Precondition, Viewer},
    },
    state::AppState,
};

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
    super::Objects(form): super::Objects<Desk365TicketInput>,
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
    let facts = Facts::load(state, tenant, std::slice::from_ref(&d), false).await?;
    let include = Include {
        description: true,
        custom_fields: true,
        files: true,
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
                let found =
                    lookups::members_by_email(state, tenant, std::slice::from_ref(email)).await?;
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
            *lookups::contacts_by_email(state, tenant, std::slice::from_ref(email))
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
    let facts = Facts::load(state, tenant, std::slice::from_ref(&d), false).await?;
    let include = Include {
        description: true,
        custom_fields: true,
        files: true,
        ..Default::default()
    };
    Ok(Json(facts.ticket(&d, include)))
}
