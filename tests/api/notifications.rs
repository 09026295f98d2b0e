//! Notifications: sent by admins, API keys and flows; each contact and member reads only their own.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

impl Desk<'_> {
    async fn tech(&self, cookie: &str, method: Method, path: &str) -> crate::support::TestResponse {
        self.app
            .call(method, &self.t.host, &format!("/api/v2/tech{path}"))
            .cookie(cookie)
            .same_origin(&self.t.host)
            .send()
            .await
    }
}

#[tokio::test]
async fn each_person_reads_and_clears_only_their_own_notifications() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "bob@customer.test", json!({})).await;
    // A flow sends through the connector; an admin through the Admin API.
    let r = app
        .post(
            &d.t.host,
            &format!("/api/v2/automate/connector/contacts/{ann}/notifications"),
        )
        .auth(&format!("DdApi {}", d.key))
        .json(json!({"title": "Your laptop is ready", "body": "At **reception**.", "link": "/portal/tickets/1"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let first = r.json["id"].as_i64().unwrap();
    let r = d
        .admin(
            Method::POST,
            &format!("/contacts/{ann}/notifications"),
            Some(json!({"title": "Maintenance tonight"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    let ann_cookie = d.sign_in("portal", "ann@customer.test").await;
    let bob_cookie = d.sign_in("portal", "bob@customer.test").await;
    let inbox = d
        .portal(&ann_cookie, Method::GET, "/notifications", None)
        .await;
    assert_eq!(inbox.json["totalResults"], 2);
    assert_eq!(inbox.json["results"][0]["title"], "Maintenance tonight");
    assert_eq!(inbox.json["results"][1]["link"], "/portal/tickets/1");
    assert_eq!(inbox.json["results"][1]["isRead"], false);
    assert_eq!(unread(&d, &ann_cookie).await, 2);
    // Bob sees none of it and cannot mark it.
    assert_eq!(unread(&d, &bob_cookie).await, 0);
    let r = d
        .portal(
            &bob_cookie,
            Method::POST,
            &format!("/notifications/{first}/read"),
            None,
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r = d
        .portal(
            &ann_cookie,
            Method::POST,
            &format!("/notifications/{first}/read"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(unread(&d, &ann_cookie).await, 1);
    let only_unread = d
        .portal(
            &ann_cookie,
            Method::GET,
            "/notifications?unreadOnly=true",
            None,
        )
        .await;
    assert_eq!(only_unread.json["totalResults"], 1);
    d.portal(&ann_cookie, Method::POST, "/notifications/read-all", None)
        .await;
    assert_eq!(unread(&d, &ann_cookie).await, 0);

    // Members get theirs in the tech portal.
    let r = d
        .admin(
            Method::POST,
            "/members/1/notifications",
            Some(json!({"title": "New VIP ticket"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tech = d.sign_in("tech", &d.t.admin_email).await;
    let r = d
        .tech(&tech, Method::GET, "/notifications/unread-count")
        .await;
    assert_eq!(r.json["count"], 1);

    // Bad input changes nothing; another tenant's people are not found.
    for (body, status) in [
        (json!({"title": " "}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"title": "x", "link": "javascript:alert(1)"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"title": "x".repeat(201)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let r = d
            .admin(
                Method::POST,
                &format!("/contacts/{ann}/notifications"),
                Some(body),
            )
            .await;
        assert_eq!(r.status, status, "{}", r.text);
    }
    let other = desk(&app, "globex").await;
    let r = other
        .admin(
            Method::POST,
            &format!("/contacts/{ann}/notifications"),
            Some(json!({"title": "x"})),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 3);
}

async fn unread(d: &Desk<'_>, cookie: &str) -> serde_json::Value {
    d.portal(cookie, Method::GET, "/notifications/unread-count", None)
        .await
        .json["count"]
        .clone()
}
