//! Members (technicians), companies and contacts: the people a tenant is provisioned with.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{events, validate};
pub use crate::repo::ListOptions;

use crate::{
    auth::{Actor, Principal, password},
    db::notify::Signal,
    domain::{MemberRole, Tenant, UserKind, patch::Patch},
    error::{Error, Kind, Result},
    repo::{
        self, Slice,
        companies::{self, Company},
        contacts::{self, Contact, ContactFields},
        credentials,
        members::{self, Member, MemberFields},
    },
    state::AppState,
};

/// A member as created (`POST`) or replaced (`PUT`). `password`, when given, sets the sign-in
/// password; a `PUT` without it leaves the password as it was.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberInput {
    pub email: String,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    pub role: MemberRole,
    #[serde(default)]
    pub password: Option<String>,
}

/// JSON merge patch of a member: absent = unchanged, `null` = cleared, value = set.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberPatch {
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub email: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub first_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub last_name: Patch<String>,
    #[schema(value_type = Option<MemberRole>)]
    #[serde(default)]
    pub role: Patch<MemberRole>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub password: Patch<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyInput {
    pub name: String,
    /// Short unique code, e.g. `AcmeLtd`; made from the name when absent.
    #[serde(default)]
    pub identifier: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyPatch {
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub identifier: Patch<String>,
}

/// A contact as created (`POST`) or replaced (`PUT`); `password` as for members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactInput {
    pub company_id: i32,
    pub email: String,
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// May approve tickets that need approval (default false).
    #[serde(default)]
    pub is_approver: bool,
    #[serde(default)]
    pub is_vip: bool,
    /// Sees every ticket of their company, not only their own and their groups' (default false).
    #[serde(default)]
    pub sees_company_tickets: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactPatch {
    #[schema(value_type = Option<i32>)]
    #[serde(default)]
    pub company_id: Patch<i32>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub email: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub first_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub last_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub phone: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub password: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub is_approver: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub is_vip: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    pub sees_company_tickets: Patch<bool>,
}

/// The signed-in member's own record, from the profile cache when it is there.
pub async fn signed_in_member(state: &AppState, tenant: &Tenant, id: i32) -> Result<Member> {
    state
        .profiles
        .member(tenant.id, id, get_member(state, tenant, id))
        .await
}

/// The signed-in contact's own record, from the profile cache when it is there.
pub async fn signed_in_contact(state: &AppState, tenant: &Tenant, id: i32) -> Result<Contact> {
    state
        .profiles
        .contact(tenant.id, id, get_contact(state, tenant, id))
        .await
}

// ---- members ----

pub async fn create_member(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    input: MemberInput,
) -> Result<Member> {
    require_master_admin_for(caller, None, input.role)?;
    let (email, first_name, last_name) =
        member_names(&input.email, &input.first_name, input.last_name.as_deref())?;
    let hash = new_password_hash(input.password).await?;
    let mut conn = state.pool.acquire().await?;
    let fields = MemberFields {
        email: &email,
        first_name: &first_name,
        last_name: &last_name,
        role: input.role,
    };
    members::insert(&mut conn, tenant.id, &fields, hash.as_deref())
        .await
        .map_err(|e| email_conflict(e, "members_email"))
}

pub async fn get_member(state: &AppState, tenant: &Tenant, id: i32) -> Result<Member> {
    members::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("member"))
}

pub async fn list_members(
    state: &AppState,
    tenant: &Tenant,
    options: &ListOptions<'_>,
) -> Result<Slice<Member>> {
    Ok(members::list(&state.pool, tenant.id, options).await?)
}

pub async fn replace_member(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    id: i32,
    input: MemberInput,
) -> Result<Member> {
    let current = live_member(state, tenant, id).await?;
    require_master_admin_for(caller, Some(current.role), input.role)?;
    let (email, first_name, last_name) =
        member_names(&input.email, &input.first_name, input.last_name.as_deref())?;
    save_member(
        state,
        tenant,
        id,
        &email,
        &first_name,
        &last_name,
        input.role,
        input.password,
    )
    .await
}

