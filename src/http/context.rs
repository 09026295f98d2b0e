//! Request id, the request's tracing span, one log line per request (no headers, no bodies), and
//! the request metrics.

use std::{borrow::Cow, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::{
    error::REQUEST_ID,
    metrics::{RequestLabels, RouteLabels, method_label, status_class},
    state::AppState,
};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub async fn request_context(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %method,
        route = %route,
        tenant = tracing::field::Empty,
        principal = tracing::field::Empty,
    );
    let counted = state.config.metrics_enabled;
    let tenant = metrics_tenant(&state, &request);
    let metrics = &state.metrics;
    // Decremented however the request ends, a client hanging up included.
    let _in_flight = counted.then(|| crate::metrics::GaugeHeld::enter(metrics.in_flight.clone()));
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span.clone()))
        .await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed().as_secs_f64();
    if counted {
        let method = method_label(&method);
        let labels = RequestLabels {
            route: route.clone(),
            method,
            status: status_class(status),
            tenant,
        };
        metrics.requests.get_or_create(&labels).inc();
        let labels = RouteLabels { route, method };
        metrics.latency.get_or_create(&labels).observe(elapsed);
    }
    let latency_ms = elapsed * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, latency_ms, "request finished");
        } else {
            tracing::info!(status, latency_ms, "request finished");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// The caller's `X-Request-Id` when it is a plausible id (1–64 letters, digits, `-_.`), else a
/// new one.
fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

/// The tenant label: the slug, for tenants configuration names (`DESKD_METRICS_TENANTS`); `other`
/// for the rest, so the label's values stay few.
fn metrics_tenant(state: &AppState, request: &Request) -> Cow<'static, str> {
    let named = &state.config.metrics_tenants;
    if named.is_empty() {
        return Cow::Borrowed("other");
    }
    request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_ascii_lowercase())
        .and_then(|h| {
            h.strip_suffix(&format!(".{}", state.config.base_domain))
                .map(str::to_string)
        })
        .filter(|slug| named.contains(slug))
        .map_or(Cow::Borrowed("other"), Cow::Owned)
}
