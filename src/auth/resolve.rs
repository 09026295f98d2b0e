//! The middleware that turns a request's credentials into an [`Authentication`].
//! Resolved principals are cached briefly (never past the credential's expiry) and dropped at
//! once, on every instance, when a credential or person of the tenant changes.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, Uri, header},
    middleware::Next,
    response::Response,
};
use base64::Engine;
use chrono::DateTime;

use super::{
    Actor, AuthMethod, Authentication, Dialect, Principal, cache::CacheKey, principal::is_safe,
    session,
};
use crate::{
    domain::{Tenant, UserKind},
    error::{Error, Result},
    repo::{contacts, credentials, members},
    secrets::{self, API_KEY_PREFIX, PERSONAL_TOKEN_PREFIX, SESSION_PREFIX},
    state::AppState,
    tenancy::Site,
};

pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let authentication = match request.extensions().get::<Site>() {
        Some(Site::Tenant(tenant)) => {
            let tenant = Arc::clone(tenant);
            let (uri, method) = (request.uri(), request.method());
            authenticate(&state, &tenant, request.headers(), method, uri).await
        }
        _ => Authentication::Anonymous,
    };
    let span = tracing::Span::current();
    if let Some(Site::Tenant(tenant)) = request.extensions().get::<Site>() {
        span.record("tenant", tenant.slug.as_str());
    }
    span.record(
        "principal",
        match &authentication {
            Authentication::Anonymous => "anonymous",
            Authentication::Rejected(_) => "rejected",
            Authentication::Authenticated(p) => match p.actor {
                Actor::ApiKey { .. } => "api_key",
                Actor::Member { .. } => "member",
                Actor::Contact { .. } => "contact",
            },
        },
    );
    request.extensions_mut().insert(authentication);
    next.run(request).await
}

async fn authenticate(
    state: &AppState,
    tenant: &Tenant,
    headers: &HeaderMap,
    method: &Method,
    uri: &Uri,
) -> Authentication {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let result = match value.to_str() {
            Ok(value) => {
                let dialect = Dialect::of(uri.path());
                from_authorization(state, tenant, value, dialect).await
            }
            Err(_) => Err(Error::unauthorized("the Authorization header is malformed")),
        };
        return result.map_or_else(Authentication::Rejected, Authentication::Authenticated);
    }
    // DeskDirector also takes the key as `?api_key=` (less safe than the header: URLs end up in
    // proxies' and browsers' histories). deskd logs routes, never query strings.
    if let Some(key) = query_api_key(uri.query()) {
        return from_api_key(state, tenant, &key)
            .await
            .map_or_else(Authentication::Rejected, Authentication::Authenticated);
    }
    if let Some(token) = session::read_cookie(headers, state.config.cookie_secure) {
        return match from_session(state, tenant, token).await {
            Ok(_) if !is_safe(method) && !origin_ok(headers, tenant) => {
                Authentication::Rejected(session::origin_mismatch())
            }
            Ok(principal) => Authentication::Authenticated(principal),
            Err(e) => Authentication::Rejected(e),
        };
    }
    Authentication::Anonymous
}

fn origin_ok(headers: &HeaderMap, tenant: &Tenant) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    session::origin_allowed(headers, host, &tenant.cors_origins)
}

/// The `api_key` query parameter, when the request has one.
fn query_api_key(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs
        .into_iter()
        .find(|(k, _)| k == "api_key")
        .map(|(_, v)| v)
}

async fn from_authorization(
    state: &AppState,
    tenant: &Tenant,
    value: &str,
    dialect: Dialect,
) -> Result<Principal> {
    let value = value.trim();
    // Desk365 sends its key bare; Desk360 sends its token (a personal access token) as Bearer.
    match dialect {
        Dialect::Desk365 if !value.contains(' ') => {
            return from_api_key(state, tenant, value).await;
        }
        Dialect::Desk360 => {
            let token = value
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or_else(|| {
                    Error::unauthorized(
                        "send the API token as `Authorization: Bearer YOUR-API-TOKEN`",
                    )
                })?;
            return if token.starts_with(API_KEY_PREFIX) {
                from_api_key(state, tenant, token).await
            } else {
                from_personal_token(state, tenant, token).await
            };
        }
        _ => {}
    }
    let (scheme, credential) = value.split_once(' ').unwrap_or((value, ""));
    let credential = credential.trim();
    if credential.is_empty() {
        return Err(Error::unauthorized(
            "the Authorization header has no credential",
        ));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "ddapi" => from_api_key(state, tenant, credential).await,
        "ddaccesstoken" => from_access_token(state, tenant, credential).await,
        "basic" => from_personal_token(state, tenant, &basic_credential(credential)).await,
        _ => Err(Error::unauthorized(
            "unsupported Authorization scheme; use DdApi, DdAccessToken or Basic",
        )),
    }
}

/// DeskDirector's Tech connector sends the raw token after `Basic`; RFC 7617 clients send
/// base64 of `user:token`. Both are accepted.
fn basic_credential(credential: &str) -> String {
    if credential.starts_with(PERSONAL_TOKEN_PREFIX) {
        return credential.to_string();
    }
    base64::engine::general_purpose::STANDARD
        .decode(credential)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| pair.split_once(':').map(|(_, token)| token.to_string()))
        .unwrap_or_default()
}

