//! Raising tickets: a contact from a request type in the portal, staff on a contact's behalf.

use sqlx::PgConnection;

use super::{
    conversation::write_note,
    history::{Entry, record},
    read::load,
    settle::{Draft, check_members, draft_from_input, settle},
    types::{Actor, TicketDetails},
};
use crate::{
    auth::Principal,
    domain::{
        Tenant, TenantId,
        forms::FormPlacement,
        tickets::{PortalTicketInput, TicketInput},
    },
    error::{Error, Result},
    files::StoredFile,
    repo::{self, configuration::NamedList, tickets::TicketFields},
    service::{
        attachments::{self, Enclosures},
        forms::{
            self,
            results::{self, Prepared, Submitter},
        },
    },
    state::AppState,
};

pub async fn create_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact_id: i32,
    company_id: i32,
    input: PortalTicketInput,
    files: Vec<StoredFile>,
) -> Result<TicketDetails> {
    let submitter = Submitter::contact(state, tenant, contact_id, company_id).await?;
    let form = results::for_request_type(
        state,
        tenant,
        Some(input.request_type_id),
        input.form_answers.as_ref(),
        &submitter,
        true,
    )
    .await?;
    let mut enclosures = Enclosures {
        ids: input.attachment_ids,
        files,
    };
    // Read before the transaction: a second connection taken while holding one can exhaust the
    // pool when every connection is such a transaction.
    let portal_source =
        repo::configuration::named::list(&state.pool, NamedList::Sources, tenant.id, false)
            .await?
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case("Portal"))
            .map(|s| s.id);
    let mut tx = state.pool.begin().await?;
    let request_type =
        repo::configuration::request_types::get(&mut tx, tenant.id, input.request_type_id)
            .await?
            .filter(|r| r.archived_at.is_none())
            .ok_or_else(|| Error::validation("requestTypeId", "no such request type"))?;
    let mut draft = Draft {
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
    let note = place_answers(form.as_ref(), &mut draft.description, &mut enclosures);
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let actor = &submitter.actor;
    let id = insert(&mut tx, tenant.id, &fields, &[], actor).await?;
    attachments::attach(&mut tx, tenant.id, actor.owner(), id, None, &enclosures).await?;
    store_answers(&mut tx, tenant.id, id, form, note, &submitter).await?;
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
    let submitter = Submitter::of(state, tenant, principal).await?;
    let actor = &submitter.actor;
    let answers = input.form_answers.take();
    let form = results::for_request_type(
        state,
        tenant,
        input.request_type_id,
        answers.as_ref(),
        &submitter,
        false,
    )
    .await?;
    let mut enclosures = Enclosures {
        ids: std::mem::take(&mut input.attachment_ids),
        files,
    };
    let mut tx = state.pool.begin().await?;
    let (assignees, mut draft) = draft_from_input(&mut tx, tenant.id, input, true).await?;
    let note = place_answers(form.as_ref(), &mut draft.description, &mut enclosures);
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    let id = insert(&mut tx, tenant.id, &fields, &assignees, actor).await?;
    attachments::attach(&mut tx, tenant.id, actor.owner(), id, None, &enclosures).await?;
    store_answers(&mut tx, tenant.id, id, form, note, &submitter).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

/// Puts a form's answers where its request type says: after the description, or (answered here)
/// as a note to write once the ticket exists. The files the answers name go with the ticket.
fn place_answers(
    form: Option<&(Prepared, FormPlacement)>,
    description: &mut String,
    enclosures: &mut Enclosures,
) -> Option<String> {
    let (prepared, placement) = form?;
    enclosures.ids.extend(prepared.files.iter().copied());
    let text = forms::render::markdown(&prepared.definition, &prepared.checked.display);
    match placement {
        FormPlacement::Description => {
            *description = match description.trim() {
                "" => text,
                written => format!("{written}\n\n{text}"),
            };
            None
        }
        FormPlacement::Note => Some(text),
    }
}

/// Stores the form result on the new ticket (and writes its note, when it goes in one).
async fn store_answers(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    form: Option<(Prepared, FormPlacement)>,
    note: Option<String>,
    submitter: &Submitter,
) -> Result<()> {
    let Some((prepared, _)) = form else {
        return Ok(());
    };
    if let Some(note) = note {
        write_note(conn, tenant, ticket, &submitter.actor, &note, false, None).await?;
    }
    results::store(conn, tenant, &prepared, submitter, Some(ticket)).await?;
    Ok(())
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
