//! API keys (tenant-wide, made by admins) and personal access tokens (a member's own).

use chrono::{DateTime, Duration, Utc};

use super::validate;
use crate::{
    auth::{AuthMethod, Principal},
    db::notify::Signal,
    domain::{
        MemberRole, Tenant,
        credentials::{NewApiKeyInput, NewPersonalTokenInput},
    },
    error::{Error, Result},
    repo::{
        credentials::{self, ApiKey, NewApiKey, NewPersonalToken, PersonalToken},
        members,
    },
    secrets::{self, API_KEY_PREFIX, PERSONAL_TOKEN_PREFIX},
    state::AppState,
};

/// A freshly made credential: the only time its secret is seen.
pub struct Created<T> {
    pub record: T,
    pub secret: String,
}

pub async fn create_api_key(
    state: &AppState,
    tenant: &Tenant,
    input: NewApiKeyInput,
    created_by: &str,
) -> Result<Created<ApiKey>> {
    let name = validate::required_text("name", &input.name, 100)?;
    future_expiry(input.expires_at)?;
    let secret = secrets::generate_token(API_KEY_PREFIX);
    let record = credentials::insert_api_key(
        &state.pool,
        tenant.id,
        &NewApiKey {
            id: &secrets::generate_id("ak_"),
            name: &name,
            hash: &secrets::sha256(&secret),
            prefix: &secrets::display_prefix(&secret),
            scope: input.scope,
            created_by,
            expires_at: input.expires_at,
        },
    )
    .await?;
    Ok(Created { record, secret })
}

pub async fn list_api_keys(state: &AppState, tenant: &Tenant) -> Result<Vec<ApiKey>> {
    Ok(credentials::list_api_keys(&state.pool, tenant.id).await?)
}

pub async fn get_api_key(state: &AppState, tenant: &Tenant, id: &str) -> Result<ApiKey> {
    credentials::get_api_key(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("API key"))
}

pub async fn revoke_api_key(state: &AppState, tenant: &Tenant, id: &str) -> Result<ApiKey> {
    let key = credentials::revoke_api_key(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("API key"))?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(key)
}

pub async fn create_personal_token(
    state: &AppState,
    tenant: &Tenant,
    member_id: i32,
    input: NewPersonalTokenInput,
) -> Result<Created<PersonalToken>> {
    let name = validate::required_text("name", &input.name, 100)?;
    future_expiry(input.expires_at)?;
    let secret = secrets::generate_token(PERSONAL_TOKEN_PREFIX);
    let record = credentials::insert_personal_token(
        &state.pool,
        tenant.id,
        &NewPersonalToken {
            id: &secrets::generate_id("pat_"),
            member_id,
            name: &name,
            hash: &secrets::sha256(&secret),
            prefix: &secrets::display_prefix(&secret),
            expires_at: input.expires_at,
        },
    )
    .await?;
    Ok(Created { record, secret })
}

pub async fn list_personal_tokens(
    state: &AppState,
    tenant: &Tenant,
    member_id: i32,
) -> Result<Vec<PersonalToken>> {
    Ok(credentials::list_personal_tokens(&state.pool, tenant.id, member_id).await?)
}

/// Revokes one of the member's own tokens; another member's token is not found.
pub async fn revoke_personal_token(
    state: &AppState,
    tenant: &Tenant,
    member_id: i32,
    id: &str,
) -> Result<PersonalToken> {
    let token = credentials::revoke_personal_token(&state.pool, tenant.id, member_id, id)
        .await?
        .ok_or_else(|| Error::not_found("personal access token"))?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(token)
}

/// The longest a token made for a member by someone else lives, and how long when not asked.
const FOR_MEMBER_MAX_DAYS: i64 = 365;
const FOR_MEMBER_DEFAULT_DAYS: i64 = 90;

/// A token an admin or an API key makes for a member (Desk360's "create a token for a user"):
/// only from a session or an API key (a token cannot breed tokens), for a master admin only by a
/// master admin, and for at most a year (90 days unless asked).
pub async fn create_token_for_member(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    member_id: i32,
    mut input: NewPersonalTokenInput,
) -> Result<Created<PersonalToken>> {
    if matches!(
        caller.via,
        AuthMethod::AccessToken | AuthMethod::PersonalAccessToken
    ) {
        return Err(Error::forbidden(
            "tokens for members are made from a signed-in session or with an API key",
        ));
    }
    let role = members::active_role(&state.pool, tenant.id, member_id)
        .await?
        .ok_or_else(|| Error::not_found("member"))?;
    if role == MemberRole::MasterAdmin && !caller.is_master_admin() {
        return Err(Error::forbidden(
            "only a master admin may make a token acting as a master admin",
        ));
    }
    let now = Utc::now();
    let latest = now + Duration::days(FOR_MEMBER_MAX_DAYS);
    let expires_at = *input
        .expires_at
        .get_or_insert(now + Duration::days(FOR_MEMBER_DEFAULT_DAYS));
    if expires_at > latest {
        return Err(Error::validation(
            "expiresAt",
            format!("a token made for a member lives at most {FOR_MEMBER_MAX_DAYS} days"),
        ));
    }
    create_personal_token(state, tenant, member_id, input).await
}

fn future_expiry(expires_at: Option<DateTime<Utc>>) -> Result<()> {
    if expires_at.is_some_and(|t| t <= Utc::now()) {
        return Err(Error::validation(
            "expiresAt",
            "expiresAt must be in the future",
        ));
    }
    Ok(())
}
