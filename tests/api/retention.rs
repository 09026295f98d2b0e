//! The retention job removes what is past its window, a batch at a time, and keeps the rest:
//! recent rows, pending deliveries whatever their age, and files an attachment still names.

use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::{
    support::{PASSWORD, TestApp},
    tickets::desk,
    webhooks::Receiver,
};

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn run(app: &TestApp, sql: &'static str) {
    sqlx::query(sql).execute(&app.pool).await.unwrap();
}

#[tokio::test]
async fn old_records_and_orphaned_bytes_go_and_the_rest_stays() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = desk(&app, "acme").await;
    let contact = d.contact(1, "ann@customer.test", json!({})).await;
    let (_receiver, url) = Receiver::start().await;
    let r = d
        .admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": url, "eventTypes": ["ticket.created"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    for summary in ["Old", "Old and undelivered", "New"] {
        let r = d
            .admin(
                Method::POST,
                "/tickets",
                Some(json!({"summary": summary, "contactId": contact, "queueId": 1})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    deskd::service::webhooks::deliver_due(&app.state)
        .await
        .unwrap();
    // Two tickets' events and deliveries are months old; one delivery of them is still pending.
    run(
        &app,
        "UPDATE events SET created_at = now() - interval '100 days' WHERE entity_id IN ('1', '2')",
    )
    .await;
    run(
        &app,
        "UPDATE webhook_deliveries SET created_at = now() - interval '40 days'
               WHERE body::jsonb->0->'entity'->>'id' IN ('1', '2')",
    )
    .await;
    run(&app, "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now() + interval '1 hour'
               WHERE body::jsonb->0->'entity'->>'id' = '2'").await;
    // A session that ended a fortnight ago, and one still open; a failed sign-in two hours ago.
    app.sign_in(&d.t, "tech", &d.t.admin_email, PASSWORD).await;
    app.sign_in(&d.t, "tech", &d.t.admin_email, PASSWORD).await;
    run(
        &app,
        "UPDATE sessions SET expires_at = now() - interval '14 days'
               WHERE created_at = (SELECT min(created_at) FROM sessions)",
    )
    .await;
    let r = app
        .post(&d.t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": d.t.admin_email, "password": "not the password"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    run(
        &app,
        "UPDATE login_failures SET failed_at = now() - interval '2 hours'",
    )
    .await;
    // Bytes a failed upload left two days ago, and bytes an attachment names, as old.
    let tenant = d.t.tenant.id;
    let orphan = app.state.files.path(tenant, &"ab".repeat(32));
    std::fs::create_dir_all(orphan.parent().unwrap()).unwrap();
    std::fs::write(&orphan, b"left behind").unwrap();
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&orphan)
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    let upload = d
        .admin_form("/attachments", &[("file", Some("kept.txt"), b"kept bytes")])
        .await;
    assert_eq!(upload.status, StatusCode::CREATED, "{}", upload.text);
    let sha: String = sqlx::query_scalar("SELECT sha256 FROM attachments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    run(&app, "UPDATE attachments SET kept = true").await;
    let kept = app.state.files.path(tenant, &sha);
    std::fs::File::options()
        .write(true)
        .open(&kept)
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();

    let events_before = count(&app, "SELECT count(*) FROM events").await;
    let sessions_before = count(&app, "SELECT count(*) FROM sessions").await;
    let removed = deskd::service::retention::run(&app.state).await.unwrap();
    assert!(removed > 0);
    let old_events = count(
        &app,
        "SELECT count(*) FROM events WHERE entity_id IN ('1', '2')",
    )
    .await;
    assert_eq!(old_events, 0);
    assert!(count(&app, "SELECT count(*) FROM events").await > 0);
    assert!(count(&app, "SELECT count(*) FROM events").await < events_before);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM webhook_deliveries WHERE body::jsonb->0->'entity'->>'id' = '1'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM webhook_deliveries WHERE body::jsonb->0->'entity'->>'id' = '2'"
        )
        .await,
        1,
        "a pending delivery stays whatever its age"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM webhook_deliveries WHERE body::jsonb->0->'entity'->>'id' = '3'"
        )
        .await,
        1
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM sessions").await,
        sessions_before - 1,
        "only the session that ended a fortnight ago goes"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM login_failures").await, 0);
    assert!(!orphan.exists(), "orphaned bytes are removed");
    assert!(kept.exists(), "bytes an attachment names stay");
    // A second pass finds nothing more.
    assert_eq!(deskd::service::retention::run(&app.state).await.unwrap(), 0);
}
