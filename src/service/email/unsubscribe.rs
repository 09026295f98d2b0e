//! One-click unsubscribe (RFC 8058): every optional notification carries a link whose token names
//! the tenant, the person and the rule, sealed with the server key so it cannot be forged or
//! pointed at someone else.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use super::rules::{self, Audience};
use crate::{
    domain::Tenant,
    error::{Error, Result},
    repo,
    state::AppState,
};

/// Where the tenant's portal is: its first custom domain, or its slug under the base domain.
pub fn portal_base(state: &AppState, tenant: &Tenant) -> String {
    let scheme = if state.config.cookie_secure {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{}.{}", tenant.slug, state.tenants.base_domain())
}

pub fn url(
    state: &AppState,
    tenant: &Tenant,
    audience: Audience,
    person: i32,
    rule: &str,
) -> String {
    let claim = format!("{}:{}:{person}:{rule}", tenant.id, audience.as_str());
    let token = URL_SAFE_NO_PAD.encode(state.server_key.seal(claim.as_bytes()));
    format!(
        "{}/api/v2/public/email/unsubscribe?token={token}",
        portal_base(state, tenant)
    )
}

/// What an unsubscribe token stands for.
pub struct Unsubscribe {
    pub audience: Audience,
    pub person: i32,
    pub rule: &'static str,
}

pub fn read(state: &AppState, tenant: &Tenant, token: &str) -> Result<Unsubscribe> {
    let invalid = || Error::validation("token", "the unsubscribe link is not valid");
    let sealed = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    let claim = state.server_key.open(&sealed).map_err(|_| invalid())?;
    let claim = String::from_utf8(claim).map_err(|_| invalid())?;
    let mut parts = claim.splitn(4, ':');
    let (Some(t), Some(kind), Some(person), Some(rule)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if t != tenant.id.to_string() {
        return Err(invalid());
    }
    let audience = match kind {
        "contact" => Audience::Contact,
        "member" => Audience::Member,
        _ => return Err(invalid()),
    };
    let rule = rules::rule(rule).map_err(|_| invalid())?;
    Ok(Unsubscribe {
        audience,
        person: person.parse().map_err(|_| invalid())?,
        rule: rule.name,
    })
}

/// Refuses the rule's mail for the person the token names.
pub async fn apply(state: &AppState, tenant: &Tenant, token: &str) -> Result<Unsubscribe> {
    let u = read(state, tenant, token)?;
    repo::email::set_opt_out(
        &state.pool,
        tenant.id,
        u.audience.as_str(),
        u.person,
        u.rule,
        true,
    )
    .await?;
    Ok(u)
}
