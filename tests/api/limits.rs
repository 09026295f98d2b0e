//! Rate limits (per key, person, address and tenant; costs; headers; 429; plans; shared through
//! Redis, and carrying on without it) and the Prometheus metrics.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::{PLATFORM_TOKEN, TestApp, TestResponse},
    tickets::desk,
};

fn header(r: &TestResponse, name: &str) -> String {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header: {:?}", r.headers))
        .to_str()
        .unwrap()
        .to_string()
}

fn remaining(r: &TestResponse) -> u64 {
    header(r, "x-ratelimit-remaining").parse().unwrap()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Waits, when fewer than `need` seconds are left of the current fixed window, for the next one:
/// a count that straddles two windows would let through more than the limit.
async fn room_in_window(window_secs: u64, need: u64) {
    while window_secs - unix_now() % window_secs < need {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A Redis server of this test's own, on a free port, stopped when dropped.
struct Redis {
    child: Child,
    url: String,
}

impl Redis {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (.ci/run installs it)");
        crate::support::wait_for_port(port);
        Self {
            child,
            url: format!("redis://127.0.0.1:{port}"),
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn each_key_person_and_address_has_its_own_limit_and_the_tenant_a_ceiling() {
    let app = TestApp::with_config(|c| {
        c.rate_limits.per_key = 6;
        c.rate_limits.per_user = 4;
        c.rate_limits.per_address = 10;
        c.rate_limits.per_tenant = 1000;
    })
    .await;
    room_in_window(60, 20).await;
    let d = desk(&app, "acme").await;
    let other_key = app.api_key(&d.t, "read_write").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    // `desk` made two companies with the key, and a contact; it has room for three more units.
    let r = d.admin(Method::GET, "/members", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(header(&r, "x-ratelimit-limit"), "6");
    let left = remaining(&r);
    let reset: u64 = header(&r, "x-ratelimit-reset").parse().unwrap();
    assert!(reset > unix_now() && reset <= unix_now() + 60, "{reset}");
    assert_eq!(header(&r, "ratelimit-policy"), "\"key\";q=6;w=60");
    assert!(header(&r, "ratelimit").starts_with(&format!("\"key\";r={left};t=")));
    for expected in (0..left).rev() {
        let r = d.admin(Method::GET, "/members", None).await;
        assert_eq!(remaining(&r), expected);
    }
    // Over the limit: 429, Retry-After, the headers, and the write never happens.
    let r = d
        .admin(
            Method::POST,
            "/companies",
            Some(json!({"name": "Too many"})),
        )
        .await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    let retry: u64 = header(&r, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(remaining(&r), 0);
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM companies")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!names.contains(&"Too many".to_string()));
    // Another key of the tenant is not affected.
    let r = app
        .get(&d.t.host, "/api/v3/admin/members")
        .auth(&format!("DdApi {other_key}"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Case, extra headers and equivalent paths do not open a new bucket.
    for (path, forwarded) in [
        ("/api/v3/admin/agents", "203.0.113.9"),
        ("/api/v1/admin/members", "198.51.100.7"),
    ] {
        let r = app
            .get(&d.t.host.to_uppercase(), path)
            .auth(&format!("DdApi {}", d.key))
            .header("x-forwarded-for", forwarded)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
    }

    // A signed-in person: their own bucket, across their sessions.
    let first = d.sign_in("portal", "ann@customer.test").await;
    let second = d.sign_in("portal", "ann@customer.test").await;
    let mut statuses = vec![];
    for cookie in [&first, &second, &first, &second, &first] {
        statuses.push(d.portal(cookie, Method::GET, "/me", None).await.status);
    }
    assert_eq!(statuses[..4], [StatusCode::OK; 4]);
    assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS);

    // Without credentials (or with bad ones), the client's address; a client cannot pick another
    // address with X-Forwarded-For, as the test peer is no trusted proxy.
    let anonymous = |ip: [u8; 4], forwarded: &'static str| {
        app.get(&d.t.host, "/api/v3/admin/members")
            .client_address(ip)
            .header("x-forwarded-for", forwarded)
            .send()
    };
    for _ in 0..10 {
        assert_eq!(
            anonymous([192, 0, 2, 50], "10.0.0.1").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = anonymous([192, 0, 2, 50], "10.0.0.2").await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
    assert_eq!(header(&r, "ratelimit-policy"), "\"address\";q=10;w=60");
    assert_eq!(
        anonymous([192, 0, 2, 51], "10.0.0.1").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Probes are never limited.
    for _ in 0..5 {
        let r = app
            .get("localhost", "/health")
            .client_address([192, 0, 2, 50])
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn searches_cost_more_the_tenant_ceiling_holds_and_limits_reset() {
    let app = TestApp::with_config(|c| {
        c.rate_limits.per_key = 100;
        c.rate_limits.per_tenant = 30;
        c.rate_limits.window_secs = 2;
    })
    .await;
    let d = desk(&app, "acme").await;
    // Wait for a fresh window, so the whole test fits in one.
    let start = unix_now();
    while !unix_now().is_multiple_of(2) || unix_now() == start {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let r = d.admin(Method::GET, "/companies", None).await;
    let before = remaining(&r);
    // The tenant's bucket has less room than the key's, so it is the one reported.
    assert_eq!(header(&r, "ratelimit-policy"), "\"tenant\";q=30;w=2");
    let r = d.admin(Method::GET, "/tickets?q=printer", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(remaining(&r), before - 10, "a word search costs 10");
    let r = d.admin(Method::GET, "/tickets", None).await;
    assert_eq!(remaining(&r), before - 15, "a ticket list costs 5");
    // The tenant's ceiling (30) binds before the key's (100), and another key shares it.
    let other_key = app.api_key(&d.t, "read").await;
    let mut last = None;
    for _ in 0..20 {
        let r = app
            .get(&d.t.host, "/api/v3/admin/companies")
            .auth(&format!("DdApi {other_key}"))
            .send()
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            last = Some(r);
            break;
        }
    }
    let refused = last.expect("the tenant's ceiling refuses at last");
    assert_eq!(header(&refused, "ratelimit-policy"), "\"tenant\";q=30;w=2");
    // Requests without credentials have a pool of their own: they neither drain nor meet it.
    let r = app
        .get(&d.t.host, "/api/v3/admin/companies")
        .client_address([192, 0, 2, 60])
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // After the window, requests go through again.
    let wait: u64 = header(&refused, "retry-after").parse().unwrap();
    assert!(wait <= 2);
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 50)).await;
    let r = d.admin(Method::GET, "/companies", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // The costs are documented per operation.
    let v3: Value = serde_json::from_str(include_str!("../../openapi/v3.json")).unwrap();
    let list = &v3["paths"]["/api/v3/admin/tickets"];
    assert_eq!(list["get"]["x-rate-limit-cost"], 5);
    assert!(
        list["get"]["description"]
            .as_str()
            .unwrap()
            .contains("10 when `q`")
    );
    assert_eq!(list["patch"]["x-rate-limit-cost"], 10);
    assert!(
        v3["paths"]["/api/v3/admin/companies"]["get"]
            .get("x-rate-limit-cost")
            .is_none()
    );
}

#[tokio::test]
async fn admins_read_their_limits_and_the_platform_sets_plans() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let r = d.admin(Method::GET, "/rate-limits", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["perKey"], 1200);
    assert_eq!(r.json["plan"]["perKey"], Value::Null);
    let platform = |method, body: Option<Value>| {
        let mut call = app
            .call(
                method,
                "localhost",
                "/api/v3/platform/tenants/acme/rate-limits",
            )
            .auth(&format!("Bearer {PLATFORM_TOKEN}"));
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send()
    };
    let r = platform(Method::PUT, Some(json!({"perKey": 0}))).await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let r = platform(Method::PUT, Some(json!({"perKey": 50, "perTenant": 5000}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["perKey"].clone(), r.json["perUser"].clone()),
        (json!(50), json!(600))
    );
    // In force at once.
    let r = d.admin(Method::GET, "/members", None).await;
    assert_eq!(header(&r, "x-ratelimit-limit"), "50");
    assert_eq!(platform(Method::GET, None).await.json["perTenant"], 5000);
    // Admins cannot set their own.
    let r = d
        .admin(
            Method::PUT,
            "/rate-limits",
            Some(json!({"perKey": 1_000_000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn instances_sharing_redis_enforce_one_limit_and_carry_on_without_it() {
    let mut redis = Redis::start();
    let prefix = format!("deskd-test-{}", uuid::Uuid::new_v4().simple());
    let one = TestApp::with_config(|c| {
        c.redis_url = Some(deskd::config::Secret::new(redis.url.clone()));
        c.redis_prefix = prefix.clone();
        c.rate_limits.per_key = 8;
        c.rate_limits.window_secs = 3600;
    })
    .await;
    room_in_window(3600, 120).await;
    let two = one.sibling(|_| {}).await;
    let d = desk(&one, "acme").await;
    let key = app_key(&one, &d).await;
    // Eight units between the two instances, whichever is asked.
    let mut answers = vec![];
    for i in 0..10 {
        let app = if i % 2 == 0 { &one } else { &two };
        let r = app
            .get(&d.t.host, "/api/v3/admin/members")
            .auth(&format!("DdApi {key}"))
            .send()
            .await;
        answers.push(r.status);
    }
    let allowed = answers.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(allowed, 8, "{answers:?}");
    assert_eq!(answers[8..], [StatusCode::TOO_MANY_REQUESTS; 2]);

    // With a larger limit each instance takes units a few at a time (a fiftieth of the limit):
    // together they never pass it, and at most those few per instance go unused.
    let big = one.sibling(|c| c.rate_limits.per_key = 100).await;
    let big_two = big.sibling(|_| {}).await;
    let key = app_key(&one, &d).await;
    let mut allowed = 0;
    for i in 0..150 {
        let app = if i % 3 == 0 { &big } else { &big_two };
        let r = app
            .get(&d.t.host, "/api/v3/admin/members")
            .auth(&format!("DdApi {key}"))
            .send()
            .await;
        if r.status == StatusCode::OK {
            allowed += 1;
        }
    }
    assert!((96..=100).contains(&allowed), "{allowed}");

    // Redis stops: both instances keep answering, counting alone, and say so in their metrics.
    redis.stop();
    let fresh = one.api_key(&d.t, "read").await;
    let r = one
        .get(&d.t.host, "/api/v3/admin/members")
        .auth(&format!("DdApi {fresh}"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(header(&r, "x-ratelimit-limit"), "8");
    let metrics = scrape(&one).await;
    assert!(sample(&metrics, "deskd_rate_limit_redis_fallbacks_total", "") >= 1.0);
    assert_eq!(sample(&metrics, "deskd_rate_limit_shared", ""), 0.0);
}

/// A read-write key of the tenant, made fresh so earlier calls do not count.
async fn app_key(app: &TestApp, d: &crate::tickets::Desk<'_>) -> String {
    app.api_key(&d.t, "read_write").await
}

async fn scrape(app: &TestApp) -> String {
    let r = app.get("localhost", "/metrics").send().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(header(&r, "content-type").starts_with("text/plain"));
    r.text
}

/// Parses Prometheus' text format strictly, and answers the value of the sample whose name is
/// `name` and whose labels contain `labels` (sums when several match).
fn sample(text: &str, name: &str, labels: &str) -> f64 {
    let mut total = None;
    for line in text.lines() {
        if line.is_empty() || line.starts_with('#') {
            assert!(
                line.is_empty()
                    || line.starts_with("# HELP ")
                    || line.starts_with("# TYPE ")
                    || line == "# EOF",
                "{line}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        let (metric, label_text) = match series.split_once('{') {
            Some((m, rest)) => (
                m,
                rest.strip_suffix('}').unwrap_or_else(|| panic!("{line}")),
            ),
            None => (series, ""),
        };
        assert!(
            metric
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{line}"
        );
        if metric == name && label_text.contains(labels) {
            *total.get_or_insert(0.0) += value;
        }
    }
    total.unwrap_or_else(|| panic!("no sample {name}{{{labels}}} in\n{text}"))
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_are_guarded_when_asked() {
    let app = TestApp::with_config(|c| {
        c.metrics_tenants = vec!["acme".into()];
        c.rate_limits.per_address = 2;
    })
    .await;
    let d = desk(&app, "acme").await;
    for _ in 0..3 {
        d.admin(Method::GET, "/members", None).await;
    }
    d.admin(Method::GET, "/members/999", None).await;
    for _ in 0..3 {
        app.get(&d.t.host, "/api/v3/admin/members")
            .client_address([192, 0, 2, 77])
            .send()
            .await;
    }
    let text = scrape(&app).await;
    let ok = r#"route="/api/v3/admin/members",method="GET",status="2xx",tenant="acme""#;
    assert_eq!(sample(&text, "deskd_http_requests_total", ok), 3.0);
    let missing = r#"route="/api/v3/admin/members/{memberId}",method="GET",status="4xx""#;
    assert_eq!(sample(&text, "deskd_http_requests_total", missing), 1.0);
    assert!(
        sample(
            &text,
            "deskd_http_request_duration_seconds_count",
            r#"route="/api/v3/admin/members""#
        ) >= 6.0
    );
    assert_eq!(
        sample(
            &text,
            "deskd_rate_limit_rejections_total",
            r#"reason="address""#
        ),
        1.0
    );
    assert_eq!(
        sample(&text, "deskd_http_requests_in_flight", ""),
        1.0,
        "the scrape itself"
    );
    assert!(sample(&text, "deskd_db_pool_max_connections", "") >= 1.0);
    sample(&text, "deskd_webhook_queue_depth", "");
    sample(&text, "deskd_live_stream_subscribers", "");
    // Only on the base domain; with a token configured, only with it.
    let r = app.get(&d.t.host, "/metrics").send().await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let guarded = app
        .sibling(|c| c.metrics_token = Some(deskd::config::Secret::new("scrape-me")))
        .await;
    let r = guarded.get("localhost", "/metrics").send().await;
    r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let r = guarded
        .get("localhost", "/metrics")
        .auth("Bearer scrape-me")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK);
}
