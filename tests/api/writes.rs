//! Writes in one tenant at once: a ticket or note being written does not hold up the next one
//! (numbers come from the tenant's sequences, counts from striped rows), numbers never repeat,
//! and the kept counts stay exact.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use deskd::repo::tickets::{NewNote, TicketFields};
use serde_json::json;

use crate::{support::TestApp, tickets::desk};

#[tokio::test]
async fn an_open_creation_holds_up_no_other_and_numbers_never_repeat() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let contact = d.contact(1, "ann@customer.test", json!({})).await;
    let hardware = d
        .admin(Method::POST, "/queues", Some(json!({"name": "Hardware"})))
        .await;
    let queue = hardware.json["id"].as_i64().unwrap() as i32;
    let status = hardware.json["statuses"][0]["id"].as_i64().unwrap() as i32;
    let first = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "First", "contactId": contact, "queueId": 1})),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    let first = first.json["id"].as_i64().unwrap();

    // Another request's transaction has written a ticket and a note and not committed yet.
    let tenant = d.t.tenant.id;
    let mut held = app.state.pool.begin().await.unwrap();
    let fields = TicketFields {
        summary: "Held".into(),
        description: String::new(),
        request_type_id: None,
        queue_id: queue,
        status_id: status,
        priority_id: 1,
        source_id: None,
        category_ids: vec![],
        tags: vec![],
        custom_fields: json!({}),
        contact_id: contact as i32,
        company_id: 1,
        contact_group_id: None,
        is_closed: false,
    };
    let held_ticket = deskd::repo::tickets::insert(&mut held, tenant, &fields)
        .await
        .unwrap();
    let note = NewNote {
        body: "held",
        is_internal: false,
        author_kind: "system",
        author_id: "0",
        author_name: "System",
        time_start: None,
        time_end: None,
        actual_hours: None,
        billable_hours: None,
    };
    let held_note = deskd::repo::tickets::insert_note(&mut held, tenant, held_ticket, &note)
        .await
        .unwrap()
        .id;

    // Meanwhile a ticket and a note are written through the API without waiting for it.
    let meanwhile = async {
        let t = d
            .admin(
                Method::POST,
                "/tickets",
                Some(json!({"summary": "Meanwhile", "contactId": contact, "queueId": 1})),
            )
            .await;
        assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
        let n = d
            .admin(
                Method::POST,
                &format!("/tickets/{first}/notes"),
                Some(json!({"note": "Meanwhile"})),
            )
            .await;
        assert_eq!(n.status, StatusCode::CREATED, "{}", n.text);
        (
            t.json["id"].as_i64().unwrap(),
            n.json["id"].as_i64().unwrap(),
        )
    };
    let (ticket, note_id) = tokio::time::timeout(Duration::from_secs(10), meanwhile)
        .await
        .expect("a creation waited for another transaction to end");
    assert!(ticket > i64::from(held_ticket) && i64::from(held_ticket) > first);
    assert!(note_id > i64::from(held_note));

    // The held transaction fails: its numbers are skipped, never given again.
    held.rollback().await.unwrap();
    let next = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Next", "contactId": contact, "queueId": 1})),
        )
        .await;
    assert_eq!(
        next.json["id"].as_i64().unwrap(),
        ticket + 1,
        "{}",
        next.text
    );
    let missing = d
        .admin(Method::GET, &format!("/tickets/{held_ticket}"), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Each tenant numbers its own tickets from 1.
    let other = desk(&app, "globex").await;
    let contact = other.contact(1, "bob@globex.test", json!({})).await;
    let r = other
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Their first", "contactId": contact, "queueId": 1})),
        )
        .await;
    assert_eq!(r.json["id"], 1, "{}", r.text);
}

#[tokio::test]
async fn counts_kept_across_many_writers_stay_exact() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let contact = d.contact(1, "ann@customer.test", json!({})).await;
    let created = futures_util::future::join_all((0..24).map(|i| {
        let d = &d;
        async move {
            let r = d
                .admin(
                    Method::POST,
                    "/tickets",
                    Some(json!({"summary": format!("Ticket {i}"), "contactId": contact, "queueId": 1})),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json["id"].as_i64().unwrap()
        }
    }))
    .await;
    // Close a third of them at once, from as many requests.
    futures_util::future::join_all(created.iter().step_by(3).map(|id| {
        let d = &d;
        async move {
            let resolved = 6; // Resolved (closed) in the Support queue
            let r = d
                .admin(
                    Method::PATCH,
                    &format!("/tickets/{id}"),
                    Some(json!({"statusId": resolved})),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.json["isClosed"], true);
        }
    }))
    .await;
    let total = |query: &'static str| {
        let d = &d;
        async move {
            let r = d.admin(Method::GET, query, None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json["totalResults"].as_i64().unwrap()
        }
    };
    assert_eq!(total("/tickets?status=open&queueId=1&take=1").await, 16);
    assert_eq!(total("/tickets?status=closed&queueId=1&take=1").await, 8);
    let (kept, counted): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT sum(live)::bigint FROM ticket_counts WHERE tenant_id = $1),
                (SELECT count(*) FROM tickets WHERE tenant_id = $1 AND archived_at IS NULL)",
    )
    .bind(d.t.tenant.id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(kept, counted);
}
