//! Live event streams (SSE): each caller gets exactly what they may see, resumes without gaps or
//! repeats, hears of their position when idle, is dropped when too slow, and gets events from
//! every instance on the database.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{SseEvent, TestApp};

use crate::chats::{assert_seed_shape, helpdesk};

fn kinds(events: &[SseEvent]) -> Vec<String> {
    events.iter().map(|e| e.event.clone()).collect()
}

#[tokio::test]

async fn streams_carry_exactly_what_each_may_see_and_resume_without_gaps_or_repeats() {
    let app = TestApp::with_config(|c| c.stream_heartbeat = Duration::from_millis(300)).await;
    let h = helpdesk(&app).await;
    let mut ann = h.stream("portal", &h.ann, None).await;
    let mut bob = h.stream("portal", &h.bob, None).await;
    let mut admin = h.stream("tech", &h.admin, None).await;
    let mut tom = h.stream("tech", &h.tom, None).await;

    let id = h.ann_asks("Hello").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = ann.next().await;
    assert_eq!(got.event, "chat.message");
    assert_eq!(got.data["message"], "Hello");
    let got = ann.next().await;
    assert_eq!(got.event, "chat.session");
    assert_eq!(got.data["status"], "created");
    assert_seed_shape(&json!([got.data]));
    // Members all see the new request (the queue); its first message is only for those in it.
    assert_eq!(
        kinds(&admin.drain(Duration::from_millis(300)).await),
        ["chat.session"]
    );

    h.tech(&h.admin, Method::POST, &format!("/chats/{id}/handle"), None)
        .await;
    h.tech(
        &h.admin,
        Method::POST,
        &format!("/chats/{id}/messages"),
        Some(json!({"message": "How can I help?"})),
    )
    .await;
    let got = ann.next().await;
    assert_eq!(
        (got.event.as_str(), got.data["status"].as_str()),
        ("chat.session", Some("handled"))
    );
    let hello = ann.next().await;
    assert_eq!(hello.data["message"], "How can I help?");
    assert_eq!(
        kinds(&admin.drain(Duration::from_millis(300)).await),
        ["chat.session", "chat.message"]
    );
    assert_eq!(
        kinds(&tom.drain(Duration::from_millis(300)).await),
        ["chat.session", "chat.session"],
        "not in the chat: no messages"
    );

    // Ann drops; three messages are written meanwhile; she resumes from her last event.
    drop(ann);
    for text in ["one", "two", "three"] {
        h.tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": text})),
        )
        .await;
    }
    let mut ann = h.stream("portal", &h.ann, Some(&hello.id)).await;
    let resumed = ann.drain(Duration::from_millis(400)).await;
    let texts: Vec<&str> = resumed
        .iter()
        .map(|e| e.data["message"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["one", "two", "three"], "no gap, no repeat");
    // And goes on live.
    h.tech(
        &h.admin,
        Method::POST,
        &format!("/chats/{id}/messages"),
        Some(json!({"message": "four"})),
    )
    .await;
    assert_eq!(ann.next().await.data["message"], "four");

    // Her ticket's updates and her notifications reach her; internal notes do not.
    let t =
        h.d.admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Ann's", "contactId": h.ann_id, "queueId": 1})),
        )
        .await;
    let ticket = t.json["id"].as_i64().unwrap();
    h.d.admin(
        Method::POST,
        &format!("/tickets/{ticket}/notes"),
        Some(json!({"note": "internal", "isInternal": true})),
    )
    .await;
    let notify = format!("/contacts/{}/notifications", h.ann_id);
    h.d.admin(
        Method::POST,
        &notify,
        Some(json!({"title": "Laptop ready"})),
    )
    .await;
    let got = ann.drain(Duration::from_millis(400)).await;
    assert_eq!(kinds(&got), ["ticket.created", "notification"], "{got:?}");
    assert_eq!(got[0].data["ticketId"], ticket);
    assert_eq!(got[1].data["title"], "Laptop ready");

    // Bob got nothing of Ann's, only heartbeats.
    let bobs = bob.drain(Duration::from_millis(400)).await;
    assert!(bobs.is_empty(), "{bobs:?}");
    assert!(
        bob.comments.iter().any(|c| c == "heartbeat"),
        "{:?}",
        bob.comments
    );

    // A resume point that is not ours is a 400.
    let r =
        h.d.app
            .get(&h.d.t.host, "/api/v2/portal/events/stream")
            .cookie(&h.ann)
            .header("last-event-id", "yesterday")
            .stream()
            .await;
    r.err()
        .unwrap()
        .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    // Without credentials, no stream.
    let r =
        h.d.app
            .get(&h.d.t.host, "/api/v2/tech/events/stream")
            .stream()
            .await;
    assert_eq!(r.err().unwrap().status, StatusCode::UNAUTHORIZED);

    // An id whose event is no longer kept cannot be resumed without a gap: the client is told to
    // reload, and the stream goes on from now.
    let mut late = h.stream("portal", &h.ann, Some("1-1")).await;
    let reset = late.next().await;
    assert_eq!(reset.event, "reset");
    h.tech(
        &h.admin,
        Method::POST,
        &format!("/chats/{id}/messages"),
        Some(json!({"message": "five"})),
    )
    .await;
    assert_eq!(late.next().await.data["message"], "five");
}

