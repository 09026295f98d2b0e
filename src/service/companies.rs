//! Companies (accounts): the customers whose contacts raise tickets.

use super::{events, validate};
use crate::{
    db::notify::Signal,
    domain::{
        Tenant,
        companies::{CompanyInput, CompanyPatch},
    },
    error::{Error, Result},
    repo::{self, ListOptions, Slice, companies::Company},
    state::AppState,
};

pub async fn create(state: &AppState, tenant: &Tenant, input: CompanyInput) -> Result<Company> {
    let (name, identifier) = company_names(&input.name, input.identifier.as_deref())?;
    let mut tx = state.pool.begin().await?;
    let company = repo::companies::insert(&mut tx, tenant.id, &name, &identifier)
        .await
        .map_err(identifier_conflict)?;
    events::company_changed(&mut tx, tenant.id, "company.created", &company).await?;
    tx.commit().await?;
    Ok(company)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<Company> {
    repo::companies::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("company"))
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    options: &ListOptions<'_>,
) -> Result<Slice<Company>> {
    Ok(repo::companies::list(&state.pool, tenant.id, options).await?)
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: CompanyInput,
) -> Result<Company> {
    live(state, tenant, id).await?;
    let (name, identifier) = company_names(&input.name, input.identifier.as_deref())?;
    save(state, tenant, id, &name, &identifier).await
}

pub async fn patch(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: CompanyPatch,
) -> Result<Company> {
    let current = live(state, tenant, id).await?;
    let name = validate::not_cleared(patch.name, current.name, "name")?;
    let identifier = patch.identifier.apply(Some(current.identifier));
    let (name, identifier) = company_names(&name, identifier.as_deref())?;
    save(state, tenant, id, &name, &identifier).await
}

async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    name: &str,
    identifier: &str,
) -> Result<Company> {
    let mut tx = state.pool.begin().await?;
    let company = repo::companies::update(&mut tx, tenant.id, id, name, identifier)
        .await
        .map_err(identifier_conflict)?
        .ok_or_else(|| Error::not_found("company"))?;
    events::company_changed(&mut tx, tenant.id, "company.updated", &company).await?;
    tx.commit().await?;
    // Contacts' cached profiles show their company's name.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(company)
}

pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<Company> {
    let mut tx = state.pool.begin().await?;
    let company = repo::companies::set_archived(&mut tx, tenant.id, id, archived)
        .await
        .map_err(identifier_conflict)?
        .ok_or_else(|| Error::not_found("company"))?;
    events::company_changed(&mut tx, tenant.id, "company.updated", &company).await?;
    tx.commit().await?;
    Ok(company)
}

async fn live(state: &AppState, tenant: &Tenant, id: i32) -> Result<Company> {
    let company = get(state, tenant, id).await?;
    if company.archived_at.is_some() {
        return Err(Error::archived("company"));
    }
    Ok(company)
}

fn company_names(name: &str, identifier: Option<&str>) -> Result<(String, String)> {
    let name = validate::required_text("name", name, 200)?;
    let identifier = match identifier.map(str::trim).filter(|i| !i.is_empty()) {
        Some(identifier) => validate::required_text("identifier", identifier, 100)?,
        None => {
            let derived: String = name
                .chars()
                .filter(|c| c.is_alphanumeric())
                .take(100)
                .collect();
            if derived.is_empty() {
                return Err(Error::validation(
                    "identifier",
                    "identifier is required when the name has no letters or digits",
                ));
            }
            derived
        }
    };
    Ok((name, identifier))
}

fn identifier_conflict(error: sqlx::Error) -> Error {
    if repo::is_unique_violation(&error, "companies_identifier") {
        Error::conflict("identifier", "another active company has this identifier")
    } else {
        error.into()
    }
}
