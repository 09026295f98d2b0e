//! `deskd serve --demo`: a `demo` tenant with one of each kind of person, and a fresh API key.

use crate::{
    auth::{Actor, AuthMethod, Principal, password},
    domain::{
        KeyScope, MemberRole, Tenant, companies::CompanyInput, contacts::ContactInput,
        credentials::NewApiKeyInput, members::MemberInput, tenants::NewTenant,
    },
    error::Result,
    repo::{self, ListOptions},
    service::{
        companies,
        configuration::{self, Queues, Resource},
        contacts, credentials, members, tenants,
    },
    state::AppState,
};

pub const SLUG: &str = "demo";
pub const ADMIN_EMAIL: &str = "admin@demo.example";
pub const ADMIN_PASSWORD: &str = "demo-admin-password";
pub const TECH_EMAIL: &str = "tech@demo.example";
pub const TECH_PASSWORD: &str = "demo-tech-password";
pub const CONTACT_EMAIL: &str = "contact@demo.example";
pub const CONTACT_PASSWORD: &str = "demo-contact-password";

pub struct DemoCredentials {
    pub api_key: String,
    /// True when `api_key` is the key the previous run made (still active), not a new one.
    pub kept: bool,
}

/// Creates what is missing of the demo tenant (idempotent) and resets the demo passwords. The
/// previous run's API key is kept while it is still an active demo key; otherwise a new one is
/// made and the older demo keys are revoked.
pub async fn seed(state: &AppState, previous_key: Option<&str>) -> Result<DemoCredentials> {
    let tenant = demo_tenant(state).await?;
    demo_members(state, &tenant).await?;
    let company = demo_company(state, &tenant).await?;
    demo_contact(state, &tenant, company).await?;
    if let Some(key) = previous_key
        && is_active_demo_key(state, &tenant, key).await?
    {
        return Ok(DemoCredentials {
            api_key: key.to_string(),
            kept: true,
        });
    }
    let api_key = demo_key(state, &tenant).await?;
    Ok(DemoCredentials {
        api_key,
        kept: false,
    })
}

async fn is_active_demo_key(state: &AppState, tenant: &Tenant, key: &str) -> Result<bool> {
    let hash = crate::secrets::sha256(key);
    let Some((id, _, _)) = repo::credentials::find_api_key(&state.pool, tenant.id, &hash).await?
    else {
        return Ok(false);
    };
    Ok(credentials::get_api_key(state, tenant, &id)
        .await?
        .created_by
        == "demo")
}

/// What `demo.env` holds: the variables the README's examples use, for `. .deskd/demo.env`.
pub fn env_file(
    base: &str,
    tenant_host: &str,
    platform_host: &str,
    key: &str,
    platform: &str,
) -> String {
    format!(
        "# Written by `deskd serve --demo`: `. .deskd/demo.env` sets what the README's examples use.\n\
         B={base}\nH='Host: {tenant_host}'\nPH='Host: {platform_host}'\nKEY={key}\nPLATFORM={platform}\n"
    )
}

/// A variable of a `demo.env` file, if the file and the variable are there.
pub fn env_value(text: &str, name: &str) -> Option<String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == name)
        .map(|(_, v)| v.trim().trim_matches('\'').to_string())
        .filter(|v| !v.is_empty())
}

/// Enough of every list for a demo tenant's handful of people.
const EVERYONE: ListOptions<'static> = ListOptions {
    search: None,
    include_archived: false,
    skip: 0,
    take: 1000,
};

/// The demo tenant, provisioned when missing, with the default configuration.
async fn demo_tenant(state: &AppState) -> Result<Tenant> {
    let tenant = match repo::tenants::find_by_slug(&state.pool, SLUG).await? {
        Some(t) => t,
        None => {
            let new = NewTenant {
                slug: SLUG.into(),
                name: "Demo Helpdesk".into(),
                admin_email: ADMIN_EMAIL.into(),
                admin_password: ADMIN_PASSWORD.into(),
                admin_first_name: Some("Ada".into()),
                custom_domains: vec![],
            };
            tenants::provision(state, new).await?.0.tenant
        }
    };
    // A demo tenant made before service configuration existed gets the defaults now.
    if Queues::list(state, &tenant, true).await?.is_empty() {
        let mut conn = state.pool.acquire().await?;
        configuration::defaults::seed(&mut conn, tenant.id).await?;
    }
    Ok(tenant)
}

/// The demo admin and technician, with their demo passwords.
async fn demo_members(state: &AppState, tenant: &Tenant) -> Result<()> {
    let system = Principal {
        tenant_id: tenant.id,
        actor: Actor::Member {
            id: 0,
            role: MemberRole::MasterAdmin,
        },
        via: AuthMethod::ApiKey,
        credential: None,
    };
    let existing = members::list(state, tenant, &EVERYONE).await?.rows;
    for (email, password, first, role) in [
        (ADMIN_EMAIL, ADMIN_PASSWORD, "Ada", MemberRole::MasterAdmin),
        (TECH_EMAIL, TECH_PASSWORD, "Tom", MemberRole::Tech),
    ] {
        match existing.iter().find(|m| m.email == email) {
            Some(m) => {
                let hash = password::hash(password.into()).await?;
                repo::members::set_password(&state.pool, tenant.id, m.id, &hash).await?;
            }
            None => {
                let input = MemberInput {
                    email: email.into(),
                    first_name: first.into(),
                    last_name: Some("Demo".into()),
                    role,
                    password: Some(password.into()),
                };
                members::create(state, tenant, &system, input).await?;
            }
        }
    }
    Ok(())
}

/// The demo customer company's id.
async fn demo_company(state: &AppState, tenant: &Tenant) -> Result<i32> {
    if let Some(c) = companies::list(state, tenant, &EVERYONE)
        .await?
        .rows
        .first()
    {
        return Ok(c.id);
    }
    let input = CompanyInput {
        name: "Example Customer Ltd".into(),
        identifier: Some("ExampleCustomer".into()),
    };
    Ok(companies::create(state, tenant, input).await?.id)
}

/// The demo contact (an approver of their company), with the demo password.
async fn demo_contact(state: &AppState, tenant: &Tenant, company_id: i32) -> Result<()> {
    let existing = contacts::list(state, tenant, None, &EVERYONE).await?.rows;
    if let Some(c) = existing.iter().find(|c| c.email == CONTACT_EMAIL) {
        let hash = password::hash(CONTACT_PASSWORD.into()).await?;
        repo::contacts::set_password(&state.pool, tenant.id, c.id, &hash).await?;
        return Ok(());
    }
    let input = ContactInput {
        company_id,
        email: CONTACT_EMAIL.into(),
        first_name: "Casey".into(),
        last_name: Some("Customer".into()),
        phone: None,
        password: Some(CONTACT_PASSWORD.into()),
        is_approver: true,
        is_vip: false,
        sees_company_tickets: false,
    };
    contacts::create(state, tenant, input).await?;
    Ok(())
}

/// A new demo API key; the previous demo keys are revoked.
async fn demo_key(state: &AppState, tenant: &Tenant) -> Result<String> {
    for key in credentials::list_api_keys(state, tenant).await? {
        if key.created_by == "demo" && key.revoked_at.is_none() {
            credentials::revoke_api_key(state, tenant, &key.id).await?;
        }
    }
    let input = NewApiKeyInput {
        name: "demo".into(),
        scope: KeyScope::ReadWrite,
        expires_at: None,
    };
    Ok(credentials::create_api_key(state, tenant, input, "demo")
        .await?
        .secret)
}
