//! Task lists (checklists) on tickets, for staff, and the task templates admins keep.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::{
        Principal,
        extractors::{AdminCaller, Staff},
    },
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::tasks::{TaskListRow, TemplateRow},
    service::tasks::{self, NewTaskList},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskTemplateView {
    pub id: String,
    pub name: String,
    pub tasks: Vec<String>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<TemplateRow> for TaskTemplateView {
    fn from(t: TemplateRow) -> Self {
        Self {
            id: t.id.to_string(),
            name: t.name,
            tasks: t.tasks,
            created_on: t.created_at,
            modified_on: t.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketTaskView {
    pub id: String,
    pub text: String,
    pub is_completed: bool,
    pub completed_on: Option<DateTime<Utc>>,
}

/// A checklist on a ticket.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketTaskListView {
    pub id: String,
    pub ticket_id: i32,
    pub name: String,
    /// The template it was made from.
    pub template_id: Option<String>,
    pub tasks: Vec<TicketTaskView>,
    pub created_on: DateTime<Utc>,
}

impl From<TaskListRow> for TicketTaskListView {
    fn from(l: TaskListRow) -> Self {
        Self {
            id: l.id.to_string(),
            ticket_id: l.ticket_id,
            name: l.name,
            template_id: l.template_id.map(|t| t.to_string()),
            tasks: l
                .tasks
                .0
                .into_iter()
                .map(|t| TicketTaskView {
                    id: t.id.to_string(),
                    text: t.text,
                    is_completed: t.completed_at.is_some(),
                    completed_on: t.completed_at,
                })
                .collect(),
            created_on: l.created_at,
        }
    }
}

/// A ticket's task lists.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketTaskLists {
    pub task_lists: Vec<TicketTaskListView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskTemplateInput {
    pub name: String,
    /// The tasks, in order (1 to 100).
    pub tasks: Vec<String>,
}

/// A new task list: a template's tasks, tasks written out, or both (the template's first).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateTicketTasksRequest {
    #[serde(default)]
    pub template_id: Option<String>,
    /// The list's name; the template's name by default.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tasks: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskCompletion {
    pub is_completed: bool,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_task_templates, create_task_template))
        .routes(routes!(
            get_task_template,
            replace_task_template,
            delete_task_template
        ))
}

pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_ticket_tasks, create_ticket_tasks))
        .routes(routes!(complete_ticket_task))
}

pub fn template_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::not_found("task template"))
}

pub async fn page_of_templates(
    state: &AppState,
    tenant: &crate::domain::Tenant,
    query: &ListQuery,
) -> Result<Json<Page<TaskTemplateView>>> {
    let options = query.options()?;
    let slice = tasks::list_templates(state, tenant, &options).await?;
    Ok(Json(Page::new(
        slice.rows.into_iter().map(Into::into).collect(),
        slice.total,
        options.skip,
    )))
}

/// Task templates by name.
#[utoipa::path(get, path = "/task-templates", params(ListQuery), responses((status = 200, body = Page<TaskTemplateView>)))]
pub async fn list_task_templates(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Page<TaskTemplateView>>> {
    page_of_templates(&state, &caller.tenant, &query).await
}

/// Create a task template.
#[utoipa::path(post, path = "/task-templates", request_body = TaskTemplateInput, responses((status = 201, body = TaskTemplateView)))]
pub async fn create_task_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<TaskTemplateInput>,
) -> Result<(StatusCode, Json<TaskTemplateView>)> {
    let t = tasks::create_template(&state, &caller.tenant, &input.name, &input.tasks).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[utoipa::path(get, path = "/task-templates/{templateId}", params(("templateId" = String, Path)), responses((status = 200, body = TaskTemplateView)))]
pub async fn get_task_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TaskTemplateView>> {
    let t = tasks::get_template(&state, &caller.tenant, template_id(&id)?).await?;
    Ok(Json(t.into()))
}

/// Replace a task template; lists made from it keep their tasks.
#[utoipa::path(put, path = "/task-templates/{templateId}", params(("templateId" = String, Path)), request_body = TaskTemplateInput, responses((status = 200, body = TaskTemplateView)))]
pub async fn replace_task_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<TaskTemplateInput>,
) -> Result<Json<TaskTemplateView>> {
    let id = template_id(&id)?;
    let t = tasks::replace_template(&state, &caller.tenant, id, &input.name, &input.tasks).await?;
    Ok(Json(t.into()))
}

/// Delete a task template; lists made from it stay.
#[utoipa::path(delete, path = "/task-templates/{templateId}", params(("templateId" = String, Path)), responses((status = 204)))]
pub async fn delete_task_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    tasks::delete_template(&state, &caller.tenant, template_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn ticket_task_lists(
    state: &AppState,
    tenant: &crate::domain::Tenant,
    ticket: i32,
) -> Result<Json<TicketTaskLists>> {
    let lists = tasks::lists_of(state, tenant, ticket).await?;
    Ok(Json(TicketTaskLists {
        task_lists: lists.into_iter().map(Into::into).collect(),
    }))
}

pub async fn add_ticket_task_list(
    state: &AppState,
    tenant: &crate::domain::Tenant,
    by: &Principal,
    ticket: i32,
    request: CreateTicketTasksRequest,
) -> Result<TicketTaskListView> {
    let template = match request.template_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(id) => Some(
            Uuid::parse_str(id)
                .map_err(|_| Error::validation("templateId", "no such task template"))?,
        ),
    };
    let new = NewTaskList {
        template,
        name: request.name.as_deref(),
        tasks: &request.tasks,
    };
    Ok(tasks::add_list(state, tenant, by, ticket, new)
        .await?
        .into())
}

/// A ticket's task lists, oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/tasks", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketTaskLists)))]
pub async fn list_ticket_tasks(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(ticket): ApiPath<i32>,
) -> Result<Json<TicketTaskLists>> {
    ticket_task_lists(&state, &staff.tenant, ticket).await
}

/// Add a task list to a ticket, from a template and/or written out.
#[utoipa::path(post, path = "/tickets/{ticketId}/tasks", params(("ticketId" = i32, Path)), request_body = CreateTicketTasksRequest, responses((status = 201, body = TicketTaskListView)))]
pub async fn create_ticket_tasks(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(ticket): ApiPath<i32>,
    ApiJson(request): ApiJson<CreateTicketTasksRequest>,
) -> Result<(StatusCode, Json<TicketTaskListView>)> {
    let list =
        add_ticket_task_list(&state, &staff.tenant, &staff.principal, ticket, request).await?;
    Ok((StatusCode::CREATED, Json(list)))
}

/// Tick a task, or untick it.
#[utoipa::path(patch, path = "/tickets/{ticketId}/tasks/{taskId}", params(("ticketId" = i32, Path), ("taskId" = String, Path)), request_body = TaskCompletion, responses((status = 200, body = TicketTaskLists)))]
pub async fn complete_ticket_task(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((ticket, task)): ApiPath<(i32, String)>,
    ApiJson(input): ApiJson<TaskCompletion>,
) -> Result<Json<TicketTaskLists>> {
    let task = Uuid::parse_str(&task).map_err(|_| Error::not_found("task"))?;
    tasks::set_completed(
        &state,
        &staff.tenant,
        &staff.principal,
        ticket,
        task,
        input.is_completed,
    )
    .await?;
    ticket_task_lists(&state, &staff.tenant, ticket).await
}
