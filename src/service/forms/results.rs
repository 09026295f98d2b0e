//! Submitting a form: answers checked against the published version (references looked up, dynamic
//! choices loaded) before any transaction, then stored as a result — on its own, or in a ticket's
//! creating transaction — with a `form.submitted` event. And reading results back.

use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    answers::{self, Checked, Lookups},
    choices,
};
use crate::{
    auth::{Actor, Principal},
    domain::{
        Tenant, TenantId,
        forms::{FormDefinition, FormPlacement},
    },
    error::{Error, Result},
    repo::{
        self,
        forms::{NewResult, ResultFilter, ResultRow},
    },
    service::{
        events,
        tickets::{self, Actor as TicketActor},
    },
    state::AppState,
};

/// Who fills a form in: a contact (who may name only their own company's contacts and company) or
/// staff, named as a ticket's history names them (their uploads are stored under the same owner).
pub struct Submitter {
    pub actor: TicketActor,
    pub contact: Option<(i32, i32)>,
}

impl Submitter {
    pub async fn contact(state: &AppState, tenant: &Tenant, id: i32, company: i32) -> Result<Self> {
        Ok(Self {
            actor: tickets::settle::contact_actor(state, tenant, id).await?,
            contact: Some((id, company)),
        })
    }

    pub async fn of(state: &AppState, tenant: &Tenant, principal: &Principal) -> Result<Self> {
        Ok(Self {
            actor: TicketActor::of(state, tenant, principal).await?,
            contact: match principal.actor {
                Actor::Contact { id, company_id } => Some((id, company_id)),
                _ => None,
            },
        })
    }

    fn company_scope(&self) -> Option<i32> {
        self.contact.map(|(_, company)| company)
    }
}

/// Answers that passed, with the version they are for.
pub struct Prepared {
    pub form_id: i32,
    pub version: i32,
    pub definition: FormDefinition,
    pub checked: Checked,
    pub files: Vec<Uuid>,
}

/// Checks `given` against the form's published `definition`, looking up what the answers name.
pub async fn prepare(
    state: &AppState,
    tenant: &Tenant,
    (form_id, version, definition): (i32, i32, FormDefinition),
    given: &Map<String, Value>,
    submitter: &Submitter,
) -> Result<Prepared> {
    let typed = answers::read(&definition, given)?;
    let visible = answers::visibility(&definition, &typed);
    let mut lookups = Lookups {
        verify: true,
        ..Lookups::default()
    };
    let ids_of = |kind: crate::domain::forms::QuestionType| -> Vec<i32> {
        definition
            .questions()
            .filter(|q| q.kind == kind)
            .filter_map(|q| typed.get(&q.identifier))
            .filter_map(Value::as_i64)
            .filter_map(|id| i32::try_from(id).ok())
            .collect()
    };
    let contacts = ids_of(crate::domain::forms::QuestionType::Contact);
    let companies = ids_of(crate::domain::forms::QuestionType::Company);
    let files = answers::upload_ids(&definition, &typed);
    if !(contacts.is_empty() && companies.is_empty() && files.is_empty()) {
        let mut conn = state.pool.acquire().await?;
        let scope = submitter.company_scope();
        if !contacts.is_empty() {
            let found = repo::forms::contact_names(&mut conn, tenant.id, &contacts, scope).await?;
            lookups.contacts = found.into_iter().map(|(id, n)| (id.into(), n)).collect();
        }
        if !companies.is_empty() {
            let found = repo::forms::company_names(&mut conn, tenant.id, &companies, scope).await?;
            lookups.companies = found.into_iter().map(|(id, n)| (id.into(), n)).collect();
        }
        if !files.is_empty() {
            let owner = submitter.actor.owner();
            let found = repo::forms::pending_uploads(&mut conn, tenant.id, &files, owner).await?;
            lookups.files = found
                .into_iter()
                .map(|(id, name)| (id.to_string(), name))
                .collect();
        }
    }
    for question in definition
        .questions()
        .filter(|q| q.kind.has_dynamic_choices())
    {
        let answered = typed.contains_key(&question.identifier);
        if !answered || !visible.get(&question.identifier).copied().unwrap_or(false) {
            continue;
        }
        let loaded = choices::load(state, tenant, question, "")
            .await
            .map_err(|why| {
                Error::validation(
                    &format!("answers.{}", question.identifier),
                    format!("the choices could not be loaded to check this answer: {why}"),
                )
            })?;
        lookups
            .choices
            .insert(question.identifier.clone(), loaded.to_vec());
    }
    let checked = answers::check(&definition, &typed, &lookups)?;
    let files = answers::upload_ids(&definition, &checked.answers);
    Ok(Prepared {
        form_id,
        version,
        definition,
        checked,
        files,
    })
}

