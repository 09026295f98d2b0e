//! Domain events and the change feed: written with the change (and only if it commits), paged by
//! cursor without skipping or repeating anything, per tenant.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

impl Desk<'_> {
    async fn feed(&self, query: &str) -> Value {
        let r = self
            .admin(Method::GET, &format!("/events{query}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json
    }

    /// The feed from the start once it holds `expected` events. An event shows once every
    /// transaction that began before it has ended, and other tests' transactions share the server,
    /// so a fresh event may take a moment to appear.
    async fn events_once(&self, expected: usize, limit: usize) -> Vec<Value> {
        for _ in 0..100 {
            let events = self.all_events(limit).await;
            if events.len() >= expected {
                return events;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the feed never held {expected} events");
    }

    async fn stored_events(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events WHERE tenant_id = $1")
            .bind(self.t.tenant.id)
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// Every event from the start, page by page, as far as the feed is ready.
    async fn all_events(&self, limit: usize) -> Vec<Value> {
        let (mut events, mut cursor) = (Vec::new(), String::new());
        loop {
            let page = self.feed(&format!("?limit={limit}&after={cursor}")).await;
            events.extend(page["results"].as_array().unwrap().iter().cloned());
            cursor = page["cursor"].as_str().unwrap().to_string();
            if page["endReached"] == true {
                return events;
            }
        }
    }
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn every_change_is_an_event_in_commit_order_and_pages_by_cursor() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "VPN down", "contactId": 1, "queueId": 1})),
    )
    .await;
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 6})))
        .await;
    d.admin(
        Method::POST,
        "/tickets/1/notes",
        Some(json!({"note": "secret detail", "isInternal": true})),
    )
    .await;
    d.admin(
        Method::PATCH,
        "/companies/1",
        Some(json!({"name": "Customer Ltd"})),
    )
    .await;
    let events = d.events_once(9, 100).await;
    assert_eq!(
        types(&events),
        [
            "company.created",
            "company.created",
            "contact.created",
            "ticket.created",
            "ticket.updated",
            "ticket.status_changed",
            "ticket.closed",
            "ticket.note_added",
            "company.updated",
        ]
    );
    let status = &events[5];
    assert_eq!(status["entity"], json!({"type": "ticket", "id": "1"}));
    assert_eq!(status["payload"]["change"]["field"], "status");
    assert_eq!(status["payload"]["change"]["to"]["name"], "Resolved");
    assert_eq!(status["payload"]["by"]["userType"], "api_key");
    assert_eq!(events[8]["payload"]["name"], "Customer Ltd");
    // An internal note's text is not in the event.
    assert!(!events[7].to_string().contains("secret detail"));
    // Small pages give the same events; the end is flagged, and reading on from it finds nothing.
    let paged = d.events_once(9, 2).await;
    assert_eq!(
        paged.iter().map(|e| &e["id"]).collect::<Vec<_>>(),
        events.iter().map(|e| &e["id"]).collect::<Vec<_>>()
    );
    let last = events.last().unwrap()["cursor"].as_str().unwrap();
    let rest = d.feed(&format!("?after={last}")).await;
    assert_eq!(rest["results"], json!([]));
    assert_eq!(rest["endReached"], true);
    assert_eq!(rest["cursor"], last);
    // Another tenant's feed holds only its own.
    let other = desk(&app, "globex").await;
    assert_eq!(
        types(&other.events_once(2, 100).await),
        ["company.created", "company.created"]
    );
}

#[tokio::test]
async fn a_change_that_fails_writes_no_event() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "Printer", "contactId": 1, "queueId": 1})),
    )
    .await;
    let before = d.stored_events().await;
    assert_eq!(before, 4);
    // A bulk update where one ticket does not exist changes nothing and says nothing.
    let r = d
        .admin(
            Method::PATCH,
            "/tickets",
            Some(json!({"ticketIds": [1, 99], "changes": {"priorityId": 4}})),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 999})))
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let dup = d
        .admin(
            Method::POST,
            "/contacts",
            Some(json!({"companyId": 1, "email": "ann@customer.test", "firstName": "Ann"})),
        )
        .await;
    assert!(dup.status.is_client_error(), "{}", dup.text);
    assert_eq!(d.stored_events().await, before);
}

#[tokio::test]
async fn readers_never_skip_or_repeat_events_under_concurrent_writes() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let (mut seen, mut cursor) = (Vec::<Value>::new(), String::new());
    let writes = futures_util::future::join_all((0..24).map(|i| {
        let d = &d;
        async move {
            let r = d
                .admin(
                    Method::POST,
                    "/tickets",
                    Some(
                        json!({"summary": format!("Concurrent {i}"), "contactId": 1, "queueId": 1}),
                    ),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
    }));
    let read = async {
        for _ in 0..40 {
            let page = d.feed(&format!("?limit=3&after={cursor}")).await;
            seen.extend(page["results"].as_array().unwrap().iter().cloned());
            cursor = page["cursor"].as_str().unwrap().to_string();
            tokio::task::yield_now().await;
        }
    };
    tokio::join!(writes, read);
    let total = d.stored_events().await as usize;
    for _ in 0..200 {
        let page = d.feed(&format!("?limit=5&after={cursor}")).await;
        seen.extend(page["results"].as_array().unwrap().iter().cloned());
        cursor = page["cursor"].as_str().unwrap().to_string();
        if page["endReached"] == true {
            if seen.len() >= total {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let mut times: HashMap<String, usize> = HashMap::new();
    for e in &seen {
        *times
            .entry(e["id"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(times.values().all(|n| *n == 1), "an event was repeated");
    let created: Vec<&Value> = seen
        .iter()
        .filter(|e| e["type"] == "ticket.created")
        .collect();
    assert_eq!(created.len(), 24, "an event was skipped");
    assert_eq!(seen.len(), total);
}

#[tokio::test]
async fn bad_cursors_and_limits_are_400s() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    for query in [
        "?after=nonsense",
        "?after=1-",
        "?after=-1-2",
        "?limit=0",
        "?limit=1001",
    ] {
        d.admin(Method::GET, &format!("/events{query}"), None)
            .await
            .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    }
}
