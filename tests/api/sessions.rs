//! Password sign-in, session cookies, the Origin check and sign-in throttling.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn sign_in_sets_a_hardened_cookie_and_sign_out_revokes_the_session() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let r = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": "ADMIN@acme.test", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let set_cookie = r.headers["set-cookie"].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("__Host-deskd_session=dds_"), "{cookie}");
    // Only a hash of the session id is stored.
    let token = cookie.trim_start_matches("__Host-deskd_session=");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM sessions WHERE id_hash = $1")
        .bind(deskd::secrets::sha256(token).to_vec())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 1);
    assert_eq!(
        app.get(&t.host, "/api/v2/tech/me")
            .cookie(&cookie)
            .send()
            .await
            .status,
        StatusCode::OK
    );

    let out = app
        .post(&t.host, "/api/v2/tech/auth/logout")
        .cookie(&cookie)
        .same_origin(&t.host)
        .send()
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(
        out.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    app.get(&t.host, "/api/v2/tech/me")
        .cookie(&cookie)
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}

#[tokio::test]
async fn cookies_can_be_configured_without_secure_for_local_http() {
    let app = TestApp::with_config(|c| c.cookie_secure = false).await;
    let t = app.tenant("acme").await;
    let r = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await;
    let set_cookie = r.headers["set-cookie"].to_str().unwrap();
    // Browsers refuse `__Host-` cookies without Secure, so the plain name is used.
    assert!(
        set_cookie.starts_with("deskd_session=dds_") && !set_cookie.contains("Secure"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap();
    assert_eq!(
        app.get(&t.host, "/api/v2/tech/me")
            .cookie(cookie)
            .send()
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_contact_cannot_sign_in_to_the_tech_portal_nor_a_member_to_the_client_portal() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    app.post(&t.host, "/api/v2/portal/auth/login")
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_answer() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let wrong = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": t.admin_email, "password": "wrong password"}))
        .send()
        .await;
    let unknown = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": "nobody@acme.test", "password": "wrong password"}))
        .send()
        .await;
    wrong.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    unknown.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_eq!(wrong.json["message"], unknown.json["message"]);
    assert!(wrong.headers.get("set-cookie").is_none());
}

#[tokio::test]
async fn five_failures_for_one_account_block_it_for_a_minute_from_any_address() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    for i in 0..5u8 {
        let r = app
            .post(&t.host, "/api/v2/tech/auth/login")
            .client_address([198, 51, 100, i])
            .json(json!({"email": t.admin_email, "password": "guess"}))
            .send()
            .await;
        r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    // Even the right password is refused now, from a fresh address.
    let r = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .client_address([203, 0, 113, 9])
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await;
    r.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    let retry_after: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    // An unknown account is throttled the same way: nothing says whether it exists.
    for _ in 0..5 {
        app.post(&t.host, "/api/v2/tech/auth/login")
            .client_address([203, 0, 113, 10])
            .json(json!({"email": "ghost@acme.test", "password": "guess"}))
            .send()
            .await;
    }
    let ghost = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .client_address([203, 0, 113, 11])
        .json(json!({"email": "ghost@acme.test", "password": "guess"}))
        .send()
        .await;
    ghost.assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert_eq!(ghost.json["message"], r.json["message"]);
}

#[tokio::test]
async fn five_failures_from_one_address_block_that_address() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    for i in 0..5 {
        app.post(&t.host, "/api/v2/portal/auth/login")
            .client_address([198, 51, 100, 7])
            .json(json!({"email": format!("user{i}@acme.test"), "password": "guess"}))
            .send()
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    app.post(&t.host, "/api/v2/tech/auth/login")
        .client_address([198, 51, 100, 7])
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    // Another address is unaffected.
    let ok = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .client_address([198, 51, 100, 8])
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = TestApp::with_config(|c| c.trusted_proxies = vec!["10.0.0.1".parse().unwrap()]).await;
    let t = app.tenant("acme").await;
    // Directly connected clients cannot dodge the address limit with X-Forwarded-For.
    for i in 0..5 {
        app.post(&t.host, "/api/v2/portal/auth/login")
            .client_address([198, 51, 100, 20])
            .header("x-forwarded-for", &format!("192.0.2.{i}"))
            .json(json!({"email": format!("user{i}@acme.test"), "password": "guess"}))
            .send()
            .await;
    }
    app.post(&t.host, "/api/v2/portal/auth/login")
        .client_address([198, 51, 100, 20])
        .header("x-forwarded-for", "192.0.2.99")
        .json(json!({"email": "someone@acme.test", "password": "guess"}))
        .send()
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    // Behind the trusted proxy, each forwarded client is counted on its own.
    let r = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .client_address([10, 0, 0, 1])
        .header("x-forwarded-for", "192.0.2.200")
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn cookie_authenticated_changes_must_pass_the_origin_check() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let cookie = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let create = |origin: Option<&str>| {
        let mut call = app
            .post(&t.host, "/api/v2/tech/personal-access-tokens")
            .cookie(&cookie)
            .json(json!({"name": "x"}));
        if let Some(origin) = origin {
            call = call.header("origin", origin);
        }
        call.send()
    };
    create(None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "OriginMismatch");
    create(Some("https://evil.example"))
        .await
        .assert_error(StatusCode::FORBIDDEN, "OriginMismatch");
    create(Some("https://acme.localhost.evil.example"))
        .await
        .assert_error(StatusCode::FORBIDDEN, "OriginMismatch");
    assert_eq!(
        create(Some("https://acme.localhost")).await.status,
        StatusCode::CREATED
    );
    let via_referer = app
        .post(&t.host, "/api/v2/tech/personal-access-tokens")
        .cookie(&cookie)
        .header("referer", "https://acme.localhost/tech/settings")
        .json(json!({"name": "y"}))
        .send()
        .await;
    assert_eq!(via_referer.status, StatusCode::CREATED);
    // Reads need no Origin; the refused writes made nothing.
    let list = app
        .get(&t.host, "/api/v2/tech/personal-access-tokens")
        .cookie(&cookie)
        .send()
        .await;
    assert_eq!(list.json["results"].as_array().unwrap().len(), 2);
    // Header credentials are not cookies: no Origin needed.
    let key = app.api_key(&t, "read_write").await;
    let r = app
        .post(&t.host, "/api/v3/admin/companies")
        .auth(&format!("DdApi {key}"))
        .json(json!({"name": "Scripted Ltd"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[tokio::test]
async fn sign_in_from_another_sites_page_is_refused() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    app.post(&t.host, "/api/v2/tech/auth/login")
        .header("origin", "https://evil.example")
        .json(json!({"email": t.admin_email, "password": PASSWORD}))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "OriginMismatch");
}

#[tokio::test]
async fn an_access_token_cannot_mint_its_own_successor() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let cookie = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let r = app
        .post(&t.host, "/api/v2/tech/auth/token")
        .cookie(&cookie)
        .same_origin(&t.host)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["tokenType"], "DdAccessToken");
    let token = r.json["accessToken"].as_str().unwrap();
    app.call(Method::POST, &t.host, "/api/v2/tech/auth/token")
        .auth(&format!("DdAccessToken {token}"))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn a_burst_of_concurrent_guesses_gets_no_more_than_five_tries() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let guesses = (0..20u8).map(|i| {
        app.post(&t.host, "/api/v2/tech/auth/login")
            .client_address([198, 51, 100, i])
            .json(json!({"email": t.admin_email, "password": format!("guess {i}")}))
            .send()
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(checked <= 5, "{checked} passwords were checked");
    assert_eq!(checked + refused, 20);
}

#[tokio::test]
async fn oversized_credentials_are_refused_before_any_work() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let r = app
        .post(&t.host, "/api/v2/tech/auth/login")
        .json(json!({"email": format!("{}@acme.test", "a".repeat(5000)), "password": "x"}))
        .send()
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "email");
}

#[tokio::test]
async fn a_new_password_ends_the_sessions_signed_in_with_the_old_one() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let created = app
        .post(&t.host, "/api/v3/admin/members")
        .auth(&format!("DdApi {key}"))
        .json(json!({"email": "pat@acme.test", "firstName": "Pat", "role": "tech", "password": PASSWORD}))
        .send()
        .await;
    let id = created.json["id"].as_i64().unwrap();
    let cookie = app.sign_in(&t, "tech", "pat@acme.test", PASSWORD).await;
    assert_eq!(
        app.get(&t.host, "/api/v2/tech/me")
            .cookie(&cookie)
            .send()
            .await
            .status,
        StatusCode::OK
    );
    // An access token minted with the old password, used (and so cached) before the change.
    let mint = |cookie: String| {
        let (app, t) = (&app, &t);
        async move {
            let minted = app
                .post(&t.host, "/api/v2/tech/auth/token")
                .cookie(&cookie)
                .same_origin(&t.host)
                .send()
                .await;
            format!(
                "DdAccessToken {}",
                minted.json["accessToken"].as_str().unwrap()
            )
        }
    };
    let token = mint(cookie.clone()).await;
    let me = |auth: String| {
        let (app, t) = (&app, &t);
        async move { app.get(&t.host, "/api/v2/tech/me").auth(&auth).send().await }
    };
    assert_eq!(me(token.clone()).await.status, StatusCode::OK);
    // Tokens carry whole seconds: the change comes in a later second than the minting.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.call(
        Method::PATCH,
        &t.host,
        &format!("/api/v3/admin/members/{id}"),
    )
    .auth(&format!("DdApi {key}"))
    .json(json!({"password": "an entirely new secret"}))
    .send()
    .await;
    app.get(&t.host, "/api/v2/tech/me")
        .cookie(&cookie)
        .send()
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let r = me(token.clone()).await;
    r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    assert!(
        r.json["message"]
            .as_str()
            .unwrap()
            .contains("password changed"),
        "{}",
        r.text
    );
    // Signed in with the new password, a new token works; archived, it stops.
    let cookie = app
        .sign_in(&t, "tech", "pat@acme.test", "an entirely new secret")
        .await;
    let token = mint(cookie).await;
    assert_eq!(me(token.clone()).await.status, StatusCode::OK);
    let r = app
        .call(
            Method::DELETE,
            &t.host,
            &format!("/api/v3/admin/members/{id}"),
        )
        .auth(&format!("DdApi {key}"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    me(token)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
}
