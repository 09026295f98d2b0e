//! The Power Automate connector, checked against DeskDirector's own definition (a copy in
//! `tests/fixtures`): every operation is routed and answers a valid key; every data answer and
//! every request body validates against the schema the server serves for it; flows receive ticket
//! events and are removed through their `Location`.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::{
    support::{TestApp, TestResponse},
    tickets::{Desk, desk},
    webhooks::Receiver,
};

const DEFINITION: &str = include_str!("../fixtures/deskdirector-connector-v1.6.swagger.json");
const PREFIX: &str = "/api/v2/automate/connector";

/// Operations that answer 501 because DeskDirector hosts them on its function service.
const NOT_AVAILABLE: &[&str] = &[
    "CallAdvancedAction",
    "ListAdvancedActionOptions",
    "GetCallAdvancedActionRequestSchema",
    "GetCallAdvancedActionResponseSchema",
    "ListAdvancedActions",
    "ListAdvancedActionCategories",
    "AdvancedEventSubscribe",
    "AdvancedEventUnsubscribe",
    "AdvancedEventResponseHandle",
    "AdvancedEventSubscribeTriggerSchema",
    "AdvancedEventSubscribeRequestSchema",
    "AdvancedEventResponseHandleRequestSchema",
    "AdvancedEventCategoriesList",
    "AdvancedEventTypesList",
];

impl Desk<'_> {
    async fn connector(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut call = self
            .app
            .call(method, &self.t.host, &format!("{PREFIX}{path}"))
            .auth(&format!("DdApi {}", self.key));
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send().await
    }

    async fn created(&self, path: &str, body: Value) -> Value {
        let r = self.admin(Method::POST, path, Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
        r.json
    }

    /// A served schema, which must itself be a valid JSON Schema.
    async fn schema(&self, path: &str) -> Value {
        let r = self.connector(Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(
            jsonschema::meta::is_valid(&r.json),
            "{path} is not a JSON Schema"
        );
        assert!(!r.text.contains("$ref"), "{path} has references");
        r.json
    }
}

/// Closes every object that lists its properties, so data with a field its schema lacks fails
/// as surely as data missing one.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

fn assert_valid(schema: &Value, data: &Value, what: &str) {
    let mut schema = schema.clone();
    strict(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("a JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(data)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{data:#}");
}

/// The definition's Swagger 2 schema with its `#/definitions/…` references resolved.
fn resolved(schema: &Value, definitions: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                let name = r.trim_start_matches("#/definitions/");
                return resolved(&definitions[name], definitions);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), resolved(v, definitions)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| resolved(v, definitions)).collect())
        }
        other => other.clone(),
    }
}

/// The typeId a dynamic schema names, when it comes from `GetDynamicSchema`.
fn dynamic_type(schema: &Value) -> Option<String> {
    let dynamic = schema.get("x-ms-dynamic-schema")?;
    if dynamic["operationId"] != "GetDynamicSchema" {
        return None;
    }
    dynamic["parameters"]["typeId"].as_str().map(str::to_string)
}

struct Operation {
    id: String,
    method: Method,
    path: String,
    parameters: Vec<Value>,
    response: Value,
}

fn operations(definition: &Value) -> Vec<Operation> {
    let mut out = vec![];
    for (path, item) in definition["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            if op.get("operationId").is_none() {
                continue;
            }
            out.push(Operation {
                id: op["operationId"].as_str().unwrap().to_string(),
                method,
                path: path.strip_prefix(PREFIX).unwrap().to_string(),
                parameters: op["parameters"].as_array().cloned().unwrap_or_default(),
                response: op["responses"]["200"]["schema"].clone(),
            });
        }
    }
    out
}

/// A tenant with a contact, a member, a ticket, a task template, a workflow, a chat the contact
/// started, and a receiver.
struct World<'a> {
    d: Desk<'a>,
    contact: i64,
    chat: String,
    member: i64,
    ticket: i64,
    template: String,
    workflow: String,
    receiver: Receiver,
    url: String,
}

