//! Routing by Host, the base domain, provisioning, suspension and per-tenant CORS.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{PASSWORD, PLATFORM_TOKEN, TestApp};

fn platform() -> String {
    format!("Bearer {PLATFORM_TOKEN}")
}

#[tokio::test]
async fn tenants_are_found_by_subdomain_whatever_the_case_and_port() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read").await;
    for host in [
        "acme.localhost",
        "ACME.LocalHost",
        "acme.localhost:8080",
        "acme.localhost.",
    ] {
        let r = app
            .get(host, "/api/v2/public/site")
            .auth(&format!("DdApi {key}"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{host}: {}", r.text);
        assert_eq!(r.json["slug"], "acme");
    }
}

#[tokio::test]
async fn an_unknown_host_gets_tenant_not_found() {
    let app = TestApp::new().await;
    app.tenant("acme").await;
    for host in ["nobody.localhost", "acme.example.com", "a.b.localhost", ""] {
        app.get(host, "/api/v2/tech/me")
            .send()
            .await
            .assert_error(StatusCode::NOT_FOUND, "TenantNotFound");
    }
}

#[tokio::test]
async fn custom_domains_route_to_their_tenant_as_soon_as_they_are_added() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read").await;
    let site = || {
        app.get("help.acme-it.com", "/api/v2/public/site")
            .auth(&format!("DdApi {key}"))
            .send()
    };
    site()
        .await
        .assert_error(StatusCode::NOT_FOUND, "TenantNotFound");
    let r = app
        .call(Method::PATCH, "localhost", "/api/v3/platform/tenants/acme")
        .auth(&platform())
        .json(json!({"customDomains": ["Help.Acme-IT.com"]}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["customDomains"], json!(["help.acme-it.com"]));
    let r = site().await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["slug"], "acme");
    // A second tenant cannot take the same domain.
    app.tenant("beta").await;
    let taken = app
        .call(Method::PATCH, "localhost", "/api/v3/platform/tenants/beta")
        .auth(&platform())
        .json(json!({"customDomains": ["help.acme-it.com"]}))
        .send()
        .await;
    taken.assert_error(StatusCode::CONFLICT, "Conflict");
    assert_eq!(taken.json["field"], "customDomains");
    // Domains under the base domain are slugs' business.
    app.call(Method::PATCH, "localhost", "/api/v3/platform/tenants/beta")
        .auth(&platform())
        .json(json!({"customDomains": ["x.localhost"]}))
        .send()
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
}

