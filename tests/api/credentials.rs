//! Each credential scheme is accepted where it should be and refused where it should not.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{PASSWORD, TestApp, TestTenant};

/// A tenant with one of each kind of credential.
struct Credentials {
    api_key: String,
    admin_cookie: String,
    admin_pat: String,
    tech_cookie: String,
    tech_pat: String,
    tech_token: String,
    contact_cookie: String,
    portal_token: String,
}

async fn create_member(app: &TestApp, t: &TestTenant, key: &str, email: &str, role: &str) -> i64 {
    let r = app
        .post(&t.host, "/api/v3/admin/members")
        .auth(&format!("DdApi {key}"))
        .json(json!({"email": email, "firstName": "Pat", "lastName": "Smith", "role": role, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

async fn create_contact(app: &TestApp, t: &TestTenant, key: &str, email: &str) -> i64 {
    let company = app
        .post(&t.host, "/api/v3/admin/companies")
        .auth(&format!("DdApi {key}"))
        .json(json!({"name": format!("Customer of {}", t.host)}))
        .send()
        .await;
    assert_eq!(company.status, StatusCode::CREATED, "{}", company.text);
    let r = app
        .post(&t.host, "/api/v3/admin/contacts")
        .auth(&format!("DdApi {key}"))
        .json(json!({"companyId": company.json["id"], "email": email, "firstName": "Casey", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

async fn personal_token(app: &TestApp, t: &TestTenant, cookie: &str) -> String {
    let r = app
        .post(&t.host, "/api/v2/tech/personal-access-tokens")
        .cookie(cookie)
        .same_origin(&t.host)
        .json(json!({"name": "connector"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["token"].as_str().unwrap().to_string()
}

async fn token_from_session(app: &TestApp, t: &TestTenant, family: &str, cookie: &str) -> String {
    let r = app
        .post(&t.host, &format!("/api/v2/{family}/auth/token"))
        .cookie(cookie)
        .same_origin(&t.host)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["expiresIn"], 3600);
    r.json["accessToken"].as_str().unwrap().to_string()
}

async fn credentials(app: &TestApp, t: &TestTenant) -> Credentials {
    let api_key = app.api_key(t, "read_write").await;
    create_member(app, t, &api_key, "tech@example.test", "tech").await;
    create_contact(app, t, &api_key, "casey@customer.test").await;
    let admin_cookie = app.sign_in(t, "tech", &t.admin_email, PASSWORD).await;
    let tech_cookie = app.sign_in(t, "tech", "tech@example.test", PASSWORD).await;
    let contact_cookie = app
        .sign_in(t, "portal", "casey@customer.test", PASSWORD)
        .await;
    Credentials {
        admin_pat: personal_token(app, t, &admin_cookie).await,
        tech_pat: personal_token(app, t, &tech_cookie).await,
        tech_token: token_from_session(app, t, "tech", &tech_cookie).await,
        portal_token: token_from_session(app, t, "portal", &contact_cookie).await,
        api_key,
        admin_cookie,
        tech_cookie,
        contact_cookie,
    }
}

const PUBLIC: &str = "/api/v2/public/companies";
const ADMIN: &str = "/api/v3/admin/members";
const PORTAL: &str = "/api/v2/portal/me";
const TECH: &str = "/api/v2/tech/me";
const CONNECTOR: &str = "/api/v2/automate/connector/connections/test";
const COPILOT: &str = "/api/v2/copilot/connections/test";
/// Member 2 is the technician `credentials` creates (member 1 is the master admin).
const USERKEY: &str = "/api/v2/user/member/2/userkey";
const CLIENT: &str = "/api/v2/user/client";

#[tokio::test]
async fn each_scheme_is_admitted_exactly_by_the_families_that_accept_it() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let c = credentials(&app, &t).await;
    // (credential as header, cookie?) → expected status per endpoint:
    // public, admin, portal, tech, connector, copilot, userkey, client
    let table: Vec<(&str, (&str, String), [u16; 8])> = vec![
        (
            "API key",
            ("authorization", format!("DdApi {}", c.api_key)),
            [200, 200, 403, 403, 200, 403, 200, 403],
        ),
        (
            "admin's cookie",
            ("cookie", c.admin_cookie.clone()),
            [200, 200, 403, 200, 403, 200, 200, 403],
        ),
        (
            "admin's personal token",
            ("authorization", format!("Basic {}", c.admin_pat)),
            [200, 200, 403, 200, 403, 200, 200, 403],
        ),
        (
            "tech's cookie",
            ("cookie", c.tech_cookie.clone()),
            [403, 403, 403, 200, 403, 200, 403, 403],
        ),
        (
            "tech's personal token",
            ("authorization", format!("Basic {}", c.tech_pat)),
            [403, 403, 403, 200, 403, 200, 403, 403],
        ),
        (
            "tech access token",
            ("authorization", format!("DdAccessToken {}", c.tech_token)),
            [403, 403, 403, 200, 403, 200, 403, 403],
        ),
        (
            "contact's cookie",
            ("cookie", c.contact_cookie.clone()),
            [403, 403, 200, 403, 403, 403, 403, 200],
        ),
        (
            "portal access token",
            ("authorization", format!("DdAccessToken {}", c.portal_token)),
            [403, 403, 200, 403, 403, 403, 403, 200],
        ),
    ];
    let endpoints = [
        PUBLIC, ADMIN, PORTAL, TECH, CONNECTOR, COPILOT, USERKEY, CLIENT,
    ];
    for (name, (header, value), expected) in &table {
        for (path, want) in endpoints.iter().zip(expected) {
            let r = app.get(&t.host, path).header(header, value).send().await;
            assert_eq!(r.status.as_u16(), *want, "{name} on {path}: {}", r.text);
            if *want == 403 {
                r.assert_error(StatusCode::FORBIDDEN, "Forbidden");
            }
        }
    }
    for path in endpoints {
        app.get(&t.host, path)
            .send()
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
}

#[tokio::test]
async fn me_answers_who_is_calling_and_how() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let c = credentials(&app, &t).await;
    for (auth, method) in [
        (format!("Basic {}", c.tech_pat), "personal_access_token"),
        (format!("DdAccessToken {}", c.tech_token), "access_token"),
    ] {
        let r = app.get(&t.host, TECH).auth(&auth).send().await;
        assert_eq!(r.json["member"]["email"], "tech@example.test");
        assert_eq!(r.json["member"]["role"], "tech");
        assert_eq!(r.json["authMethod"], method);
    }
    let r = app.get(&t.host, TECH).cookie(&c.tech_cookie).send().await;
    assert_eq!(r.json["authMethod"], "cookie");
    let r = app
        .get(&t.host, PORTAL)
        .auth(&format!("DdAccessToken {}", c.portal_token))
        .send()
        .await;
    assert_eq!(r.json["contact"]["email"], "casey@customer.test");
    assert_eq!(
        r.json["contact"]["company"]["name"],
        "Customer of acme.localhost"
    );
    assert_eq!(r.json["authMethod"], "access_token");
    let r = app
        .get(&t.host, CLIENT)
        .cookie(&c.contact_cookie)
        .send()
        .await;
    assert_eq!(r.json["userName"], "casey@customer.test");
    assert_eq!(r.json["entityId"], 1);
}

#[tokio::test]
async fn credentials_from_another_tenant_are_refused_with_401() {
    let app = TestApp::new().await;
    let a = app.tenant("alpha").await;
    let b = app.tenant("beta").await;
    let c = credentials(&app, &a).await;
    let attempts = [
        (ADMIN, "authorization", format!("DdApi {}", c.api_key)),
        (TECH, "authorization", format!("Basic {}", c.tech_pat)),
        (
            TECH,
            "authorization",
            format!("DdAccessToken {}", c.tech_token),
        ),
        (
            PORTAL,
            "authorization",
            format!("DdAccessToken {}", c.portal_token),
        ),
        (TECH, "cookie", c.tech_cookie.clone()),
        (PORTAL, "cookie", c.contact_cookie.clone()),
    ];
    for (path, header, value) in attempts {
        let ok = app.get(&a.host, path).header(header, &value).send().await;
        assert_eq!(
            ok.status,
            StatusCode::OK,
            "{path} on its own tenant: {}",
            ok.text
        );
        app.get(&b.host, path)
            .header(header, &value)
            .send()
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
}

#[tokio::test]
async fn malformed_and_unknown_credentials_are_refused_with_401() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    for value in [
        "DdApi ddk_not-a-real-key",
        "DdApi",
        "DdAccessToken not.a.jwt",
        "DdAccessToken eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "Basic ddp_unknown",
        "Basic bm9wZTpub3Bl",
        "Bearer something",
    ] {
        app.get(&t.host, TECH)
            .auth(value)
            .send()
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    app.get(&t.host, TECH)
        .cookie("__Host-deskd_session=dds_forged")
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}

#[tokio::test]
async fn scheme_names_are_case_insensitive() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read").await;
    for scheme in ["DdApi", "ddapi", "DDAPI"] {
        let r = app
            .get(&t.host, ADMIN)
            .auth(&format!("{scheme} {key}"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{scheme}");
    }
}

#[tokio::test]
async fn a_read_only_key_reads_but_cannot_change_anything() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read").await;
    let auth = format!("DdApi {key}");
    assert_eq!(
        app.get(&t.host, ADMIN).auth(&auth).send().await.status,
        StatusCode::OK
    );
    app.post(&t.host, "/api/v3/admin/companies")
        .auth(&auth)
        .json(json!({"name": "Nope Ltd"}))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    let list = app
        .get(&t.host, "/api/v3/admin/companies")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(
        list.json["totalResults"], 0,
        "the refused write changed nothing"
    );
    // DeskDirector's searches are POSTs to `…/find`: reads, for admins and Power Automate alike.
    for path in [
        "/api/v3/admin/companies/find",
        "/api/v2/automate/connector/companies/find",
        "/api/v2/automate/connector/tickets/find",
    ] {
        let r = app
            .post(&t.host, path)
            .auth(&auth)
            .json(json!({}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    app.post(&t.host, "/api/v2/automate/connector/contacts")
        .auth(&auth)
        .json(json!({"companyId": 1, "email": "x@y.test", "firstName": "X"}))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn a_revoked_api_key_stops_working_at_once() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let auth = format!("DdApi {key}");
    let keys = app
        .get(&t.host, "/api/v3/admin/api-keys")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(keys.status, StatusCode::OK);
    let listed = keys.json["results"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .all(|k| k.get("key").is_none() && !k.to_string().contains(&key)),
        "secrets are never listed"
    );
    let id = listed[0]["id"].as_str().unwrap();
    assert!(listed[0]["lastUsedOn"].is_string() || listed[0]["lastUsedOn"].is_null());
    let revoke = app
        .call(
            axum::http::Method::DELETE,
            &t.host,
            &format!("/api/v3/admin/api-keys/{id}"),
        )
        .auth(&auth)
        .send()
        .await;
    assert_eq!(revoke.status, StatusCode::OK, "{}", revoke.text);
    assert!(revoke.json["revokedOn"].is_string());
    app.get(&t.host, ADMIN)
        .auth(&auth)
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}

#[tokio::test]
async fn an_api_key_stops_working_when_it_expires() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let cookie = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let expires = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let r = app
        .post(&t.host, "/api/v3/admin/api-keys")
        .cookie(&cookie)
        .same_origin(&t.host)
        .json(json!({"name": "short-lived", "expiresAt": expires.to_rfc3339()}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let auth = format!("DdApi {}", r.json["key"].as_str().unwrap());
    assert_eq!(
        app.get(&t.host, ADMIN).auth(&auth).send().await.status,
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    app.get(&t.host, ADMIN)
        .auth(&auth)
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let past = app
        .post(&t.host, "/api/v3/admin/api-keys")
        .cookie(&cookie)
        .same_origin(&t.host)
        .json(json!({"name": "already expired", "expiresAt": "2020-01-01T00:00:00Z"}))
        .send()
        .await;
    past.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(past.json["field"], "expiresAt");
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let two_hours_ago = chrono::Utc::now() - chrono::Duration::hours(2);
    let expired = app
        .state
        .tokens
        .mint_at(
            &app.pool,
            &t.tenant,
            deskd::domain::UserKind::Member,
            1,
            two_hours_ago,
            std::time::Duration::from_secs(3600),
        )
        .await
        .unwrap();
    app.get(&t.host, TECH)
        .auth(&format!("DdAccessToken {}", expired.token))
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let fresh = app
        .state
        .tokens
        .mint(
            &app.pool,
            &t.tenant,
            deskd::domain::UserKind::Member,
            1,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert_eq!(
        app.get(&t.host, TECH)
            .auth(&format!("DdAccessToken {}", fresh.token))
            .send()
            .await
            .status,
        StatusCode::OK
    );
    // A signature that does not match its payload.
    let mut parts: Vec<&str> = fresh.token.split('.').collect();
    let other = app
        .state
        .tokens
        .mint(
            &app.pool,
            &t.tenant,
            deskd::domain::UserKind::Contact,
            1,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    let other_payload = other.token.split('.').nth(1).unwrap().to_string();
    parts[1] = &other_payload;
    app.get(&t.host, PORTAL)
        .auth(&format!("DdAccessToken {}", parts.join(".")))
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}

#[tokio::test]
async fn personal_access_tokens_act_as_their_member_until_revoked() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let cookie = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let token = personal_token(&app, &t, &cookie).await;
    // DeskDirector's Tech connector sends the raw token; RFC 7617 clients send base64(user:token).
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("anyone:{token}"));
    for auth in [format!("Basic {token}"), format!("Basic {encoded}")] {
        let r = app.get(&t.host, COPILOT).auth(&auth).send().await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json, json!({}));
    }
    let list = app
        .get(&t.host, "/api/v2/tech/personal-access-tokens")
        .cookie(&cookie)
        .send()
        .await;
    let id = list.json["results"][0]["id"].as_str().unwrap().to_string();
    assert!(!list.text.contains(&token), "the secret is never listed");
    let revoked = app
        .call(
            axum::http::Method::DELETE,
            &t.host,
            &format!("/api/v2/tech/personal-access-tokens/{id}"),
        )
        .cookie(&cookie)
        .same_origin(&t.host)
        .send()
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    app.get(&t.host, COPILOT)
        .auth(&format!("Basic {token}"))
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}

#[tokio::test]
async fn a_member_cannot_revoke_another_members_token() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let c = credentials(&app, &t).await;
    let admin_tokens = app
        .get(&t.host, "/api/v2/tech/personal-access-tokens")
        .cookie(&c.admin_cookie)
        .send()
        .await;
    let id = admin_tokens.json["results"][0]["id"].as_str().unwrap();
    app.call(
        axum::http::Method::DELETE,
        &t.host,
        &format!("/api/v2/tech/personal-access-tokens/{id}"),
    )
    .auth(&format!("Basic {}", c.tech_pat))
    .send()
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let still = app
        .get(&t.host, TECH)
        .auth(&format!("Basic {}", c.admin_pat))
        .send()
        .await;
    assert_eq!(still.status, StatusCode::OK);
}

#[tokio::test]
async fn userkey_mints_tokens_for_the_tenants_people_within_the_allowed_lifetimes() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let auth = format!("DdApi {key}");
    let contact_id = create_contact(&app, &t, &key, "casey@customer.test").await;
    let member_id = create_member(&app, &t, &key, "tech@example.test", "tech").await;

    let r = app
        .get(
            &t.host,
            &format!("/api/v2/user/contact/{contact_id}/userkey"),
        )
        .auth(&auth)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["expires_in"], 3600);
    let now = chrono::Utc::now().timestamp();
    let expires_on = r.json["expires_on"].as_i64().unwrap();
    assert!((now + 3590..=now + 3610).contains(&expires_on));
    let token = r.json["userKey"].as_str().unwrap();
    let me = app
        .get(&t.host, PORTAL)
        .auth(&format!("DdAccessToken {token}"))
        .send()
        .await;
    assert_eq!(me.json["contact"]["id"], contact_id);

    let r = app
        .get(
            &t.host,
            &format!("/api/v2/user/member/{member_id}/userkey?expiresIn=86400"),
        )
        .auth(&auth)
        .send()
        .await;
    assert_eq!(r.json["expires_in"], 86400);
    let token = r.json["userKey"].as_str().unwrap();
    let me = app
        .get(&t.host, TECH)
        .auth(&format!("DdAccessToken {token}"))
        .send()
        .await;
    assert_eq!(me.json["member"]["email"], "tech@example.test");

    for bad in ["3599", "86401", "-5", "soon"] {
        let r = app
            .get(
                &t.host,
                &format!("/api/v2/user/member/{member_id}/userkey?expiresIn={bad}"),
            )
            .auth(&auth)
            .send()
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
        assert_eq!(r.json["field"], "expiresIn", "{}", r.text);
    }
    app.get(&t.host, "/api/v2/user/contact/999/userkey")
        .auth(&auth)
        .send()
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn signing_keys_rotate_while_old_tokens_keep_verifying() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let member = create_member(&app, &t, &key, "tech@example.test", "tech").await;
    let mint = || async {
        let r = app
            .get(&t.host, &format!("/api/v2/user/member/{member}/userkey"))
            .auth(&format!("DdApi {key}"))
            .send()
            .await;
        r.json["userKey"].as_str().unwrap().to_string()
    };
    let kid_of = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    let before = mint().await;
    let rotated = app
        .post("localhost", "/api/v3/platform/signing-keys/rotate")
        .auth(&format!("Bearer {}", crate::support::PLATFORM_TOKEN))
        .send()
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let after = mint().await;
    assert_ne!(kid_of(&before), kid_of(&after));
    assert_eq!(rotated.json["kid"], kid_of(&after));
    for token in [&before, &after] {
        let r = app
            .get(&t.host, TECH)
            .auth(&format!("DdAccessToken {token}"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let jwks = app.get(&t.host, "/.well-known/jwks.json").send().await;
    let kids: Vec<&str> = jwks.json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(
        kids.contains(&kid_of(&before).as_str()) && kids.contains(&kid_of(&after).as_str()),
        "{kids:?}"
    );
    assert!(
        jwks.json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k["kty"] == "OKP" && k["alg"] == "EdDSA" && k.get("d").is_none())
    );
}

#[tokio::test]
async fn a_token_verifies_with_the_published_key() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let member = create_member(&app, &t, &key, "tech@example.test", "tech").await;
    let r = app
        .get(&t.host, &format!("/api/v2/user/member/{member}/userkey"))
        .auth(&format!("DdApi {key}"))
        .send()
        .await;
    let token = r.json["userKey"].as_str().unwrap();
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_value(
        app.get("localhost", "/.well-known/jwks.json")
            .send()
            .await
            .json,
    )
    .unwrap();
    let header = jsonwebtoken::decode_header(token).unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("the token's kid is published");
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_audience(&["tech"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap(),
        &validation,
    )
    .unwrap();
    assert_eq!(data.claims["sub"], "acme~m~2");
    assert_eq!(data.claims["ten"], "acme");
    assert_eq!(data.claims["aud"], "tech");
}

#[tokio::test]
async fn archiving_a_member_ends_their_access() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let c = credentials(&app, &t).await;
    let auth = format!("Basic {}", c.tech_pat);
    assert_eq!(
        app.get(&t.host, TECH).auth(&auth).send().await.status,
        StatusCode::OK
    );
    let archived = app
        .call(
            axum::http::Method::DELETE,
            &t.host,
            "/api/v3/admin/members/2",
        )
        .auth(&format!("DdApi {}", c.api_key))
        .send()
        .await;
    assert_eq!(archived.status, StatusCode::OK, "{}", archived.text);
    assert_eq!(archived.json["isArchived"], true);
    for (header, value) in [
        ("authorization", auth),
        ("authorization", format!("DdAccessToken {}", c.tech_token)),
        ("cookie", c.tech_cookie),
    ] {
        app.get(&t.host, TECH)
            .header(header, &value)
            .send()
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
}

#[tokio::test]
async fn minting_a_token_for_someone_never_gives_more_than_the_caller_has() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let c = credentials(&app, &t).await;
    // A read-only key cannot mint: the token could write.
    let read_key = app.api_key(&t, "read").await;
    app.get(&t.host, USERKEY)
        .auth(&format!("DdApi {read_key}"))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    app.get(&t.host, "/api/v2/user/contact/1/userkey")
        .auth(&format!("DdApi {read_key}"))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    // An API key acts as an admin: it cannot become the master admin (member 1).
    app.get(&t.host, "/api/v2/user/member/1/userkey")
        .auth(&format!("DdApi {}", c.api_key))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    // The master admin can.
    let r = app
        .get(&t.host, "/api/v2/user/member/1/userkey")
        .cookie(&c.admin_cookie)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn personal_access_tokens_are_made_from_a_session_only() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let c = credentials(&app, &t).await;
    for auth in [
        format!("DdAccessToken {}", c.tech_token),
        format!("Basic {}", c.tech_pat),
    ] {
        app.post(&t.host, "/api/v2/tech/personal-access-tokens")
            .auth(&auth)
            .json(json!({"name": "forever"}))
            .send()
            .await
            .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    }
}

#[tokio::test]
async fn the_api_key_may_come_as_a_query_parameter_and_the_public_api_only_reads() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let other = app.tenant("globex").await;
    let key = app.api_key(&t, "read_write").await;
    let theirs = app.api_key(&other, "read_write").await;
    // `?api_key=` authorises as `DdApi` does (seed 000's FAQ); a wrong or foreign key is a 401.
    let q = |k: &str| serde_urlencoded::to_string([("api_key", k)]).unwrap();
    let r = app
        .get(&t.host, &format!("{PUBLIC}?{}", q(&key)))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for bad in [theirs.as_str(), "dk_nope"] {
        let r = app
            .get(&t.host, &format!("{PUBLIC}?{}", q(bad)))
            .send()
            .await;
        r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    // A header wins over the query.
    let r = app
        .get(&t.host, &format!("{ADMIN}?{}", q(&key)))
        .auth("DdApi dk_nope")
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // The Public family reads and queries; it writes nothing (Admin does).
    let auth = format!("DdApi {key}");
    let r = app
        .get(&t.host, "/api/v2/public/tickets")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&t.host, "/api/v2/public/companies/find")
        .auth(&auth)
        .json(serde_json::json!({}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .post(&t.host, PUBLIC)
        .auth(&auth)
        .json(serde_json::json!({"name": "Initech"}))
        .send()
        .await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    let r = app
        .call(Method::DELETE, &t.host, &format!("{PUBLIC}/1"))
        .auth(&auth)
        .send()
        .await;
    r.assert_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    let found = app
        .get(&t.host, "/api/v3/admin/companies")
        .auth(&auth)
        .send()
        .await;
    assert_eq!(
        found.json["totalResults"], 0,
        "the refused write made nothing"
    );
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/v2.json")).unwrap();
    // Its document shows no write but the open ones (survey links, unsubscribing).
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let writes = matches!(method.as_str(), "put" | "patch" | "delete")
                || (method == "post" && !path.ends_with("/find"));
            let guarded = op["security"].as_array().is_some_and(|s| !s.is_empty());
            assert!(
                !(op["tags"][0] == "Public" && writes && guarded),
                "{method} {path} is a documented Public write"
            );
        }
    }
}

#[tokio::test]
async fn answers_that_show_a_secret_once_are_never_kept_for_replay() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let auth = format!("DdApi {key}");
    let r = app
        .post(&t.host, "/api/v3/admin/members")
        .auth(&auth)
        .json(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tom = r.json["id"].as_i64().unwrap();
    let tom_tokens = format!("/api/v3/admin/members/{tom}/personal-access-tokens");
    for (path, body, secret_field) in [
        (
            "/api/v3/admin/api-keys",
            json!({"name": "Zapier", "scope": "read"}),
            "key",
        ),
        (tom_tokens.as_str(), json!({"name": "Jira"}), "token"),
    ] {
        let send = || {
            app.post(&t.host, path)
                .auth(&auth)
                .header("idempotency-key", &format!("once {path}"))
                .json(body.clone())
                .send()
        };
        let first = send().await;
        assert_eq!(first.status, StatusCode::CREATED, "{path}: {}", first.text);
        let retry = send().await;
        assert_eq!(retry.status, StatusCode::CONFLICT, "{}", retry.text);
        assert_eq!(retry.json["errorCode"], "SecretNotReplayed");
        assert_eq!(retry.headers["idempotent-replayed"], "true");
        let secret = first.json[secret_field].as_str().unwrap();
        let kept: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM idempotency_keys WHERE position(convert_to($1, 'UTF8') in body) > 0",
        )
        .bind(secret)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        assert_eq!(kept, 0, "{path} kept its secret");
    }
    // Made by someone else, a member's token: never for a master admin but by one, at most a year.
    let r = app
        .post(&t.host, "/api/v3/admin/members/1/personal-access-tokens")
        .auth(&auth)
        .json(json!({"name": "x"}))
        .send()
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "Forbidden");
    let r = app
        .post(&t.host, &tom_tokens)
        .auth(&auth)
        .json(json!({"name": "x", "expiresAt": "2099-01-01T00:00:00Z"}))
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
}
