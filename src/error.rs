//! The one error type of deskd: what went wrong, in terms of the request and the domain. Every
//! floor returns it; `http::envelope` turns it into the status code and the JSON body.

use std::fmt;

tokio::task_local! {
    /// The current request's id, so an error made anywhere below the request-id layer can carry it.
    pub static REQUEST_ID: String;
}

/// What kind of failure, which decides the status code the caller sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The request cannot be read: malformed JSON, a bad query parameter (400).
    Malformed,
    /// Missing, malformed, expired or revoked credentials (401).
    Unauthenticated,
    /// Good credentials without the right role (403).
    Forbidden,
    /// No such object, or one the caller may not see (404).
    NotFound,
    /// The resource does not take this method (405).
    MethodNotAllowed,
    /// The request took too long (408).
    TimedOut,
    /// The object's state forbids the change (409).
    Conflict,
    /// The caller accepts no representation this operation answers with (406).
    NotAcceptable,
    /// The object existed but its time is over, as an expired link (410).
    Gone,
    /// The object changed since the caller read it (`If-Match`, 412).
    Stale,
    /// The body or a part of it is too large (413).
    TooLarge,
    /// The body is not in a format this operation reads (415).
    UnsupportedFormat,
    /// A well-formed request with a field that breaks a rule (422).
    Invalid,
    /// A rate limit or an attempt limit was reached (429).
    TooManyRequests,
    /// The server failed (500); the details are logged, never answered.
    Internal,
    /// The operation exists but deskd does not perform it (501).
    NotImplemented,
    /// A dependency (the database) cannot be reached (503).
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: Kind,
    /// DeskDirector-style machine-readable code, e.g. `Unauthorized`.
    pub code: &'static str,
    pub message: String,
    /// The request field at fault, for 400/422.
    pub field: Option<String>,
    pub retry_after_secs: Option<u64>,
}

/// `Result` with deskd's error unless another is named.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
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

    /// The database cannot be reached now (503, try again in a second).
    pub fn database_unavailable() -> Self {
        Self::new(
            Kind::Unavailable,
            "DatabaseUnavailable",
            "the database cannot be reached; try again shortly",
        )
        .with_retry_after(1)
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    pub fn is(&self, kind: Kind) -> bool {
        self.kind == kind
    }

    /// `Ok(None)` for a 404, any other failure kept: for "is it there?" questions.
    pub fn found<T>(result: Result<T>) -> Result<Option<T>> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.is(Kind::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(Kind::Unauthenticated, "Unauthorized", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Kind::Forbidden, "Forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(Kind::NotFound, "NotFound", format!("{what} not found"))
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(Kind::Malformed, "BadRequest", message).with_field(field)
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(Kind::Invalid, "ValidationFailed", message).with_field(field)
    }

    /// A conflict blamed on one field (a duplicate name, say).
    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, "Conflict", message).with_field(field)
    }

    /// A link or window that has run out (410).
    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(Kind::Gone, "Gone", message)
    }

    /// A conflict with the object's state, under its own code (`Archived`, `InUse`, …).
    pub fn state(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Kind::Conflict, code, message)
    }

    /// The 409 for changing an archived object.
    pub fn archived(what: &str) -> Self {
        Self::state(
            "Archived",
            format!("this {what} is archived; restore it before changing it"),
        )
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            Kind::TooLarge,
            "PayloadTooLarge",
            "the request body is too large",
        )
    }

    /// A failure that is the server's fault: logged once with the request id, answered without internals.
    pub fn internal(error: impl fmt::Display) -> Self {
        tracing::error!(request_id = %current_request_id(), error = %error, "internal error");
        Self::new(
            Kind::Internal,
            "InternalError",
            "the server failed to handle this request; quote the request id when reporting it",
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Error {}

pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        if is_unreachable(&error) {
            tracing::warn!(%error, "the database could not be reached");
            return Self::database_unavailable();
        }
        Self::internal(error)
    }
}

impl From<anyhow::Error> for Error {
    fn from(error: anyhow::Error) -> Self {
        Self::internal(format!("{error:#}"))
    }
}

/// Whether a failure means the database could not be reached (rather than refusing a
/// statement): the pool timed out or closed, the connection broke, or the server is shutting down
/// or starting (SQLSTATE class 08, 57P01–57P03).
fn is_unreachable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Database(e) => e
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}