#[tokio::test]
async fn the_base_domain_serves_health_swagger_and_the_platform_api_only() {
    let app = TestApp::new().await;
    app.tenant("acme").await;
    assert_eq!(
        app.get("localhost", "/health").send().await.json["status"],
        "ok"
    );
    assert_eq!(
        app.get("localhost", "/ready").send().await.json["status"],
        "ready"
    );
    assert_eq!(
        app.get("localhost:8080", "/swagger/v2/swagger.json")
            .send()
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("localhost", "/swagger/").send().await.status,
        StatusCode::OK
    );
    for path in ["/api/v2/tech/me", "/api/v3/admin/members", "/anything"] {
        app.get("localhost", path)
            .send()
            .await
            .assert_error(StatusCode::NOT_FOUND, "TenantNotFound");
    }
    // And the platform API is not served on tenant hosts.
    app.get("acme.localhost", "/api/v3/platform/tenants")
        .auth(&platform())
        .send()
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn the_platform_api_requires_its_token() {
    let app = TestApp::new().await;
    for auth in [None, Some("Bearer wrong"), Some("DdApi x")] {
        let mut call = app.get("localhost", "/api/v3/platform/tenants");
        if let Some(a) = auth {
            call = call.auth(a);
        }
        call.send()
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let disabled = TestApp::with_config(|c| c.platform_token = None).await;
    let r = disabled
        .get("localhost", "/api/v3/platform/tenants")
        .auth(&platform())
        .send()
        .await;
    r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("DESKD_PLATFORM_TOKEN")
    );
}

#[tokio::test]
async fn the_platform_api_provisions_tenants_that_work_at_once() {
    let app = TestApp::new().await;
    let r = app
        .post("localhost", "/api/v3/platform/tenants")
        .auth(&platform())
        .json(json!({"slug": "Globex", "name": "Globex IT", "adminEmail": "boss@globex.test", "adminPassword": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["tenant"]["slug"], "globex");
    assert_eq!(r.json["admin"]["role"], "master_admin");
    assert!(!r.text.contains(PASSWORD), "the password is never echoed");
    let login = app
        .post("globex.localhost", "/api/v2/tech/auth/login")
        .json(json!({"email": "boss@globex.test", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK);
    let list = app
        .get("localhost", "/api/v3/platform/tenants")
        .auth(&platform())
        .send()
        .await;
    assert_eq!(list.json["results"].as_array().unwrap().len(), 1);

    let duplicate = app
        .post("localhost", "/api/v3/platform/tenants")
        .auth(&platform())
        .json(json!({"slug": "globex", "name": "Again", "adminEmail": "x@globex.test", "adminPassword": PASSWORD}))
        .send()
        .await;
    duplicate.assert_error(StatusCode::CONFLICT, "Conflict");
    assert_eq!(duplicate.json["field"], "slug");
    for (slug, field) in [("-bad", "slug"), ("www", "slug"), ("has space", "slug")] {
        let r = app
            .post("localhost", "/api/v3/platform/tenants")
            .auth(&platform())
            .json(json!({"slug": slug, "name": "X", "adminEmail": "x@x.test", "adminPassword": PASSWORD}))
            .send()
            .await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field);
    }
    let weak = app
        .post("localhost", "/api/v3/platform/tenants")
        .auth(&platform())
        .json(json!({"slug": "weak", "name": "X", "adminEmail": "x@x.test", "adminPassword": "short"}))
        .send()
        .await;
    assert_eq!(weak.json["field"], "adminPassword");
    assert_eq!(
        app.get("localhost", "/api/v3/platform/tenants")
            .auth(&platform())
            .send()
            .await
            .json["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_suspended_tenant_answers_403_until_it_is_resumed() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read").await;
    let site = || {
        app.get(&t.host, "/api/v2/public/site")
            .auth(&format!("DdApi {key}"))
            .send()
    };
    assert_eq!(site().await.status, StatusCode::OK);
    let r = app
        .post("localhost", "/api/v3/platform/tenants/acme/suspend")
        .auth(&platform())
        .send()
        .await;
    assert_eq!(r.json["status"], "suspended");
    site()
        .await
        .assert_error(StatusCode::FORBIDDEN, "TenantSuspended");
    app.post(&t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "TenantSuspended");
    app.post("localhost", "/api/v3/platform/tenants/acme/resume")
        .auth(&platform())
        .send()
        .await;
    assert_eq!(site().await.status, StatusCode::OK);
}

#[tokio::test]
async fn cors_is_offered_to_the_tenants_allowed_origins_only() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let r = app
        .call(Method::PATCH, &t.host, "/api/v3/admin/tenant")
        .auth(&format!("DdApi {key}"))
        .json(json!({"corsOrigins": ["https://Tools.Acme.com/"]}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["corsOrigins"], json!(["https://tools.acme.com"]));
    let preflight = |origin: &str| {
        app.call(Method::OPTIONS, &t.host, "/api/v2/tech/me")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://tools.acme.com").await;
    assert_eq!(allowed.status, StatusCode::NO_CONTENT);
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://tools.acme.com"
    );
    assert!(
        allowed.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    let refused = preflight("https://evil.example").await;
    assert!(refused.headers.get("access-control-allow-origin").is_none());
    let simple = app
        .get(&t.host, "/api/v2/public/site")
        .auth(&format!("DdApi {key}"))
        .header("origin", "https://tools.acme.com")
        .send()
        .await;
    assert_eq!(
        simple.headers["access-control-allow-origin"],
        "https://tools.acme.com"
    );
    app.call(Method::PATCH, &t.host, "/api/v3/admin/tenant")
        .auth(&format!("DdApi {key}"))
        .json(json!({"corsOrigins": ["javascript:alert(1)"]}))
        .send()
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
}
