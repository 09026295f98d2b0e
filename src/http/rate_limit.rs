//! The rate-limit layer: each request counts against its caller's bucket (API key, personal access
//! token, signed-in person, or client address without credentials) and its tenant's, at the cost of
//! its operation. Every limited answer carries `X-RateLimit-*` and the IETF `RateLimit-Policy` /
//! `RateLimit` fields; over a limit the answer is 429 with `Retry-After`, and nothing runs.

use std::net::IpAddr;

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, HeaderValue, Method},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    auth::{Authentication, extractors::client_address, principal::LimitPolicy},
    config::RateLimitDefaults,
    domain::RateLimitPlan,
    error::{Error, Kind},
    metrics::ReasonLabels,
    rate_limit::{Bucket, MAX_COST, Verdict},
    state::AppState,
    tenancy::Site,
};

/// Paths no limit applies to: the probes.
const EXEMPT: &[&str] = &["/health", "/ready"];

/// What an operation costs beyond one unit, by method and the end of its route template (every
/// version and family alike). Searching words (`q`) in tickets costs `WORD_SEARCH_COST`.
pub const COSTS: &[(Method, &str, u32)] = &[
    (Method::GET, "/tickets", 5),
    (Method::POST, "/tickets/find", 10),
    (Method::PATCH, "/tickets", 10),
];
pub const WORD_SEARCH_COST: u32 = 10;
const _: () = assert!(WORD_SEARCH_COST <= MAX_COST && costs_within(COSTS));

const fn costs_within(costs: &[(Method, &str, u32)]) -> bool {
    let mut i = 0;
    while i < costs.len() {
        if costs[i].2 > MAX_COST {
            return false;
        }
        i += 1;
    }
    true
}

/// The units a request costs.
pub fn cost_of(method: &Method, route: &str, query: Option<&str>) -> u32 {
    let base = COSTS
        .iter()
        .find(|(m, suffix, _)| m == method && route.ends_with(suffix))
        .map_or(1, |(_, _, cost)| *cost);
    // Decoded as the handler decodes it, so `%71=…` is a word search too.
    let searches_words = route.ends_with("/tickets")
        && *method == Method::GET
        && query.is_some_and(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .is_ok_and(|pairs| pairs.iter().any(|(k, v)| k == "q" && !v.trim().is_empty()))
        });
    if searches_words {
        base.max(WORD_SEARCH_COST)
    } else {
        base
    }
}

/// A tenant's limits: its plan over the server's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub window_secs: u64,
    pub per_key: u32,
    pub per_user: u32,
    pub per_address: u32,
    pub per_tenant: u32,
}

impl Limits {
    pub fn of(defaults: &RateLimitDefaults, plan: &RateLimitPlan) -> Self {
        Self {
            window_secs: defaults.window_secs,
            per_key: plan.per_key.unwrap_or(defaults.per_key),
            per_user: plan.per_user.unwrap_or(defaults.per_user),
            per_address: plan.per_address.unwrap_or(defaults.per_address),
            per_tenant: plan.per_tenant.unwrap_or(defaults.per_tenant),
        }
    }

    fn of_policy(&self, policy: LimitPolicy) -> u32 {
        match policy {
            LimitPolicy::Key => self.per_key,
            LimitPolicy::User => self.per_user,
            LimitPolicy::Address => self.per_address,
            LimitPolicy::Tenant => self.per_tenant,
        }
    }
}

/// The bucket of an address: IPv6 clients by their /64, since one host holds a whole /64.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => v6.to_canonical().to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The caller's bucket and the tenant's (none on the base domain).
fn buckets(state: &AppState, request: &Request) -> (Bucket, Option<Bucket>) {
    let tenant = match request.extensions().get::<Site>() {
        Some(Site::Tenant(tenant)) => Some(tenant),
        _ => None,
    };
    let limits = Limits::of(
        &state.config.rate_limits,
        &tenant.map(|t| t.rate_limits.0).unwrap_or_default(),
    );
    let scope = tenant.map_or_else(|| "platform".to_string(), |t| format!("t{}", t.id));
    let (policy, key) = match request.extensions().get::<Authentication>() {
        Some(Authentication::Authenticated(principal)) => principal.limit_bucket(),
        // No credentials, or bad ones: the address answers for them.
        _ => {
            let ip = client_address(
                request.extensions(),
                request.headers(),
                &state.config.trusted_proxies,
            );
            (LimitPolicy::Address, format!("addr:{}", address_key(ip)))
        }
    };
    let subject = Bucket {
        policy,
        key: format!("{scope}:{key}"),
        limit: limits.of_policy(policy),
    };
    // Requests without credentials share a ceiling of their own, so a crowd of addresses cannot
    // use up what the tenant's staff and integrations need.
    let pool = if policy == LimitPolicy::Address {
        "anonymous"
    } else {
        "all"
    };
    let tenant = tenant.map(|_| Bucket {
        policy: LimitPolicy::Tenant,
        key: format!("{scope}:{pool}"),
        limit: limits.per_tenant,
    });
    (subject, tenant)
}

pub async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.config.rate_limits.enabled || EXEMPT.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str);
    let cost = cost_of(request.method(), route, request.uri().query());
    let (subject, tenant) = buckets(&state, &request);
    let verdict = state
        .limiter
        .check(&subject, tenant.as_ref(), cost, &state.metrics)
        .await;
    if !verdict.allowed {
        state
            .metrics
            .rate_limited
            .get_or_create(&ReasonLabels {
                reason: verdict.policy.as_str(),
            })
            .inc();
        let mut response = Error::new(
            Kind::TooManyRequests,
            "too_many_requests",
            format!(
                "the {} limit of {} units per {} s is used up (this request costs {cost}); try again in {} s",
                verdict.policy.as_str(),
                verdict.limit,
                verdict.window_secs,
                verdict.reset_in()
            ),
        )
        .with_retry_after(verdict.reset_in())
        .into_response();
        set_headers(response.headers_mut(), &verdict);
        return response;
    }
    let mut response = next.run(request).await;
    set_headers(response.headers_mut(), &verdict);
    response
}

fn set_headers(headers: &mut HeaderMap, v: &Verdict) {
    let policy = v.policy.as_str();
    headers.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(v.reset_at));
    let fields = [
        (
            "ratelimit-policy",
            format!("\"{policy}\";q={};w={}", v.limit, v.window_secs),
        ),
        (
            "ratelimit",
            format!("\"{policy}\";r={};t={}", v.remaining, v.reset_in()),
        ),
    ];
    for (name, value) in fields {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_and_bulk_changes_cost_more() {
        let get = Method::GET;
        assert_eq!(cost_of(&get, "/api/v3/admin/tickets", None), 5);
        assert_eq!(
            cost_of(&get, "/api/v3/admin/tickets", Some("q=printer")),
            10
        );
        assert_eq!(cost_of(&get, "/api/v3/admin/tickets", Some("q=&take=5")), 5);
        assert_eq!(
            cost_of(&get, "/api/v3/admin/tickets", Some("%71=printer")),
            10
        );
        assert_eq!(
            cost_of(&get, "/api/v3/admin/tickets/{ticketId}", Some("q=x")),
            1
        );
        assert_eq!(
            cost_of(
                &Method::POST,
                "/api/v2/automate/connector/tickets/find",
                None
            ),
            10
        );
        assert_eq!(cost_of(&Method::PATCH, "/api/v2/tech/tickets", None), 10);
        assert_eq!(cost_of(&Method::POST, "/api/v2/tech/tickets", None), 1);
        assert_eq!(
            address_key("2001:db8:1:2:3:4:5:6".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }
}
