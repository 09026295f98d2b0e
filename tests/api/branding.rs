//! Branding: set by admins (images from the attachment store, checked by type and size), read by
//! anyone before sign-in and by the contact after.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::{support::TestApp, tickets::desk};

/// Bytes that are a PNG by their signature, `size` long.
fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.resize(size, 0);
    bytes
}

#[tokio::test]
async fn admins_brand_the_portal_and_anyone_reads_it_before_sign_in() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    // Before any branding: the tenant's name, both sign-in options.
    let site = app.get(&d.t.host, "/api/v2/public/site").send().await;
    assert_eq!(site.status, StatusCode::OK, "{}", site.text);
    assert_eq!(site.json["slug"], "acme");
    assert_eq!(site.json["logoUrl"], serde_json::Value::Null);
    assert_eq!(
        site.json["signInOptions"],
        json!(["password", "login_code"])
    );

    // A second instance reads (and caches) the same; a change made through the first reaches it.
    let second = app.sibling(|_| {}).await;
    let seen = second.get(&d.t.host, "/api/v2/public/site").send().await;
    assert_eq!(seen.json["name"], site.json["name"]);

    let upload = |name: &'static str, bytes: Vec<u8>| {
        let d = &d;
        async move {
            let r = d
                .admin_form("/attachments", &[("file", Some(name), &bytes)])
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json[0]["id"].as_str().unwrap().to_string()
        }
    };
    d.contact(1, "ann@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let logo = upload("logo.png", png(2048)).await;
    let r = d
        .admin(
            Method::PATCH,
            "/branding",
            Some(json!({
                "portalName": "Acme Help", "logoId": logo, "primaryColor": "#1A2B3C",
                "supportEmail": "help@acme.example", "supportPhone": "+64 9 123 4567",
                "portalBaseUrl": "https://help.acme.example/", "signInOptions": ["login_code"]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["primaryColor"], "#1a2b3c");
    assert_eq!(r.json["portalBaseUrl"], "https://help.acme.example");

    let site = app.get(&d.t.host, "/api/v2/public/site").send().await;
    assert_eq!(site.json["name"], "Acme Help");
    let mut told = false;
    for _ in 0..50 {
        let seen = second.get(&d.t.host, "/api/v2/public/site").send().await;
        if seen.json["name"] == "Acme Help" {
            told = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(told, "the other instance still shows the old branding");
    assert_eq!(site.json["signInOptions"], json!(["login_code"]));
    let logo_url = site.json["logoUrl"].as_str().unwrap().to_string();
    let image = app.get(&d.t.host, &logo_url).send().await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(image.headers["content-type"], "image/png");
    assert_eq!(image.bytes, png(2048));
    // Kept: a day later the sweeper does not take it.
    sqlx::query("UPDATE attachments SET created_at = now() - interval '2 days'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    deskd::service::attachments::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(
        app.get(&d.t.host, &logo_url).send().await.status,
        StatusCode::OK
    );

    // Passwords are switched off: a contact's password sign-in is refused, a code may be asked
    // for, and sessions already open go on.
    let refused = app
        .post(&d.t.host, "/api/v2/portal/auth/login")
        .json(json!({"email": "ann@customer.test", "password": crate::support::PASSWORD}))
        .send()
        .await;
    refused.assert_error(StatusCode::FORBIDDEN, "Forbidden");
    let code = app
        .post(&d.t.host, "/api/v2/portal/auth/login-code")
        .json(json!({"email": "ann@customer.test"}))
        .send()
        .await;
    assert_eq!(code.status, StatusCode::ACCEPTED, "{}", code.text);
    // The contact's `me` carries the same.
    let me = d.portal(&ann, Method::GET, "/me", None).await;
    assert_eq!(me.json["site"]["name"], "Acme Help");

    // Bad input: 4xx naming the field, nothing changed.
    let big = upload("big.png", png(600 * 1024)).await;
    let text = upload("notes.txt", b"not an image".to_vec()).await;
    for (body, status, field) in [
        (
            json!({"logoId": big}),
            StatusCode::PAYLOAD_TOO_LARGE,
            "logoId",
        ),
        (
            json!({"logoId": text}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "logoId",
        ),
        (
            json!({"faviconId": uuid::Uuid::now_v7()}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "faviconId",
        ),
        (
            json!({"primaryColor": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "primaryColor",
        ),
        (
            json!({"portalBaseUrl": "javascript:alert(1)"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "portalBaseUrl",
        ),
        (
            json!({"supportEmail": "nope"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "supportEmail",
        ),
        (
            json!({"signInOptions": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "signInOptions",
        ),
    ] {
        let r = d
            .admin(Method::PATCH, "/branding", Some(body.clone()))
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    let unchanged = d.admin(Method::GET, "/branding", None).await;
    assert_eq!(unchanged.json["logoId"], logo.as_str());
    assert_eq!(unchanged.json["primaryColor"], "#1a2b3c");

    // Another tenant's site is its own.
    let other = desk(&app, "globex").await;
    let site = app.get(&other.t.host, "/api/v2/public/site").send().await;
    assert_eq!(site.json["slug"], "globex");
    assert_eq!(site.json["logoUrl"], serde_json::Value::Null);
    app.get(&other.t.host, &logo_url)
        .send()
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}
