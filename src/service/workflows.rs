//! Workflows: named ticket events with queue and status filters, defined by admins, which Power
//! Automate flows attach to ("When a workflow is triggered"). Deleting one removes its flows.

use uuid::Uuid;

use super::{
    flows::{check_workflow_type, ticket_event_types},
    validate,
    webhooks::{check_description, check_event_types},
};
use crate::{
    domain::{Tenant, workflows::WorkflowInput},
    error::{Error, Result},
    repo::{
        self,
        workflows::{WorkflowFields, WorkflowRow},
    },
    state::AppState,
};

fn workflow_fields(input: &WorkflowInput) -> Result<WorkflowFields<'_>> {
    // In a body, an unknown type is a field to fix (422); in a query it stays a 400.
    check_workflow_type(&input.kind).map_err(|e| Error::validation("type", e.message))?;
    check_event_types(&input.events.event_types, &ticket_event_types())?;
    check_description(&input.description)?;
    Ok(WorkflowFields {
        name: validate::required_text("name", &input.name, 100)?,
        description: input.description.trim(),
        event_types: &input.events.event_types,
        queue_ids: &input.events.queue_ids,
        status_ids: &input.events.status_ids,
        enabled: input.enabled,
    })
}

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    input: WorkflowInput,
) -> Result<WorkflowRow> {
    let fields = workflow_fields(&input)?;
    Ok(repo::workflows::insert(&state.pool, tenant.id, &fields).await?)
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    id: Uuid,
    input: WorkflowInput,
) -> Result<WorkflowRow> {
    let fields = workflow_fields(&input)?;
    repo::workflows::update(&state.pool, tenant.id, id, &fields)
        .await?
        .ok_or_else(|| Error::not_found("workflow"))
}

pub async fn get(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<WorkflowRow> {
    repo::workflows::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("workflow"))
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    search: Option<&str>,
) -> Result<Vec<WorkflowRow>> {
    Ok(repo::workflows::list(&state.pool, tenant.id, search).await?)
}

/// Deleting a workflow removes the flows attached to it.
pub async fn delete(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<()> {
    if !repo::workflows::delete(&state.pool, tenant.id, id).await? {
        return Err(Error::not_found("workflow"));
    }
    Ok(())
}
