//! Power Automate flows: the connector's trigger subscriptions ("When a ticket is created or
//! updated", "When a workflow is triggered", the chat triggers), and admins' view of them. A
//! flow's subscription is a webhook row of its own kind, so it shares the durable, retried, logged
//! delivery of webhooks; it is removed by the token given when it was made.

use base64::Engine;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    chats, companies,
    configuration::{Priorities, Queues, Resource},
    events::TYPES,
    webhooks::{check_description, check_event_types, check_url, new_secret},
    workflows,
};
use crate::{
    domain::{
        Tenant,
        flows::{ChatFlowRequest, TicketFlowRequest, WorkflowFlowRequest},
    },
    error::{Error, Kind, Result},
    repo::{self, flows::FlowFields, webhooks::WebhookRow},
    state::AppState,
};

pub const TICKET_FLOW: &str = "ticket_flow";

pub const WORKFLOW_FLOW: &str = "workflow_flow";

pub const CHAT_FLOW: &str = "chat_flow";

/// The workflow types flows can attach to; chats come with the chat feature.
pub const WORKFLOW_TYPES: &[(&str, &str)] = &[("ticket", "Ticket")];

/// The ticket event types, which both kinds of flow listen to.
pub fn ticket_event_types() -> Vec<&'static str> {
    TYPES
        .iter()
        .copied()
        .filter(|t| t.starts_with("ticket.") || t.starts_with("survey.") || t.starts_with("form."))
        .collect()
}

