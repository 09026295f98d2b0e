//! Contacts: the people of customer companies who use the client portal.

use super::{events, validate};
use crate::{
    auth::password,
    db::notify::Signal,
    domain::{
        Tenant, UserKind,
        contacts::{ContactInput, ContactPatch},
        patch::Patch,
    },
    error::{Error, Result},
    repo::{
        self, ListOptions, Slice,
        contacts::{Contact, ContactFields},
    },
    state::AppState,
};

/// The signed-in contact's own record, from the profile cache when it is there.
pub async fn signed_in(state: &AppState, tenant: &Tenant, id: i32) -> Result<Contact> {
    state
        .profiles
        .contact(tenant.id, id, get(state, tenant, id))
        .await
}

pub async fn create(state: &AppState, tenant: &Tenant, input: ContactInput) -> Result<Contact> {
    let fields = contact_fields(state, tenant, &input).await?;
    let hash = password::hash_new(input.password).await?;
    let mut tx = state.pool.begin().await?;
    let contact = repo::contacts::insert(&mut tx, tenant.id, &fields.borrowed(), hash.as_deref())
        .await
        .map_err(|e| validate::email_taken(e, "contacts_email"))?;
    events::contact_changed(&mut tx, tenant.id, "contact.created", &contact).await?;
    tx.commit().await?;
    Ok(contact)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<Contact> {
    repo::contacts::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("contact"))
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    company_id: Option<i32>,
    options: &ListOptions<'_>,
) -> Result<Slice<Contact>> {
    Ok(repo::contacts::list(&state.pool, tenant.id, company_id, options).await?)
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: ContactInput,
) -> Result<Contact> {
    live(state, tenant, id).await?;
    let fields = contact_fields(state, tenant, &input).await?;
    save(state, tenant, id, fields, input.password).await
}

pub async fn patch(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: ContactPatch,
) -> Result<Contact> {
    let current = live(state, tenant, id).await?;
    let input = ContactInput {
        company_id: validate::not_cleared(patch.company_id, current.company_id, "companyId")?,
        email: validate::not_cleared(patch.email, current.email, "email")?,
        first_name: validate::not_cleared(patch.first_name, current.first_name, "firstName")?,
        last_name: patch.last_name.apply(Some(current.last_name)),
        phone: patch.phone.apply(current.phone),
        password: match patch.password {
            Patch::Null => {
                return Err(Error::validation(
                    "password",
                    "a password cannot be cleared; set a new one",
                ));
            }
            p => p.apply(None),
        },
        is_approver: validate::not_cleared(patch.is_approver, current.is_approver, "isApprover")?,
        is_vip: validate::not_cleared(patch.is_vip, current.is_vip, "isVip")?,
        sees_company_tickets: validate::not_cleared(
            patch.sees_company_tickets,
            current.sees_company_tickets,
            "seesCompanyTickets",
        )?,
    };
    let fields = contact_fields(state, tenant, &input).await?;
    save(state, tenant, id, fields, input.password).await
}

async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    fields: OwnedContactFields,
    password: Option<String>,
) -> Result<Contact> {
    let hash = password::hash_new(password).await?;
    let mut tx = state.pool.begin().await?;
    let contact = repo::contacts::update(&mut tx, tenant.id, id, &fields.borrowed())
        .await
        .map_err(|e| validate::email_taken(e, "contacts_email"))?
        .ok_or_else(|| Error::not_found("contact"))?;
    if let Some(hash) = hash {
        repo::contacts::set_password(&mut *tx, tenant.id, id, &hash).await?;
        repo::credentials::revoke_sessions_of(&mut *tx, tenant.id, UserKind::Contact, id).await?;
    }
    events::contact_changed(&mut tx, tenant.id, "contact.updated", &contact).await?;
    tx.commit().await?;
    // A contact's company is part of their principal.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(contact)
}

pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<Contact> {
    let mut tx = state.pool.begin().await?;
    let contact = repo::contacts::set_archived(&mut tx, tenant.id, id, archived)
        .await
        .map_err(|e| validate::email_taken(e, "contacts_email"))?
        .ok_or_else(|| Error::not_found("contact"))?;
    events::contact_changed(&mut tx, tenant.id, "contact.updated", &contact).await?;
    tx.commit().await?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(contact)
}

async fn live(state: &AppState, tenant: &Tenant, id: i32) -> Result<Contact> {
    let contact = get(state, tenant, id).await?;
    if contact.archived_at.is_some() {
        return Err(Error::archived("contact"));
    }
    Ok(contact)
}

struct OwnedContactFields {
    company_id: i32,
    email: String,
    first_name: String,
    last_name: String,
    phone: Option<String>,
    is_approver: bool,
    is_vip: bool,
    sees_company_tickets: bool,
}

impl OwnedContactFields {
    fn borrowed(&self) -> ContactFields<'_> {
        ContactFields {
            company_id: self.company_id,
            email: &self.email,
            first_name: &self.first_name,
            last_name: &self.last_name,
            phone: self.phone.as_deref(),
            is_approver: self.is_approver,
            is_vip: self.is_vip,
            sees_company_tickets: self.sees_company_tickets,
        }
    }
}

async fn contact_fields(
    state: &AppState,
    tenant: &Tenant,
    input: &ContactInput,
) -> Result<OwnedContactFields> {
    let fields = OwnedContactFields {
        company_id: input.company_id,
        email: validate::email("email", &input.email)?,
        first_name: validate::required_text("firstName", &input.first_name, 100)?,
        last_name: validate::optional_text(
            "lastName",
            input.last_name.as_deref().unwrap_or(""),
            100,
        )?,
        phone: input
            .phone
            .as_deref()
            .map(|p| validate::optional_text("phone", p, 50))
            .transpose()?
            .filter(|p| !p.is_empty()),
        is_approver: input.is_approver,
        is_vip: input.is_vip,
        sees_company_tickets: input.sees_company_tickets,
    };
    if !repo::companies::exists(&state.pool, tenant.id, input.company_id).await? {
        return Err(Error::validation("companyId", "no such company"));
    }
    Ok(fields)
}
