//! Contacts (end users of customer companies): Admin API.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::domain::full_name;
use crate::{
    auth::extractors::AdminCaller,
    domain::contacts::{ContactInput, ContactPatch},
    domain::{Reference, Tenant},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::contacts::Contact,
    service::contacts,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    pub id: i32,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    pub company: Reference,
    /// May approve tickets that need approval.
    pub is_approver: bool,
    pub is_vip: bool,
    /// Sees every ticket of their company.
    pub sees_company_tickets: bool,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        Self {
            id: c.id,
            name: full_name(&c.first_name, &c.last_name),
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            company: Reference {
                id: c.company_id,
                name: c.company_name,
            },
            is_approver: c.is_approver,
            is_vip: c.is_vip,
            sees_company_tickets: c.sees_company_tickets,
            is_archived: c.archived_at.is_some(),
            created_on: c.created_at,
            modified_on: c.updated_at,
            archived_on: c.archived_at,
        }
    }
}

/// The list query plus a company filter. (Not `#[serde(flatten)]`: query strings lose their types through it.)
#[derive(Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct ContactFilter {
    /// Only contacts of this company.
    #[serde(rename = "companyId")]
    pub company_id: Option<i32>,
    /// How many matching items to skip (default 0).
    #[param(minimum = 0)]
    #[schema(minimum = 0)]
    pub skip: Option<i64>,
    /// How many items to return: 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    #[schema(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
    /// Case-insensitive text to look for in names and emails.
    pub search: Option<String>,
    /// Include archived items (default false).
    #[serde(rename = "includeArchived")]
    pub include_archived: Option<bool>,
}

impl ContactFilter {
    fn list(self) -> ListQuery {
        ListQuery {
            skip: self.skip,
            take: self.take,
            search: self.search,
            include_archived: self.include_archived,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contacts, create_contact))
        .routes(routes!(find_contacts))
        .routes(routes!(
            get_contact,
            replace_contact,
            update_contact,
            archive_contact
        ))
        .routes(routes!(restore_contact))
}

/// List contacts, optionally of one company.
#[utoipa::path(get, path = "/contacts", params(ContactFilter), responses((status = 200, body = Page<ContactView>)))]
pub async fn list_contacts(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(filter): ApiQuery<ContactFilter>,
) -> Result<Json<Page<ContactView>>> {
    page_of_contacts(&state, &caller.tenant, filter).await
}

/// Find contacts, as DeskDirector's `POST …/find`: the list's filters in a JSON body.
#[utoipa::path(post, path = "/contacts/find", request_body = ContactFilter, responses((status = 200, body = Page<ContactView>)))]
pub async fn find_contacts(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(filter): ApiJson<ContactFilter>,
) -> Result<Json<Page<ContactView>>> {
    page_of_contacts(&state, &caller.tenant, filter).await
}

pub async fn page_of_contacts(
    state: &AppState,
    tenant: &Tenant,
    filter: ContactFilter,
) -> Result<Json<Page<ContactView>>> {
    let company_id = filter.company_id;
    let query = filter.list();
    let options = query.options()?;
    let slice = contacts::list(state, tenant, company_id, &options).await?;
    Ok(Json(Page::new(
        slice.rows.into_iter().map(Into::into).collect(),
        slice.total,
        options.skip,
    )))
}

/// Create a contact in a company.
#[utoipa::path(post, path = "/contacts", request_body = ContactInput, responses((status = 201, body = ContactView)))]
pub async fn create_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<(StatusCode, Json<ContactView>)> {
    let contact = contacts::create(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(contact.into())))
}

/// Get a contact, archived or not.
#[utoipa::path(get, path = "/contacts/{contactId}", params(("contactId" = i32, Path)), responses((status = 200, body = ContactView)))]
pub async fn get_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        contacts::get(&state, &caller.tenant, id).await?.into(),
    ))
}

/// Replace a contact: absent optional fields are cleared.
#[utoipa::path(put, path = "/contacts/{contactId}", params(("contactId" = i32, Path)), request_body = ContactInput, responses((status = 200, body = ContactView)))]
pub async fn replace_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        contacts::replace(&state, &caller.tenant, id, input)
            .await?
            .into(),
    ))
}

/// Update a contact with a JSON merge patch.
#[utoipa::path(patch, path = "/contacts/{contactId}", params(("contactId" = i32, Path)), request_body = ContactPatch, responses((status = 200, body = ContactView)))]
pub async fn update_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        contacts::patch(&state, &caller.tenant, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a contact (soft delete); answers the archived contact. Their sessions stop working.
#[utoipa::path(delete, path = "/contacts/{contactId}", params(("contactId" = i32, Path)), responses((status = 200, body = ContactView)))]
pub async fn archive_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        contacts::set_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived contact.
#[utoipa::path(post, path = "/contacts/{contactId}/restore", params(("contactId" = i32, Path)), responses((status = 200, body = ContactView)))]
pub async fn restore_contact(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        contacts::set_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}
