//! The schemas the flow designer asks for at design time. Each is generated from the Rust type the
//! matching data endpoint serialises or parses (`http::json_schema`), so they cannot disagree.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::{
    IntoParams,
    openapi::path::{Parameter, ParameterIn},
};

use super::{
    actions::{FindUserGroupsRequest, RequestTypeChoice, chosen_request_type},
    chats::SystemMessageRequest,
    lists::SOMETHING_ELSE,
    tasks::{
        CreateTicketTasksRequest, FindTaskTemplatesRequest, TaskTemplateView, TicketTaskListView,
        TicketTaskLists,
    },
    triggers::{TicketEventQuery, WorkflowTypeQuery, type_param, workflow_type_names},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    domain::{
        chats::{ChatSession, InviteRequest},
        flows::{FlowNotification, TicketFlowFilters, WorkflowFlowParameters},
        notifications::NotificationInput,
        tickets::{TicketInput, TicketPatch},
    },
    error::{Error, Kind, Result},
    http::{
        extract::{ApiPath, ApiQuery},
        json_schema,
        pagination::{ListQuery, Page},
        resources::{
            companies::CompanyView,
            contact_groups::ContactGroupView,
            contacts::{ContactFilter, ContactView},
            members::MemberView,
            notifications::NotificationView,
            tickets::{TicketSearchQuery, TicketView},
        },
    },
    service::{
        configuration::{CustomFields, RequestTypes, Resource},
        flows,
        tickets::custom_values,
        workflows,
    },
    state::AppState,
};

/// What a typeId stands for: a schema.
enum DynamicType {
    Schema(fn() -> Value),
}

/// Requests carry pickers (`x-ms-dynamic-values`) for the ids they take.
fn request<T: utoipa::ToSchema>() -> Value {
    with_pickers(json_schema::of::<T>())
}

/// Every typeId the connector definition names.
const DYNAMIC_TYPES: &[(&str, DynamicType)] = &[
    (
        "FindCompaniesRequest",
        DynamicType::Schema(request::<ListQuery>),
    ),
    (
        "FindCompaniesResponse",
        DynamicType::Schema(json_schema::of::<Page<CompanyView>>),
    ),
    (
        "CompanyDetails",
        DynamicType::Schema(json_schema::of::<CompanyView>),
    ),
    (
        "FindUserGroupsRequest",
        DynamicType::Schema(request::<FindUserGroupsRequest>),
    ),
    (
        "FindUserGroupsResponse",
        DynamicType::Schema(json_schema::of::<Page<ContactGroupView>>),
    ),
    (
        "CreateContactRequest",
        DynamicType::Schema(request::<crate::domain::contacts::ContactInput>),
    ),
    (
        "ContactDetails",
        DynamicType::Schema(json_schema::of::<ContactView>),
    ),
    (
        "FindContactsRequest",
        DynamicType::Schema(request::<ContactFilter>),
    ),
    (
        "FindContactsResponse",
        DynamicType::Schema(json_schema::of::<Page<ContactView>>),
    ),
    (
        "FindMembersRequest",
        DynamicType::Schema(request::<ListQuery>),
    ),
    (
        "FindMembersResponse",
        DynamicType::Schema(json_schema::of::<Page<MemberView>>),
    ),
    (
        "MemberDetails",
        DynamicType::Schema(json_schema::of::<MemberView>),
    ),
    (
        "TicketDetails",
        DynamicType::Schema(json_schema::of::<TicketView>),
    ),
    (
        "FindTicketsRequest",
        DynamicType::Schema(request::<TicketSearchQuery>),
    ),
    (
        "FindTicketsResponse",
        DynamicType::Schema(json_schema::of::<Page<TicketView>>),
    ),
    (
        "UpdateTicketRequest",
        DynamicType::Schema(request::<TicketPatch>),
    ),
    (
        "FindTicketTaskTemplatesRequest",
        DynamicType::Schema(request::<FindTaskTemplatesRequest>),
    ),
    (
        "FindTicketTaskTemplatesResponse",
        DynamicType::Schema(json_schema::of::<Page<TaskTemplateView>>),
    ),
    (
        "GetTicketTaskListsResponse",
        DynamicType::Schema(json_schema::of::<TicketTaskLists>),
    ),
    (
        "CreateTicketTasksRequest",
        DynamicType::Schema(request::<CreateTicketTasksRequest>),
    ),
    (
        "TicketTaskList",
        DynamicType::Schema(json_schema::of::<TicketTaskListView>),
    ),
    (
        "CreateEmailFromTemplateResponse",
        DynamicType::Schema(json_schema::of::<crate::http::resources::email::RenderedEmail>),
    ),
    (
        "CreateContactNotificationRequest",
        DynamicType::Schema(request::<NotificationInput>),
    ),
    (
        "CreateMemberNotificationRequest",
        DynamicType::Schema(request::<NotificationInput>),
    ),
    (
        "CreateNotificationResponse",
        DynamicType::Schema(json_schema::of::<NotificationView>),
    ),
    ("Chat", DynamicType::Schema(json_schema::of::<ChatSession>)),
    (
        "CreateChatMessageRequest",
        DynamicType::Schema(request::<SystemMessageRequest>),
    ),
    (
        "CreateChatInviteRequest",
        DynamicType::Schema(request::<InviteRequest>),
    ),
];

