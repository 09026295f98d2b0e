//! Body, query and path extractors whose failures are the standard error body naming the field.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Query, Request, rejection::BytesRejection},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    error::{Error, Kind},
    http::{envelope::rejected, strict_json::Strict},
};

/// A JSON body. Malformed JSON is a 400; a well-formed body with a missing or mistyped field is a
/// 422 naming the field; an oversized body is a 413. No body, or an empty one, reads as `{}`, so
/// operations whose fields are all optional take an empty request.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers();
        let has_body = headers.contains_key(header::CONTENT_TYPE)
            || headers.contains_key(header::TRANSFER_ENCODING)
            || headers
                .get(header::CONTENT_LENGTH)
                .is_some_and(|v| v.as_bytes() != b"0");
        if !has_body {
            return parse_json(b"{}").map(ApiJson);
        }
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| {
                let v = v.trim().to_ascii_lowercase();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(Error::new(
                Kind::UnsupportedFormat,
                "UnsupportedMediaType",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(body_error)?;
        if bytes.is_empty() {
            return parse_json(b"{}").map(ApiJson);
        }
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses in two steps so that malformed JSON (400) is told apart from a body of the wrong shape
/// (422, naming the field) wherever the two occur in the text.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            Kind::Malformed,
            "InvalidJson",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    if let Some(field) = nul_in(&value, "") {
        return Err(nul_refused(&field));
    }
    serde_path_to_error::deserialize(Strict(value)).map_err(|error| {
        let path = error.path().to_string();
        let message = error.into_inner().to_string();
        // serde reports a missing field at the parent's path, with the name in the message.
        let field = match missing_field(&message) {
            Some(name) if path == "." => name.to_string(),
            Some(name) => format!("{path}.{name}"),
            None if path == "." => String::new(),
            None => path,
        };
        if field.is_empty() {
            Error::new(Kind::Invalid, "ValidationFailed", message)
        } else if missing_field(&message).is_some() {
            Error::new(
                Kind::Invalid,
                "ValidationFailed",
                format!("{field} is required"),
            )
            .with_field(field)
        } else {
            Error::new(
                Kind::Invalid,
                "ValidationFailed",
                format!("{field}: {message}"),
            )
            .with_field(field)
        }
    })
}

/// Where a NUL character hides in a JSON value (a key or a string); PostgreSQL stores no NUL in
/// text, so such input is refused up front rather than failing in the database.
fn nul_in(value: &serde_json::Value, at: &str) -> Option<String> {
    let here = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(at.to_string()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, &format!("{at}[{i}]"))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
            if k.contains('\0') {
                Some(at.to_string())
            } else {
                nul_in(v, &here(k))
            }
        }),
        _ => None,
    }
}

pub fn nul_refused(field: &str) -> Error {
    let field = if field.is_empty() { "body" } else { field };
    Error::new(
        Kind::Invalid,
        "ValidationFailed",
        format!("{field}: text may not contain the NUL character"),
    )
    .with_field(field)
}

/// True when a query string carries an (encoded) NUL character.
pub fn query_has_nul(query: Option<&str>) -> bool {
    query.is_some_and(|q| q.to_ascii_lowercase().contains("%00"))
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn body_error(rejection: BytesRejection) -> Error {
    rejected(rejection.status(), rejection.body_text())
}

/// Query parameters; a bad one is a 400 naming it.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if query_has_nul(parts.uri.query()) {
            return Err(Error::bad_request(
                "query",
                "the query string may not contain the NUL character",
            ));
        }
        Query::<T>::try_from_uri(&parts.uri)
            .map(|q| ApiQuery(q.0))
            .map_err(|rejection| {
                let detail = rejection.body_text();
                let detail = detail
                    .trim_start_matches("Failed to deserialize query string: ")
                    .to_string();
                Error::bad_request(
                    &query_field(&detail),
                    format!("invalid query string: {detail}"),
                )
            })
    }
}

/// serde_urlencoded names the field either as a "name: " prefix or as "field `name`".
fn query_field(detail: &str) -> String {
    if let Some((name, _)) = detail.split_once(": ")
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return name.to_string();
    }
    detail
        .split("field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .unwrap_or("query")
        .to_string()
}

/// Path parameters; one of the wrong type is a 400 naming it.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.path().to_ascii_lowercase().contains("%00") {
            return Err(Error::bad_request(
                "path",
                "the path may not contain the NUL character",
            ));
        }
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                let text = rejection.body_text();
                let field = text
                    .split("parameter `")
                    .nth(1)
                    .and_then(|rest| rest.split('`').next())
                    .unwrap_or("path")
                    .to_string();
                Err(Error::bad_request(&field, text))
            }
        }
    }
}
