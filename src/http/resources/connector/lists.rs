//! The lists the flow designer fills its pickers from: `{results: [{id, name}], totalResults}`,
//! with integer ids for people and ticket settings and text ids for everything else, as the
//! connector's `DynamicListResponse` definitions say.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    domain::{Reference, TextReference},
    error::Result,
    http::{
        extract::{ApiPath, ApiQuery},
        pagination::ListQuery,
    },
    service::{
        companies,
        configuration::{Listed, Priorities, Queues, RequestTypes, Resource, Sources},
        contact_groups, events, flows, members, workflows,
    },
    state::AppState,
};

/// One picker's choices.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DynamicList<T> {
    pub results: Vec<T>,
    pub total_results: i64,
}

impl<T> DynamicList<T> {
    pub fn whole(results: Vec<T>) -> Json<Self> {
        let total_results = results.len() as i64;
        Json(Self {
            results,
            total_results,
        })
    }
}

fn reference(id: i32, name: impl Into<String>) -> Reference {
    Reference {
        id,
        name: name.into(),
    }
}

/// Members by name (paged; `search` narrows).
#[utoipa::path(get, path = "/members", operation_id = "ListMembers", params(ListQuery), responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_members(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<DynamicList<Reference>>> {
    let options = query.options()?;
    let slice = members::list(&state, &caller.tenant, &options).await?;
    Ok(Json(DynamicList {
        results: slice
            .rows
            .into_iter()
            .map(|m| reference(m.id, crate::domain::full_name(&m.first_name, &m.last_name)))
            .collect(),
        total_results: slice.total,
    }))
}

