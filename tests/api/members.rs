//! Members (technicians and admins) through the Admin API: create, read, replace, merge-patch,
//! archive, restore; roles; unique emails; v1's PascalCase; older DeskDirector names; `me`.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{PASSWORD, TestApp, admin};

#[tokio::test]
async fn members_are_created_replaced_patched_archived_and_restored() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(Method::POST, "/api/v3/admin/members", Some(json!({"email": "pat@acme.test", "firstName": "Pat", "lastName": "Lee", "role": "tech", "password": PASSWORD})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["id"], 2, "ids are per tenant: the master admin is 1");
    assert_eq!(r.json["name"], "Pat Lee");
    assert!(r.json.get("password").is_none() && !r.text.contains(PASSWORD));

    // PUT replaces: the absent lastName is cleared.
    let r = a
        .send(
            Method::PUT,
            "/api/v3/admin/members/2",
            Some(json!({"email": "pat@acme.test", "firstName": "Patricia", "role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["lastName"], "");
    assert_eq!(r.json["role"], "admin");

    // PATCH merges: absent stays, null clears, a value sets.
    a.send(
        Method::PATCH,
        "/api/v3/admin/members/2",
        Some(json!({"lastName": "Lee"})),
    )
    .await;
    let r = a
        .send(
            Method::PATCH,
            "/api/v3/admin/members/2",
            Some(json!({"firstName": "Pat"})),
        )
        .await;
    assert_eq!(
        (
            r.json["firstName"].as_str(),
            r.json["lastName"].as_str(),
            r.json["role"].as_str()
        ),
        (Some("Pat"), Some("Lee"), Some("admin"))
    );
    let r = a
        .send(
            Method::PATCH,
            "/api/v3/admin/members/2",
            Some(json!({"lastName": null})),
        )
        .await;
    assert_eq!(r.json["lastName"], "");
    let r = a
        .send(
            Method::PATCH,
            "/api/v3/admin/members/2",
            Some(json!({"firstName": null})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "firstName");

    // A password set by PATCH signs in.
    a.send(
        Method::PATCH,
        "/api/v3/admin/members/2",
        Some(json!({"password": "a brand new secret"})),
    )
    .await;
    let login = app
        .post(&a.host, "/api/v2/tech/auth/login")
        .json(json!({"email": "pat@acme.test", "password": "a brand new secret"}))
        .send()
        .await;
    assert_eq!(login.status, StatusCode::OK);

    let r = a
        .send(Method::DELETE, "/api/v3/admin/members/2", None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json["isArchived"], true);
    assert!(r.json["archivedOn"].is_string());
    let list = a.send(Method::GET, "/api/v3/admin/members", None).await;
    assert_eq!(
        list.json["totalResults"], 1,
        "archived members are not listed by default"
    );
    let list = a
        .send(
            Method::GET,
            "/api/v3/admin/members?includeArchived=true",
            None,
        )
        .await;
    assert_eq!(list.json["totalResults"], 2);
    a.send(
        Method::PATCH,
        "/api/v3/admin/members/2",
        Some(json!({"firstName": "X"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Archived");
    let r = a
        .send(Method::POST, "/api/v3/admin/members/2/restore", None)
        .await;
    assert_eq!(r.json["isArchived"], false);
}

#[tokio::test]
async fn a_rejected_change_changes_nothing() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let before = a.send(Method::GET, "/api/v3/admin/members/1", None).await;
    for body in [
        json!({"email": "not-an-email"}),
        json!({"role": "tech"}),
        json!({"password": "short"}),
    ] {
        let r = a
            .send(Method::PATCH, "/api/v3/admin/members/1", Some(body))
            .await;
        assert!(r.status.is_client_error(), "{}", r.text);
    }
    let after = a.send(Method::GET, "/api/v3/admin/members/1", None).await;
    assert_eq!(before.json, after.json);
}

#[tokio::test]
async fn only_a_master_admin_manages_master_admins() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    // An API key acts as an admin, not a master admin.
    let r = a
        .send(
            Method::POST,
            "/api/v3/admin/members",
            Some(json!({"email": "m@acme.test", "firstName": "M", "role": "master_admin"})),
        )
        .await;
    r.assert_error(StatusCode::FORBIDDEN, "Forbidden");
    a.send(Method::DELETE, "/api/v3/admin/members/1", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    // The master admin can.
    let t = crate::support::TestTenant {
        tenant: deskd::repo::tenants::find_by_slug(&app.pool, "acme")
            .await
            .unwrap()
            .unwrap(),
        host: a.host.clone(),
        admin_email: "admin@acme.test".into(),
    };
    let cookie = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let r = app
        .post(&a.host, "/api/v3/admin/members")
        .cookie(&cookie)
        .same_origin(&a.host)
        .json(json!({"email": "m@acme.test", "firstName": "M", "role": "master_admin"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn a_helpdesk_never_loses_its_last_master_admin() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let me = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let call = |method: Method, path: String, body: Option<serde_json::Value>| {
        let (app, t, me) = (&app, &t, &me);
        async move {
            let mut c = app
                .call(method, &t.host, &path)
                .cookie(me)
                .same_origin(&t.host);
            if let Some(body) = body {
                c = c.json(body);
            }
            c.send().await
        }
    };
    // The sole master admin cannot step down; nothing changes.
    let r = call(
        Method::PATCH,
        "/api/v3/admin/members/1".into(),
        Some(json!({"role": "tech"})),
    )
    .await;
    r.assert_error(StatusCode::CONFLICT, "LastMasterAdmin");
    assert_eq!(r.json["field"], "role");
    let r = call(Method::GET, "/api/v3/admin/members/1".into(), None).await;
    assert_eq!(r.json["role"], "master_admin", "{}", r.text);
    // With a second master admin, one may step down, but then the other is the last.
    let r = call(
        Method::POST,
        "/api/v3/admin/members".into(),
        Some(json!({"email": "m@acme.test", "firstName": "M", "role": "master_admin", "password": PASSWORD})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let second = r.json["id"].as_i64().unwrap();
    let other = app.sign_in(&t, "tech", "m@acme.test", PASSWORD).await;
    // Both step down at once: exactly one succeeds.
    let (a, b) = tokio::join!(
        call(
            Method::PATCH,
            "/api/v3/admin/members/1".into(),
            Some(json!({"role": "admin"}))
        ),
        async {
            app.call(
                Method::PATCH,
                &t.host,
                &format!("/api/v3/admin/members/{second}"),
            )
            .cookie(&other)
            .same_origin(&t.host)
            .json(json!({"role": "admin"}))
            .send()
            .await
        }
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{} / {}",
        a.text,
        b.text
    );
    let masters: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM members WHERE role = 'master_admin' AND archived_at IS NULL",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(masters, 1);
}

#[tokio::test]
async fn emails_are_unique_among_active_people() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(
            Method::POST,
            "/api/v3/admin/members",
            Some(json!({"email": "ADMIN@acme.test", "firstName": "Dup", "role": "tech"})),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "Conflict");
    assert_eq!(r.json["field"], "email");
}

#[tokio::test]
async fn v1_speaks_pascal_case_both_ways_over_the_same_handlers() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(
            Method::POST,
            "/api/v1/admin/companies",
            Some(json!({"Name": "Legacy Ltd", "Identifier": "LEG"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["Name"], "Legacy Ltd");
    assert_eq!(r.json["Identifier"], "LEG");
    assert!(r.json.get("name").is_none());
    let v3 = a.send(Method::GET, "/api/v3/admin/companies/1", None).await;
    assert_eq!(v3.json["name"], "Legacy Ltd");
    let list = a.send(Method::GET, "/api/v1/admin/companies", None).await;
    assert_eq!(list.json["TotalResults"], 1);
    assert_eq!(list.json["Results"][0]["Id"], 1);
    let error = a
        .send(
            Method::POST,
            "/api/v1/admin/companies",
            Some(json!({"Name": 5})),
        )
        .await;
    assert_eq!(error.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error.json["ErrorCode"], "ValidationFailed");
    let me = app
        .get(&a.host, "/api/v1/tech/me")
        .auth(&a.auth)
        .send()
        .await;
    assert_eq!(me.json["ErrorCode"], "Forbidden");
    // Errors from the layers before any handler speak v1's casing too.
    let unknown = a
        .send(Method::GET, "/api/v1/admin/no-such-thing", None)
        .await;
    assert_eq!(unknown.json["ErrorCode"], "NotFound", "{}", unknown.text);
    let anonymous = app.get(&a.host, "/api/v1/admin/companies").send().await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(
        anonymous.json.get("ErrorCode").is_some(),
        "{}",
        anonymous.text
    );
}

#[tokio::test]
async fn me_reflects_a_change_to_the_signed_in_person_at_once() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    a.send(
        Method::POST,
        "/api/v3/admin/companies",
        Some(json!({"name": "Old Name Ltd"})),
    )
    .await;
    a.send(
        Method::POST,
        "/api/v3/admin/contacts",
        Some(
            json!({"companyId": 1, "email": "c@acme.test", "firstName": "C", "password": PASSWORD}),
        ),
    )
    .await;
    let t = crate::support::TestTenant {
        tenant: deskd::repo::tenants::find_by_slug(&app.pool, "acme")
            .await
            .unwrap()
            .unwrap(),
        host: a.host.clone(),
        admin_email: "admin@acme.test".into(),
    };
    let tech = app.sign_in(&t, "tech", &t.admin_email, PASSWORD).await;
    let portal = app.sign_in(&t, "portal", "c@acme.test", PASSWORD).await;
    // Read once so the profiles are cached.
    assert_eq!(
        app.get(&a.host, "/api/v2/tech/me")
            .cookie(&tech)
            .send()
            .await
            .json["member"]["firstName"],
        "Admin"
    );
    assert_eq!(
        app.get(&a.host, "/api/v2/portal/me")
            .cookie(&portal)
            .send()
            .await
            .json["contact"]["company"]["name"],
        "Old Name Ltd"
    );
    let renamed = app
        .call(Method::PATCH, &a.host, "/api/v3/admin/members/1")
        .cookie(&tech)
        .same_origin(&a.host)
        .json(json!({"firstName": "Renamed"}))
        .send()
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    // Read again so the contact's profile is cached anew: the company rename alone must evict it.
    assert_eq!(
        app.get(&a.host, "/api/v2/portal/me")
            .cookie(&portal)
            .send()
            .await
            .json["contact"]["company"]["name"],
        "Old Name Ltd"
    );
    a.send(
        Method::PATCH,
        "/api/v3/admin/companies/1",
        Some(json!({"name": "New Name Ltd"})),
    )
    .await;
    assert_eq!(
        app.get(&a.host, "/api/v2/tech/me")
            .cookie(&tech)
            .send()
            .await
            .json["member"]["firstName"],
        "Renamed"
    );
    assert_eq!(
        app.get(&a.host, "/api/v2/portal/me")
            .cookie(&portal)
            .send()
            .await
            .json["contact"]["company"]["name"],
        "New Name Ltd"
    );
}

#[tokio::test]
async fn deskdirectors_older_names_reach_the_same_resources() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(
            Method::POST,
            "/api/v3/admin/accounts",
            Some(json!({"name": "Aliased Ltd"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let company = a.send(Method::GET, "/api/v3/admin/companies/1", None).await;
    assert_eq!(company.json["name"], "Aliased Ltd");
    let account = a.send(Method::GET, "/api/v3/admin/accounts/1", None).await;
    assert_eq!(account.json, company.json);
    let agents = a
        .send(Method::GET, "/api/v1/admin/agents?take=5", None)
        .await;
    assert_eq!(agents.json["TotalResults"], 1, "{}", agents.text);
    // Only the resource segment is an alias: ids and slugs are left alone.
    assert_eq!(
        deskd::http::aliases::canonical_path("/api/v3/platform/tenants/agents"),
        None
    );
    assert_eq!(
        deskd::http::aliases::canonical_path("/api/v3/admin/members/agents"),
        None
    );
}
