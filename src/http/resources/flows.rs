//! Power Automate flows subscribed through the connector, for admins: listed (the callback's
//! host only: its path and query act as a password) and removed.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller, error::Result, http::extract::ApiPath, http::pagination::Page,
    repo::webhooks::WebhookRow, service::flows, state::AppState,
};

/// A Power Automate flow's subscription, made through the connector's triggers.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowView {
    pub id: String,
    /// `ticket` ("When a ticket is created or updated") or `workflow` ("When a workflow is triggered").
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub description: String,
    /// The host the flow's events go to (the callback's path and query stay private).
    pub callback_host: String,
    /// Ticket flows: the event and filters. Workflow flows take them from their workflow.
    pub event_types: Vec<String>,
    pub queue_ids: Vec<i32>,
    pub status_ids: Vec<i32>,
    pub priority_ids: Vec<i32>,
    pub company_ids: Vec<i32>,
    pub workflow_id: Option<String>,
    pub enabled: bool,
    pub consecutive_failures: i32,
    pub paused_until: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub created_on: DateTime<Utc>,
}

impl From<WebhookRow> for FlowView {
    fn from(w: WebhookRow) -> Self {
        Self {
            id: w.id.to_string(),
            kind: if w.kind == flows::WORKFLOW_FLOW {
                "workflow"
            } else {
                "ticket"
            },
            description: w.description,
            callback_host: reqwest::Url::parse(&w.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default(),
            event_types: w.event_types,
            queue_ids: w.queue_ids,
            status_ids: w.status_ids,
            priority_ids: w.priority_ids,
            company_ids: w.company_ids,
            workflow_id: w.workflow_id.map(|id| id.to_string()),
            enabled: w.enabled,
            consecutive_failures: w.consecutive_failures,
            paused_until: w.paused_until,
            disabled_reason: w.disabled_reason,
            created_on: w.created_at,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_flows))
        .routes(routes!(remove_flow))
}

/// The Power Automate flows subscribed to this tenant's events.
#[utoipa::path(get, path = "/flows", responses((status = 200, body = Page<FlowView>)))]
pub async fn list_flows(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<FlowView>>> {
    let rows = flows::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Remove a flow's subscription: the flow receives no more events.
#[utoipa::path(delete, path = "/flows/{flowId}", params(("flowId" = String, Path)), responses((status = 204)))]
pub async fn remove_flow(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    flows::remove(&state, &caller.tenant, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