/// The names `GET schema/dynamic-types/{typeId}` knows.
pub fn dynamic_type_ids() -> impl Iterator<Item = &'static str> {
    DYNAMIC_TYPES.iter().map(|(id, _)| *id)
}

/// The JSON Schema of one of the connector's dynamic types.
#[utoipa::path(get, path = "/schema/dynamic-types/{typeId}", operation_id = "GetDynamicSchema", params(("typeId" = String, Path)), responses((status = 200, body = Object)))]
pub async fn dynamic_schema(
    _caller: ConnectorCaller,
    ApiPath(type_id): ApiPath<String>,
) -> Result<Json<Value>> {
    match DYNAMIC_TYPES.iter().find(|(id, _)| *id == type_id) {
        Some((_, DynamicType::Schema(schema))) => Ok(Json(schema())),
        None => Err(Error::new(
            Kind::NotFound,
            "NotFound",
            format!(
                "unknown typeId `{type_id}`; known: {}",
                dynamic_type_ids().collect::<Vec<_>>().join(", ")
            ),
        )
        .with_field("typeId")),
    }
}

/// The body of `CreateTicket` for one request type: the ticket's fields (the request type comes
/// from the query) and the tenant's custom fields, typed.
#[utoipa::path(get, path = "/schema/ticket/$create-request", operation_id = "GetCreateTicketRequestSchema", params(RequestTypeChoice), responses((status = 200, body = Object)))]
pub async fn create_ticket_schema(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(choice): ApiQuery<RequestTypeChoice>,
) -> Result<Json<Value>> {
    let request_type = match chosen_request_type(choice.request_type_id)? {
        Some(id) => Some(RequestTypes::get(&state, &caller.tenant, id).await?),
        None => None,
    };
    let fields = CustomFields::list(&state, &caller.tenant, false).await?;
    let mut schema = request::<TicketInput>();
    let properties = schema["properties"]
        .as_object_mut()
        .expect("a ticket has properties");
    // The query names the request type, and the connector has no upload operation.
    properties.remove("requestTypeId");
    properties.remove("attachmentIds");
    let mut custom = Map::new();
    let mut custom_required = vec![];
    for field in &fields {
        if field.required {
            custom_required.push(field.key.clone());
        }
        custom.insert(field.key.clone(), custom_values::json_schema(field));
    }
    properties.insert(
        "customFields".into(),
        json!({"type": "object", "x-ms-summary": "Custom Fields", "properties": custom, "required": custom_required}),
    );
    let mut required: Vec<&str> = vec!["summary", "contactId"];
    if fields.iter().any(|f| f.required) {
        required.push("customFields");
    }
    match &request_type {
        Some(t) => {
            schema["description"] = json!(format!(
                "A ticket of type {}: it starts in {} unless queueId says otherwise.",
                t.name, t.default_queue_name
            ));
        }
        None => {
            schema["description"] = json!(format!(
                "A ticket of no request type ({SOMETHING_ELSE}): queueId is required."
            ));
            required.push("queueId");
        }
    }
    schema["required"] = json!(required);
    Ok(Json(schema))
}

