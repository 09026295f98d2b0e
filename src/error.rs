//! The one error type every handler returns, and the one JSON body every failure carries.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The current request's id, so an error rendered anywhere below the request-id layer can carry it.
    pub static REQUEST_ID: String;
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// DeskDirector-style machine-readable code, e.g. `Unauthorized`.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, for 400/422.
    pub field: Option<String>,
    pub retry_after_secs: Option<u64>,
}

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

/// Marks a response whose body is already an [`ErrorBody`], so the envelope layer leaves it alone.
#[derive(Clone, Copy)]
pub struct Enveloped;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after_secs: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NotFound",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message).with_field(field)
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ValidationFailed",
            message,
        )
        .with_field(field)
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict", message).with_field(field)
    }

    /// A failure that is the server's fault: logged once with the request id, answered without internals.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), error = %error, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "the server failed to handle this request; quote the request id when reporting it",
        )
    }

    pub fn body(&self) -> ErrorBody {
        let title = self
            .status
            .canonical_reason()
            .unwrap_or("Error")
            .to_string();
        ErrorBody {
            error_code: self.code.to_string(),
            message: self.message.clone(),
            type_: "about:blank".into(),
            title,
            status: self.status.as_u16(),
            detail: self.message.clone(),
            field: self.field.clone(),
            request_id: current_request_id(),
        }
    }
}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response.extensions_mut().insert(Enveloped);
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(format!("{error:#}"))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
