//! Request body caps: JSON bodies at `DESKD_MAX_BODY_BYTES`, multipart uploads at
//! `DESKD_MAX_ATTACHMENT_BYTES` plus room for the form's other parts, and raw mail
//! (`message/rfc822`, the inbound endpoint) at twice that. Over the cap is a 413.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http_body_util::Limited;

use crate::{error::Error, state::AppState};

/// Room for a multipart request's JSON part and boundaries, beyond its files.
const FORM_OVERHEAD: usize = 1024 * 1024;

pub async fn body_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = if is_multipart(request.headers()) {
        state.config.max_attachment_bytes + FORM_OVERHEAD
    } else if is_mail(request.headers()) {
        state.config.max_attachment_bytes.saturating_mul(2)
    } else {
        state.config.max_body_bytes
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Error::payload_too_large().into_response();
    }
    next.run(request.map(|body| Body::new(Limited::new(body, limit))))
        .await
}

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

pub fn is_mail(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("message/rfc822")
        })
}