async fn from_api_key(state: &AppState, tenant: &Tenant, key: &str) -> Result<Principal> {
    let invalid = || Error::unauthorized("the API key is invalid, expired or revoked");
    if !key.starts_with(API_KEY_PREFIX) {
        return Err(invalid());
    }
    let hash = secrets::sha256(key);
    let cache_key = CacheKey::Secret(tenant.id, hash);
    if let Some(principal) = state.auth_cache.principals.get(&cache_key) {
        return Ok(principal);
    }
    let generation = state.auth_cache.principals.generation();
    let (id, scope, expires_at) = credentials::find_api_key(&state.pool, tenant.id, &hash)
        .await?
        .ok_or_else(invalid)?;
    touch(state, format!("key:{}:{id}", tenant.id), {
        let (pool, tenant, id) = (state.pool.clone(), tenant.id, id.clone());
        async move { credentials::touch_api_key(&pool, tenant, &id).await }
    });
    let principal = Principal {
        tenant_id: tenant.id,
        actor: Actor::ApiKey { id, scope },
        via: AuthMethod::ApiKey,
        credential: None,
    };
    state
        .auth_cache
        .remember(cache_key, &principal, expires_at, generation);
    Ok(principal)
}

async fn from_personal_token(state: &AppState, tenant: &Tenant, token: &str) -> Result<Principal> {
    let invalid =
        || Error::unauthorized("the personal access token is invalid, expired or revoked");
    if !token.starts_with(PERSONAL_TOKEN_PREFIX) {
        return Err(invalid());
    }
    let hash = secrets::sha256(token);
    let cache_key = CacheKey::Secret(tenant.id, hash);
    if let Some(principal) = state.auth_cache.principals.get(&cache_key) {
        return Ok(principal);
    }
    let generation = state.auth_cache.principals.generation();
    let (id, member_id, role, expires_at) =
        credentials::find_personal_token(&state.pool, tenant.id, &hash)
            .await?
            .ok_or_else(invalid)?;
    touch(state, format!("pat:{}:{id}", tenant.id), {
        let (pool, tenant, id) = (state.pool.clone(), tenant.id, id.clone());
        async move { credentials::touch_personal_token(&pool, tenant, &id).await }
    });
    let principal = Principal {
        tenant_id: tenant.id,
        actor: Actor::Member {
            id: member_id,
            role,
        },
        via: AuthMethod::PersonalAccessToken,
        credential: Some(id),
    };
    state
        .auth_cache
        .remember(cache_key, &principal, expires_at, generation);
    Ok(principal)
}

async fn from_session(state: &AppState, tenant: &Tenant, token: &str) -> Result<Principal> {
    let invalid =
        || Error::unauthorized("the session has expired or was signed out; sign in again");
    if !token.starts_with(SESSION_PREFIX) {
        return Err(invalid());
    }
    let hash = secrets::sha256(token);
    let cache_key = CacheKey::Secret(tenant.id, hash);
    if let Some(principal) = state.auth_cache.principals.get(&cache_key) {
        return Ok(principal);
    }
    let generation = state.auth_cache.principals.generation();
    let user = credentials::find_session(&state.pool, tenant.id, &hash)
        .await?
        .ok_or_else(invalid)?;
    let actor = match (user.user_kind, user.role, user.company_id) {
        (UserKind::Member, Some(role), _) => Actor::Member {
            id: user.user_id,
            role,
        },
        (UserKind::Contact, _, Some(company_id)) => Actor::Contact {
            id: user.user_id,
            company_id,
        },
        _ => return Err(invalid()),
    };
    let principal = Principal {
        tenant_id: tenant.id,
        actor,
        via: AuthMethod::Cookie,
        credential: None,
    };
    state
        .auth_cache
        .remember(cache_key, &principal, Some(user.expires_at), generation);
    Ok(principal)
}

async fn from_access_token(state: &AppState, tenant: &Tenant, token: &str) -> Result<Principal> {
    // A verified token is remembered by its hash until it expires: checking a signature costs
    // more than the rest of a request.
    let token_key = CacheKey::Secret(tenant.id, secrets::sha256(token));
    if let Some(principal) = state.auth_cache.principals.get(&token_key) {
        return Ok(principal);
    }
    let generation = state.auth_cache.principals.generation();
    let claims = state.tokens.verify(&state.pool, token).await?;
    if claims.tid != tenant.id {
        return Err(Error::unauthorized(
            "the access token is invalid or has expired",
        ));
    }
    let expires_at = DateTime::from_timestamp(claims.exp, 0);
    // Each token is checked against its holder once (then remembered by its hash, until a change
    // to the tenant's people drops it): still active, and no password change since it was issued.
    let gone =
        || Error::unauthorized("the user this access token was issued to is no longer active");
    let (actor, password_changed_at) = match claims.kind {
        UserKind::Member => {
            let (role, changed) = members::token_holder(&state.pool, tenant.id, claims.uid)
                .await?
                .ok_or_else(gone)?;
            (
                Actor::Member {
                    id: claims.uid,
                    role,
                },
                changed,
            )
        }
        UserKind::Contact => {
            let (company_id, changed) = contacts::token_holder(&state.pool, tenant.id, claims.uid)
                .await?
                .ok_or_else(gone)?;
            (
                Actor::Contact {
                    id: claims.uid,
                    company_id,
                },
                changed,
            )
        }
    };
    if password_changed_at.is_some_and(|at| claims.iat < at.timestamp()) {
        return Err(Error::unauthorized(
            "the access token was issued before the password changed; sign in again",
        ));
    }
    let principal = Principal {
        tenant_id: tenant.id,
        actor,
        via: AuthMethod::AccessToken,
        credential: None,
    };
    state
        .auth_cache
        .remember(token_key, &principal, expires_at, generation);
    Ok(principal)
}

/// Records last use in the background, at most once a minute per credential.
fn touch(
    state: &AppState,
    credential: String,
    write: impl Future<Output = Result<(), sqlx::Error>> + Send + 'static,
) {
    if state.auth_cache.due_for_touch(credential) {
        tokio::spawn(async move {
            if let Err(e) = write.await {
                tracing::warn!(error = %e, "could not record a credential's last use");
            }
        });
    }
}