pub async fn patch_member(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    id: i32,
    patch: MemberPatch,
) -> Result<Member> {
    let current = live_member(state, tenant, id).await?;
    let role = validate::not_cleared(patch.role, current.role, "role")?;
    require_master_admin_for(caller, Some(current.role), role)?;
    let email = validate::not_cleared(patch.email, current.email, "email")?;
    let first_name = validate::not_cleared(patch.first_name, current.first_name, "firstName")?;
    let last_name = patch
        .last_name
        .apply(Some(current.last_name))
        .unwrap_or_default();
    let (email, first_name, last_name) = member_names(&email, &first_name, Some(&last_name))?;
    let password = match patch.password {
        Patch::Null => {
            return Err(Error::validation(
                "password",
                "a password cannot be cleared; set a new one",
            ));
        }
        p => p.apply(None),
    };
    save_member(
        state,
        tenant,
        id,
        &email,
        &first_name,
        &last_name,
        role,
        password,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn save_member(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    email: &str,
    first_name: &str,
    last_name: &str,
    role: MemberRole,
    password: Option<String>,
) -> Result<Member> {
    let hash = new_password_hash(password).await?;
    let fields = MemberFields {
        email,
        first_name,
        last_name,
        role,
    };
    let member = members::update(&state.pool, tenant.id, id, &fields)
        .await
        .map_err(|e| email_conflict(e, "members_email"))?
        .ok_or_else(|| Error::not_found("member"))?;
    if let Some(hash) = hash {
        members::set_password(&state.pool, tenant.id, id, &hash).await?;
        // A new password ends the sessions signed in with the old one.
        credentials::revoke_sessions_of(&state.pool, tenant.id, UserKind::Member, id).await?;
    }
    // The role may have changed: credentials resolved for this member must be looked up again.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(member)
}

pub async fn set_member_archived(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    id: i32,
    archived: bool,
) -> Result<Member> {
    let current = get_member(state, tenant, id).await?;
    require_master_admin_for(caller, Some(current.role), current.role)?;
    if archived && matches!(caller.actor, Actor::Member { id: me, .. } if me == id) {
        return Err(Error::validation("memberId", "you cannot archive yourself"));
    }
    let member = members::set_archived(&state.pool, tenant.id, id, archived)
        .await
        .map_err(|e| email_conflict(e, "members_email"))?
        .ok_or_else(|| Error::not_found("member"))?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(member)
}

async fn live_member(state: &AppState, tenant: &Tenant, id: i32) -> Result<Member> {
    let member = get_member(state, tenant, id).await?;
    if member.archived_at.is_some() {
        return Err(archived_conflict("member"));
    }
    Ok(member)
}

/// Only a master admin may grant, hold-change or remove the master admin role.
fn require_master_admin_for(
    caller: &Principal,
    current: Option<MemberRole>,
    new: MemberRole,
) -> Result<()> {
    let touches_master = new == MemberRole::MasterAdmin || current == Some(MemberRole::MasterAdmin);
    if touches_master && !caller.is_master_admin() {
        return Err(Error::forbidden(
            "only a master admin may manage master admins",
        ));
    }
    Ok(())
}

fn member_names(
    email: &str,
    first_name: &str,
    last_name: Option<&str>,
) -> Result<(String, String, String)> {
    Ok((
        validate::email("email", email)?,
        validate::required_text("firstName", first_name, 100)?,
        validate::optional_text("lastName", last_name.unwrap_or(""), 100)?,
    ))
}

// ---- companies ----

pub async fn create_company(
    state: &AppState,
    tenant: &Tenant,
    input: CompanyInput,
) -> Result<Company> {
    let (name, identifier) = company_names(&input.name, input.identifier.as_deref())?;
    let mut tx = state.pool.begin().await?;
    let company = companies::insert(&mut tx, tenant.id, &name, &identifier)
        .await
        .map_err(identifier_conflict)?;
    events::company_changed(&mut tx, tenant.id, "company.created", &company).await?;
    tx.commit().await?;
    Ok(company)
}

pub async fn get_company(state: &AppState, tenant: &Tenant, id: i32) -> Result<Company> {
    companies::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("company"))
}

pub async fn list_companies(
    state: &AppState,
    tenant: &Tenant,
    options: &ListOptions<'_>,
) -> Result<Slice<Company>> {
    Ok(companies::list(&state.pool, tenant.id, options).await?)
}

pub async fn replace_company(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: CompanyInput,
) -> Result<Company> {
    live_company(state, tenant, id).await?;
    let (name, identifier) = company_names(&input.name, input.identifier.as_deref())?;
    save_company(state, tenant, id, &name, &identifier).await
}

pub async fn patch_company(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: CompanyPatch,
) -> Result<Company> {
    let current = live_company(state, tenant, id).await?;
    let name = validate::not_cleared(patch.name, current.name, "name")?;
    let identifier = patch.identifier.apply(Some(current.identifier));
    let (name, identifier) = company_names(&name, identifier.as_deref())?;
    save_company(state, tenant, id, &name, &identifier).await
}

async fn save_company(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    name: &str,
    identifier: &str,
) -> Result<Company> {
    let mut tx = state.pool.begin().await?;
    let company = companies::update(&mut tx, tenant.id, id, name, identifier)
        .await
        .map_err(identifier_conflict)?
        .ok_or_else(|| Error::not_found("company"))?;
    events::company_changed(&mut tx, tenant.id, "company.updated", &company).await?;
    tx.commit().await?;
    // Contacts' cached profiles show their company's name.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(company)
}

pub async fn set_company_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<Company> {
    let mut tx = state.pool.begin().await?;
    let company = companies::set_archived(&mut tx, tenant.id, id, archived)
        .await
        .map_err(identifier_conflict)?
        .ok_or_else(|| Error::not_found("company"))?;
    events::company_changed(&mut tx, tenant.id, "company.updated", &company).await?;
    tx.commit().await?;
    Ok(company)
}

async fn live_company(state: &AppState, tenant: &Tenant, id: i32) -> Result<Company> {
    let company = get_company(state, tenant, id).await?;
    if company.archived_at.is_some() {
        return Err(archived_conflict("company"));
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

// ---- contacts ----

pub async fn create_contact(
    state: &AppState,
    tenant: &Tenant,
    input: ContactInput,
) -> Result<Contact> {
    let fields = contact_fields(state, tenant, &input).await?;
    let hash = new_password_hash(input.password).await?;
    let mut tx = state.pool.begin().await?;
    let contact = contacts::insert(&mut tx, tenant.id, &fields.borrowed(), hash.as_deref())
        .await
        .map_err(|e| email_conflict(e, "contacts_email"))?;
    events::contact_changed(&mut tx, tenant.id, "contact.created", &contact).await?;
    tx.commit().await?;
    Ok(contact)
}

pub async fn get_contact(state: &AppState, tenant: &Tenant, id: i32) -> Result<Contact> {
    contacts::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("contact"))
}

pub async fn list_contacts(
    state: &AppState,
    tenant: &Tenant,
    company_id: Option<i32>,
    options: &ListOptions<'_>,
) -> Result<Slice<Contact>> {
    Ok(contacts::list(&state.pool, tenant.id, company_id, options).await?)
}

pub async fn replace_contact(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    input: ContactInput,
) -> Result<Contact> {
    live_contact(state, tenant, id).await?;
    let fields = contact_fields(state, tenant, &input).await?;
    save_contact(state, tenant, id, fields, input.password).await
}

pub async fn patch_contact(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    patch: ContactPatch,
) -> Result<Contact> {
    let current = live_contact(state, tenant, id).await?;
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
    save_contact(state, tenant, id, fields, input.password).await
}

async fn save_contact(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    fields: OwnedContactFields,
    password: Option<String>,
) -> Result<Contact> {
    let hash = new_password_hash(password).await?;
    let mut tx = state.pool.begin().await?;
    let contact = contacts::update(&mut tx, tenant.id, id, &fields.borrowed())
        .await
        .map_err(|e| email_conflict(e, "contacts_email"))?
        .ok_or_else(|| Error::not_found("contact"))?;
    if let Some(hash) = hash {
        contacts::set_password(&mut *tx, tenant.id, id, &hash).await?;
        credentials::revoke_sessions_of(&mut *tx, tenant.id, UserKind::Contact, id).await?;
    }
    events::contact_changed(&mut tx, tenant.id, "contact.updated", &contact).await?;
    tx.commit().await?;
    // A contact's company is part of their principal.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(contact)
}

pub async fn set_contact_archived(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    archived: bool,
) -> Result<Contact> {
    let mut tx = state.pool.begin().await?;
    let contact = contacts::set_archived(&mut tx, tenant.id, id, archived)
        .await
        .map_err(|e| email_conflict(e, "contacts_email"))?
        .ok_or_else(|| Error::not_found("contact"))?;
    events::contact_changed(&mut tx, tenant.id, "contact.updated", &contact).await?;
    tx.commit().await?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(contact)
}

async fn live_contact(state: &AppState, tenant: &Tenant, id: i32) -> Result<Contact> {
    let contact = get_contact(state, tenant, id).await?;
    if contact.archived_at.is_some() {
        return Err(archived_conflict("contact"));
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
    if !companies::exists(&state.pool, tenant.id, input.company_id).await? {
        return Err(Error::validation("companyId", "no such company"));
    }
    Ok(fields)
}

// ---- shared ----

async fn new_password_hash(password: Option<String>) -> Result<Option<String>> {
    match password {
        Some(p) => {
            password::validate("password", &p)?;
            Ok(Some(password::hash(p).await?))
        }
        None => Ok(None),
    }
}

fn email_conflict(error: sqlx::Error, index: &str) -> Error {
    if repo::is_unique_violation(&error, index) {
        Error::conflict(
            "email",
            "another active person in this helpdesk has this email",
        )
    } else {
        error.into()
    }
}

fn identifier_conflict(error: sqlx::Error) -> Error {
    if repo::is_unique_violation(&error, "companies_identifier") {
        Error::conflict("identifier", "another active company has this identifier")
    } else {
        error.into()
    }
}

fn archived_conflict(what: &str) -> Error {
    Error::new(
        Kind::Conflict,
        "Archived",
        format!("this {what} is archived; restore it before changing it"),
    )
}