/// What a "When a ticket is created or updated" flow receives.
#[utoipa::path(get, path = "/schema/ticket-workflow-webhook/$request", operation_id = "GetTicketWorkflowTriggerSchema", params(TicketEventQuery), responses((status = 200, body = Object)))]
pub async fn ticket_trigger_schema(
    _caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<TicketEventQuery>,
) -> Result<Json<Value>> {
    flows::check_ticket_event(&query.kind)?;
    Ok(Json(json_schema::of::<FlowNotification>()))
}

/// The advanced filters of a ticket flow.
#[utoipa::path(get, path = "/schema/ticket-workflow-webhook/$advanced-filters", operation_id = "GetTicketTriggerAdvancedFilterSchema", params(TicketEventQuery), responses((status = 200, body = Object)))]
pub async fn ticket_trigger_filters_schema(
    _caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<TicketEventQuery>,
) -> Result<Json<Value>> {
    flows::check_ticket_event(&query.kind)?;
    Ok(Json(request::<TicketFlowFilters>()))
}

/// What a "When a workflow is triggered" flow receives.
#[utoipa::path(get, path = "/schema/workflow-webhook/$request", operation_id = "GetWorkflowTriggerSchema", params(WorkflowTypeQuery), responses((status = 200, body = Object)))]
pub async fn workflow_trigger_schema(
    _caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<WorkflowTypeQuery>,
) -> Result<Json<Value>> {
    flows::check_workflow_type(&query.kind)?;
    Ok(Json(json_schema::of::<FlowNotification>()))
}

#[derive(Debug, Deserialize)]
pub struct WorkflowTypePath {
    #[serde(rename = "type")]
    pub kind: String,
}

impl IntoParams for WorkflowTypePath {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        type_param(ParameterIn::Path, workflow_type_names())
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct WorkflowQuery {
    #[param(format = Uuid)]
    pub workflow_id: String,
}

/// The parameters a workflow's flow takes (none: the workflow holds its events and filters).
#[utoipa::path(get, path = "/schema/workflow-types/{type}/$parameters", operation_id = "GetWorkflowRequestParameterSchema", params(WorkflowTypePath, WorkflowQuery), responses((status = 200, body = Object)))]
pub async fn workflow_parameters_schema(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(WorkflowTypePath { kind }): ApiPath<WorkflowTypePath>,
    ApiQuery(query): ApiQuery<WorkflowQuery>,
) -> Result<Json<Value>> {
    flows::check_workflow_type(&kind)?;
    let id = uuid::Uuid::parse_str(&query.workflow_id).map_err(|_| Error::not_found("workflow"))?;
    workflows::get(&state, &caller.tenant, id).await?;
    Ok(Json(json_schema::of::<WorkflowFlowParameters>()))
}

/// The list operation that fills each id a request may carry, by property name.
const PICKERS: &[(&str, &str)] = &[
    ("queueId", "ListBoards"),
    ("boardId", "ListBoards"),
    ("statusId", "ListStatuses"),
    ("priorityId", "ListPriorities"),
    ("sourceId", "ListSources"),
    ("companyId", "ListCompanies"),
    ("requestTypeId", "ListRequestTypes"),
    ("assignedMemberIds", "ListMembers"),
    ("memberIds", "ListMembers"),
    ("templateId", "ListTicketTaskTemplates"),
];

fn with_pickers(mut schema: Value) -> Value {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return schema;
    };
    let has_queue = properties.contains_key("queueId");
    for (name, operation) in PICKERS {
        let Some(property) = properties.get_mut(*name) else {
            continue;
        };
        let parameters = match *name {
            // A status belongs to a board: the picker lists the chosen one's.
            "statusId" if has_queue => json!({"boardId": {"parameter": "queueId"}}),
            "statusId" => json!({"boardId": {"parameter": "boardId"}}),
            _ => json!({}),
        };
        let picker = json!({
            "operationId": operation, "parameters": parameters,
            "value-collection": "results", "value-path": "id", "value-title": "name",
        });
        // Lists of ids pick per item.
        let target = if property.get("items").is_some() {
            &mut property["items"]
        } else {
            property
        };
        target["x-ms-dynamic-values"] = picker;
    }
    schema
}

/// The designer's schemas.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(dynamic_schema))
        .routes(routes!(create_ticket_schema))
        .routes(routes!(ticket_trigger_schema))
        .routes(routes!(ticket_trigger_filters_schema))
        .routes(routes!(workflow_trigger_schema))
        .routes(routes!(workflow_parameters_schema))
}
