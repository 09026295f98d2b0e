//! Signing in and out with a password (session cookie), and exchanging a session for a
//! `DdAccessToken`, for the client portal (contacts) and the tech portal (members).

use std::time::Duration;

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{
        AuthMethod,
        access_token::MintedToken,
        extractors::{ClientAddr, CurrentTenant, PortalUser, TechUser},
        session,
    },
    domain::{Tenant, UserKind},
    error::{Error, Result},
    http::extract::ApiJson,
    http::idempotency::{OneTimeSecret, one_time_secret},
    service::sessions,
    state::AppState,
};

#[derive(Deserialize, ToSchema)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedIn {
    pub user_kind: UserKind,
    pub user_id: i32,
    /// When the session cookie stops working.
    pub expires_on: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenView {
    /// Send as `Authorization: DdAccessToken <accessToken>`.
    pub access_token: String,
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    pub expires_on: DateTime<Utc>,
}

impl AccessTokenView {
    pub fn new(minted: MintedToken, lifetime: Duration) -> Self {
        Self {
            access_token: minted.token,
            token_type: "DdAccessToken".into(),
            expires_in: lifetime.as_secs(),
            expires_on: minted.expires_at,
        }
    }
}

pub fn portal_open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in_contact))
        .routes(routes!(sign_out_contact))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_contact_token))
}

pub fn tech_open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in_member))
        .routes(routes!(sign_out_member))
}

pub fn tech_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_member_token))
}

/// Sign a contact in: sets the `deskd_session` cookie. Five failures in a minute for one account
/// or from one address answer 429 `too_many_attempts`.
#[utoipa::path(post, path = "/auth/login", request_body = LoginInput, responses((status = 200, body = SignedIn)))]
pub async fn sign_in_contact(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<Response> {
    sign_in_as(&state, &tenant, UserKind::Contact, client, &headers, input).await
}

/// Sign a member in: sets the `deskd_session` cookie. Throttled like the portal's.
#[utoipa::path(post, path = "/auth/login", request_body = LoginInput, responses((status = 200, body = SignedIn)))]
pub async fn sign_in_member(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<Response> {
    sign_in_as(&state, &tenant, UserKind::Member, client, &headers, input).await
}

async fn sign_in_as(
    state: &AppState,
    tenant: &Tenant,
    kind: UserKind,
    client: std::net::IpAddr,
    headers: &HeaderMap,
    input: LoginInput,
) -> Result<Response> {
    // A browser posting from another site must not sign its user in here (login CSRF).
    if headers.contains_key(header::ORIGIN) && !same_site(headers, tenant) {
        return Err(session::origin_mismatch());
    }
    let session =
        sessions::sign_in(state, tenant, kind, &input.email, input.password, client).await?;
    let cookie = session::set_cookie(
        &session.token,
        state.config.session_ttl.as_secs(),
        state.config.cookie_secure,
    );
    let body = SignedIn {
        user_kind: kind,
        user_id: session.user_id,
        expires_on: session.expires_at,
    };
    Ok(([(header::SET_COOKIE, cookie)], Json(body)).into_response())
}

/// Sign out: revokes the session and clears the cookie. Always answers 204.
#[utoipa::path(post, path = "/auth/logout", responses((status = 204)))]
pub async fn sign_out_contact(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
) -> Result<Response> {
    sign_out(&state, &tenant, &headers).await
}

/// Sign out: revokes the session and clears the cookie. Always answers 204.
#[utoipa::path(post, path = "/auth/logout", responses((status = 204)))]
pub async fn sign_out_member(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
) -> Result<Response> {
    sign_out(&state, &tenant, &headers).await
}

async fn sign_out(state: &AppState, tenant: &Tenant, headers: &HeaderMap) -> Result<Response> {
    if let Some(token) = session::read_cookie(headers, state.config.cookie_secure) {
        if !same_site(headers, tenant) {
            return Err(session::origin_mismatch());
        }
        sessions::sign_out(state, tenant, token).await?;
    }
    let clear: HeaderValue = session::clear_cookie(state.config.cookie_secure);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, clear)]).into_response())
}

/// Exchange the signed-in contact's session for a 60-minute portal access token.
#[utoipa::path(post, path = "/auth/token", responses((status = 200, body = AccessTokenView)))]
pub async fn create_contact_token(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<(Extension<OneTimeSecret>, Json<AccessTokenView>)> {
    session_only(user.via)?;
    let lifetime = state.config.access_token_ttl;
    let minted = sessions::mint_access_token(
        &state,
        &user.tenant,
        UserKind::Contact,
        user.contact_id,
        lifetime,
    )
    .await?;
    Ok((
        one_time_secret(),
        Json(AccessTokenView::new(minted, lifetime)),
    ))
}

/// Exchange the signed-in member's session (or personal access token) for a 60-minute tech access token.
#[utoipa::path(post, path = "/auth/token", responses((status = 200, body = AccessTokenView)))]
pub async fn create_member_token(
    State(state): State<AppState>,
    user: TechUser,
) -> Result<(Extension<OneTimeSecret>, Json<AccessTokenView>)> {
    session_only(user.via)?;
    let lifetime = state.config.access_token_ttl;
    let minted = sessions::mint_access_token(
        &state,
        &user.tenant,
        UserKind::Member,
        user.member_id,
        lifetime,
    )
    .await?;
    Ok((
        one_time_secret(),
        Json(AccessTokenView::new(minted, lifetime)),
    ))
}

/// An access token cannot mint its successor: that would make it live for ever.
fn session_only(via: AuthMethod) -> Result<()> {
    match via {
        AuthMethod::AccessToken => Err(Error::forbidden(
            "an access token cannot be exchanged for another; sign in again",
        )),
        _ => Ok(()),
    }
}

fn same_site(headers: &HeaderMap, tenant: &Tenant) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    session::origin_allowed(headers, host, &tenant.cors_origins)
}