async fn world(app: &TestApp) -> World<'_> {
    let d = desk(app, "acme").await;
    let contact = d.contact(1, "ann@customer.test", json!({})).await;
    let member = d
        .created(
            "/members",
            json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let ticket = d
        .created(
            "/tickets",
            json!({"summary": "Printer jams", "contactId": contact, "queueId": 1}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let template = d
        .created(
            "/task-templates",
            json!({"name": "Onboarding", "tasks": ["Create account", "Ship laptop"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let workflow = d
        .created(
            "/workflows",
            json!({"name": "Urgent tickets", "eventTypes": ["ticket.updated"], "queueIds": [1]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let chat = d
        .portal(
            &ann,
            Method::POST,
            "/chats",
            Some(json!({"message": "Hello?"})),
        )
        .await;
    assert_eq!(chat.status, StatusCode::CREATED, "{}", chat.text);
    let chat = chat.json["id"].as_str().unwrap().to_string();
    // Form 1 and its result 1.
    let form = json!({"name": "Laptop", "standalone": true, "sections": [{"questions": [
        {"identifier": "kind", "type": "single_choice", "name": "Kind", "required": true,
         "choices": [{"identifier": "mac", "name": "Mac"}]}]}]});
    assert_eq!(d.created("/forms", form).await["id"], 1);
    let p = d.admin(Method::POST, "/forms/1/publish", None).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    let result = d
        .portal(
            &ann,
            Method::POST,
            "/forms/1/results",
            Some(json!({"answers": {"kind": "mac"}})),
        )
        .await;
    assert_eq!(result.json["id"], 1, "{}", result.text);
    let (receiver, url) = Receiver::start().await;
    World {
        d,
        contact,
        chat,
        member,
        ticket,
        template,
        workflow,
        receiver,
        url,
    }
}

impl World<'_> {
    fn path_value(&self, op: &str, name: &str) -> String {
        match name {
            "ticketId" => self.ticket.to_string(),
            "companyId" => "1".into(),
            "contactId" => self.contact.to_string(),
            "memberId" => self.member.to_string(),
            "sessionId" => self.chat.clone(),
            "typeId" => "TicketDetails".into(),
            "type" => "ticket".into(),
            "workflowId" if op == "SubscribeToWorkflow" => self.workflow.clone(),
            "workflowId" | "actionId" => uuid::Uuid::now_v7().to_string(),
            "formId" | "resultId" => "1".into(),
            "fieldId" => "kind".into(),
            "emailTemplateId" => "public_note".into(),
            _ => "x".into(),
        }
    }

    fn query_value(&self, op: &str, name: &str) -> Option<String> {
        Some(match name {
            "type" if op.contains("Chat") => "New%20Chat%20Session".into(),
            "type" if op.contains("TicketWorkflow") || op.contains("TicketTrigger") => {
                "ticket.updated".into()
            }
            "type" => "ticket".into(),
            "boardId" => "1".into(),
            "requestTypeId" => "1".into(),
            "workflowId" => self.workflow.clone(),
            "token" => "not-the-token".into(),
            "category" => "x".into(),
            _ => return None,
        })
    }

    fn body(&self, op: &str) -> Value {
        match op {
            "FindTicketTaskTemplates" => json!({"search": "onboard"}),
            "CreateTicketTasks" => json!({"templateId": self.template, "tasks": ["Say hello"]}),
            "FindCompanies" => json!({"search": "customer"}),
            "FindUserGroups" => json!({"companyId": 1}),
            "CreateContact" => {
                json!({"companyId": 1, "email": "new@customer.test", "firstName": "New"})
            }
            "FindContacts" => json!({"companyId": 1, "search": "ann"}),
            "FindMembers" => json!({"search": "tom"}),
            "CreateTicket" => json!({"summary": "From a flow", "contactId": self.contact}),
            "FindTickets" => json!({"status": "open", "queueId": "1"}),
            "UpdateTicket" => json!({"priorityId": 3}),
            "CreateTicketWorkflow" => {
                json!({"description": "flow", "advancedFilters": {}, "url": self.url})
            }
            "SubscribeToWorkflow" | "CreateChatWebhook" => {
                json!({"url": self.url, "parameters": {}})
            }
            "AddChatSystemMessage" => json!({"message": "A flow looked at this chat."}),
            "InviteUsersToChat" => json!({"memberIds": [self.member]}),
            "CreateContactNotification" | "CreateMemberNotification" => {
                json!({"title": "Your laptop is ready", "body": "Pick it up at **reception**.", "link": "/portal/tickets/1"})
            }
            "GenerateEmailFromTemplate" => {
                json!({"ticketId": self.ticket, "note": {"body": "Done.", "authorName": "A flow"}})
            }
            _ => json!({}),
        }
    }
}

#[tokio::test]
async fn every_operation_of_the_definition_is_routed_and_its_data_matches_the_served_schemas() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let w = world(&app).await;
    let definition: Value = serde_json::from_str(DEFINITION).unwrap();
    let ops = operations(&definition);
    assert_eq!(ops.len(), 71, "the v1.6 definition has 71 operations");
    let mut schemas: HashMap<String, Value> = HashMap::new();
    let mut validated = vec![];
    for op in &ops {
        let mut path = op.path.clone();
        let mut query = vec![];
        let mut has_body = false;
        let mut body_schema = Value::Null;
        for p in &op.parameters {
            let name = p["name"].as_str().unwrap();
            match p["in"].as_str().unwrap() {
                "path" => path = path.replace(&format!("{{{name}}}"), &w.path_value(&op.id, name)),
                "query" => {
                    if let Some(v) = w.query_value(&op.id, name) {
                        query.push(format!("{name}={v}"));
                    }
                }
                "body" => {
                    has_body = true;
                    body_schema = p["schema"].clone();
                }
                _ => {}
            }
        }
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
        let body = has_body.then(|| w.body(&op.id));
        // What the designer would show for the body, checked against what we send.
        if let Some(body) = &body
            && !NOT_AVAILABLE.contains(&op.id.as_str())
        {
            let schema = match (dynamic_type(&body_schema), op.id.as_str()) {
                (Some(type_id), _) => Some(
                    w.d.schema(&format!("/schema/dynamic-types/{type_id}"))
                        .await,
                ),
                (None, "GenerateEmailFromTemplate") => Some(
                    w.d.schema("/schema/email-templates/public_note/$render-request")
                        .await,
                ),
                (None, "CreateTicket") => Some(
                    w.d.schema("/schema/ticket/$create-request?requestTypeId=1")
                        .await,
                ),
                _ => None,
            };
            if let Some(schema) = schema {
                assert_valid(&schema, body, &format!("{} request", op.id));
            }
        }
        let r = w.d.connector(op.method.clone(), &path, body).await;
        if NOT_AVAILABLE.contains(&op.id.as_str()) {
            r.assert_error(StatusCode::NOT_IMPLEMENTED, "NotImplemented");
            continue;
        }
        if matches!(
            op.id.as_str(),
            "DeleteTicketWorkflow" | "UnsubscribeFromWorkflow" | "DeleteChatWebhook"
        ) {
            // Nothing by that id and token: not found, and routed (not a 405).
            r.assert_error(StatusCode::NOT_FOUND, "NotFound");
            continue;
        }
        assert!(
            r.status.is_success(),
            "{} {path}: {} {}",
            op.id,
            r.status,
            r.text
        );
        if op.id.starts_with("Create") && op.id.ends_with("Workflow")
            || op.id == "SubscribeToWorkflow"
            || op.id == "CreateChatWebhook"
        {
            assert!(
                r.headers.contains_key("location"),
                "{} has no Location",
                op.id
            );
        }
        // The answer against the schema the designer would use for it.
        let schema = if let Some(type_id) = dynamic_type(&op.response) {
            if !schemas.contains_key(&type_id) {
                let s =
                    w.d.schema(&format!("/schema/dynamic-types/{type_id}"))
                        .await;
                schemas.insert(type_id.clone(), s);
            }
            Some(schemas[&type_id].clone())
        } else if op.response.get("$ref").is_some() {
            Some(resolved(&op.response, &definition["definitions"]))
        } else {
            None
        };
        if let Some(schema) = schema {
            assert_valid(&schema, &r.json, &format!("{} response", op.id));
            validated.push(op.id.clone());
        } else if op.id.starts_with("Get") && op.path.contains("schema") {
            assert!(jsonschema::meta::is_valid(&r.json), "{}: {}", op.id, r.text);
        }
    }
    // Lists against the definition's own `DynamicListResponse`, the rest against served schemas.
    assert_eq!(validated.len(), 35, "{validated:?}");
    // Every typeId the definition names is known: a schema, or a 501 for a feature to come.
    let mut named: Vec<String> = vec![];
    collect_type_ids(&definition, &mut named);
    named.sort();
    named.dedup();
    assert_eq!(named.len(), 28, "{named:?}");
    for type_id in named {
        let r =
            w.d.connector(
                Method::GET,
                &format!("/schema/dynamic-types/{type_id}"),
                None,
            )
            .await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::NOT_IMPLEMENTED,
            "{type_id}: {}",
            r.text
        );
    }
    let r =
        w.d.connector(Method::GET, "/schema/dynamic-types/NoSuchType", None)
            .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("TicketDetails")
    );
}

fn collect_type_ids(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(id) = dynamic_type(value) {
                out.push(id);
            }
            map.values().for_each(|v| collect_type_ids(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_type_ids(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn only_api_keys_reach_the_connector() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let r = app
        .get(&d.t.host, &format!("{PREFIX}/connections/test"))
        .send()
        .await;
    r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let cookie = d.sign_in("tech", &d.t.admin_email).await;
    let r = app
        .get(&d.t.host, &format!("{PREFIX}/service/boards"))
        .cookie(&cookie)
        .send()
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "Forbidden");
    let r = d.connector(Method::GET, "/connections/test", None).await;
    assert_eq!((r.status, r.json.clone()), (StatusCode::OK, json!({})));
    // Another tenant's ticket is not there.
    let other = desk(&app, "globex").await;
    other.contact(1, "x@globex.test", json!({})).await;
    let t = other
        .created(
            "/tickets",
            json!({"summary": "Theirs", "contactId": 1, "queueId": 1}),
        )
        .await;
    let r = d
        .connector(Method::GET, &format!("/tickets/{}", t["id"]), None)
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn a_ticket_flow_receives_the_events_it_asked_for_until_its_location_is_deleted() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let w = world(&app).await;
    let r =
        w.d.connector(
            Method::POST,
            "/ticket-workflows?type=ticket.status_changed",
            Some(json!({"description": "Status watcher", "boardId": 1,
                        "advancedFilters": {"companyId": 1}, "url": w.url})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let location = r.headers["location"].to_str().unwrap().to_string();
    let (base, token) = location.split_once("?token=").unwrap();
    let scheme = if app.state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    assert!(base.starts_with(&format!(
        "{scheme}://{}{PREFIX}/ticket-workflows/",
        w.d.t.host
    )));
    let path = base.split_once(PREFIX).unwrap().1.to_string();

    // A status change is sent; a priority change is not (another event type).
    let ticket = format!("/tickets/{}", w.ticket);
    w.d.connector(Method::PATCH, &ticket, Some(json!({"priorityId": 4})))
        .await;
    w.d.connector(Method::PATCH, &ticket, Some(json!({"statusId": 2})))
        .await;
    w.d.deliver().await;
    let got = w.receiver.requests();
    assert_eq!(got.len(), 1, "only the status change");
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();
    let schema =
        w.d.schema("/schema/ticket-workflow-webhook/$request?type=ticket.status_changed")
            .await;
    assert_valid(&schema, &body, "the flow's notification");
    assert_eq!(body["eventType"], "ticket.status_changed");
    assert_eq!(body["ticketId"], w.ticket);
    assert_eq!(body["change"]["field"], "status");
    assert_eq!(body["ticket"]["status"]["id"], 2);
    assert_eq!(body["ticket"]["priority"]["id"], 4);
    assert_eq!(body["workflow"], Value::Null);
    assert!(
        body["occurredOn"].as_str().unwrap().ends_with('Z'),
        "{body}"
    );

    // A ticket of another company is filtered out.
    let other = w.d.contact(2, "bob@other.test", json!({})).await;
    let t2 =
        w.d.created(
            "/tickets",
            json!({"summary": "Other", "contactId": other, "queueId": 1}),
        )
        .await;
    w.d.connector(
        Method::PATCH,
        &format!("/tickets/{}", t2["id"]),
        Some(json!({"statusId": 2})),
    )
    .await;
    w.d.deliver().await;
    assert_eq!(w.receiver.requests().len(), 1);

    // The wrong token removes nothing; the Location does.
    let r =
        w.d.connector(Method::DELETE, &format!("{path}?token=wrong"), None)
            .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r =
        w.d.connector(Method::DELETE, &format!("{path}?token={token}"), None)
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    w.d.connector(Method::PATCH, &ticket, Some(json!({"statusId": 3})))
        .await;
    w.d.deliver().await;
    assert_eq!(w.receiver.requests().len(), 1, "nothing after the delete");
    let r =
        w.d.connector(Method::DELETE, &format!("{path}?token={token}"), None)
            .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");

    // Bad subscriptions change nothing.
    for (query, body, status) in [
        (
            "type=ticket.nope",
            json!({"description": "x", "advancedFilters": {}, "url": w.url}),
            StatusCode::BAD_REQUEST,
        ),
        (
            "type=ticket.updated",
            json!({"description": "x", "advancedFilters": {}, "url": "ftp://x.test/"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "type=ticket.updated",
            json!({"description": "x", "boardId": 99, "advancedFilters": {}, "url": w.url}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "type=ticket.updated",
            json!({"description": "x", "boardId": 1, "statusId": 999, "advancedFilters": {}, "url": w.url}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "type=ticket.updated",
            json!({"description": "x", "advancedFilters": {"priorityId": 99}, "url": w.url}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r =
            w.d.connector(
                Method::POST,
                &format!("/ticket-workflows?{query}"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, status, "{query}: {}", r.text);
    }
    let flows: i64 = sqlx::query_scalar("SELECT count(*) FROM webhooks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(flows, 0);
}

#[tokio::test]
async fn a_workflow_flow_follows_its_workflow_and_goes_with_it() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let w = world(&app).await;
    let r =
        w.d.connector(
            Method::POST,
            &format!("/workflows/{}/actions?type=ticket", w.workflow),
            Some(json!({"url": w.url, "parameters": {}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let listed =
        w.d.connector(Method::GET, "/workflows?type=ticket", None)
            .await;
    assert_eq!(listed.json["results"][0]["name"], "Urgent tickets");
    let ticket = format!("/tickets/{}", w.ticket);
    w.d.connector(
        Method::PATCH,
        &ticket,
        Some(json!({"summary": "Printer jams again"})),
    )
    .await;
    w.d.deliver().await;
    let got = w.receiver.requests();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();
    let schema =
        w.d.schema("/schema/workflow-webhook/$request?type=ticket")
            .await;
    assert_valid(&schema, &body, "the workflow flow's notification");
    assert_eq!(body["workflow"]["id"], w.workflow.as_str());
    assert_eq!(body["ticket"]["summary"], "Printer jams again");

    // Disabled, the workflow sends nothing; moved to another queue, it follows the new filter.
    let path = format!("/workflows/{}", w.workflow);
    let r = w
        .d
        .admin(
            Method::PUT,
            &path,
            Some(json!({"name": "Urgent tickets", "eventTypes": ["ticket.updated"], "queueIds": [1], "enabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["flowCount"], 1);
    w.d.connector(Method::PATCH, &ticket, Some(json!({"summary": "Quiet"})))
        .await;
    w.d.deliver().await;
    assert_eq!(w.receiver.requests().len(), 1);

    // Deleting the workflow removes its flow.
    let r = w.d.admin(Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let flows: i64 = sqlx::query_scalar("SELECT count(*) FROM webhooks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(flows, 0);
    let r =
        w.d.connector(
            Method::POST,
            &format!("{path}/actions?type=ticket"),
            Some(json!({"url": w.url, "parameters": {}})),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn tickets_are_created_per_request_type_with_typed_custom_fields_and_task_lists() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    w.d.created(
        "/custom-fields",
        json!({"key": "asset_tag", "label": "Asset tag", "type": "text", "required": true, "maxLength": 20}),
    )
    .await;
    let schema =
        w.d.schema("/schema/ticket/$create-request?requestTypeId=1")
            .await;
    let properties = schema["properties"].as_object().unwrap();
    assert!(!properties.contains_key("requestTypeId"));
    assert_eq!(
        schema["properties"]["customFields"]["required"],
        json!(["asset_tag"])
    );
    assert_eq!(
        schema["properties"]["priorityId"]["x-ms-dynamic-values"]["operationId"],
        "ListPriorities"
    );
    let something_else =
        w.d.schema("/schema/ticket/$create-request?requestTypeId=0")
            .await;
    assert!(
        something_else["required"]
            .as_array()
            .unwrap()
            .contains(&json!("queueId"))
    );
    let types =
        w.d.connector(
            Method::GET,
            "/service/request-types?withSomethingElse=true",
            None,
        )
        .await;
    assert!(
        types.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == 0)
    );

    // The schema's required custom field is enforced; with it the ticket has the request type.
    let body = json!({"summary": "New laptop", "contactId": w.contact});
    let r =
        w.d.connector(Method::POST, "/tickets?requestTypeId=1", Some(body.clone()))
            .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let mut body: Map<String, Value> = body.as_object().unwrap().clone();
    body.insert("customFields".into(), json!({"asset_tag": "LT-1"}));
    let body = Value::Object(body);
    assert_valid(&schema, &body, "create request");
    let r =
        w.d.connector(Method::POST, "/tickets?requestTypeId=1", Some(body))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["requestType"]["id"], 1);
    let ticket = r.json["id"].as_i64().unwrap();
    let r =
        w.d.connector(
            Method::POST,
            "/tickets?requestTypeId=0",
            Some(
                json!({"summary": "x", "contactId": w.contact, "customFields": {"asset_tag": "A"}}),
            ),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");

    // A task list from the template plus one of our own; a tech ticks one.
    let r =
        w.d.connector(
            Method::POST,
            &format!("/tickets/{ticket}/tasks"),
            Some(json!({"templateId": w.template, "tasks": ["Say hello"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["name"], "Onboarding");
    let texts: Vec<&str> = r.json["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Create account", "Ship laptop", "Say hello"]);
    let task = r.json["tasks"][1]["id"].as_str().unwrap().to_string();
    let r =
        w.d.admin(
            Method::PATCH,
            &format!("/tickets/{ticket}/tasks/{task}"),
            Some(json!({"isCompleted": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r =
        w.d.connector(Method::GET, &format!("/tickets/{ticket}/tasks"), None)
            .await;
    let tasks = &r.json["taskLists"][0]["tasks"];
    assert_eq!(tasks[1]["isCompleted"], true);
    assert_eq!(tasks[0]["isCompleted"], false);
    for (body, field) in [
        (json!({"tasks": []}), "tasks"),
        (
            json!({"templateId": uuid::Uuid::now_v7().to_string()}),
            "templateId",
        ),
        (json!({"tasks": [" "]}), "tasks"),
    ] {
        let r =
            w.d.connector(
                Method::POST,
                &format!("/tickets/{ticket}/tasks"),
                Some(body),
            )
            .await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field);
    }
    let r =
        w.d.connector(Method::GET, &format!("/tickets/{ticket}/tasks"), None)
            .await;
    assert_eq!(r.json["taskLists"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn another_tenants_workflows_templates_task_lists_and_flows_are_not_found() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let w = world(&app).await;
    let r = w
        .d
        .connector(
            Method::POST,
            "/ticket-workflows?type=ticket.updated",
            Some(json!({"description": "Mine", "advancedFilters": {}, "url": format!("{}?sig=secret", w.url)})),
        )
        .await;
    let location = r.headers["location"].to_str().unwrap().to_string();
    let (base, token) = location.split_once("?token=").unwrap();
    let flow_path = base.split_once(PREFIX).unwrap().1.to_string();
    let lists =
        w.d.connector(
            Method::POST,
            &format!("/tickets/{}/tasks", w.ticket),
            Some(json!({"tasks": ["Mine"]})),
        )
        .await;
    let task = lists.json["tasks"][0]["id"].as_str().unwrap().to_string();

    let other = desk(&app, "globex").await;
    for (method, path) in [
        (Method::GET, format!("/workflows/{}", w.workflow)),
        (Method::DELETE, format!("/workflows/{}", w.workflow)),
        (Method::GET, format!("/task-templates/{}", w.template)),
        (Method::DELETE, format!("/task-templates/{}", w.template)),
        (Method::GET, format!("/tickets/{}/tasks", w.ticket)),
        (
            Method::DELETE,
            format!("/flows/{}", flow_path.rsplit('/').next().unwrap()),
        ),
    ] {
        let r = other.admin(method, &path, None).await;
        r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    let r = other
        .admin(
            Method::PATCH,
            &format!("/tickets/{}/tasks/{task}", w.ticket),
            Some(json!({"isCompleted": true})),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    for (method, path, body) in [
        (Method::DELETE, format!("{flow_path}?token={token}"), None),
        (
            Method::POST,
            format!("/workflows/{}/actions?type=ticket", w.workflow),
            Some(json!({"url": w.url, "parameters": {}})),
        ),
        (
            Method::GET,
            format!(
                "/schema/workflow-types/ticket/$parameters?workflowId={}",
                w.workflow
            ),
            None,
        ),
        (
            Method::POST,
            format!("/tickets/{}/tasks", w.ticket),
            Some(json!({"templateId": w.template})),
        ),
    ] {
        let r = other.connector(method, &path, body).await;
        r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    assert_eq!(
        other.admin(Method::GET, "/flows", None).await.json["results"],
        json!([])
    );
    assert_eq!(
        other.connector(Method::GET, "/workflows", None).await.json["totalResults"],
        0
    );

    // The Admin webhooks API manages webhooks only; flows are listed apart, without their
    // callback's path and query (which work like a password to the flow).
    let hooks = w.d.admin(Method::GET, "/webhooks", None).await;
    assert_eq!(hooks.json["results"], json!([]));
    let flows = w.d.admin(Method::GET, "/flows", None).await;
    assert_eq!(flows.json["results"][0]["type"], "ticket");
    assert_eq!(flows.json["results"][0]["callbackHost"], "127.0.0.1");
    assert!(!flows.text.contains("sig=secret"), "{}", flows.text);
    let id = flows.json["results"][0]["id"].as_str().unwrap();
    let r =
        w.d.admin(
            Method::PUT,
            &format!("/webhooks/{id}"),
            Some(json!({"url": w.url, "eventTypes": ["ticket.created"]})),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r =
        w.d.admin(Method::DELETE, &format!("/flows/{id}"), None)
            .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.d.admin(Method::GET, "/flows", None).await.json["results"],
        json!([])
    );
}

#[tokio::test]
async fn task_changes_are_ticket_changes_and_nul_characters_are_refused() {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let ticket = format!("/tickets/{}", w.ticket);
    let before = w.d.admin(Method::GET, &ticket, None).await;
    let r =
        w.d.admin(
            Method::POST,
            &format!("{ticket}/tasks"),
            Some(json!({"templateId": w.template})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let after = w.d.admin(Method::GET, &ticket, None).await;
    assert_ne!(before.headers["etag"], after.headers["etag"]);
    let last = after.json["activities"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["type"].clone(), last["field"].clone()),
        (json!("field_changed"), json!("tasks"))
    );
    assert_eq!(last["to"], json!({"taskList": "Onboarding", "added": 2}));
    let updated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE type = 'ticket.updated' AND entity_id = $1",
    )
    .bind(w.ticket.to_string())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(updated, 1);

    // An empty template is refused; so is a NUL anywhere in a body or a query.
    let r =
        w.d.admin(
            Method::POST,
            "/task-templates",
            Some(json!({"name": "Empty", "tasks": []})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let r =
        w.d.admin(
            Method::POST,
            "/workflows",
            Some(json!({"name": "bad\u{0}name", "eventTypes": ["ticket.updated"]})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "name");
    let r =
        w.d.connector(
            Method::POST,
            "/ticket-task-templates/find",
            Some(json!({"search": "a\u{0}"})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let r =
        w.d.connector(Method::GET, "/workflows?search=a%00", None)
            .await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    let r = w.d.follow_raw("auth_username=a%00&auth_password=x").await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
}

impl Desk<'_> {
    async fn follow_raw(&self, query: &str) -> TestResponse {
        self.app
            .get(&self.t.host, &format!("/portal/deeplink?{query}"))
            .send()
            .await
    }
}
