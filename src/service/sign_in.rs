//! Signing in with a password (session cookie), signing out, and minting access tokens.

use std::{net::IpAddr, time::Duration};

use chrono::{DateTime, Utc};

use crate::{
    auth::{
        Principal,
        access_token::MintedToken,
        password,
        throttle::{self, ThrottleKeys},
    },
    db::notify::Signal,
    domain::{MemberRole, Tenant, UserKind},
    error::{ApiError, ApiResult},
    repo::{contacts, credentials, members},
    secrets::{self, SESSION_PREFIX},
    state::AppState,
};

pub struct NewSession {
    pub user_id: i32,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Checks the password and opens a session. Unknown accounts and wrong passwords get the same
/// answer, after the same work, and both count towards throttling.
pub async fn sign_in(
    state: &AppState,
    tenant: &Tenant,
    kind: UserKind,
    email: &str,
    password: String,
    client: IpAddr,
) -> ApiResult<NewSession> {
    // Bounded before any work: these values reach the database and the password hasher.
    if email.len() > 254 {
        return Err(ApiError::validation(
            "email",
            "email must be at most 254 characters",
        ));
    }
    if password.len() > 1024 {
        return Err(ApiError::validation(
            "password",
            "password must be at most 1024 bytes",
        ));
    }
    let keys = ThrottleKeys::new(kind, email, client);
    let attempt = throttle::begin(&state.pool, tenant.id, &keys).await?;
    let account = match kind {
        UserKind::Member => members::find_for_login(&state.pool, tenant.id, email.trim()).await?,
        UserKind::Contact => contacts::find_for_login(&state.pool, tenant.id, email.trim()).await?,
    };
    let (user_id, hash) = match account {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let valid = password::verify(password, hash).await;
    let Some(user_id) = user_id.filter(|_| valid) else {
        return Err(ApiError::unauthorized("the email or password is incorrect"));
    };
    throttle::succeeded(&state.pool, tenant.id, &keys, attempt).await?;
    let token = secrets::generate_token(SESSION_PREFIX);
    let expires_at = Utc::now()
        + chrono::Duration::from_std(state.config.session_ttl).map_err(ApiError::internal)?;
    credentials::insert_session(
        &state.pool,
        tenant.id,
        &secrets::sha256(&token),
        kind,
        user_id,
        expires_at,
    )
    .await?;
    Ok(NewSession {
        user_id,
        token,
        expires_at,
    })
}

pub async fn sign_out(state: &AppState, tenant: &Tenant, session_token: &str) -> ApiResult<()> {
    if credentials::revoke_session(&state.pool, tenant.id, &secrets::sha256(session_token)).await? {
        state.invalidate(Signal::Credentials(tenant.id)).await;
    }
    Ok(())
}

/// An access token an admin mints for someone else (DeskDirector's `userkey`). It may never give
/// more than the caller has: read-only keys mint nothing (a token can write), and only a master
/// admin mints a master admin's token.
pub async fn mint_on_behalf(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    kind: UserKind,
    user_id: i32,
    lifetime: Duration,
) -> ApiResult<MintedToken> {
    if caller.is_read_only_key() {
        return Err(ApiError::forbidden(
            "a read-only API key cannot mint access tokens",
        ));
    }
    if kind == UserKind::Member {
        let role = members::active_role(&state.pool, tenant.id, user_id)
            .await?
            .ok_or_else(|| ApiError::not_found("member"))?;
        if role == MemberRole::MasterAdmin && !caller.is_master_admin() {
            return Err(ApiError::forbidden(
                "only a master admin may act as a master admin",
            ));
        }
    }
    mint_access_token(state, tenant, kind, user_id, lifetime).await
}

/// An access token for a live person of the tenant; someone else's id is not found.
pub async fn mint_access_token(
    state: &AppState,
    tenant: &Tenant,
    kind: UserKind,
    user_id: i32,
    lifetime: Duration,
) -> ApiResult<MintedToken> {
    let active = match kind {
        UserKind::Member => members::active_role(&state.pool, tenant.id, user_id)
            .await?
            .is_some(),
        UserKind::Contact => contacts::active_company(&state.pool, tenant.id, user_id)
            .await?
            .is_some(),
    };
    if !active {
        return Err(ApiError::not_found(kind.as_str()));
    }
    state
        .tokens
        .mint(&state.pool, tenant, kind, user_id, lifetime)
        .await
}
