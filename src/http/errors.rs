//! Every failure leaves as the standard error body, including those axum and tower produce
//! themselves (unknown route, wrong method, body too large, timeout, panic).

use axum::{
    extract::Request,
    http::{Method, StatusCode, Uri},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::error::{ApiError, Enveloped};

pub async fn envelope(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<Enveloped>().is_some()
    {
        return response;
    }
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::new(status, "NotFound", "no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "MethodNotAllowed",
            "this resource does not support this method",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => crate::http::extract::payload_too_large(),
        StatusCode::REQUEST_TIMEOUT => ApiError::new(
            status,
            "RequestTimeout",
            "the request took too long and was abandoned",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, "UnsupportedMediaType", "unsupported content type")
        }
        s if s.is_server_error() => ApiError::internal(format!("{s} produced outside a handler")),
        s => ApiError::new(
            s,
            "BadRequest",
            s.canonical_reason().unwrap_or("bad request"),
        ),
    };
    let (mut parts, _) = response.into_parts();
    let mut fresh = error.into_response();
    // Keep headers such as `Allow` on a 405.
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    parts.headers.remove(axum::http::header::CONTENT_TYPE);
    for (name, value) in fresh.headers() {
        parts.headers.insert(name.clone(), value.clone());
    }
    *fresh.headers_mut() = parts.headers;
    fresh
}

/// The answer for paths no route matches.
pub async fn unknown_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("no route for {method} {}", uri.path()),
    )
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}
