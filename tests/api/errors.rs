//! Every failure the router can produce answers the standard error body.

use axum::{
    body::{Body, Bytes},
    http::{Method, StatusCode},
};
use serde_json::json;

use crate::support::TestApp;

async fn admin(app: &TestApp) -> (String, String) {
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    (t.host, format!("DdApi {key}"))
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    for body in ["{\"name\": ", "{name: 1}", "{\"name\": \"a\"} trailing"] {
        let r = app
            .post(&host, "/api/v3/admin/companies")
            .auth(&auth)
            .raw_body("application/json", body)
            .send()
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "InvalidJson");
    }
}

#[tokio::test]
async fn a_wrong_type_or_missing_field_is_a_422_naming_the_field() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    let r = app
        .post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .json(json!({"name": 42}))
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "name");
    let r = app
        .post(&host, "/api/v3/admin/members")
        .auth(&auth)
        .json(json!({"email": "a@b.test", "role": "tech"}))
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "firstName");
    let r = app
        .post(&host, "/api/v3/admin/members")
        .auth(&auth)
        .json(json!({"email": "a@b.test", "firstName": "A", "role": "overlord"}))
        .send()
        .await;
    assert_eq!(r.json["field"], "role", "{}", r.text);
    let r = app
        .post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .json(json!({"name": "   "}))
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "name");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    app.post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .raw_body("text/plain", "name=x")
        .send()
        .await
        .assert_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UnsupportedMediaType");
}

#[tokio::test]
async fn an_unknown_route_is_a_404_and_a_wrong_method_a_405() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    app.get(&host, "/api/v3/admin/nothing-here")
        .auth(&auth)
        .send()
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    app.get(&host, "/")
        .send()
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r = app
        .call(Method::PUT, &host, "/api/v3/admin/members")
        .auth(&auth)
        .send()
        .await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    let allow = r.headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn a_bad_path_or_query_parameter_is_a_400_naming_it() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    let r = app
        .get(&host, "/api/v3/admin/members/abc")
        .auth(&auth)
        .send()
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    let r = app
        .get(&host, "/api/v3/admin/members?take=101")
        .auth(&auth)
        .send()
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    assert_eq!(r.json["field"], "take");
    let r = app
        .get(&host, "/api/v3/admin/members?skip=-1")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(r.json["field"], "skip");
    let r = app
        .get(&host, "/api/v3/admin/members?take=lots")
        .auth(&auth)
        .send()
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    assert_eq!(r.json["field"], "take");
}

#[tokio::test]
async fn an_oversized_body_is_a_413_and_changes_nothing() {
    let app = TestApp::with_config(|c| c.max_body_bytes = 1024).await;
    let (host, auth) = admin(&app).await;
    let big = json!({"name": "x".repeat(4096)});
    app.post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .json(big.clone())
        .send()
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    // v1's casing layer reads bodies itself; the limit holds there too.
    app.post(&host, "/api/v1/admin/companies")
        .auth(&auth)
        .json(big)
        .send()
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    let list = app
        .get(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(list.json["totalResults"], 0);
}

#[tokio::test]
async fn a_request_that_takes_too_long_is_a_408() {
    let app =
        TestApp::with_config(|c| c.request_timeout = std::time::Duration::from_millis(300)).await;
    let (host, auth) = admin(&app).await;
    // A client that starts a body and never finishes it.
    let stalled =
        Body::from_stream(futures_util::stream::pending::<Result<Bytes, std::io::Error>>());
    let r = app
        .post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .raw_body("application/json", stalled)
        .send()
        .await;
    r.assert_error(StatusCode::REQUEST_TIMEOUT, "RequestTimeout");
}

#[tokio::test]
async fn error_bodies_carry_rfc_9457_fields_and_the_request_id() {
    let app = TestApp::new().await;
    let r = app
        .get("nowhere.localhost", "/x")
        .header("x-request-id", "trace-me-123")
        .send()
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "TenantNotFound");
    assert_eq!(r.json["requestId"], "trace-me-123");
    assert_eq!(r.json["title"], "Not Found");
    assert_eq!(r.json["type"], "about:blank");
    assert_eq!(r.json["detail"], r.json["message"]);
}

#[tokio::test]
async fn an_array_where_an_object_belongs_is_a_422_and_changes_nothing() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    let before = app
        .get(&host, "/api/v3/admin/tenant")
        .auth(&auth)
        .send()
        .await;
    for body in [json!([null, null]), json!(["Renamed", null])] {
        let r = app
            .call(Method::PATCH, &host, "/api/v3/admin/tenant")
            .auth(&auth)
            .json(body)
            .send()
            .await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    }
    let r = app
        .post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .json(json!(["Initech"]))
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let after = app
        .get(&host, "/api/v3/admin/tenant")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(before.json, after.json);
    let companies = app
        .get(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(companies.json["totalResults"], 0);
}

#[tokio::test]
async fn a_request_without_a_body_reads_as_an_empty_object() {
    let app = TestApp::new().await;
    let (host, auth) = admin(&app).await;
    let before = app
        .get(&host, "/api/v3/admin/tenant")
        .auth(&auth)
        .send()
        .await;
    let r = app
        .call(Method::PATCH, &host, "/api/v3/admin/tenant")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (&r.json["name"], &r.json["slug"], &r.json["customDomains"]),
        (
            &before.json["name"],
            &before.json["slug"],
            &before.json["customDomains"]
        )
    );
    // An empty body sent as JSON is read the same way.
    let r = app
        .call(Method::PATCH, &host, "/api/v3/admin/tenant")
        .auth(&auth)
        .raw_body("application/json", "")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A body that is required still is: no name, no company.
    let r = app
        .post(&host, "/api/v3/admin/companies")
        .auth(&auth)
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "name");
}
