//! Forms: a draft admins edit, published as numbered versions that never change (a result keeps
//! the version it was filled in), filled in by contacts on their own or with a ticket of a request
//! type that carries the form.

pub mod answers;
pub mod choices;
pub mod definition;
pub mod render;
pub mod results;

use crate::{
    domain::{
        Tenant,
        forms::{FormDefinition, FormInput},
    },
    error::{Error, Kind, Result},
    repo::{self, forms::FormRow},
    state::AppState,
};

/// A stored definition; what was stored was checked, so failing to read it is the server's fault.
pub fn parse(value: &serde_json::Value) -> Result<FormDefinition> {
    serde_json::from_value(value.clone()).map_err(Error::internal)
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    include_archived: bool,
    published_only: bool,
) -> Result<Vec<FormRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::forms::list(&mut conn, tenant.id, include_archived, published_only).await?)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<FormRow> {
    let mut conn = state.pool.acquire().await?;
    repo::forms::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("form"))
}

/// Creates a form (`id` none) or replaces its draft; the published version is unchanged until the
/// next publish. An archived form cannot be edited.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: FormInput,
) -> Result<FormRow> {
    let (definition, standalone) = input.split();
    definition::check(&definition, state.config.webhooks_allow_private).await?;
    let draft = serde_json::to_value(&definition).map_err(Error::internal)?;
    let mut tx = state.pool.begin().await?;
    let id = match id {
        Some(id) => {
            let current = repo::forms::get(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("form"))?;
            if current.archived_at.is_some() {
                return Err(Error::conflict(
                    "id",
                    "the form is archived; restore it first",
                ));
            }
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "forms").await?,
    };
    repo::forms::save(
        &mut tx,
        tenant.id,
        id,
        definition.name.trim(),
        &draft,
        standalone,
    )
    .await?;
    let row = repo::forms::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("form"))?;
    tx.commit().await?;
    Ok(row)
}

/// Archives a form (its results stay); refused while a live request type carries it.
pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<FormRow> {
    let mut tx = state.pool.begin().await?;
    if archived {
        let users = repo::forms::request_types_using(&mut tx, tenant.id, id).await?;
        if !users.is_empty() {
            return Err(Error::conflict(
                "id",
                format!("request types {users:?} carry this form; take it off them first"),
            ));
        }
    }
    if !repo::forms::set_archived(&mut tx, tenant.id, id, archived).await? {
        return Err(Error::not_found("form"));
    }
    tx.commit().await?;
    get(state, tenant, id).await
}

/// Publishes the draft as a new version, unless it is the published version already. Answers the
/// form and whether a version was made.
pub async fn publish(state: &AppState, tenant: &Tenant, id: i32) -> Result<(FormRow, bool)> {
    let mut tx = state.pool.begin().await?;
    let form = repo::forms::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("form"))?;
    if form.archived_at.is_some() {
        return Err(Error::conflict(
            "id",
            "the form is archived; restore it first",
        ));
    }
    if form.published.as_ref() == Some(&form.draft) {
        return Ok((form, false));
    }
    repo::forms::publish(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok((get(state, tenant, id).await?, true))
}

pub async fn version(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    version: i32,
) -> Result<FormDefinition> {
    let mut conn = state.pool.acquire().await?;
    let stored = repo::forms::version(&mut conn, tenant.id, id, version)
        .await?
        .ok_or_else(|| Error::not_found("form version"))?;
    parse(&stored)
}

/// A live form's published version: its number and definition. Unpublished or archived is a 404.
pub fn published(form: &FormRow) -> Result<(i32, FormDefinition)> {
    match (&form.published, form.published_version, form.archived_at) {
        (Some(definition), Some(version), None) => Ok((version, parse(definition)?)),
        _ => Err(Error::new(
            Kind::NotFound,
            "NotFound",
            "no such published form",
        )),
    }
}

/// The published form a contact may fill in: stand-alone ones, and those a live request type
/// carries. Anything else is a 404, like another tenant's form.
pub async fn for_contact(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
) -> Result<(FormRow, i32, FormDefinition)> {
    let form = get(state, tenant, id).await?;
    let mut conn = state.pool.acquire().await?;
    let offered = form.standalone
        || !repo::forms::request_types_using(&mut conn, tenant.id, id)
            .await?
            .is_empty();
    if !offered {
        return Err(Error::not_found("form"));
    }
    let (version, definition) = published(&form)?;
    Ok((form, version, definition))
}
