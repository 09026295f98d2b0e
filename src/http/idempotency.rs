//! `Idempotency-Key` on POSTs: the first answer to a key is kept for 24 hours and replayed to
//! retries (with `Idempotent-Replayed: true`), so a client that lost an answer can retry without
//! creating twice. The same key with another request is a 422; a retry while the first request
//! still runs is a 409. Keys belong to one caller of one tenant.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use crate::{
    auth::{Actor, Authentication},
    domain::TenantId,
    error::Error,
    repo::idempotency::{self, Claim},
    state::AppState,
    tenancy::Site,
};

pub const HEADER: &str = "idempotency-key";

/// Marks an answer that shows a secret once (a new key, token, login code or webhook secret). Its
/// body is never kept: a retry under the same key answers 409 `SecretNotReplayed` rather than
/// creating again or showing the secret a second time.
#[derive(Clone, Copy)]
pub struct OneTimeSecret;

/// The response part that marks an answer as [`OneTimeSecret`].
pub fn one_time_secret() -> axum::Extension<OneTimeSecret> {
    axum::Extension(OneTimeSecret)
}
pub const REPLAYED: &str = "idempotent-replayed";

pub async fn idempotent(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST || !request.headers().contains_key(HEADER) {
        return next.run(request).await;
    }
    let (Some(Site::Tenant(tenant)), Some(Authentication::Authenticated(principal))) = (
        request.extensions().get::<Site>(),
        request.extensions().get::<Authentication>(),
    ) else {
        // Anonymous requests (sign-in) are not idempotent: let the handler answer as usual.
        return next.run(request).await;
    };
    let claim = Key {
        tenant: tenant.id,
        caller: match &principal.actor {
            Actor::ApiKey { id, .. } => format!("api_key:{id}"),
            Actor::Member { id, .. } => format!("member:{id}"),
            Actor::Contact { id, .. } => format!("contact:{id}"),
        },
        key: request.headers()[HEADER]
            .to_str()
            .unwrap_or("")
            .trim()
            .to_string(),
    };
    if claim.key.is_empty() || claim.key.len() > 255 {
        return Error::bad_request(
            "Idempotency-Key",
            "Idempotency-Key must be 1 to 255 visible characters",
        )
        .into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Error::payload_too_large().into_response();
    };
    if let Some(answer) = claim.take(&state, parts.uri.path(), &bytes).await {
        return answer;
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    claim.keep(&state, response).await
}

/// One caller's use of one key, in one tenant.
struct Key {
    tenant: TenantId,
    caller: String,
    key: String,
}

impl Key {
    /// Claims the key for this request; answers instead when it cannot run: the first answer
    /// again, a 422 for another request under the same key, or a 409 while the first still runs.
    async fn take(&self, state: &AppState, path: &str, body: &[u8]) -> Option<Response> {
        let mut hasher = Sha256::new();
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(body);
        let hash = hasher.finalize().to_vec();
        let claim = idempotency::claim(&state.pool, self.tenant, &self.caller, &self.key, &hash);
        let error = match claim.await {
            Err(e) => Error::internal(e),
            Ok(Claim::Mismatch) => Error::validation(
                "Idempotency-Key",
                "this Idempotency-Key was used for a different request",
            ),
            Ok(Claim::InProgress) => Error::state(
                "IdempotencyKeyInUse",
                "a request with this Idempotency-Key is still running",
            )
            .with_retry_after(1),
            Ok(Claim::Done(status, content_type, body)) => {
                return Some(replay(status, content_type, body));
            }
            Ok(Claim::Fresh) => return None,
        };
        Some(error.into_response())
    }

    /// Keeps the handler's answer for replay (a 5xx frees the key instead), and answers it.
    async fn keep(&self, state: &AppState, response: Response) -> Response {
        let (tenant, caller, key) = (self.tenant, &self.caller, &self.key);
        if response.status().is_server_error() {
            if let Err(e) = idempotency::release(&state.pool, tenant, caller, key).await {
                tracing::warn!(error = %e, "could not release an idempotency key");
            }
            return response;
        }
        let (parts, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body, usize::MAX).await else {
            return Error::internal("could not read a response to keep for replay").into_response();
        };
        let secret = parts.extensions.get::<OneTimeSecret>().is_some() && parts.status.is_success();
        let (status, content_type, kept_body) = if secret {
            let refusal = Error::state(
                "SecretNotReplayed",
                "the first answer to this Idempotency-Key showed a secret once; it is not kept, so it cannot be replayed",
            );
            let body = serde_json::to_vec(&super::envelope::body_of(&refusal)).unwrap_or_default();
            (409, Some("application/json"), body)
        } else {
            let content_type = parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            (
                i32::from(parts.status.as_u16()),
                content_type,
                bytes.to_vec(),
            )
        };
        let kept = idempotency::complete(
            &state.pool,
            tenant,
            caller,
            key,
            status,
            content_type,
            &kept_body,
        );
        if let Err(e) = kept.await {
            tracing::warn!(error = %e, "could not keep an answer for idempotent replay");
        }
        Response::from_parts(parts, Body::from(bytes))
    }
}

fn replay(status: i32, content_type: Option<String>, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    if let Some(value) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
        .headers_mut()
        .insert(REPLAYED, HeaderValue::from_static("true"));
    // A replayed failure is already the body its first answer had.
    response.extensions_mut().insert(super::envelope::Enveloped);
    response
}
