//! The Desk360 façade (`/v1/…`, Bearer tokens from `POST /v1/login` or made by an admin): login
//! throttling, products (queues), 20-a-page lists followed by `Link` to the end, messages and
//! logs, create and reply as JSON or multipart with `attachments[]`, its error object for
//! 400/401/404/405/406/415/429, CORS-exposed rate-limit headers, and tenant isolation.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::{PASSWORD, TestApp, TestResponse},
    tickets::{Desk, desk},
};

async fn login(d: &Desk<'_>, email: &str, password: &str) -> TestResponse {
    d.app
        .post(&d.t.host, "/v1/login")
        .json(json!({"email": email, "password": password}))
        .send()
        .await
}

async fn token(d: &Desk<'_>) -> String {
    let r = login(d, &d.t.admin_email.clone(), PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["token_type"], "Bearer");
    r.json["access_token"].as_str().unwrap().to_string()
}

async fn d360(
    d: &Desk<'_>,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let mut call = d
        .app
        .call(method, &d.t.host, path)
        .auth(&format!("Bearer {token}"));
    if let Some(body) = body {
        call = call.json(body);
    }
    call.send().await
}

/// Desk360's error object with `code`, `message` and `doc_url`.
fn assert_desk360_error(r: &TestResponse, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["error"]["code"], code, "{}", r.text);
    assert!(r.json["error"]["message"].is_string(), "{}", r.text);
    assert!(r.json["error"]["doc_url"].is_string(), "{}", r.text);
    assert!(r.json.get("errorCode").is_none());
}

