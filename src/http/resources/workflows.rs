//! Workflows (Admin API v3): named ticket events with filters. Power Automate flows attach to
//! them ("When a workflow is triggered"); deleting one removes its flows.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::extractors::AdminCaller,
    domain::workflows::WorkflowInput,
    error::{Error, Result},
    http::extract::{ApiJson, ApiPath, ApiQuery},
    http::pagination::Page,
    repo::workflows::WorkflowRow,
    service::workflows,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowView {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `ticket`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub event_types: Vec<String>,
    pub queue_ids: Vec<i32>,
    pub status_ids: Vec<i32>,
    pub enabled: bool,
    /// How many Power Automate flows are attached.
    pub flow_count: i64,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<WorkflowRow> for WorkflowView {
    fn from(w: WorkflowRow) -> Self {
        Self {
            id: w.id.to_string(),
            name: w.name,
            description: w.description,
            kind: "ticket",
            event_types: w.event_types,
            queue_ids: w.queue_ids,
            status_ids: w.status_ids,
            enabled: w.enabled,
            flow_count: w.flows,
            created_on: w.created_at,
            modified_on: w.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkflowSearch {
    /// Case-insensitive text to look for in names.
    pub search: Option<String>,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_workflows, create_workflow))
        .routes(routes!(get_workflow, replace_workflow, delete_workflow))
}

fn workflow_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::not_found("workflow"))
}

/// Workflows by name.
#[utoipa::path(get, path = "/workflows", params(WorkflowSearch), responses((status = 200, body = Page<WorkflowView>)))]
pub async fn list_workflows(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(query): ApiQuery<WorkflowSearch>,
) -> Result<Json<Page<WorkflowView>>> {
    let search = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let rows = workflows::list(&state, &caller.tenant, search).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Create a workflow.
#[utoipa::path(post, path = "/workflows", request_body = WorkflowInput, responses((status = 201, body = WorkflowView)))]
pub async fn create_workflow(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<WorkflowInput>,
) -> Result<(StatusCode, Json<WorkflowView>)> {
    let row = workflows::create(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/workflows/{workflowId}", params(("workflowId" = String, Path)), responses((status = 200, body = WorkflowView)))]
pub async fn get_workflow(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WorkflowView>> {
    let row = workflows::get(&state, &caller.tenant, workflow_id(&id)?).await?;
    Ok(Json(row.into()))
}

/// Replace a workflow; its flows follow the new events and filters at once.
#[utoipa::path(put, path = "/workflows/{workflowId}", params(("workflowId" = String, Path)), request_body = WorkflowInput, responses((status = 200, body = WorkflowView)))]
pub async fn replace_workflow(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<WorkflowInput>,
) -> Result<Json<WorkflowView>> {
    let row = workflows::replace(&state, &caller.tenant, workflow_id(&id)?, input).await?;
    Ok(Json(row.into()))
}

/// Delete a workflow and the flows attached to it.
#[utoipa::path(delete, path = "/workflows/{workflowId}", params(("workflowId" = String, Path)), responses((status = 204)))]
pub async fn delete_workflow(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    workflows::delete(&state, &caller.tenant, workflow_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
