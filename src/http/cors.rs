//! Per-tenant CORS: pages on a tenant's allowed origins (extension pages) may call its API with
//! an `Authorization` header. Cookies are not offered cross-origin.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::Response,
};

use crate::tenancy::Site;

pub async fn tenant_cors(request: Request, next: Next) -> Response {
    let allowed_origin = match (
        request.extensions().get::<Site>(),
        request.headers().get(header::ORIGIN),
    ) {
        (Some(Site::Tenant(tenant)), Some(origin)) => origin
            .to_str()
            .ok()
            .filter(|o| {
                tenant
                    .cors_origins
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(o.trim_end_matches('/')))
            })
            .and_then(|o| HeaderValue::from_str(o).ok()),
        _ => None,
    };
    let Some(origin) = allowed_origin else {
        return next.run(request).await;
    };
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type, x-request-id"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(request).await
    };
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "x-request-id, retry-after, link, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset",
        ),
    );
    h.append(header::VARY, HeaderValue::from_static("origin"));
    response
}
