//! The error dialects of the façades: Desk365's API (`/apis/v3/…`) and Desk360's (`/v1/…`) answer
//! every failure in their own shape and codes, whoever produced it (a handler, the credentials
//! layer, the router). deskd's own APIs answer the standard [`ErrorBody`](super::envelope::ErrorBody).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::envelope::status_of;
pub use crate::auth::Dialect;
use crate::error::{Error, Kind};

/// Where Desk360's documentation sends a reader of an error.
pub const DESK360_DOC_URL: &str = "/swagger/?urls.primaryName=desk360";

/// The failure as `dialect` answers it (the standard envelope for deskd's own APIs).
pub fn answer(dialect: Dialect, error: &Error) -> Response {
    let status = match (dialect, error.kind) {
        // Both façades document 400 for a request whose fields break a rule.
        (Dialect::Desk365 | Dialect::Desk360, Kind::Invalid) => StatusCode::BAD_REQUEST,
        _ => status_of(error.kind),
    };
    let message = match &error.field {
        Some(field) if !field.is_empty() && !error.message.contains(field.as_str()) => {
            format!("{field}: {}", error.message)
        }
        _ => error.message.clone(),
    };
    let mut response = match dialect {
        Dialect::Deskd => return error.clone().into_response(),
        Dialect::Desk365 => (
            status,
            Json(json!({
                "status": status.as_u16(),
                "error": status.canonical_reason().unwrap_or("Error"),
                "message": message,
            })),
        )
            .into_response(),
        Dialect::Desk360 => (
            status,
            Json(json!({
                "error": {
                    "code": desk360_code(error),
                    "message": message,
                    "doc_url": DESK360_DOC_URL,
                }
            })),
        )
            .into_response(),
    };
    if let Some(secs) = error.retry_after_secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response.extensions_mut().insert(error.clone());
    response.extensions_mut().insert(super::envelope::Enveloped);
    response
}

/// Desk360's machine-readable code. Its own handlers raise errors with its codes (lower snake
/// case, e.g. `too_many_attempts`); every other failure maps by kind.
fn desk360_code(error: &Error) -> &'static str {
    if error
        .code
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b == b'_')
    {
        return error.code;
    }
    match error.kind {
        Kind::Malformed | Kind::Invalid | Kind::Conflict | Kind::Stale | Kind::Gone => {
            "failed_validation"
        }
        Kind::Unauthenticated => "authentication_exception",
        Kind::Forbidden => "not_authorized",
        Kind::NotFound if error.message.starts_with("no route") => "not_found_exception",
        Kind::NotFound => "model_not_found_exception",
        Kind::MethodNotAllowed => "method_not_allowed_exception",
        Kind::NotAcceptable => "unsupported_accept_header",
        Kind::UnsupportedFormat => "unsupported_content_type",
        Kind::TooLarge => "failed_validation",
        Kind::TooManyRequests => "too_many_requests_exception",
        Kind::TimedOut | Kind::Internal | Kind::NotImplemented | Kind::Unavailable => {
            "internal_server_error"
        }
    }
}
