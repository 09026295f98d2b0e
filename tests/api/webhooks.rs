//! Webhooks end to end, against a real receiver on a local port: signed deliveries, retries,
//! 410, pausing, two workers, rolled-back changes, and what subscriptions accept.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    Router,
    body::Bytes,
    http::{HeaderMap, Method, StatusCode},
    routing::post,
};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

#[derive(Clone, Default)]
pub struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
    /// Status codes to answer, in order; 200 once they run out.
    answers: Arc<Mutex<VecDeque<u16>>>,
    /// How many requests have been answered (after `delay`).
    answered: Arc<std::sync::atomic::AtomicUsize>,
}

impl Receiver {
    pub async fn start() -> (Self, String) {
        Self::start_slow(std::time::Duration::ZERO).await
    }

    /// A receiver that takes `delay` to answer each request.
    pub async fn start_slow(delay: std::time::Duration) -> (Self, String) {
        let receiver = Receiver::default();
        let r = receiver.clone();
        let app = Router::new().route(
            "/hook",
            post(move |headers: HeaderMap, body: Bytes| {
                let r = r.clone();
                async move {
                    r.got.lock().unwrap().push((headers, body));
                    tokio::time::sleep(delay).await;
                    r.answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let status = r.answers.lock().unwrap().pop_front().unwrap_or(200);
                    (StatusCode::from_u16(status).unwrap(), "thanks")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    pub fn requests(&self) -> Vec<(HeaderMap, Bytes)> {
        self.got.lock().unwrap().clone()
    }
}

impl Desk<'_> {
    async fn subscribe(&self, url: &str, types: &[&str]) -> Value {
        let r = self
            .admin(
                Method::POST,
                "/webhooks",
                Some(json!({"description": "test", "url": url, "eventTypes": types})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json
    }

    async fn new_ticket(&self, summary: &str) {
        let r = self
            .admin(
                Method::POST,
                "/tickets",
                Some(json!({"summary": summary, "contactId": 1, "queueId": 1})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    pub async fn deliver(&self) -> usize {
        deskd::service::webhooks::deliver_due(&self.app.state)
            .await
            .unwrap()
    }

    /// Makes every waiting retry due now.
    async fn fast_forward(&self) {
        sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = now() WHERE state = 'pending'",
        )
        .execute(&self.app.pool)
        .await
        .unwrap();
    }
}

async fn setup(app: &TestApp) -> Desk<'_> {
    let d = desk(app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d
}

fn key_of(secret: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap()
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

#[tokio::test]
async fn events_arrive_as_signed_json_arrays() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = setup(&app).await;
    let (receiver, url) = Receiver::start().await;
    let hook = d
        .subscribe(&url, &["ticket.created", "ticket.closed"])
        .await;
    let secret = hook["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    // The secret is never shown again.
    let id = hook["id"].as_str().unwrap();
    let again = d.admin(Method::GET, &format!("/webhooks/{id}"), None).await;
    assert!(again.json.get("secret").is_none());
    assert!(!again.text.contains(&secret[6..]));

    d.new_ticket("Printer on fire").await;
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"priorityId": 4})))
        .await; // ticket.updated: not subscribed
    assert_eq!(d.deliver().await, 1);
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let events: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(events[0]["type"], "ticket.created");
    assert_eq!(events[0]["entity"], json!({"type": "ticket", "id": "1"}));
    let key = key_of(secret);
    assert_eq!(
        headers["x-dd-signature"].to_str().unwrap(),
        format!("sha256={}", hex::encode(hmac(&key, body)))
    );
    let (msg_id, timestamp) = (
        headers["webhook-id"].to_str().unwrap(),
        headers["webhook-timestamp"].to_str().unwrap(),
    );
    assert_eq!(msg_id, events[0]["id"].as_str().unwrap());
    let signed = [msg_id.as_bytes(), b".", timestamp.as_bytes(), b".", body].concat();
    assert_eq!(
        headers["webhook-signature"].to_str().unwrap(),
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(hmac(&key, &signed))
        )
    );
    // The delivery log shows it.
    let log = d
        .admin(Method::GET, &format!("/webhooks/{id}/deliveries"), None)
        .await;
    assert_eq!(log.json["results"][0]["state"], "delivered");
    assert_eq!(log.json["results"][0]["lastStatusCode"], 200);
    assert_eq!(log.json["results"][0]["lastResponse"], "thanks");
    // A ping reaches the receiver too, and a regenerated secret signs from then on.
    let r = d
        .admin(Method::POST, &format!("/webhooks/{id}/secret"), None)
        .await;
    let new_key = key_of(r.json["secret"].as_str().unwrap());
    d.admin(Method::POST, &format!("/webhooks/{id}/ping"), None)
        .await;
    d.deliver().await;
    let (headers, body) = receiver.requests().pop().unwrap();
    assert!(String::from_utf8_lossy(&body).contains("webhook.ping"));
    assert_eq!(
        headers["x-dd-signature"].to_str().unwrap(),
        format!("sha256={}", hex::encode(hmac(&new_key, &body)))
    );
}

#[tokio::test]
async fn failures_are_retried_with_the_same_id_then_pause_and_410_disables() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = setup(&app).await;
    let (receiver, url) = Receiver::start().await;
    let hook = d.subscribe(&url, &["ticket.created"]).await;
    let id = hook["id"].as_str().unwrap();
    receiver.answers.lock().unwrap().extend([500, 503]);
    d.new_ticket("Flaky receiver").await;
    d.deliver().await;
    // Not yet due again: back-off.
    assert_eq!(d.deliver().await, 0);
    d.fast_forward().await;
    d.deliver().await;
    d.fast_forward().await;
    d.deliver().await;
    let got = receiver.requests();
    assert_eq!(got.len(), 3);
    assert!(
        got.iter()
            .all(|(h, b)| h["webhook-id"] == got[0].0["webhook-id"] && *b == got[0].1)
    );
    let log = d
        .admin(Method::GET, &format!("/webhooks/{id}/deliveries"), None)
        .await;
    assert_eq!(log.json["results"][0]["state"], "delivered");
    assert_eq!(log.json["results"][0]["attempts"], 3);
    // A finished delivery can be sent again by hand, with the same id and body.
    let delivery = log.json["results"][0]["id"].as_i64().unwrap();
    let again = d
        .admin(
            Method::POST,
            &format!("/webhooks/{id}/deliveries/{delivery}/redeliver"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    d.admin(
        Method::POST,
        &format!("/webhooks/{id}/deliveries/{delivery}/redeliver"),
        None,
    )
    .await
    .assert_error(StatusCode::CONFLICT, "DeliveryPending");
    d.deliver().await;
    let got = receiver.requests();
    assert_eq!(got.len(), 4);
    assert_eq!(got[3].0["webhook-id"], got[0].0["webhook-id"]);
    assert_eq!(got[3].1, got[0].1);
    d.admin(
        Method::POST,
        &format!("/webhooks/{id}/deliveries/999999/redeliver"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");

    // Sends that fail together count as one failure; five failures in a row rest the subscription
    // for 10 s (it is not deleted).
    receiver.answers.lock().unwrap().extend([500; 26]);
    for i in 0..5 {
        d.new_ticket(&format!("Down {i}")).await;
    }
    let webhook = |id: String| {
        let d = &d;
        async move {
            d.admin(Method::GET, &format!("/webhooks/{id}"), None)
                .await
                .json
        }
    };
    let resting_for = |w: &Value| {
        let until =
            chrono::DateTime::parse_from_rfc3339(w["pausedUntil"].as_str().unwrap()).unwrap();
        (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds() as f64 / 1000.0
    };
    assert_eq!(d.deliver().await, 5);
    let w = webhook(id.to_string()).await;
    assert_eq!(w["consecutiveFailures"], 1, "{w}");
    assert!(w["pausedUntil"].is_null());
    for _ in 2..=5 {
        d.fast_forward().await;
        assert_eq!(d.deliver().await, 5);
    }
    let w = webhook(id.to_string()).await;
    assert_eq!(w["consecutiveFailures"], 5, "{w}");
    assert!((5.0..=10.5).contains(&resting_for(&w)), "{w}");
    d.fast_forward().await;
    assert_eq!(d.deliver().await, 0, "a resting subscription waits");
    // When the rest is over, one send probes; failing, it rests the subscription twice as long.
    let rest_over = || async {
        sqlx::query("UPDATE webhooks SET paused_until = now() WHERE id = $1::uuid")
            .bind(id)
            .execute(&d.app.pool)
            .await
            .unwrap();
    };
    rest_over().await;
    assert_eq!(d.deliver().await, 1, "one probe, not every due delivery");
    let w = webhook(id.to_string()).await;
    assert_eq!(w["consecutiveFailures"], 6, "{w}");
    assert!((15.0..=20.5).contains(&resting_for(&w)), "{w}");
    // Saving it enabled ends the rest, as does the resume action; then all that is due goes.
    let r = d
        .admin(
            Method::PUT,
            &format!("/webhooks/{id}"),
            Some(json!({"description": "test", "url": url, "eventTypes": ["ticket.created"], "enabled": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json["pausedUntil"].is_null() && r.json["consecutiveFailures"] == 0,
        "{}",
        r.text
    );
    sqlx::query("UPDATE webhooks SET consecutive_failures = 5, paused_until = now() + interval '30 minutes' WHERE id = $1::uuid")
        .bind(id)
        .execute(&d.app.pool)
        .await
        .unwrap();
    d.fast_forward().await;
    assert_eq!(d.deliver().await, 0);
    let r = d
        .admin(Method::POST, &format!("/webhooks/{id}/resume"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json["pausedUntil"].is_null() && r.json["consecutiveFailures"] == 0,
        "{}",
        r.text
    );
    assert_eq!(d.deliver().await, 5);
    let w = webhook(id.to_string()).await;
    assert_eq!(w["consecutiveFailures"], 0, "{w}");
    d.admin(
        Method::POST,
        "/webhooks/00000000-0000-0000-0000-000000000000/resume",
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");

    // 410 Gone disables it.
    let (gone, gone_url) = Receiver::start().await;
    gone.answers.lock().unwrap().push_back(410);
    let other = d.subscribe(&gone_url, &["ticket.created"]).await;
    d.new_ticket("Anyone there?").await;
    d.deliver().await;
    let w = d
        .admin(
            Method::GET,
            &format!("/webhooks/{}", other["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(w.json["enabled"], false);
    assert!(w.json["disabledReason"].as_str().unwrap().contains("410"));
}

#[tokio::test]
async fn two_workers_deliver_each_event_once() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = setup(&app).await;
    let (receiver, url) = Receiver::start().await;
    d.subscribe(&url, &["ticket.created"]).await;
    for i in 0..30 {
        d.new_ticket(&format!("Ticket {i}")).await;
    }
    let (a, b) = tokio::join!(d.deliver(), d.deliver());
    assert_eq!(a + b, 30);
    let mut ids: Vec<String> = receiver
        .requests()
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30);
    assert_eq!(receiver.requests().len(), 30);
}

#[tokio::test]
async fn rolled_back_changes_send_nothing_and_bad_subscriptions_are_refused() {
    let app = TestApp::new().await;
    let d = setup(&app).await;
    // Private and loopback addresses are refused unless configuration allows them.
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost:9/hook",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest",
        "ftp://example.com/hook",
        "not a url",
    ] {
        let r = d
            .admin(
                Method::POST,
                "/webhooks",
                Some(json!({"url": url, "eventTypes": ["ticket.created"]})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            r.text
        );
        assert_eq!(r.json["field"], "url");
    }
    let long = format!("https://example.com/{}", "a".repeat(3000));
    d.admin(
        Method::POST,
        "/webhooks",
        Some(json!({"url": long, "eventTypes": ["ticket.created"]})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let r = d
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": "https://93.184.216.34/hook", "eventTypes": ["ticket.exploded"]})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "eventTypes");
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("ticket.created")
    );

    // A subscription (to a public address; nothing is sent in this test) and a failed change.
    let hook = d
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": "https://93.184.216.34/hook", "eventTypes": ["ticket.updated"]})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);
    d.new_ticket("Stays as it is").await;
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 999})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(queued, 0);
    // Another tenant cannot see or touch it.
    let other = desk(&app, "globex").await;
    let id = hook.json["id"].as_str().unwrap();
    other
        .admin(Method::GET, &format!("/webhooks/{id}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    other
        .admin(Method::DELETE, &format!("/webhooks/{id}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    assert_eq!(
        d.admin(Method::DELETE, &format!("/webhooks/{id}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_slow_receiver_delays_only_its_own_subscription() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = setup(&app).await;
    let (slow, slow_url) = Receiver::start_slow(std::time::Duration::from_secs(3)).await;
    let (fast, fast_url) = Receiver::start().await;
    d.subscribe(&slow_url, &["ticket.created"]).await;
    d.subscribe(&fast_url, &["ticket.created"]).await;
    for i in 0..20 {
        d.new_ticket(&format!("Ticket {i}")).await;
    }
    deskd::service::webhooks::spawn_worker(app.state.clone());
    // Every fast delivery arrives while the slow receiver has yet to answer its first request, and
    // the slow one holds only its share of the worker's sends.
    for _ in 0..200 {
        if fast.requests().len() == 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(fast.requests().len(), 20);
    assert_eq!(slow.answered.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(slow.requests().len() <= 8, "{}", slow.requests().len());
}

#[tokio::test]
async fn deleting_a_subscription_while_its_delivery_is_recorded_never_fails() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = setup(&app).await;
    let (receiver, url) = Receiver::start_slow(std::time::Duration::from_millis(5)).await;
    for i in 0..24u64 {
        let hook = d.subscribe(&url, &["ticket.created"]).await;
        let id = hook["id"].as_str().unwrap().to_string();
        d.new_ticket(&format!("Ticket {i}")).await;
        // The deletion lands at a different point of the send and its recording each time.
        let delete = async {
            tokio::time::sleep(std::time::Duration::from_micros(500 * i)).await;
            d.admin(Method::DELETE, &format!("/webhooks/{id}"), None)
                .await
        };
        let (sent, deleted) =
            tokio::join!(deskd::service::webhooks::deliver_due(&app.state), delete);
        sent.expect("the worker records its attempt, or finds the subscription gone");
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    }
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM webhooks")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert!(!receiver.requests().is_empty());
}