#[tokio::test]

async fn an_idle_listener_is_told_its_position_and_a_stream_ends_after_its_lifetime() {
    let app = TestApp::with_config(|c| {
        c.stream_heartbeat = Duration::from_millis(200);
        c.stream_lifetime = Duration::from_secs(1);
    })
    .await;
    let h = helpdesk(&app).await;
    let mut bob = h.stream("portal", &h.bob, None).await;
    let mut ann = h.stream("portal", &h.ann, None).await;
    h.ann_asks("Hello").await;
    let last = ann
        .drain(Duration::from_millis(300))
        .await
        .last()
        .unwrap()
        .id
        .clone();
    // Bob sees none of it, but his last event id moves past it, so a reconnect skips it cheaply.
    assert!(bob.drain(Duration::from_millis(500)).await.is_empty());
    assert_eq!(bob.last_id.as_deref(), Some(last.as_str()));
    // Streams end after about a second; the client comes back and is checked again.
    let started = std::time::Instant::now();
    while !bob.ended {
        bob.next_within(Duration::from_millis(200)).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the stream outlived its lifetime"
        );
    }
    let again = h.stream("portal", &h.bob, bob.last_id.as_deref()).await;
    assert!(!again.ended);
}

#[tokio::test]

async fn approvers_hear_of_their_companys_tickets_awaiting_approval_and_nobody_else_does() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    h.d.contact(1, "boss@customer.test", json!({"isApprover": true}))
        .await;
    let boss = h.d.sign_in("portal", "boss@customer.test").await;
    let mut boss_stream = h.stream("portal", &boss, None).await;
    let mut bob = h.stream("portal", &h.bob, None).await;
    let group =
        h.d.admin(
            Method::POST,
            "/service-groups",
            Some(json!({"name": "Equipment"})),
        )
        .await;
    let laptop =
        h.d.admin(
            Method::POST,
            "/request-types",
            Some(
                json!({"name": "New laptop", "defaultQueueId": 1, "defaultPriorityId": 3,
                        "serviceGroupId": group.json["id"], "requiresApproval": true}),
            ),
        )
        .await;
    assert_eq!(laptop.status, StatusCode::CREATED, "{}", laptop.text);
    // A ticket without an approval is Ann's business only.
    h.d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "Mouse", "contactId": h.ann_id, "queueId": 1})),
    )
    .await;
    let t = h
        .d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Laptop", "contactId": h.ann_id, "requestTypeId": laptop.json["id"]})),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let got = boss_stream.drain(Duration::from_millis(500)).await;
    // From the request for approval on (the ticket is created before it needs one).
    assert_eq!(kinds(&got), ["ticket.approval_requested"], "{got:?}");
    assert!(got.iter().all(|e| e.data["ticketId"] == t.json["id"]));
    assert!(bob.drain(Duration::from_millis(400)).await.is_empty());
}

#[tokio::test]