/// A new subscription: its id, and the token that removes it (shown this once).
pub struct Subscribed {
    pub id: Uuid,
    pub token: String,
}

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn new_token() -> (String, Vec<u8>) {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// A referenced id that does not exist is the request's fault: 422 naming the field.
fn as_field(field: &'static str) -> impl Fn(Error) -> Error {
    move |e| {
        if e.is(Kind::NotFound) {
            Error::validation(field, format!("{field} names nothing here"))
        } else {
            e
        }
    }
}

/// The `type` query parameter of a ticket flow: a 400 when it names no ticket event.
pub fn check_ticket_event(event_type: &str) -> Result<()> {
    check_event_types(&[event_type.to_string()], &ticket_event_types())
        .map_err(|e| Error::bad_request("type", e.message))
}

pub async fn subscribe_ticket_flow(
    state: &AppState,
    tenant: &Tenant,
    event_type: &str,
    request: TicketFlowRequest,
) -> Result<Subscribed> {
    check_ticket_event(event_type)?;
    check_url(state, &request.url).await?;
    check_description(&request.description)?;
    if let Some(board) = request.board_id {
        let queue = Queues::get(state, tenant, board)
            .await
            .map_err(as_field("boardId"))?;
        if let Some(status) = request.status_id
            && !queue.statuses.iter().any(|s| s.id == status)
        {
            return Err(Error::validation(
                "statusId",
                "statusId is not a status of that board",
            ));
        }
    } else if request.status_id.is_some() {
        return Err(Error::validation(
            "statusId",
            "a status filter needs its boardId",
        ));
    }
    let filters = &request.advanced_filters;
    if let Some(priority) = filters.priority_id {
        Priorities::get(state, tenant, priority)
            .await
            .map_err(as_field("priorityId"))?;
    }
    if let Some(company) = filters.company_id {
        companies::get(state, tenant, company)
            .await
            .map_err(as_field("companyId"))?;
    }
    let fields = FlowFields {
        kind: TICKET_FLOW,
        description: request.description.trim(),
        url: &request.url,
        event_types: &[event_type.to_string()],
        queue_ids: &Vec::from_iter(request.board_id),
        status_ids: &Vec::from_iter(request.status_id),
        priority_ids: &Vec::from_iter(filters.priority_id),
        company_ids: &Vec::from_iter(filters.company_id),
        workflow_id: None,
    };
    Ok(store(state, tenant, &fields).await?)
}

/// Stores a flow's subscription with a new token (answered this once) and signing secret.
async fn store(
    state: &AppState,
    tenant: &Tenant,
    fields: &FlowFields<'_>,
) -> Result<Subscribed, sqlx::Error> {
    let (token, hash) = new_token();
    let (_, key) = new_secret();
    let sealed = state.server_key.seal(&key);
    let row = repo::flows::insert(&state.pool, tenant.id, fields, &hash, &sealed).await?;
    Ok(Subscribed { id: row.id, token })
}

/// The `type` query parameter of a chat flow: a 400 when it names no chat event.
pub fn check_chat_event(event_type: &str) -> Result<()> {
    check_event_types(&[event_type.to_string()], chats::EVENT_TYPES)
        .map_err(|e| Error::bad_request("type", e.message))
}

pub async fn subscribe_chat_flow(
    state: &AppState,
    tenant: &Tenant,
    event_type: &str,
    request: ChatFlowRequest,
) -> Result<Subscribed> {
    check_chat_event(event_type)?;
    check_url(state, &request.url).await?;
    let description = format!("Flow: {event_type}");
    let fields = FlowFields {
        kind: CHAT_FLOW,
        description: &description,
        url: &request.url,
        event_types: &[event_type.to_string()],
        queue_ids: &[],
        status_ids: &[],
        priority_ids: &[],
        company_ids: &[],
        workflow_id: None,
    };
    Ok(store(state, tenant, &fields).await?)
}

pub fn check_workflow_type(kind: &str) -> Result<()> {
    if WORKFLOW_TYPES.iter().any(|(id, _)| *id == kind) {
        return Ok(());
    }
    let known: Vec<&str> = WORKFLOW_TYPES.iter().map(|(id, _)| *id).collect();
    Err(Error::bad_request(
        "type",
        format!(
            "unknown workflow type `{kind}`; known: {}",
            known.join(", ")
        ),
    ))
}

pub async fn subscribe_workflow_flow(
    state: &AppState,
    tenant: &Tenant,
    workflow: Uuid,
    kind: &str,
    request: WorkflowFlowRequest,
) -> Result<Subscribed> {
    check_workflow_type(kind)?;
    let workflow = workflows::get(state, tenant, workflow).await?;
    check_url(state, &request.url).await?;
    let fields = FlowFields {
        kind: WORKFLOW_FLOW,
        description: &workflow.name,
        url: &request.url,
        event_types: &[],
        queue_ids: &[],
        status_ids: &[],
        priority_ids: &[],
        company_ids: &[],
        workflow_id: Some(workflow.id),
    };
    store(state, tenant, &fields).await.map_err(|e| match &e {
        // The workflow was deleted meanwhile.
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => Error::not_found("workflow"),
        _ => e.into(),
    })
}

/// Removes a flow's subscription; a wrong token, id or kind is a 404 alike.
pub async fn unsubscribe(
    state: &AppState,
    tenant: &Tenant,
    kind: &str,
    id: &str,
    workflow: Option<&str>,
    token: Option<&str>,
) -> Result<()> {
    let gone = || Error::not_found("flow subscription");
    let id = Uuid::parse_str(id).map_err(|_| gone())?;
    let workflow = match workflow {
        Some(w) => Some(Uuid::parse_str(w).map_err(|_| gone())?),
        None => None,
    };
    let token = token.filter(|t| !t.is_empty()).ok_or_else(gone)?;
    let removed = repo::flows::delete_by_token(
        &state.pool,
        tenant.id,
        kind,
        id,
        workflow,
        &token_hash(token),
    )
    .await?;
    if removed { Ok(()) } else { Err(gone()) }
}

const FLOW_KINDS: &[&str] = &[TICKET_FLOW, WORKFLOW_FLOW, CHAT_FLOW];

/// Every flow subscribed through the connector, oldest first.
pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<WebhookRow>> {
    Ok(repo::webhooks::list(&state.pool, tenant.id, FLOW_KINDS).await?)
}

/// An admin removes a flow's subscription (the flow stops receiving events).
pub async fn remove(state: &AppState, tenant: &Tenant, id: &str) -> Result<()> {
    let gone = || Error::not_found("flow subscription");
    let id = Uuid::parse_str(id).map_err(|_| gone())?;
    if repo::webhooks::delete(&state.pool, tenant.id, id, FLOW_KINDS).await? {
        Ok(())
    } else {
        Err(gone())
    }
}
