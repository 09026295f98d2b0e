//! The connector's triggers. Power Automate subscribes with its callback `url`, keeps the
//! `Location` answered, and calls `DELETE` on it when the flow is turned off or deleted.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoParams, ToSchema,
    openapi::{
        Required,
        path::{Parameter, ParameterBuilder, ParameterIn},
        schema::{Object, ObjectBuilder, Type},
    },
};

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    domain::flows::{TicketFlowRequest, WorkflowFlowRequest},
    error::{Error, Result},
    http::extract::{ApiJson, ApiPath, ApiQuery},
    service::{
        chats,
        flows::{self, Subscribed, TICKET_FLOW, WORKFLOW_FLOW},
    },
    state::AppState,
};

const PREFIX: &str = "/api/v2/automate/connector";

/// A ticket flow's `type`: one of the ticket event types.
#[derive(Debug, Deserialize)]
pub struct TicketEventQuery {
    #[serde(rename = "type")]
    pub kind: String,
}

/// A chat flow's `type`: one of the chat event types.
#[derive(Debug, Deserialize)]
pub struct ChatEventQuery {
    #[serde(rename = "type")]
    pub kind: String,
}

/// A workflow flow's `type`: one of the workflow types.
#[derive(Debug, Deserialize)]
pub struct WorkflowTypeQuery {
    #[serde(rename = "type")]
    pub kind: String,
}

/// The required `type` parameter, documented with the names it takes (the derive cannot mark a
/// `schema_with` parameter required).
pub fn type_param(location: ParameterIn, schema: Object) -> Vec<Parameter> {
    vec![
        ParameterBuilder::new()
            .name("type")
            .parameter_in(location)
            .required(Required::True)
            .schema(Some(schema))
            .build(),
    ]
}

impl IntoParams for TicketEventQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        type_param(ParameterIn::Query, ticket_event_names())
    }
}

impl IntoParams for ChatEventQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        type_param(ParameterIn::Query, chat_event_names())
    }
}

impl IntoParams for WorkflowTypeQuery {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        type_param(ParameterIn::Query, workflow_type_names())
    }
}

/// A string that must be one of `names`, so a client never sends one the server refuses.
fn one_of<'a>(description: &str, names: impl IntoIterator<Item = &'a str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .build()
}

pub fn ticket_event_names() -> Object {
    one_of("The ticket event type.", flows::ticket_event_types())
}

pub fn chat_event_names() -> Object {
    one_of("The chat event type.", chats::EVENT_TYPES.iter().copied())
}

pub fn workflow_type_names() -> Object {
    one_of(
        "The workflow type.",
        flows::WORKFLOW_TYPES.iter().map(|(id, _)| *id),
    )
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
#[utoipa::path(post, path = "/ticket-workflows", operation_id = "CreateTicketWorkflow", params(TicketEventQuery), request_body = TicketFlowRequest, responses((status = 201, body = FlowSubscription, headers(("Location" = String, description = "Where to DELETE the subscription")))))]
pub async fn subscribe_ticket_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<TicketEventQuery>,
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
#[utoipa::path(post, path = "/workflows/{workflowId}/actions", operation_id = "SubscribeToWorkflow", params(("workflowId" = String, Path), WorkflowTypeQuery), request_body = WorkflowFlowRequest, responses((status = 201, body = FlowSubscription, headers(("Location" = String, description = "Where to DELETE the subscription")))))]
pub async fn subscribe_workflow_flow(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    headers: HeaderMap,
    ApiPath(workflow): ApiPath<String>,
    ApiQuery(query): ApiQuery<WorkflowTypeQuery>,
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
