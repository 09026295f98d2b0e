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
    domain::{MemberRole, Tenant, UserKind, portal::SignInOption},
    error::{Error, Result},
    repo::{contacts, credentials, email::Person, login_codes, members},
    secrets::{self, SESSION_PREFIX},
    service::{branding, email::planner, events},
    state::AppState,
};

pub struct NewSession {
    pub user_id: i32,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Refuses (403) a contact sign-in method the tenant's branding switched off.
async fn offered(state: &AppState, tenant: &Tenant, option: SignInOption) -> Result<()> {
    let branding = branding::get(state, tenant).await?;
    if branding
        .sign_in_options
        .iter()
        .any(|o| o == option.as_str())
    {
        return Ok(());
    }
    Err(Error::forbidden(format!(
        "signing in with {} is switched off for this portal",
        match option {
            SignInOption::Password => "a password",
            SignInOption::LoginCode => "a one-time code",
        }
    )))
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
) -> Result<NewSession> {
    let user_id = check_password(state, tenant, kind, email, password, client).await?;
    open_session(state, tenant, kind, user_id).await
}

/// The account's id when the password is right (throttled as signing in is).
pub async fn check_password(
    state: &AppState,
    tenant: &Tenant,
    kind: UserKind,
    email: &str,
    password: String,
    client: IpAddr,
) -> Result<i32> {
    // Bounded before any work: these values reach the database and the password hasher.
    if email.len() > 254 {
        return Err(Error::validation(
            "email",
            "email must be at most 254 characters",
        ));
    }
    if password.len() > 1024 {
        return Err(Error::validation(
            "password",
            "password must be at most 1024 bytes",
        ));
    }
    if kind == UserKind::Contact {
        offered(state, tenant, SignInOption::Password).await?;
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
        return Err(Error::unauthorized("the email or password is incorrect"));
    };
    throttle::succeeded(&state.pool, tenant.id, &keys, attempt).await?;
    Ok(user_id)
}

/// A new session for someone whose credentials were just checked.
async fn open_session(
    state: &AppState,
    tenant: &Tenant,
    kind: UserKind,
    user_id: i32,
) -> Result<NewSession> {
    let token = secrets::generate_token(SESSION_PREFIX);
    let expires_at = Utc::now()
        + chrono::Duration::from_std(state.config.session_ttl).map_err(Error::internal)?;
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

/// How long a one-time login code works.
pub const LOGIN_CODE_TTL: Duration = Duration::from_secs(15 * 60);
/// The most codes a contact is given in one code's lifetime.
const MAX_LIVE_CODES: i64 = 5;

/// A one-time login code: six digits.
pub struct LoginCode {
    pub contact_id: i32,
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

fn code_hash(contact: i32, code: &str) -> [u8; 32] {
    secrets::sha256(&format!("{contact}:{code}"))
}

/// Gives a live contact a new one-time login code; `None` when they already hold as many as a
/// contact may ask for in 15 minutes.
pub async fn issue_login_code(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
) -> Result<Option<LoginCode>> {
    if contacts::active_company(&state.pool, tenant.id, contact)
        .await?
        .is_none()
    {
        return Err(Error::not_found("contact"));
    }
    let ttl = chrono::Duration::from_std(LOGIN_CODE_TTL).map_err(Error::internal)?;
    let now = Utc::now();
    if login_codes::issued_since(&state.pool, tenant.id, contact, now - ttl).await?
        >= MAX_LIVE_CODES
    {
        return Ok(None);
    }
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let expires_at = now + ttl;
    login_codes::insert(
        &state.pool,
        tenant.id,
        contact,
        &code_hash(contact, &code),
        expires_at,
    )
    .await?;
    Ok(Some(LoginCode {
        contact_id: contact,
        code,
        expires_at,
    }))
}

/// A contact asks for a code by email. The answer never says whether the email is known; the
/// code goes out as a `contact.login_code_requested` event (for a webhook or flow) and, when the
/// tenant sends mail, by mail.
pub async fn request_login_code(
    state: &AppState,
    tenant: &Tenant,
    email: &str,
    client: IpAddr,
) -> Result<()> {
    if email.len() > 254 {
        return Err(Error::validation(
            "email",
            "email must be at most 254 characters",
        ));
    }
    offered(state, tenant, SignInOption::LoginCode).await?;
    // Asking counts like a sign-in attempt, so the endpoint cannot be used to flood a contact.
    let keys = ThrottleKeys::new(UserKind::Contact, email, client);
    throttle::begin(&state.pool, tenant.id, &keys).await?;
    let Some((contact, _)) = contacts::find_for_login(&state.pool, tenant.id, email.trim()).await?
    else {
        return Ok(());
    };
    let Some(code) = issue_login_code(state, tenant, contact).await? else {
        return Ok(());
    };
    let mut tx = state.pool.begin().await?;
    let payload = serde_json::json!({
        "contactId": contact, "email": email.trim(), "code": code.code, "expiresOn": code.expires_at,
    });
    events::record(
        &mut tx,
        tenant.id,
        "contact.login_code_requested",
        "contact",
        contact.to_string(),
        payload,
    )
    .await?;
    // And by mail, when the tenant sends mail.
    if let Some(c) = contacts::get(&mut *tx, tenant.id, contact).await? {
        let to = Person {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
        };
        let minutes = (code.expires_at - chrono::Utc::now()).num_minutes().max(1);
        planner::queue_login_code(state, &mut tx, tenant, to, &code.code, minutes).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Signs a contact in with a one-time code. Throttled like passwords; every failure is the same.
pub async fn sign_in_with_code(
    state: &AppState,
    tenant: &Tenant,
    email: &str,
    code: &str,
    client: IpAddr,
) -> Result<NewSession> {
    let wrong = || Error::unauthorized("the email or login code is incorrect or has expired");
    if email.len() > 254 || code.len() > 32 {
        return Err(wrong());
    }
    offered(state, tenant, SignInOption::LoginCode).await?;
    let keys = ThrottleKeys::new(UserKind::Contact, email, client);
    let attempt = throttle::begin(&state.pool, tenant.id, &keys).await?;
    let Some((contact, _)) = contacts::find_for_login(&state.pool, tenant.id, email.trim()).await?
    else {
        return Err(wrong());
    };
    let code = code.trim();
    if !login_codes::redeem(&state.pool, tenant.id, contact, &code_hash(contact, code)).await? {
        return Err(wrong());
    }
    throttle::succeeded(&state.pool, tenant.id, &keys, attempt).await?;
    open_session(state, tenant, UserKind::Contact, contact).await
}

/// Exchanges a contact's portal access token for a session (a deep link's `access_token`).
pub async fn sign_in_with_access_token(
    state: &AppState,
    tenant: &Tenant,
    token: &str,
) -> Result<NewSession> {
    let invalid = || Error::unauthorized("the access token is invalid or has expired");
    let claims = state.tokens.verify(&state.pool, token).await?;
    if claims.tid != tenant.id || claims.kind != UserKind::Contact {
        return Err(invalid());
    }
    contacts::active_company(&state.pool, tenant.id, claims.uid)
        .await?
        .ok_or_else(invalid)?;
    open_session(state, tenant, UserKind::Contact, claims.uid).await
}

pub async fn sign_out(state: &AppState, tenant: &Tenant, session_token: &str) -> Result<()> {
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
) -> Result<MintedToken> {
    if caller.is_read_only_key() {
        return Err(Error::forbidden(
            "a read-only API key cannot mint access tokens",
        ));
    }
    if kind == UserKind::Member {
        let role = members::active_role(&state.pool, tenant.id, user_id)
            .await?
            .ok_or_else(|| Error::not_found("member"))?;
        if role == MemberRole::MasterAdmin && !caller.is_master_admin() {
            return Err(Error::forbidden(
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
) -> Result<MintedToken> {
    let active = match kind {
        UserKind::Member => members::active_role(&state.pool, tenant.id, user_id)
            .await?
            .is_some(),
        UserKind::Contact => contacts::active_company(&state.pool, tenant.id, user_id)
            .await?
            .is_some(),
    };
    if !active {
        return Err(Error::not_found(kind.as_str()));
    }
    state
        .tokens
        .mint(&state.pool, tenant, kind, user_id, lifetime)
        .await
}
