//! API v1 speaks PascalCase; v2 and v3 camelCase. The DTOs are written once, in camelCase; this
//! layer renames JSON keys on the way in and out of v1, and the v1 OpenAPI document is renamed
//! the same way, so the two cannot disagree.

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::Value;

use crate::{error::Error, state::AppState};

#[derive(Clone, Copy)]
pub enum Case {
    Pascal,
    Camel,
}

pub fn convert_key(key: &str, case: Case) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => {
            let first = match case {
                Case::Pascal => first.to_ascii_uppercase(),
                Case::Camel => first.to_ascii_lowercase(),
            };
            std::iter::once(first).chain(chars).collect()
        }
        None => String::new(),
    }
}

/// Renames every object key in `value`, recursively.
pub fn convert_keys(value: Value, case: Case) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (convert_key(&k, case), convert_keys(v, case)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| convert_keys(v, case)).collect())
        }
        other => other,
    }
}

/// Renames the property names (and `required` lists) of every schema in an OpenAPI document.
pub fn convert_schema_properties(value: &mut Value, case: Case) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get_mut("properties") {
                let renamed = std::mem::take(properties)
                    .into_iter()
                    .map(|(k, v)| (convert_key(&k, case), v))
                    .collect();
                *properties = renamed;
                if let Some(Value::Array(required)) = map.get_mut("required") {
                    for name in required.iter_mut() {
                        if let Value::String(s) = name {
                            *s = convert_key(s, case);
                        }
                    }
                }
            }
            for child in map.values_mut() {
                convert_schema_properties(child, case);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| convert_schema_properties(v, case)),
        _ => {}
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("json"))
}

/// The v1 middleware: PascalCase in → camelCase for the handlers → PascalCase out, for every
/// answer under `/api/v1` (errors from any layer included); other paths pass untouched.
pub async fn pascal_case(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path != "/api/v1" && !path.starts_with("/api/v1/") {
        return next.run(request).await;
    }
    let request = if is_json(request.headers()) {
        let (mut parts, body) = request.into_parts();
        let Ok(bytes) = to_bytes(body, state.config.max_body_bytes).await else {
            return Error::payload_too_large().into_response();
        };
        let body = match serde_json::from_slice::<Value>(&bytes) {
            Ok(value) => Body::from(convert_keys(value, Case::Camel).to_string()),
            // Not JSON after all: let the handler's extractor report it.
            Err(_) => Body::from(bytes),
        };
        parts.headers.remove(header::CONTENT_LENGTH);
        Request::from_parts(parts, body)
    } else {
        request
    };
    let response = next.run(request).await;
    if !is_json(response.headers()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        return crate::error::Error::internal("could not read a v1 response body").into_response();
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(value) => Body::from(convert_keys(value, Case::Pascal).to_string()),
        Err(_) => Body::from(bytes),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}
