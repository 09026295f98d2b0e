//! Prometheus metrics, served as text at `/metrics` on the base domain. Labels are bounded: route
//! templates (never raw paths), methods, status classes, and tenants only where configuration
//! names them (the rest are `other`).

use std::{borrow::Cow, sync::Arc, time::Duration};

use axum::http::Method;

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{Histogram, exponential_buckets},
    },
    registry::Registry,
};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub route: String,
    pub method: &'static str,
    pub status: &'static str,
    pub tenant: Cow<'static, str>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
    pub method: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub in_flight: Gauge,
    pub rate_limited: Family<ReasonLabels, Counter>,
    pub rate_limit_fallbacks: Counter,
    pub rate_limit_shared: Gauge,
    pub webhook_attempts: Family<OutcomeLabels, Counter>,
    pub webhook_queue: Gauge,
    pub email_sends: Family<OutcomeLabels, Counter>,
    pub email_queue: Gauge,
    pub mailbox_polls: Family<OutcomeLabels, Counter>,
    pub email_received: Family<OutcomeLabels, Counter>,
    pub live_subscribers: Gauge,
    pub db_connections: Gauge,
    pub db_idle: Gauge,
    pub db_max: Gauge,
    pub db_acquire: Histogram,
}

/// Registers `metric` under `name` and answers it, to be kept and updated.
fn registered<M: prometheus_client::registry::Metric + Clone>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    metric: M,
) -> M {
    registry.register(name, help, metric.clone());
    metric
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("deskd");
        let requests = registered(
            &mut registry,
            "http_requests",
            "Requests answered, by route template, method, status class and tenant",
            Family::<RequestLabels, Counter>::default(),
        );
        let latency = registered(
            &mut registry,
            "http_request_duration_seconds",
            "Time to answer, by route template and method",
            Family::<RouteLabels, Histogram>::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.0005, 2.0, 16))
            }),
        );
        let in_flight = registered(
            &mut registry,
            "http_requests_in_flight",
            "Requests being handled now",
            Gauge::default(),
        );
        let rate_limited = registered(
            &mut registry,
            "rate_limit_rejections",
            "Requests refused with 429, by the limit that refused them (key, user, address, tenant)",
            Family::<ReasonLabels, Counter>::default(),
        );
        let rate_limit_fallbacks = registered(
            &mut registry,
            "rate_limit_redis_fallbacks",
            "Times Redis could not be reached and this process counted alone",
            Counter::default(),
        );
        let rate_limit_shared = registered(
            &mut registry,
            "rate_limit_shared",
            "1 while rate limits are shared through Redis, 0 while counted in this process",
            Gauge::default(),
        );
        let webhook_attempts = registered(
            &mut registry,
            "webhook_attempts",
            "Webhook and flow delivery attempts, by outcome (delivered, failed)",
            Family::<OutcomeLabels, Counter>::default(),
        );
        let webhook_queue = registered(
            &mut registry,
            "webhook_queue_depth",
            "Deliveries waiting to be sent (all tenants)",
            Gauge::default(),
        );
        let email_sends = registered(
            &mut registry,
            "email_sends",
            "Mail send attempts, by outcome (sent, retried, failed)",
            Family::<OutcomeLabels, Counter>::default(),
        );
        let email_queue = registered(
            &mut registry,
            "email_queue_depth",
            "Messages waiting to be sent (all tenants)",
            Gauge::default(),
        );
        let mailbox_polls = registered(
            &mut registry,
            "mailbox_polls",
            "IMAP mailbox polls, by outcome (ok, failed)",
            Family::<OutcomeLabels, Counter>::default(),
        );
        let email_received = registered(
            &mut registry,
            "email_received",
            "Messages received, by outcome (ticket, note, ignored, rejected, duplicate)",
            Family::<OutcomeLabels, Counter>::default(),
        );
        let live_subscribers = registered(
            &mut registry,
            "live_stream_subscribers",
            "Clients connected to a live event stream",
            Gauge::default(),
        );
        let db_connections = registered(
            &mut registry,
            "db_pool_connections",
            "Database connections open in the pool",
            Gauge::default(),
        );
        let db_idle = registered(
            &mut registry,
            "db_pool_idle_connections",
            "Open database connections not in use",
            Gauge::default(),
        );
        let db_max = registered(
            &mut registry,
            "db_pool_max_connections",
            "The most connections the pool opens",
            Gauge::default(),
        );
        let db_acquire = registered(
            &mut registry,
            "db_pool_acquire_seconds",
            "Time to get a connection from the pool, sampled every few seconds",
            Histogram::new(exponential_buckets(0.0001, 2.0, 16)),
        );
        Self {
            registry,
            requests,
            latency,
            in_flight,
            rate_limited,
            rate_limit_fallbacks,
            rate_limit_shared,
            webhook_attempts,
            webhook_queue,
            email_sends,
            email_queue,
            mailbox_polls,
            email_received,
            live_subscribers,
            db_connections,
            db_idle,
            db_max,
            db_acquire,
        }
    }
}

impl Metrics {
    /// Every metric in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// The method as a label: the standard ones by name, anything else as `other`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `2xx`, `4xx`, …
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// Samples how long the pool takes to hand out a connection, so waiting for one shows.
pub fn spawn_pool_sampler(pool: sqlx::PgPool, metrics: Arc<Metrics>) {
    tokio::spawn(async move {
        loop {
            let started = std::time::Instant::now();
            if let Ok(conn) = pool.acquire().await {
                metrics.db_acquire.observe(started.elapsed().as_secs_f64());
                drop(conn);
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}

/// Counts one in a gauge for as long as it lives (however the holder ends: finished, dropped or
/// cancelled).
pub struct GaugeHeld(Gauge);

impl GaugeHeld {
    pub fn enter(gauge: Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for GaugeHeld {
    fn drop(&mut self) {
        self.0.dec();
    }
}
