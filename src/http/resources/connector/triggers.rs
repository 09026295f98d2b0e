//! The connector's triggers. Power Automate subscribes with its callback `url`, keeps the
//! `Location` answered, and calls `DELETE` on it when the flow is turned off or deleted.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    domain::flows::{TicketFlowRequest, WorkflowFlowRequest},
    error::{Error, Result},
    http::extract::{ApiJson, ApiPath, ApiQuery},
    service::flows::{self, Subscribed, TICKET_FLOW, WORKFLOW_FLOW},
    state::AppState,
};

const PREFIX: &str = "/api/v2/automate/connector";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TypeQuery {
    /// The event type (ticket flows) or workflow type (workflow flows).
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The token in the subscription's `Location`.
    pub token: Option<String>,
}

/// The answer to a subscription: its id; `Location` is where to delete it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FlowSubscription {
    pub id: String,
}

/// An empty object: done.
#[derive(Serialize, ToSchema)]
pub struct Done {}

pub type Subscription = (
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<FlowSubscription>,
);

/// 201 with `Location: {scheme}://{host}{path}?token=…`, the host being the one called.
pub fn subscription(
    state: &AppState,
    headers: &HeaderMap,
    path: String,
    s: Subscribed,
) -> Result<Subscription> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .ok_or_else(|| Error::bad_request("Host", "the request has no Host header"))?;
    let scheme = if state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    let location = format!("{scheme}://{host}{PREFIX}{path}?token={}", s.token);
    let location = HeaderValue::from_str(&location)
        .map_err(|_| Error::bad_request("Host", "the Host header is not a host name"))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(FlowSubscription {
            id: s.id.to_string(),
        }),
    ))
}

/// When a ticket is created or updated: POSTs each matching ticket event to `url`, shaped as
/// `schema/ticket-workflow-webhook/$request` describes.
#[utoipa::path(post, path = "/ticket-workflows", operation_id = "CreateTicketWorkflow", params(TypeQuery), request_body = TicketFlowRequest, responses((status = 201, body = FlowSubscription, headers(("Location" = String, description = "Where to DELETE the subscription")))))]
pub async fn subscribe_ticket_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<TypeQuery>,
    ApiJson(request): ApiJson<TicketFlowRequest>,
) -> Result<Subscription> {
    let s = flows::subscribe_ticket_flow(&state, &caller.tenant, &query.kind, request).await?;
    subscription(&state, &headers, format!("/ticket-workflows/{}", s.id), s)
}

/// Remove a ticket flow's subscription; the token must be the one its `Location` carried.
#[utoipa::path(delete, path = "/ticket-workflows/{workflowId}", operation_id = "DeleteTicketWorkflow", params(("workflowId" = String, Path), TokenQuery), responses((status = 200, body = Done)))]
pub async fn unsubscribe_ticket_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> Result<Json<Done>> {
    flows::unsubscribe(
        &state,
        &caller.tenant,
        TICKET_FLOW,
        &id,
        None,
        query.token.as_deref(),
    )
    .await?;
    Ok(Json(Done {}))
}

/// When a workflow is triggered: POSTs each ticket event the workflow matches to `url`.
#[utoipa::path(post, path = "/workflows/{workflowId}/actions", operation_id = "SubscribeToWorkflow", params(("workflowId" = String, Path), TypeQuery), request_body = WorkflowFlowRequest, responses((status = 201, body = FlowSubscription, headers(("Location" = String, description = "Where to DELETE the subscription")))))]
pub async fn subscribe_workflow_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    headers: HeaderMap,
    ApiPath(workflow): ApiPath<String>,
    ApiQuery(query): ApiQuery<TypeQuery>,
    ApiJson(request): ApiJson<WorkflowFlowRequest>,
) -> Result<Subscription> {
    let workflow = uuid::Uuid::parse_str(&workflow).map_err(|_| Error::not_found("workflow"))?;
    let s = flows::subscribe_workflow_flow(&state, &caller.tenant, workflow, &query.kind, request)
        .await?;
    subscription(
        &state,
        &headers,
        format!("/workflows/{workflow}/actions/{}", s.id),
        s,
    )
}

/// Remove a workflow flow's subscription; the token must be the one its `Location` carried.
#[utoipa::path(delete, path = "/workflows/{workflowId}/actions/{actionId}", operation_id = "UnsubscribeFromWorkflow", params(("workflowId" = String, Path), ("actionId" = String, Path), TokenQuery), responses((status = 200, body = Done)))]
pub async fn unsubscribe_workflow_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath((workflow, id)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> Result<Json<Done>> {
    flows::unsubscribe(
        &state,
        &caller.tenant,
        WORKFLOW_FLOW,
        &id,
        Some(&workflow),
        query.token.as_deref(),
    )
    .await?;
    Ok(Json(Done {}))
}

/// The ticket and workflow triggers.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(subscribe_ticket_flow))
        .routes(routes!(unsubscribe_ticket_flow))
        .routes(routes!(subscribe_workflow_flow))
        .routes(routes!(unsubscribe_workflow_flow))
}
