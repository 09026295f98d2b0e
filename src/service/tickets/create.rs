//! Raising tickets: a contact from a request type in the portal, staff on a contact's behalf.

use sqlx::PgConnection;

use super::{
    history::{Entry, record},
    read::load,
    settle::{Draft, check_members, contact_actor, draft_from_input, settle},
    types::{Actor, TicketDetails},
};
use crate::{
    auth::Principal,
    domain::{
        Tenant, TenantId,
        tickets::{PortalTicketInput, TicketInput},
    },
    error::{Error, Result},
    files::StoredFile,
    repo::{self, configuration::NamedList, tickets::TicketFields},
    service::attachments::{self, Enclosures},
    state::AppState,
};

pub async fn create_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact_id: i32,
    input: PortalTicketInput,
    files: Vec<StoredFile>,
) -> Result<TicketDetails> {
    let enclosures = Enclosures {
        ids: input.attachment_ids,
        files,
    };
    let mut tx = state.pool.begin().await?;
    let request_type =
        repo::configuration::request_types::get(&mut tx, tenant.id, input.request_type_id)
            .await?
            .filter(|r| r.archived_at.is_none())
            .ok_or_else(|| Error::validation("requestTypeId", "no such request type"))?;
    let portal_source =
        repo::configuration::named::list(&state.pool, NamedList::Sources, tenant.id, false)
            .await?
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case("Portal"))
            .map(|s| s.id);
    let draft = Draft {
        summary: input.summary,
        description: input.description.unwrap_or_default(),
        request_type_id: Some(request_type.id),
        queue_id: Some(request_type.default_queue_id),
        status_id: None,
        priority_id: Some(request_type.default_priority_id),
        source_id: portal_source,
        category_ids: vec![],
        tags: vec![],
        custom_fields: input.custom_fields,
        contact_id,
        contact_group_id: input.contact_group_id,
    };
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let actor = contact_actor(state, tenant, contact_id).await?;
    let id = insert(&mut tx, tenant.id, &fields, &[], &actor).await?;
    attachments::attach(&mut tx, tenant.id, actor.owner(), id, None, &enclosures).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    mut input: TicketInput,
    files: Vec<StoredFile>,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let enclosures = Enclosures {
        ids: std::mem::take(&mut input.attachment_ids),
        files,
    };
    let mut tx = state.pool.begin().await?;
    let (assignees, draft) = draft_from_input(&mut tx, tenant.id, input, true).await?;
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    let id = insert(&mut tx, tenant.id, &fields, &assignees, &actor).await?;
    attachments::attach(&mut tx, tenant.id, actor.owner(), id, None, &enclosures).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

pub(super) async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    fields: &TicketFields,
    assignees: &[i32],
    actor: &Actor,
) -> Result<i32> {
    let id = repo::tickets::insert(conn, tenant, fields).await?;
    repo::tickets::set_assignees(conn, tenant, id, assignees).await?;
    record(conn, tenant, id, actor, Entry::of("created")).await?;
    if let Some(request_type) = fields.request_type_id
        && repo::configuration::request_types::get(conn, tenant, request_type)
            .await?
            .is_some_and(|r| r.requires_approval)
    {
        repo::tickets::set_approval(conn, tenant, id, "pending").await?;
        record(conn, tenant, id, actor, Entry::of("approval_requested")).await?;
    }
    Ok(id)
}
