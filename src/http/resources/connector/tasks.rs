//! The connector's ticket task actions and task template lookups.

pub use crate::http::resources::tasks::{
    CreateTicketTasksRequest, TaskTemplateView, TicketTaskListView, TicketTaskLists,
};

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::lists::DynamicList;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    domain::TextReference,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
        resources::tasks::{add_ticket_task_list, page_of_templates, ticket_task_lists},
    },
    state::AppState,
};

/// Task templates by name.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindTaskTemplatesRequest {
    /// Case-insensitive text to look for in names.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

/// Find task templates by name.
#[utoipa::path(post, path = "/ticket-task-templates/find", operation_id = "FindTicketTaskTemplates", request_body = FindTaskTemplatesRequest, responses((status = 200, body = Page<TaskTemplateView>)))]
pub async fn find_task_templates(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiJson(request): ApiJson<FindTaskTemplatesRequest>,
) -> Result<Json<Page<TaskTemplateView>>> {
    let query = ListQuery {
        skip: request.skip,
        take: request.take,
        search: request.search,
        include_archived: None,
    };
    page_of_templates(&state, &caller.tenant, &query).await
}

/// Task templates, for the template picker.
#[utoipa::path(get, path = "/ticket-task-templates", operation_id = "ListTicketTaskTemplates", params(ListQuery), responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_task_templates(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<DynamicList<TextReference>>> {
    let Json(page) = page_of_templates(&state, &caller.tenant, &query).await?;
    Ok(Json(DynamicList {
        results: page
            .results
            .into_iter()
            .map(|t| TextReference {
                id: t.id,
                name: t.name,
            })
            .collect(),
        total_results: page.total_results,
    }))
}

/// A ticket's task lists.
#[utoipa::path(get, path = "/tickets/{ticketId}/tasks", operation_id = "GetTicketTasks", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketTaskLists)))]
pub async fn get_ticket_tasks(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(ticket): ApiPath<i32>,
) -> Result<Json<TicketTaskLists>> {
    ticket_task_lists(&state, &caller.tenant, ticket).await
}

/// Add a task list to a ticket, from a template and/or written out.
#[utoipa::path(post, path = "/tickets/{ticketId}/tasks", operation_id = "CreateTicketTasks", params(("ticketId" = i32, Path)), request_body = CreateTicketTasksRequest, responses((status = 200, body = TicketTaskListView)))]
pub async fn create_ticket_tasks(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(ticket): ApiPath<i32>,
    ApiJson(request): ApiJson<CreateTicketTasksRequest>,
) -> Result<Json<TicketTaskListView>> {
    Ok(Json(
        add_ticket_task_list(&state, &caller.tenant, &caller.principal, ticket, request).await?,
    ))
}

/// Ticket task lists and their templates, and the template picker.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_task_templates))
        .routes(routes!(get_ticket_tasks, create_ticket_tasks))
        .routes(routes!(list_task_templates))
}
