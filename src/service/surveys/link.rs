//! The signed link a survey mail carries: its token names the tenant and the ticket, sealed with
//! the server key, so it answers that ticket's survey only, without signing in.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    domain::Tenant,
    error::{Error, Result},
    service::email::unsubscribe::portal_base,
    state::AppState,
};

pub fn token(state: &AppState, tenant: &Tenant, ticket: i32) -> String {
    let claim = format!("survey:{}:{ticket}", tenant.id);
    URL_SAFE_NO_PAD.encode(state.server_key.seal(claim.as_bytes()))
}

/// Where the contact answers: the portal's survey page, which reads and answers through
/// `/api/v2/public/surveys/{token}`.
pub fn url(state: &AppState, tenant: &Tenant, ticket: i32) -> String {
    format!(
        "{}/portal/survey?token={}",
        portal_base(state, tenant),
        token(state, tenant, ticket)
    )
}

/// The ticket a token stands for, on this tenant; a token of another tenant, or none of ours, is
/// a 404.
pub fn ticket_of(state: &AppState, tenant: &Tenant, token: &str) -> Result<i32> {
    let unknown = || Error::not_found("survey");
    let sealed = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| unknown())?;
    let claim = state.server_key.open(&sealed).map_err(|_| unknown())?;
    let claim = String::from_utf8(claim).map_err(|_| unknown())?;
    let mut parts = claim.split(':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("survey"), Some(t), Some(ticket), None) if t == tenant.id.to_string() => {
            ticket.parse().map_err(|_| unknown())
        }
        _ => Err(unknown()),
    }
}
