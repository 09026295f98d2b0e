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

#[tokio::test]
async fn broadcasts_reach_their_audience_until_they_expire_or_are_dismissed() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let bob = d.contact(1, "bob@customer.test", json!({})).await;
    d.contact(2, "cat@other.test", json!({})).await;
    let group = d
        .admin(
            Method::POST,
            "/companies/1/groups",
            Some(json!({"name": "Finance"})),
        )
        .await;
    assert_eq!(group.status, StatusCode::CREATED, "{}", group.text);
    let group = group.json["id"].as_i64().unwrap();
    let r = d
        .admin(
            Method::PUT,
            &format!("/companies/1/groups/{group}/members/{bob}"),
            Some(json!({"role": "member"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let send = |body: serde_json::Value| d.admin(Method::POST, "/broadcasts", Some(body));
    for body in [
        json!({"title": "Office closed Friday", "audience": "everyone"}),
        json!({"title": "Customer maintenance", "audience": "companies", "companyIds": [1]}),
        json!({"title": "Finance system down", "audience": "groups", "groupIds": [group]}),
        json!({"title": "Already over", "audience": "everyone", "expiresOn": "2999-01-01T00:00:00Z"}),
    ] {
        let r = send(body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    // The last one ends now.
    sqlx::query("UPDATE broadcasts SET expires_at = now() - interval '1 second' WHERE title = 'Already over'")
        .execute(&app.pool)
        .await
        .unwrap();
    let titles = |r: &crate::support::TestResponse| -> Vec<String> {
        r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["title"].as_str().unwrap().to_string())
            .collect()
    };
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let bob_cookie = d.sign_in("portal", "bob@customer.test").await;
    let cat = d.sign_in("portal", "cat@other.test").await;

    assert_eq!(
        titles(&broadcasts_of(&d, &ann).await),
        ["Customer maintenance", "Office closed Friday"]
    );
    let bobs = broadcasts_of(&d, &bob_cookie).await;
    assert_eq!(
        titles(&bobs),
        [
            "Finance system down",
            "Customer maintenance",
            "Office closed Friday"
        ]
    );
    assert_eq!(
        titles(&broadcasts_of(&d, &cat).await),
        ["Office closed Friday"]
    );
    // Bob dismisses one; Cat cannot dismiss what is not hers.
    let finance = bobs.json["results"][0]["id"].as_i64().unwrap();
    let r = d
        .portal(
            &cat,
            Method::POST,
            &format!("/broadcasts/{finance}/dismiss"),
            None,
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r = d
        .portal(
            &bob_cookie,
            Method::POST,
            &format!("/broadcasts/{finance}/dismiss"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(titles(&broadcasts_of(&d, &bob_cookie).await).len(), 2);
    // Bad audiences and expiries are refused; another tenant's companies do not count.
    for body in [
        json!({"title": "x", "audience": "companies"}),
        json!({"title": "x", "audience": "companies", "companyIds": [999]}),
        json!({"title": "x", "audience": "groups", "groupIds": [999]}),
        json!({"title": "x", "audience": "everyone", "expiresOn": "2000-01-01T00:00:00Z"}),
        json!({"title": "", "audience": "everyone"}),
    ] {
        let r = send(body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
    }
    let other = desk(&app, "globex").await;
    let r = other.admin(Method::GET, "/broadcasts", None).await;
    assert_eq!(r.json["results"], json!([]));
    let r = other
        .admin(Method::DELETE, &format!("/broadcasts/{finance}"), None)
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

async fn broadcasts_of(d: &Desk<'_>, cookie: &str) -> crate::support::TestResponse {
    d.portal(cookie, Method::GET, "/broadcasts", None).await
}