/// Stores a prepared result (on `ticket`, whose transaction this is, or on its own) and raises
/// `form.submitted`. A ticket takes the files itself; a stand-alone result holds them.
pub async fn store(
    conn: &mut PgConnection,
    tenant: TenantId,
    prepared: &Prepared,
    submitter: &Submitter,
    ticket: Option<i32>,
) -> Result<i64> {
    let answers = Value::Object(prepared.checked.answers.clone());
    let display = Value::Object(prepared.checked.display.clone());
    let id = repo::forms::insert_result(
        conn,
        tenant,
        &NewResult {
            form_id: prepared.form_id,
            version: prepared.version,
            contact_id: submitter.contact.map(|(id, _)| id),
            submitter: submitter.actor.owner(),
            ticket_id: ticket,
            answers: &answers,
            display: &display,
        },
    )
    .await?;
    if ticket.is_none() && !prepared.files.is_empty() {
        let owner = submitter.actor.owner();
        let held = repo::forms::hold_uploads(conn, tenant, &prepared.files, owner, id).await?;
        if held != prepared.files.len() as u64 {
            return Err(Error::validation(
                "answers",
                "a file answered is no longer one of your pending uploads",
            ));
        }
    }
    // Shaped like a ticket event's payload (`FlowNotification`), so ticket flows can take it.
    let payload = json!({
        "ticketId": ticket,
        "change": {"type": "form_submitted", "field": null, "from": null,
                   "to": {"formId": prepared.form_id, "resultId": id}},
        "by": {"userType": submitter.actor.kind, "id": submitter.actor.id,
               "name": submitter.actor.name},
        "formResult": {
            "id": id, "formId": prepared.form_id, "formName": prepared.definition.name,
            "version": prepared.version, "ticketId": ticket,
            "contactId": submitter.contact.map(|(id, _)| id),
            "answers": answers, "fields": display,
        }
    });
    let (entity, entity_id) = match ticket {
        Some(ticket) => ("ticket", ticket.to_string()),
        None => ("form_result", id.to_string()),
    };
    events::record(conn, tenant, "form.submitted", entity, entity_id, payload).await?;
    Ok(id)
}

/// A contact (or staff) fills in a form on its own.
pub async fn submit(
    state: &AppState,
    tenant: &Tenant,
    form_id: i32,
    given: &Map<String, Value>,
    submitter: &Submitter,
) -> Result<ResultRow> {
    let (form, version, definition) = match submitter.contact {
        Some(_) => super::for_contact(state, tenant, form_id).await?,
        None => {
            let form = super::get(state, tenant, form_id).await?;
            let (version, definition) = super::published(&form)?;
            (form, version, definition)
        }
    };
    if submitter.contact.is_some() && !form.standalone {
        return Err(Error::validation(
            "formId",
            "this form is filled in with a ticket of its request type, not on its own",
        ));
    }
    let prepared = prepare(
        state,
        tenant,
        (form_id, version, definition),
        given,
        submitter,
    )
    .await?;
    let mut tx = state.pool.begin().await?;
    let id = store(&mut tx, tenant.id, &prepared, submitter, None).await?;
    tx.commit().await?;
    get(state, tenant, form_id, id).await
}

pub async fn get(state: &AppState, tenant: &Tenant, form: i32, id: i64) -> Result<ResultRow> {
    let mut conn = state.pool.acquire().await?;
    repo::forms::get_result(&mut conn, tenant.id, form, id)
        .await?
        .ok_or_else(|| Error::not_found("form result"))
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    form: i32,
    filter: &ResultFilter,
    skip: i64,
    take: i64,
) -> Result<(Vec<ResultRow>, i64)> {
    super::get(state, tenant, form).await?;
    let mut conn = state.pool.acquire().await?;
    Ok(repo::forms::list_results(&mut conn, tenant.id, form, filter, skip, take).await?)
}

/// The answers to a ticket's request-type form, checked before the ticket's transaction. `None`
/// when the type carries no form, or (`enforce` false, as for staff and integrations) when no
/// answers were given. Answers to a type without a form are a 422 on `formAnswers`.
pub async fn for_request_type(
    state: &AppState,
    tenant: &Tenant,
    request_type: Option<i32>,
    given: Option<&Map<String, Value>>,
    submitter: &Submitter,
    enforce: bool,
) -> Result<Option<(Prepared, FormPlacement)>> {
    let no_form = || {
        Error::validation(
            "formAnswers",
            "only a ticket of a request type that carries a form takes form answers",
        )
    };
    let carried = match request_type {
        Some(id) => {
            let mut conn = state.pool.acquire().await?;
            repo::forms::of_request_type(&mut conn, tenant.id, id).await?
        }
        None => None,
    };
    let Some(carried) = carried else {
        return match given {
            Some(_) => Err(no_form()),
            None => Ok(None),
        };
    };
    if given.is_none() && !enforce {
        return Ok(None);
    }
    let (Some(version), Some(definition)) = (carried.version, carried.definition.as_ref()) else {
        return Err(no_form());
    };
    let (form_id, placement, definition) = (
        carried.form_id,
        carried.form_placement,
        super::parse(definition)?,
    );
    let empty = Map::new();
    let prepared = prepare(
        state,
        tenant,
        (form_id, version, definition),
        given.unwrap_or(&empty),
        submitter,
    )
    .await
    .map_err(|mut e| {
        if let Some(field) = e.field.as_mut().filter(|f| f.starts_with("answers.")) {
            *field = format!("formAnswers.{}", &field["answers.".len()..]);
        }
        e
    })?;
    Ok(Some((prepared, placement)))
}
