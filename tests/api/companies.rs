//! Companies through the Admin API, and the isolation of the people of each tenant.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Admin, TestApp, admin};

#[tokio::test]
async fn another_tenants_people_are_not_found_and_stay_unchanged() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let b = admin(&app, "beta").await;
    a.send(
        Method::POST,
        "/api/v3/admin/companies",
        Some(json!({"name": "Acme Customer"})),
    )
    .await;
    a.send(
        Method::POST,
        "/api/v3/admin/contacts",
        Some(json!({"companyId": 1, "email": "c@acme.test", "firstName": "C"})),
    )
    .await;
    a.send(
        Method::POST,
        "/api/v3/admin/members",
        Some(json!({"email": "t@acme.test", "firstName": "T", "role": "tech"})),
    )
    .await;
    let before = snapshot(&a).await;
    for (path, body) in [
        (
            "/api/v3/admin/members/2",
            json!({"email": "t@acme.test", "firstName": "Hacked", "role": "tech"}),
        ),
        ("/api/v3/admin/companies/1", json!({"name": "Hacked"})),
        (
            "/api/v3/admin/contacts/1",
            json!({"companyId": 1, "email": "c@acme.test", "firstName": "Hacked"}),
        ),
    ] {
        b.send(Method::GET, path, None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
        b.send(Method::PUT, path, Some(body.clone()))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
        b.send(
            Method::PATCH,
            path,
            Some(json!({"name": "Hacked", "firstName": "Hacked"})),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
        b.send(Method::DELETE, path, None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
        b.send(Method::POST, &format!("{path}/restore"), None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    assert_eq!(before, snapshot(&a).await);
    let listed = b.send(Method::GET, "/api/v3/admin/contacts", None).await;
    assert_eq!(listed.json["totalResults"], 0);
}

/// Everything the tenant's people lists show, to compare before and after.
async fn snapshot(who: &Admin<'_>) -> Vec<Value> {
    let mut out = vec![];
    for path in [
        "/api/v3/admin/members/2",
        "/api/v3/admin/companies/1",
        "/api/v3/admin/contacts/1",
    ] {
        out.push(who.send(Method::GET, path, None).await.json);
    }
    out
}