async fn events_past_retention_are_pruned_in_stream_order_and_resuming_from_one_resets() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let insert = |age_hours: i32, n: i32| {
        sqlx::query(
            "INSERT INTO live_events (tenant_id, type, payload, all_members, created_at)
             VALUES ($1, 'test.old', jsonb_build_object('n', $2), true, now() - make_interval(hours => $3))
             RETURNING xid::text || '-' || seq",
        )
        .bind(h.d.t.tenant.id)
        .bind(n)
        .bind(age_hours)
        .fetch_one(&app.pool)
    };
    let first: String = sqlx::Row::get(&insert(48, 1).await.unwrap(), 0);
    // Written later but stamped older (a transaction that started early): kept, with all after
    // the first kept event.
    let second: String = sqlx::Row::get(&insert(1, 2).await.unwrap(), 0);
    insert(30, 3).await.unwrap();
    let pruned = deskd::repo::live::prune(&app.pool, 24 * 3600)
        .await
        .unwrap();
    assert_eq!(pruned, 1, "only what comes before the first kept event");
    // Resuming from the pruned one is a reset; from a kept one, the rest follows.
    let mut gone = h.stream("tech", &h.admin, Some(&first)).await;
    assert_eq!(gone.next().await.event, "reset");
    let mut resumed = h.stream("tech", &h.admin, Some(&second)).await;
    assert_eq!(resumed.next().await.data["n"], 3);
}

#[tokio::test]

async fn two_instances_on_one_database_deliver_to_subscribers_of_both() {
    let app = TestApp::new().await;
    let other = app.sibling(|_| {}).await;
    let h = helpdesk(&app).await;
    let mut ann_here = h.stream_on(&app, "portal", &h.ann, None).await;
    let mut admin_there = h.stream_on(&other, "tech", &h.admin, None).await;
    // Written on this instance: the other's subscriber gets it.
    let id = h.ann_asks("Hello from instance one").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let got = admin_there.next().await;
    assert_eq!(
        (got.event.as_str(), got.data["id"].as_str()),
        ("chat.session", Some(id.as_str()))
    );
    // Written on the other instance: this one's subscriber gets it.
    let r = other
        .post(&h.d.t.host, &format!("/api/v2/tech/chats/{id}/handle"))
        .cookie(&h.admin)
        .same_origin(&h.d.t.host)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    other
        .post(&h.d.t.host, &format!("/api/v2/tech/chats/{id}/messages"))
        .cookie(&h.admin)
        .same_origin(&h.d.t.host)
        .json(json!({"message": "Hello from instance two"}))
        .send()
        .await;
    let got = ann_here.drain(Duration::from_millis(500)).await;
    let texts: Vec<&str> = got
        .iter()
        .filter_map(|e| e.data["message"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["Hello from instance one", "Hello from instance two"],
        "{got:?}"
    );
    let admin_got = admin_there.drain(Duration::from_millis(300)).await;
    assert_eq!(kinds(&admin_got), ["chat.session", "chat.message"]);
}

#[tokio::test]

async fn a_client_too_slow_to_read_is_dropped_and_resumes_from_its_last_event() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let mut slow = h.stream("tech", &h.admin, None).await;
    let mut fast = h.stream("tech", &h.tom, None).await;
    // Both read a first event, so each has a last event id.
    let r = h
        .tech(
            &h.tom,
            Method::PUT,
            "/presence",
            Some(json!({"status": "online"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let marker = slow.next().await;
    assert_eq!(fast.next().await.id, marker.id);
    // 3,000 events, 100 at a time: far more than the feed and the client buffer hold for a
    // reader that reads nothing. The one reading as they come sees every one, in order.
    let mut n = 0;
    for batch in 0..30 {
        sqlx::query(
            "INSERT INTO live_events (tenant_id, type, payload, all_members)
             SELECT $1, 'test.burst', jsonb_build_object('n', n), true
             FROM generate_series($2 * 100 + 1, $2 * 100 + 100) n",
        )
        .bind(h.d.t.tenant.id)
        .bind(batch)
        .execute(&app.pool)
        .await
        .unwrap();
        for _ in 0..100 {
            let e = fast.next().await;
            n += 1;
            assert_eq!(e.data["n"], n);
        }
    }
    // The slow one (reading only now) gets what its buffer held, if anything, then the stream
    // ends.
    let got = slow.drain(Duration::from_secs(3)).await;
    assert!(slow.ended, "the slow client was dropped");
    assert!(got.len() < 3000, "{}", got.len());
    let (last_id, held) = got.last().map_or((marker.id.clone(), 0), |e| {
        (e.id.clone(), e.data["n"].as_i64().unwrap())
    });
    // Resuming from its last event loses nothing.
    let mut resumed = h.stream("tech", &h.admin, Some(&last_id)).await;
    for expected in held + 1..=3000 {
        assert_eq!(resumed.next().await.data["n"], expected);
    }
}
