//! The Learning Center: audiences (everyone, a company, a contact group, members only, drafts),
//! sanitised Markdown, revisions, files, views and votes, search and suggestions, tenants apart.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

async fn created(d: &Desk<'_>, path: &str, body: Value) -> i64 {
    let r = d.admin(Method::POST, path, Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{path}: {}", r.text);
    r.json["id"].as_i64().unwrap()
}

fn titles(page: &Value) -> Vec<String> {
    let mut t: Vec<String> = page["results"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[tokio::test]
async fn readers_see_what_their_audience_allows_and_search_finds_it() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "bob@customer.test", json!({})).await;
    d.contact(2, "eve@other.test", json!({})).await;
    let group = created(&d, "/companies/1/groups", json!({"name": "Finance"})).await;
    d.admin(
        Method::PUT,
        &format!("/companies/1/groups/{group}/members/{ann}"),
        Some(json!({"role": "member"})),
    )
    .await;
    let guides = created(&d, "/learning/categories", json!({"name": "Guides"})).await;
    let section = created(
        &d,
        "/learning/sections",
        json!({"categoryId": guides, "name": "Printing"}),
    )
    .await;
    let article = |title: &str, body: &str, state: &str, audience: Value| json!({"sectionId": section, "title": title, "body": body, "state": state, "audience": audience});
    let everyone = created(
        &d,
        "/learning/articles",
        article(
            "Printers jam",
            "Open the **tray**. <script>alert(1)</script>[bad](javascript:alert(1))",
            "published",
            json!({"kind": "everyone"}),
        ),
    )
    .await;
    created(
        &d,
        "/learning/articles",
        article(
            "Customer printers",
            "Printer setup for you",
            "published",
            json!({"kind": "companies", "companyIds": [1]}),
        ),
    )
    .await;
    created(
        &d,
        "/learning/articles",
        article(
            "Finance printer",
            "The cheque printer",
            "published",
            json!({"kind": "contact_groups", "contactGroupIds": [group]}),
        ),
    )
    .await;
    created(
        &d,
        "/learning/articles",
        article(
            "Printer internals",
            "For technicians",
            "published",
            json!({"kind": "members"}),
        ),
    )
    .await;
    let draft = created(
        &d,
        "/learning/articles",
        article(
            "Printer draft",
            "Unfinished",
            "draft",
            json!({"kind": "everyone"}),
        ),
    )
    .await;

    // Sanitised when saved.
    let a = d
        .admin(Method::GET, &format!("/learning/articles/{everyone}"), None)
        .await;
    let html = a.json["bodyHtml"].as_str().unwrap();
    assert!(html.contains("<strong>tray</strong>"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("javascript"),
        "{html}"
    );

    let search = |cookie: String, q: &'static str| {
        let d = &d;
        async move {
            d.portal(
                &cookie,
                Method::GET,
                &format!("/learning/search?q={q}"),
                None,
            )
            .await
            .json
        }
    };
    let ann_c = d.sign_in("portal", "ann@customer.test").await;
    let bob_c = d.sign_in("portal", "bob@customer.test").await;
    let eve_c = d.sign_in("portal", "eve@other.test").await;
    // "printer" finds "Printers" too (English stemming).
    assert_eq!(
        titles(&search(ann_c.clone(), "printer").await),
        ["Customer printers", "Finance printer", "Printers jam"]
    );
    assert_eq!(
        titles(&search(bob_c.clone(), "printer").await),
        ["Customer printers", "Printers jam"]
    );
    assert_eq!(
        titles(&search(eve_c.clone(), "printer").await),
        ["Printers jam"]
    );
    let staff = d
        .admin(Method::GET, "/learning/articles?state=published", None)
        .await;
    assert_eq!(staff.json["totalResults"], 4);
    let tech = app
        .get(&d.t.host, "/api/v2/tech/learning/search?q=printer")
        .auth(&format!("DdApi {}", d.key))
        .send()
        .await;
    assert_eq!(
        tech.status,
        StatusCode::FORBIDDEN,
        "an API key is no technician"
    );
    // A technician searches every published article, members-only too, but no draft.
    let r = d
        .admin(
            Method::POST,
            "/members",
            Some(json!({"email": "tom@acme.test", "firstName": "Tom",
            "role": "tech", "password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tom = d.sign_in("tech", "tom@acme.test").await;
    let tech_get = |path: String| {
        let (d, tom) = (&d, tom.clone());
        async move {
            d.app
                .get(&d.t.host, &format!("/api/v2/tech{path}"))
                .cookie(&tom)
                .send()
                .await
        }
    };
    let found = tech_get("/learning/search?q=printer".into()).await;
    assert_eq!(
        titles(&found.json),
        [
            "Customer printers",
            "Finance printer",
            "Printer internals",
            "Printers jam"
        ]
    );
    assert_eq!(
        tech_get("/learning/articles/4".into()).await.status,
        StatusCode::OK
    );
    tech_get(format!("/learning/articles/{draft}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");

    // Reading: the audience decides; drafts and members-only are 404s for contacts.
    for (cookie, id, status) in [
        (&eve_c, everyone, StatusCode::OK),
        (&eve_c, 2, StatusCode::NOT_FOUND),
        (&bob_c, 3, StatusCode::NOT_FOUND),
        (&ann_c, 3, StatusCode::OK),
        (&ann_c, 4, StatusCode::NOT_FOUND),
        (&ann_c, draft, StatusCode::NOT_FOUND),
    ] {
        let r = d
            .portal(
                cookie,
                Method::GET,
                &format!("/learning/articles/{id}"),
                None,
            )
            .await;
        assert_eq!(r.status, status, "article {id}: {}", r.text);
    }
    let read = d
        .portal(
            &ann_c,
            Method::GET,
            &format!("/learning/articles/{everyone}"),
            None,
        )
        .await;
    assert!(read.json.get("audience").is_none() && read.json.get("body").is_none());
    let views = d
        .admin(Method::GET, &format!("/learning/articles/{everyone}"), None)
        .await;
    assert_eq!(views.json["viewCount"], 2, "eve's read and ann's");
    // Categories: eve sees Guides (one article); its article list is hers only.
    let cat = d
        .portal(
            &eve_c,
            Method::GET,
            &format!("/learning/categories/{guides}"),
            None,
        )
        .await;
    assert_eq!(
        titles(&json!({"results": cat.json["articles"]})),
        ["Printers jam"]
    );

    // Votes: one per contact, changeable.
    let vote = |cookie: &String, helpful: bool| {
        let (d, cookie) = (&d, cookie.clone());
        async move {
            d.portal(
                &cookie,
                Method::POST,
                &format!("/learning/articles/{everyone}/vote"),
                Some(json!({"helpful": helpful})),
            )
            .await
            .json
        }
    };
    vote(&ann_c, true).await;
    vote(&bob_c, true).await;
    let counts = vote(&ann_c, false).await;
    assert_eq!(counts, json!({"helpfulCount": 1, "unhelpfulCount": 1}));
    d.portal(
        &eve_c,
        Method::POST,
        "/learning/articles/4/vote",
        Some(json!({"helpful": true})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");

    // Suggestions while typing a ticket's summary.
    let s = d
        .portal(
            &bob_c,
            Method::GET,
            "/learning/suggestions?summary=my%20printer%20keeps%20jamming",
            None,
        )
        .await;
    assert_eq!(s.json["results"][0]["title"], "Printers jam", "{}", s.text);

    // Revisions: each save is one.
    let r = d
        .admin(
            Method::PUT,
            &format!("/learning/articles/{everyone}"),
            Some(article(
                "Printers jam",
                "Open the tray, then close it.",
                "published",
                json!({"kind": "everyone"}),
            )),
        )
        .await;
    assert_eq!(r.json["revision"], 2, "{}", r.text);
    let revisions = d
        .admin(
            Method::GET,
            &format!("/learning/articles/{everyone}/revisions"),
            None,
        )
        .await;
    assert_eq!(revisions.json["totalResults"], 2);
    assert!(
        revisions.json["results"][1]["body"]
            .as_str()
            .unwrap()
            .contains("<script>")
    );

    // Another tenant: 404.
    let other = desk(&app, "globex").await;
    other
        .admin(Method::GET, &format!("/learning/articles/{everyone}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn articles_keep_files_that_only_their_readers_may_fetch() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(2, "eve@other.test", json!({})).await;
    let cat = created(&d, "/learning/categories", json!({"name": "Guides"})).await;
    let section = created(
        &d,
        "/learning/sections",
        json!({"categoryId": cat, "name": "VPN"}),
    )
    .await;
    let up = d
        .admin_form(
            "/attachments",
            &[("file", Some("steps.pdf"), b"%PDF-1.4 steps")],
        )
        .await;
    let file = up.json[0]["id"].as_str().unwrap().to_string();
    let body = |files: Value| {
        json!({"sectionId": section, "title": "VPN", "body": "See [steps](files/x)",
        "state": "published", "audience": {"kind": "companies", "companyIds": [1]}, "attachmentIds": files})
    };
    // Someone else's or unknown upload: 422.
    let r = d
        .admin(
            Method::POST,
            "/learning/articles",
            Some(body(json!([uuid::Uuid::now_v7()]))),
        )
        .await;
    assert_eq!(r.json["field"], "attachmentIds", "{}", r.text);
    let id = created(&d, "/learning/articles", body(json!([file]))).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let eve = d.sign_in("portal", "eve@other.test").await;
    let got = d
        .portal(
            &ann,
            Method::GET,
            &format!("/learning/articles/{id}/files/{file}"),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.bytes, b"%PDF-1.4 steps");
    d.portal(
        &eve,
        Method::GET,
        &format!("/learning/articles/{id}/files/{file}"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    // Kept past the pending sweep; let go when the article drops it.
    sqlx::query("UPDATE attachments SET created_at = now() - interval '2 days'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    deskd::service::attachments::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(
        d.portal(
            &ann,
            Method::GET,
            &format!("/learning/articles/{id}/files/{file}"),
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    let r = d
        .admin(
            Method::PUT,
            &format!("/learning/articles/{id}"),
            Some(body(json!([]))),
        )
        .await;
    assert_eq!(r.json["attachmentIds"], json!([]), "{}", r.text);
    deskd::service::attachments::sweep(&app.state)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    // Sections and categories with something in them are not deleted.
    d.admin(
        Method::DELETE,
        &format!("/learning/sections/{section}"),
        None,
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Conflict");
    d.admin(Method::DELETE, &format!("/learning/categories/{cat}"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "Conflict");
}