/// Companies by name (paged; `search` narrows).
#[utoipa::path(get, path = "/companies", operation_id = "ListCompanies", params(ListQuery), responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_companies(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<DynamicList<Reference>>> {
    let options = query.options()?;
    let slice = companies::list(&state, &caller.tenant, &options).await?;
    Ok(Json(DynamicList {
        results: slice
            .rows
            .into_iter()
            .map(|c| reference(c.id, c.name))
            .collect(),
        total_results: slice.total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TeamsQuery {
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

/// A company's user groups (contact groups).
#[utoipa::path(get, path = "/companies/{companyId}/teams", operation_id = "ListCompanyTeams", params(("companyId" = i32, Path), TeamsQuery), responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_company_teams(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(company): ApiPath<i32>,
    ApiQuery(query): ApiQuery<TeamsQuery>,
) -> Result<Json<DynamicList<TextReference>>> {
    let (skip, take) = ListQuery {
        skip: query.skip,
        take: query.take,
        ..ListQuery::default()
    }
    .window()?;
    let groups = contact_groups::list(&state, &caller.tenant, company, false).await?;
    let total_results = groups.len() as i64;
    Ok(Json(DynamicList {
        results: groups
            .into_iter()
            .skip(skip as usize)
            .take(take as usize)
            .map(|g| TextReference {
                id: g.group.id.to_string(),
                name: g.group.name,
            })
            .collect(),
        total_results,
    }))
}

/// Ticket boards (queues).
#[utoipa::path(get, path = "/service/boards", operation_id = "ListBoards", responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_boards(
    State(state): State<AppState>,
    caller: ConnectorCaller,
) -> Result<Json<DynamicList<Reference>>> {
    let queues = Queues::list(&state, &caller.tenant, false).await?;
    Ok(DynamicList::whole(
        queues
            .into_iter()
            .map(|q| reference(q.queue.id, q.queue.name))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct BoardQuery {
    /// The board (queue) whose statuses to list.
    pub board_id: i32,
}

/// The statuses of one board.
#[utoipa::path(get, path = "/service/statuses", operation_id = "ListStatuses", params(BoardQuery), responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_statuses(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<BoardQuery>,
) -> Result<Json<DynamicList<Reference>>> {
    let queue = Queues::get(&state, &caller.tenant, query.board_id).await?;
    Ok(DynamicList::whole(
        queue
            .statuses
            .into_iter()
            .filter(|s| s.archived_at.is_none())
            .map(|s| reference(s.id, s.name))
            .collect(),
    ))
}

/// Ticket priorities.
#[utoipa::path(get, path = "/service/priorities", operation_id = "ListPriorities", responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_priorities(
    State(state): State<AppState>,
    caller: ConnectorCaller,
) -> Result<Json<DynamicList<Reference>>> {
    let priorities = Priorities::list(&state, &caller.tenant, false).await?;
    Ok(DynamicList::whole(
        priorities
            .into_iter()
            .map(|p| reference(p.id, p.name))
            .collect(),
    ))
}

/// Ticket sources.
#[utoipa::path(get, path = "/service/sources", operation_id = "ListSources", responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_sources(
    State(state): State<AppState>,
    caller: ConnectorCaller,
) -> Result<Json<DynamicList<Reference>>> {
    let sources = Listed::<Sources>::list(&state, &caller.tenant, false).await?;
    Ok(DynamicList::whole(
        sources
            .into_iter()
            .map(|s| reference(s.id, s.name))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypesQuery {
    /// Add "Something else" (id 0): a ticket without a request type.
    pub with_something_else: Option<bool>,
}

/// The name of request type 0: a ticket that fits no request type.
pub const SOMETHING_ELSE: &str = "Something else";

/// Request types, optionally with "Something else".
#[utoipa::path(get, path = "/service/request-types", operation_id = "ListRequestTypes", params(RequestTypesQuery), responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_request_types(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<RequestTypesQuery>,
) -> Result<Json<DynamicList<Reference>>> {
    let types = RequestTypes::list(&state, &caller.tenant, false).await?;
    let mut results: Vec<Reference> = types.into_iter().map(|t| reference(t.id, t.name)).collect();
    if query.with_something_else.unwrap_or(false) {
        results.push(reference(0, SOMETHING_ELSE));
    }
    Ok(DynamicList::whole(results))
}

/// The ticket events a "When a ticket is created or updated" flow can start on.
#[utoipa::path(get, path = "/ticket-workflow-events", operation_id = "ListTicketWebhookEvents", responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_ticket_events(_caller: ConnectorCaller) -> Json<DynamicList<TextReference>> {
    DynamicList::whole(
        events::TYPES
            .iter()
            .filter(|t| t.starts_with("ticket."))
            .map(|t| TextReference {
                id: t.to_string(),
                name: events::describe(t),
            })
            .collect(),
    )
}

/// The workflow types flows can attach to.
#[utoipa::path(get, path = "/workflow-types", operation_id = "ListWorkflowTypes", responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_workflow_types(_caller: ConnectorCaller) -> Json<DynamicList<TextReference>> {
    DynamicList::whole(
        flows::WORKFLOW_TYPES
            .iter()
            .map(|(id, name)| TextReference {
                id: id.to_string(),
                name: name.to_string(),
            })
            .collect(),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkflowsQuery {
    /// Only workflows of this type.
    #[serde(rename = "type")]
    #[param(schema_with = super::triggers::workflow_type_names, required = false)]
    pub kind: Option<String>,
    /// Case-insensitive text to look for in names.
    pub search: Option<String>,
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

/// The tenant's workflows (defined in the Admin API), for the workflow picker.
#[utoipa::path(get, path = "/workflows", operation_id = "ListWorkflows", params(WorkflowsQuery), responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<WorkflowsQuery>,
) -> Result<Json<DynamicList<TextReference>>> {
    if let Some(kind) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        flows::check_workflow_type(kind)?;
    }
    let list = ListQuery {
        skip: query.skip,
        take: query.take,
        search: query.search,
        include_archived: None,
    };
    let (skip, take) = list.window()?;
    let workflows = workflows::list(&state, &caller.tenant, list.search()).await?;
    let total_results = workflows.len() as i64;
    Ok(Json(DynamicList {
        results: workflows
            .into_iter()
            .skip(skip as usize)
            .take(take as usize)
            .map(|w| TextReference {
                id: w.id.to_string(),
                name: w.name,
            })
            .collect(),
        total_results,
    }))
}

/// The designer's pickers.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(list_companies))
        .routes(routes!(list_company_teams))
        .routes(routes!(list_boards))
        .routes(routes!(list_statuses))
        .routes(routes!(list_priorities))
        .routes(routes!(list_sources))
        .routes(routes!(list_request_types))
        .routes(routes!(list_ticket_events))
        .routes(routes!(list_workflow_types))
        .routes(routes!(list_workflows))
}
