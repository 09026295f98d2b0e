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
    error::{Error, Kind},
    repo::idempotency::{self, Claim},
    state::AppState,
    tenancy::Site,
};

pub const HEADER: &str = "idempotency-key";
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
    let tenant = tenant.id;
    let caller = match &principal.actor {
        Actor::ApiKey { id, .. } => format!("api_key:{id}"),
        Actor::Member { id, .. } => format!("member:{id}"),
        Actor::Contact { id, .. } => format!("contact:{id}"),
    };
    let key = request.headers()[HEADER]
        .to_str()
        .unwrap_or("")
        .trim()
        .to_string();
    if key.is_empty() || key.len() > 255 {
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
    let mut hasher = Sha256::new();
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let hash = hasher.finalize().to_vec();
    match idempotency::claim(&state.pool, tenant, &caller, &key, &hash).await {
        Err(e) => return Error::internal(e).into_response(),
        Ok(Claim::Mismatch) => {
            return Error::validation(
                "Idempotency-Key",
                "this Idempotency-Key was used for a different request",
            )
            .into_response();
        }
        Ok(Claim::InProgress) => {
            return Error::new(
                Kind::Conflict,
                "IdempotencyKeyInUse",
                "a request with this Idempotency-Key is still running",
            )
            .with_retry_after(1)
            .into_response();
        }
        Ok(Claim::Done(status, content_type, body)) => return replay(status, content_type, body),
        Ok(Claim::Fresh) => {}
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if response.status().is_server_error() {
        if let Err(e) = idempotency::release(&state.pool, tenant, &caller, &key).await {
            tracing::warn!(error = %e, "could not release an idempotency key");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return Error::internal("could not read a response to keep for replay").into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if let Err(e) = idempotency::complete(
        &state.pool,
        tenant,
        &caller,
        &key,
        i32::from(parts.status.as_u16()),
        content_type,
        &bytes,
    )
    .await
    {
        tracing::warn!(error = %e, "could not keep an answer for idempotent replay");
    }
    Response::from_parts(parts, Body::from(bytes))
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
    response
}