#[tokio::test]
async fn desk360_signs_in_lists_pages_creates_replies_and_logs() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(2, "bob@other.test", json!({})).await;
    let token = token(&d).await;

    let r = d360(&d, &token, Method::GET, "/v1/products", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, json!([{"id": 1, "name": "Support", "logo": null}]));

    // Create as JSON (the subject is the description's first line), and as a form with a file.
    let r = d360(
        &d,
        &token,
        Method::POST,
        "/v1/products/1/tickets",
        Some(json!({
            "name": "Ann", "email": "ann@customer.test", "reason_id": 1,
            "description": "Hello World!\nMore detail", "status": 2
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["status"], 2, "waiting: {}", r.text);
    assert_eq!(r.json["subject"], "Hello World!");
    assert_eq!(r.json["channel"], "Api");
    assert_eq!(r.json["email"], "ann@customer.test");
    assert_eq!(r.json["reason_id"], 1);
    assert_eq!(r.json["priority"], 1, "medium is the default");
    let r = app
        .post(&d.t.host, "/v1/products/1/tickets")
        .auth(&format!("Bearer {token}"))
        .multipart(&[
            ("email", None, b"bob@other.test"),
            ("description", None, b"Printer jam"),
            ("assign_to_agent_id", None, b"1"),
            ("attachments[]", Some("photo.html"), b"<p>jam</p>"),
        ])
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let second = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["agent_id"], 1);

    // Details: the description as the first message, with its file.
    let r = d360(
        &d,
        &token,
        Method::GET,
        &format!("/v1/products/1/tickets/{second}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["messages"][0]["message"], "Printer jam");
    let files = &r.json["messages"][0]["attachments"];
    let url = files["files"][0]["url"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{files}"));
    let file = app
        .get(&d.t.host, &url)
        .auth(&format!("Bearer {token}"))
        .send()
        .await;
    assert_eq!(
        (file.status, file.text.as_str()),
        (StatusCode::OK, "<p>jam</p>")
    );

    // Replies: JSON, and a form with a file.
    let r = d360(
        &d,
        &token,
        Method::POST,
        &format!("/v1/products/1/tickets/{second}/reply"),
        Some(json!({"message": "On my way"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (r.json["type"].as_i64(), r.json["agent_id"].as_i64()),
        (Some(1), Some(1))
    );
    let r = app
        .post(&d.t.host, &format!("/v1/products/1/tickets/{second}/reply"))
        .auth(&format!("Bearer {token}"))
        .multipart(&[
            ("message", None, b"Manual attached"),
            ("attachments[]", Some("manual.html"), b"<p>m</p>"),
        ])
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json["attachments"]["files"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    let r = d360(
        &d,
        &token,
        Method::GET,
        &format!("/v1/products/1/tickets/{second}"),
        None,
    )
    .await;
    let messages: Vec<&str> = r.json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages, ["Printer jam", "On my way", "Manual attached"]);
    assert_eq!(r.json["last_message"], "Manual attached");

    // Logs after status changes (In Progress stays open; Closed is resolved).
    for status in [2, 7] {
        let r = d
            .admin(
                Method::PATCH,
                &format!("/tickets/{second}"),
                Some(json!({"statusId": status})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = d360(
        &d,
        &token,
        Method::GET,
        &format!("/v1/products/1/tickets/{second}/logs"),
        None,
    )
    .await;
    let moves: Vec<(i64, i64)> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["old_status_id"].as_i64().unwrap(),
                l["new_status_id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves, [(0, 0), (0, 1)], "{}", r.text);

    // Filters.
    let ids = |r: &TestResponse| {
        r.json
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let r = d360(
        &d,
        &token,
        Method::GET,
        "/v1/products/1/tickets?status=1",
        None,
    )
    .await;
    assert_eq!(ids(&r), [second]);
    let r = d360(
        &d,
        &token,
        Method::GET,
        "/v1/products/1/tickets?email=ann@customer.test",
        None,
    )
    .await;
    assert_eq!(ids(&r), [first]);
    let r = d360(
        &d,
        &token,
        Method::GET,
        &format!("/v1/products/1/tickets?id={first}"),
        None,
    )
    .await;
    assert_eq!(ids(&r), [first]);
    let r = d360(
        &d,
        &token,
        Method::GET,
        "/v1/products/1/tickets?agent_id=1&order=asc",
        None,
    )
    .await;
    assert_eq!(ids(&r), [second]);
    let r = d360(
        &d,
        &token,
        Method::GET,
        "/v1/products/1/tickets?subject=printer",
        None,
    )
    .await;
    assert_eq!(ids(&r), [second]);
    let r = d360(
        &d,
        &token,
        Method::GET,
        "/v1/products/1/tickets?start_date=2000-01-01&end_date=2000-01-02",
        None,
    )
    .await;
    assert_eq!(ids(&r), Vec::<i64>::new());

    // Twenty a page; `Link` names the next page until the last.
    for i in 0..39 {
        let r = d360(
            &d,
            &token,
            Method::POST,
            "/v1/products/1/tickets",
            Some(json!({"email": "ann@customer.test", "description": format!("Bulk {i}")})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let mut path = "/v1/products/1/tickets?order=asc".to_string();
    let mut seen = vec![];
    let mut pages = 0;
    loop {
        let r = d360(&d, &token, Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        pages += 1;
        seen.extend(ids(&r));
        let Some(link) = r.headers.get("link") else {
            break;
        };
        let link = link.to_str().unwrap();
        assert!(link.ends_with(">; rel=next"), "{link}");
        let url = &link[1..link.find('>').unwrap()];
        assert!(
            url.contains(&format!("://{}/v1/products/1/tickets?", d.t.host)),
            "{url}"
        );
        path = url.split_once(&d.t.host).unwrap().1.to_string();
        assert!(path.contains("order=asc"), "{path}");
    }
    assert_eq!((pages, seen.len()), (3, 41));
}

#[tokio::test]
async fn desk360_errors_throttling_tokens_and_isolation() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let other = desk(&app, "globex").await;
    let token = token(&d).await;
    let theirs = crate::desk360::token(&other).await;

    // 401: none, malformed, bogus, another tenant's; a DdApi header is not Desk360's scheme.
    let r = app.get(&d.t.host, "/v1/products").send().await;
    assert_desk360_error(&r, StatusCode::UNAUTHORIZED, "authentication_exception");
    for auth in [
        "Bearer nope".to_string(),
        token.clone(),
        format!("Bearer {theirs}"),
        format!("DdApi {}", d.key),
    ] {
        let r = app.get(&d.t.host, "/v1/products").auth(&auth).send().await;
        assert_desk360_error(&r, StatusCode::UNAUTHORIZED, "authentication_exception");
    }
    // An admin makes a token for a member (not for a master admin, unless a master admin); an API
    // key works as a Bearer token too, and a read-only one only reads.
    let r = d
        .admin(
            Method::POST,
            "/members",
            Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD})),
        )
        .await;
    let tom = r.json["id"].as_i64().unwrap();
    let r = d
        .admin(
            Method::POST,
            &format!("/members/{tom}/personal-access-tokens"),
            Some(json!({"name": "Jira"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let made = r.json["token"].as_str().unwrap().to_string();
    for bearer in [&made, &d.key] {
        let r = d360(&d, bearer, Method::GET, "/v1/products", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = d
        .admin(
            Method::POST,
            "/members/1/personal-access-tokens",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = d
        .admin(
            Method::POST,
            "/members/99/personal-access-tokens",
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let read = app.api_key(&d.t, "read").await;
    let r = d360(&d, &read, Method::GET, "/v1/products", None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = d360(
        &d,
        &read,
        Method::POST,
        "/v1/products/1/tickets",
        Some(json!({"email": "ann@customer.test", "description": "x"})),
    )
    .await;
    assert_desk360_error(&r, StatusCode::FORBIDDEN, "not_authorized");

    // 404 (unknown product, another product's or tenant's ticket, unknown route), 405, 406, 415, 400.
    let r = d360(&d, &token, Method::GET, "/v1/products/99/tickets", None).await;
    assert_desk360_error(&r, StatusCode::NOT_FOUND, "model_not_found_exception");
    other.contact(1, "zed@globex.test", json!({})).await;
    let r = d360(
        &other,
        &theirs,
        Method::POST,
        "/v1/products/1/tickets",
        Some(json!({"email": "zed@globex.test", "description": "Theirs"})),
    )
    .await;
    let foreign = r.json["id"].as_i64().unwrap();
    let r = d360(
        &d,
        &token,
        Method::GET,
        &format!("/v1/products/1/tickets/{foreign}"),
        None,
    )
    .await;
    assert_desk360_error(&r, StatusCode::NOT_FOUND, "model_not_found_exception");
    let r = d360(&d, &token, Method::GET, "/v1/nothing", None).await;
    assert_desk360_error(&r, StatusCode::NOT_FOUND, "not_found_exception");
    let r = d360(&d, &token, Method::DELETE, "/v1/products", None).await;
    assert_desk360_error(
        &r,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed_exception",
    );
    let r = app
        .get(&d.t.host, "/v1/products")
        .auth(&format!("Bearer {token}"))
        .header("accept", "text/html")
        .send()
        .await;
    assert_desk360_error(&r, StatusCode::NOT_ACCEPTABLE, "unsupported_accept_header");
    let r = app
        .get(&d.t.host, "/v1/products")
        .auth(&format!("Bearer {token}"))
        .header("accept", "application/json")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post(&d.t.host, "/v1/products/1/tickets")
        .auth(&format!("Bearer {token}"))
        .raw_body("text/plain", "hello")
        .send()
        .await;
    assert_desk360_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_content_type",
    );
    let r = d360(
        &d,
        &token,
        Method::POST,
        "/v1/products/1/tickets",
        Some(json!({"description": "no email"})),
    )
    .await;
    assert_desk360_error(&r, StatusCode::BAD_REQUEST, "failed_validation");
    assert!(
        r.json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("email")
    );
    let r = d360(
        &d,
        &token,
        Method::POST,
        "/v1/products/1/tickets",
        Some(json!({"email": "x@y.test", "description": "d", "status": 5})),
    )
    .await;
    assert_desk360_error(&r, StatusCode::BAD_REQUEST, "failed_validation");
    d.contact(1, "ann@customer.test", json!({})).await;
    let r = d360(
        &d,
        &token,
        Method::POST,
        "/v1/products/1/tickets",
        Some(json!({"email": "ann@customer.test", "description": "d", "status": 5})),
    )
    .await;
    assert_desk360_error(&r, StatusCode::BAD_REQUEST, "status_update_failed");
    let r = d360(
        &d,
        &token,
        Method::GET,
        "/v1/products/1/tickets?page=zero",
        None,
    )
    .await;
    assert_desk360_error(&r, StatusCode::BAD_REQUEST, "failed_validation");
    let count = d.admin(Method::GET, "/tickets", None).await.json["totalResults"].clone();
    assert_eq!(count, 0, "nothing was created by the refused requests");

    // Rate-limit headers, exposed to the tenant's browser origins.
    let r = app
        .call(Method::PATCH, &d.t.host, "/api/v3/admin/tenant")
        .auth(&format!("DdApi {}", d.key))
        .json(json!({"corsOrigins": ["https://tools.acme.test"]}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(&d.t.host, "/v1/products")
        .auth(&format!("Bearer {token}"))
        .header("origin", "https://tools.acme.test")
        .send()
        .await;
    assert!(
        r.headers.contains_key("x-ratelimit-limit")
            && r.headers.contains_key("x-ratelimit-remaining")
    );
    let exposed = r.headers["access-control-expose-headers"].to_str().unwrap();
    for name in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
        "link",
    ] {
        assert!(exposed.contains(name), "{exposed}");
    }

    // Five wrong passwords a minute, then 429 `too_many_attempts` with Retry-After.
    let email = d.t.admin_email.clone();
    for _ in 0..5 {
        let r = login(&d, &email, "wrong").await;
        assert_desk360_error(&r, StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let r = login(&d, &email, PASSWORD).await;
    assert_desk360_error(&r, StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert!(r.headers.contains_key("retry-after"));
}
