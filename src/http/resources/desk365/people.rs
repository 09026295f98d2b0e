//! Desk365's contacts and companies: lists of 30 by `offset`, and details by email or name.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::shape::date;
use crate::{
    auth::extractors::AdminCaller,
    domain::Tenant,
    error::{Error, Result},
    http::extract::ApiQuery,
    repo::{ListOptions, companies::Company, contacts::Contact},
    service::{companies as company_service, contacts as contact_service, lookups},
    state::AppState,
};

/// Contacts and companies come 30 a call.
const PAGE: i64 = 30;

#[derive(Serialize, ToSchema)]
pub struct Desk365Contact {
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company_name: String,
    pub created_on: String,
    pub updated_on: String,
}

impl From<Contact> for Desk365Contact {
    fn from(c: Contact) -> Self {
        Self {
            name: crate::domain::full_name(&c.first_name, &c.last_name),
            email: c.email,
            phone: c.phone,
            company_name: c.company_name,
            created_on: date(c.created_at),
            updated_on: date(c.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Desk365Company {
    pub name: String,
    pub identifier: String,
    pub created_on: String,
    pub updated_on: String,
}

impl From<Company> for Desk365Company {
    fn from(c: Company) -> Self {
        Self {
            name: c.name,
            identifier: c.identifier,
            created_on: date(c.created_at),
            updated_on: date(c.updated_at),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactsQuery {
    pub offset: Option<i64>,
    /// Only contacts of the company with this name.
    pub company: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Desk365ContactList {
    pub count: i64,
    pub contacts: Vec<Desk365Contact>,
}

fn offset(value: Option<i64>) -> Result<i64> {
    match value {
        Some(v) if v < 0 => Err(Error::bad_request("offset", "offset is ≥ 0")),
        v => Ok(v.unwrap_or(0)),
    }
}

/// The live company named `name` (without case), if any.
async fn company_named(state: &AppState, tenant: &Tenant, name: &str) -> Result<Option<Company>> {
    let options = ListOptions {
        search: Some(name),
        include_archived: false,
        skip: 0,
        take: 100,
    };
    let found = company_service::list(state, tenant, &options).await?;
    Ok(found
        .rows
        .into_iter()
        .find(|c| c.name.eq_ignore_ascii_case(name)))
}

/// Contacts, 30 at a time from `offset`.
#[utoipa::path(get, path = "/contacts", params(ContactsQuery), responses((status = 200, body = Desk365ContactList)))]
pub async fn contacts(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<ContactsQuery>,
) -> Result<Json<Desk365ContactList>> {
    let company_id = match &q.company {
        Some(name) => match company_named(&state, &caller.tenant, name).await? {
            Some(c) => Some(c.id),
            None => {
                return Ok(Json(Desk365ContactList {
                    count: 0,
                    contacts: vec![],
                }));
            }
        },
        None => None,
    };
    let options = ListOptions {
        search: None,
        include_archived: false,
        skip: offset(q.offset)?,
        take: PAGE,
    };
    let page = contact_service::list(&state, &caller.tenant, company_id, &options).await?;
    Ok(Json(Desk365ContactList {
        count: page.total,
        contacts: page.rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactDetailsQuery {
    pub primary_email: Option<String>,
}

/// One contact by email address.
#[utoipa::path(get, path = "/contacts/details", params(ContactDetailsQuery), responses((status = 200, body = Desk365Contact)))]
pub async fn contact_details(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<ContactDetailsQuery>,
) -> Result<Json<Desk365Contact>> {
    let email = q
        .primary_email
        .ok_or_else(|| Error::bad_request("primary_email", "primary_email is required"))?;
    let id = *lookups::contacts_by_email(&state, &caller.tenant, &[email])
        .await?
        .first()
        .ok_or_else(|| Error::not_found("contact"))?;
    Ok(Json(
        contact_service::get(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompaniesQuery {
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Desk365CompanyList {
    pub count: i64,
    pub companies: Vec<Desk365Company>,
}

/// Companies, 30 at a time from `offset`.
#[utoipa::path(get, path = "/companies", params(CompaniesQuery), responses((status = 200, body = Desk365CompanyList)))]
pub async fn companies(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<CompaniesQuery>,
) -> Result<Json<Desk365CompanyList>> {
    let options = ListOptions {
        search: None,
        include_archived: false,
        skip: offset(q.offset)?,
        take: PAGE,
    };
    let page = company_service::list(&state, &caller.tenant, &options).await?;
    Ok(Json(Desk365CompanyList {
        count: page.total,
        companies: page.rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompanyDetailsQuery {
    pub company_name: Option<String>,
}

/// One company by name.
#[utoipa::path(get, path = "/companies/details", params(CompanyDetailsQuery), responses((status = 200, body = Desk365Company)))]
pub async fn company_details(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<CompanyDetailsQuery>,
) -> Result<Json<Desk365Company>> {
    let name = q
        .company_name
        .ok_or_else(|| Error::bad_request("company_name", "company_name is required"))?;
    let company = company_named(&state, &caller.tenant, &name)
        .await?
        .ok_or_else(|| Error::not_found("company"))?;
    Ok(Json(company.into()))
}
