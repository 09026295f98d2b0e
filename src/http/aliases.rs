//! DeskDirector renamed things over time and clients use either name. The older names are rewritten
//! to the canonical path before routing, so one handler (and one OpenAPI operation) serves both.

use axum::http::{Request, Uri};

/// (older name, canonical name) of a resource right after the family segment.
const ALIASES: &[(&str, &str)] = &[
    ("accounts", "companies"),
    ("agents", "members"),
    ("boards", "queues"),
    ("service-types", "request-types"),
];
const FAMILIES: &[&str] = &["public", "admin", "portal", "tech"];

/// The canonical form of `path`, when it uses an older name: `/api/v3/admin/accounts/7` →
/// `/api/v3/admin/companies/7`. Only the resource segment is looked at, never ids or slugs.
pub fn canonical_path(path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split('/').collect();
    let versioned = segments.get(1) == Some(&"api")
        && segments
            .get(2)
            .is_some_and(|v| matches!(*v, "v1" | "v2" | "v3"));
    if !versioned || !segments.get(3).is_some_and(|f| FAMILIES.contains(f)) {
        return None;
    }
    let canonical = ALIASES
        .iter()
        .find(|(old, _)| segments.get(4) == Some(old))?
        .1;
    let mut rewritten = segments;
    rewritten[4] = canonical;
    Some(rewritten.join("/"))
}

pub fn rewrite<B>(mut request: Request<B>) -> Request<B> {
    if let Some(path) = canonical_path(request.uri().path()) {
        let path_and_query = match request.uri().query() {
            Some(query) => format!("{path}?{query}"),
            None => path,
        };
        let mut parts = request.uri().clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *request.uri_mut() = uri;
            }
        }
    }
    request
}
