//! The error envelope: every failure leaves as one JSON body, whether a handler returned an
//! [`Error`] or axum and tower produced it themselves (unknown route, wrong method, body too
//! large, timeout, panic).

use axum::{
    Json,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, Uri, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::dialects::Dialect;
use crate::error::{Error, Kind, current_request_id};

/// Marks a response whose body is already the final error body (a façade's, or a replayed one), so
/// the envelope layer leaves it alone.
#[derive(Clone, Copy)]
pub struct Enveloped;

/// The failure body. RFC 9457 fields plus DeskDirector's `errorCode` and a request id.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Machine-readable error code, e.g. `Unauthorized`, `TenantNotFound`, `ValidationFailed`.
    pub error_code: String,
    pub message: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The offending request field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Also sent as the `X-Request-Id` header; quote it when reporting a problem.
    pub request_id: String,
}

pub fn status_of(kind: Kind) -> StatusCode {
    match kind {
        Kind::Malformed => StatusCode::BAD_REQUEST,
        Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
        Kind::Forbidden => StatusCode::FORBIDDEN,
        Kind::NotFound => StatusCode::NOT_FOUND,
        Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        Kind::TimedOut => StatusCode::REQUEST_TIMEOUT,
        Kind::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
        Kind::Conflict => StatusCode::CONFLICT,
        Kind::Gone => StatusCode::GONE,
        Kind::Stale => StatusCode::PRECONDITION_FAILED,
        Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Kind::UnsupportedFormat => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        Kind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        Kind::NotImplemented => StatusCode::NOT_IMPLEMENTED,
        Kind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// The body an error is answered with.
pub fn body_of(error: &Error) -> ErrorBody {
    let status = status_of(error.kind);
    ErrorBody {
        error_code: error.code.to_string(),
        message: error.message.clone(),
        type_: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: error.message.clone(),
        field: error.field.clone(),
        request_id: current_request_id(),
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = (status_of(self.kind), Json(body_of(&self))).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // Marks the body as already an `ErrorBody`, and lets a façade's dialect answer the same
        // failure in its own shape.
        response.extensions_mut().insert(self);
        response
    }
}

/// The error for a status that axum or tower answered without a body of ours.
fn error_for_status(status: StatusCode) -> Error {
    match status {
        StatusCode::NOT_FOUND => Error::new(Kind::NotFound, "NotFound", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => Error::new(
            Kind::MethodNotAllowed,
            "MethodNotAllowed",
            "this resource does not support this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Error::payload_too_large(),
        StatusCode::REQUEST_TIMEOUT => Error::new(
            Kind::TimedOut,
            "RequestTimeout",
            "the request took too long and was abandoned",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::new(
            Kind::UnsupportedFormat,
            "UnsupportedMediaType",
            "unsupported content type",
        ),
        s if s.is_server_error() => Error::internal(format!("{s} produced outside a handler")),
        s => Error::new(
            Kind::Malformed,
            "BadRequest",
            s.canonical_reason().unwrap_or("bad request"),
        ),
    }
}

/// The error for a rejection axum made (a bad body, a bad form): its status, its text.
pub fn rejected(status: StatusCode, text: String) -> Error {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => Error::payload_too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            Error::new(Kind::UnsupportedFormat, "UnsupportedMediaType", text)
        }
        _ => Error::new(Kind::Malformed, "BadRequest", text),
    }
}

pub async fn envelope(request: Request, next: Next) -> Response {
    let dialect = Dialect::of(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let error = response.extensions().get::<Error>().cloned();
    if response.extensions().get::<Enveloped>().is_some()
        || (dialect == Dialect::Deskd && error.is_some())
    {
        return response;
    }
    let error = error.unwrap_or_else(|| error_for_status(status));
    let (mut parts, _) = response.into_parts();
    let mut fresh = match dialect {
        Dialect::Deskd => error.into_response(),
        _ => super::dialects::answer(dialect, &error),
    };
    // Keep headers such as `Allow` on a 405.
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    for (name, value) in fresh.headers() {
        parts.headers.insert(name.clone(), value.clone());
    }
    *fresh.headers_mut() = parts.headers;
    fresh
}

/// The answer for paths no route matches.
pub async fn unknown_route(method: Method, uri: Uri) -> Error {
    Error::new(
        Kind::NotFound,
        "NotFound",
        format!("no route for {method} {}", uri.path()),
    )
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    Error::internal("a handler panicked").into_response()
}
