//! Provisioning: creating, changing and suspending tenants.

use super::validate;
use crate::{
    auth::password,
    db::notify::Signal,
    domain::{
        MemberRole, RateLimitPlan, Tenant,
        tenants::{NewTenant, TenantChanges},
    },
    error::{Error, Result},
    repo::{self, members::MemberFields, tenants},
    state::AppState,
};

/// Host labels that cannot be tenant slugs.
const RESERVED_SLUGS: &[&str] = &["www", "api", "admin", "platform", "status", "mail"];

pub struct TenantDetails {
    pub tenant: Tenant,
    pub custom_domains: Vec<String>,
}

pub async fn provision(
    state: &AppState,
    new: NewTenant,
) -> Result<(TenantDetails, repo::members::Member)> {
    let slug = slug(&new.slug)?;
    let name = validate::required_text("name", &new.name, 200)?;
    let admin_email = validate::email("adminEmail", &new.admin_email)?;
    password::validate("adminPassword", &new.admin_password)?;
    let first_name = validate::required_text(
        "adminFirstName",
        new.admin_first_name.as_deref().unwrap_or("Admin"),
        100,
    )?;
    let domains = custom_domains(state, &new.custom_domains)?;
    let hash = password::hash(new.admin_password).await?;

    let mut tx = state.pool.begin().await?;
    let tenant = tenants::insert(&mut tx, &slug, &name).await.map_err(|e| {
        if repo::is_unique_violation(&e, "tenants_slug_key") {
            Error::conflict("slug", format!("the slug `{slug}` is taken"))
        } else {
            e.into()
        }
    })?;
    if let Some(taken) = tenants::set_domains(&mut tx, tenant.id, &domains).await? {
        return Err(domain_taken(&taken));
    }
    let admin = repo::members::insert(
        &mut tx,
        tenant.id,
        &MemberFields {
            email: &admin_email,
            first_name: &first_name,
            last_name: "",
            role: MemberRole::MasterAdmin,
        },
        Some(&hash),
    )
    .await?;
    super::configuration::defaults::seed(&mut tx, tenant.id).await?;
    tx.commit().await?;
    state.invalidate(Signal::Tenant(tenant.id)).await;
    Ok((
        TenantDetails {
            tenant,
            custom_domains: domains,
        },
        admin,
    ))
}

pub async fn list(state: &AppState) -> Result<Vec<TenantDetails>> {
    let all = tenants::list(&state.pool).await?;
    let mut conn = state.pool.acquire().await?;
    let mut out = Vec::with_capacity(all.len());
    for tenant in all {
        let custom_domains = tenants::domains(&mut conn, tenant.id).await?;
        out.push(TenantDetails {
            tenant,
            custom_domains,
        });
    }
    Ok(out)
}

pub async fn get(state: &AppState, slug: &str) -> Result<TenantDetails> {
    let tenant = tenants::find_by_slug(&state.pool, &slug.to_ascii_lowercase())
        .await?
        .ok_or_else(|| Error::not_found("tenant"))?;
    let mut conn = state.pool.acquire().await?;
    let custom_domains = tenants::domains(&mut conn, tenant.id).await?;
    Ok(TenantDetails {
        tenant,
        custom_domains,
    })
}

pub async fn update(
    state: &AppState,
    current: &Tenant,
    changes: TenantChanges,
) -> Result<TenantDetails> {
    let name = match &changes.name {
        Some(name) => validate::required_text("name", name, 200)?,
        None => current.name.clone(),
    };
    let cors_origins = match &changes.cors_origins {
        Some(origins) => origins
            .iter()
            .map(|o| validate::origin("corsOrigins", o))
            .collect::<Result<Vec<_>>>()?,
        None => current.cors_origins.clone(),
    };
    let domains = changes
        .custom_domains
        .as_deref()
        .map(|d| custom_domains(state, d))
        .transpose()?;
    let mut tx = state.pool.begin().await?;
    let tenant = tenants::update(
        &mut tx,
        current.id,
        &name,
        changes.status.unwrap_or(current.status),
        &cors_origins,
    )
    .await?;
    if let Some(domains) = &domains
        && let Some(taken) = tenants::set_domains(&mut tx, tenant.id, domains).await?
    {
        return Err(domain_taken(&taken));
    }
    let custom_domains = tenants::domains(&mut tx, tenant.id).await?;
    tx.commit().await?;
    state.invalidate(Signal::Tenant(tenant.id)).await;
    Ok(TenantDetails {
        tenant,
        custom_domains,
    })
}

fn slug(value: &str) -> Result<String> {
    let slug = value.trim().to_ascii_lowercase();
    let valid = (1..=63).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if !valid {
        return Err(Error::validation(
            "slug",
            "slug must be 1 to 63 lowercase letters, digits or hyphens, not starting or ending with a hyphen",
        ));
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return Err(Error::validation("slug", format!("`{slug}` is reserved")));
    }
    Ok(slug)
}

fn custom_domains(state: &AppState, domains: &[String]) -> Result<Vec<String>> {
    let base = state.tenants.base_domain();
    let mut out = Vec::with_capacity(domains.len());
    for domain in domains {
        let domain = validate::host_name("customDomains", domain)?;
        if domain == base || domain.ends_with(&format!(".{base}")) {
            return Err(Error::validation(
                "customDomains",
                format!("`{domain}` is under the base domain; tenants get those by slug"),
            ));
        }
        if !out.contains(&domain) {
            out.push(domain);
        }
    }
    Ok(out)
}

fn domain_taken(domain: &str) -> Error {
    Error::conflict(
        "customDomains",
        format!("`{domain}` already belongs to another tenant"),
    )
}

/// The most units any limit may allow per window.
pub const MAX_LIMIT: u32 = 10_000_000;

/// Sets a tenant's plan; every instance applies it at once.
pub async fn set_rate_limits(
    state: &AppState,
    current: &Tenant,
    plan: RateLimitPlan,
) -> Result<Tenant> {
    for (field, value) in [
        ("perKey", plan.per_key),
        ("perUser", plan.per_user),
        ("perAddress", plan.per_address),
        ("perTenant", plan.per_tenant),
    ] {
        // Below the dearest operation's cost, that operation could never run.
        let least = crate::rate_limit::MAX_COST;
        if value.is_some_and(|v| !(least..=MAX_LIMIT).contains(&v)) {
            return Err(Error::validation(
                field,
                format!("{field} must be {least} to {MAX_LIMIT}, or null for the default"),
            ));
        }
    }
    let tenant = tenants::set_rate_limits(&state.pool, current.id, &plan).await?;
    state.invalidate(Signal::Tenant(tenant.id)).await;
    Ok(tenant)
}
