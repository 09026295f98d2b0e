//! Content pages and the portal menu: Markdown sanitised, items of every kind, audiences by
//! company and contact group, the access token an external site receives, and bad items refused.

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

fn labels(menu: &Value) -> Vec<String> {
    menu["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn each_contact_gets_the_menu_and_pages_their_audience_allows() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "bob@customer.test", json!({})).await;
    d.contact(2, "eve@other.test", json!({})).await;
    let group = created(&d, "/companies/1/groups", json!({"name": "Finance"})).await;
    let r = d
        .admin(
            Method::PUT,
            &format!("/companies/1/groups/{group}/members/{ann}"),
            Some(json!({"role": "member"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);

    // A page: Markdown with a script and a javascript: link, both stripped.
    let page = d
        .admin(Method::POST, "/content-pages", Some(json!({
            "title": "Holidays", "body": "# Office hours\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://acme.example)",
            "audience": {"kind": "companies", "companyIds": [1]}
        })))
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.text);
    let html = page.json["bodyHtml"].as_str().unwrap();
    assert!(
        html.contains("<h1>Office hours</h1>") && html.contains("https://acme.example"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("javascript"),
        "{html}"
    );
    let page = page.json["id"].as_i64().unwrap();
    let form = created(
        &d,
        "/forms",
        json!({"name": "Feedback", "standalone": true, "sections": [{"questions": [
        {"identifier": "text", "type": "long_text", "name": "Tell us"}]}]}),
    )
    .await;
    d.admin(Method::POST, &format!("/forms/{form}/publish"), None)
        .await;
    let category = created(&d, "/learning/categories", json!({"name": "Guides"})).await;
    let section = created(
        &d,
        "/learning/sections",
        json!({"categoryId": category, "name": "VPN"}),
    )
    .await;
    created(
        &d,
        "/learning/articles",
        json!({"sectionId": section, "title": "Connect", "body": "Steps", "state": "published"}),
    )
    .await;

    created(&d, "/menu-items", json!({"label": "Billing portal", "kind": "external_site", "url": "https://billing.example/in?x=1", "passAccessToken": true, "position": 1})).await;
    created(
        &d,
        "/menu-items",
        json!({"label": "Holidays", "kind": "content_page", "targetId": page, "position": 2}),
    )
    .await;
    created(
        &d,
        "/menu-items",
        json!({"label": "Ask", "kind": "request_type", "targetId": 1, "position": 3}),
    )
    .await;
    created(
        &d,
        "/menu-items",
        json!({"label": "Feedback", "kind": "form", "targetId": form, "position": 4}),
    )
    .await;
    created(&d, "/menu-items", json!({"label": "Guides", "kind": "learning_category", "targetId": category, "position": 5})).await;
    created(&d, "/menu-items", json!({"label": "Finance only", "kind": "external_site", "url": "https://finance.example", "position": 6,
        "audience": {"kind": "contact_groups", "contactGroupIds": [group]}})).await;
    created(&d, "/menu-items", json!({"label": "Hidden", "kind": "external_site", "url": "https://x.example", "enabled": false})).await;

    let menu_of = |email: &'static str| {
        let d = &d;
        async move {
            let cookie = d.sign_in("portal", email).await;
            let r = d.portal(&cookie, Method::GET, "/menu", None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert_eq!(r.headers["cache-control"], "no-store");
            (cookie, r.json)
        }
    };
    let (ann_cookie, ann_menu) = menu_of("ann@customer.test").await;
    assert_eq!(
        labels(&ann_menu),
        [
            "Billing portal",
            "Holidays",
            "Ask",
            "Feedback",
            "Guides",
            "Finance only"
        ]
    );
    let (_, bob_menu) = menu_of("bob@customer.test").await;
    assert_eq!(
        labels(&bob_menu),
        ["Billing portal", "Holidays", "Ask", "Feedback", "Guides"]
    );
    let (eve_cookie, eve_menu) = menu_of("eve@other.test").await;
    assert_eq!(
        labels(&eve_menu),
        ["Billing portal", "Ask", "Feedback", "Guides"],
        "the page is for company 1"
    );
    assert_eq!(
        ann_menu["results"][1]["href"],
        format!("/portal/pages/{page}")
    );
    assert_eq!(
        ann_menu["results"][4]["href"],
        format!("/portal/learning/categories/{category}")
    );

    // The external site gets a working access token for the contact.
    let href = ann_menu["results"][0]["href"].as_str().unwrap();
    let url = reqwest::Url::parse(href).unwrap();
    assert_eq!(url.host_str(), Some("billing.example"));
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "access_token")
        .unwrap()
        .1
        .to_string();
    let me = app
        .get(&d.t.host, "/api/v2/portal/me")
        .auth(&format!("DdAccessToken {token}"))
        .send()
        .await;
    assert_eq!(me.json["contact"]["id"], ann, "{}", me.text);

    // The page: readable by its audience only.
    let read = d
        .portal(
            &ann_cookie,
            Method::GET,
            &format!("/content-pages/{page}"),
            None,
        )
        .await;
    assert_eq!(read.json["title"], "Holidays");
    d.portal(
        &eve_cookie,
        Method::GET,
        &format!("/content-pages/{page}"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    // A page a menu item opens cannot be deleted.
    d.admin(Method::DELETE, &format!("/content-pages/{page}"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "Conflict");

    // Bad items: a clear 422 naming the field, nothing stored.
    let before = d.admin(Method::GET, "/menu-items", None).await.json["totalResults"].clone();
    for (body, field) in [
        (
            json!({"label": "x", "kind": "external_site", "url": "javascript:alert(1)"}),
            "url",
        ),
        (
            json!({"label": "x", "kind": "external_site", "url": "ftp://files.example"}),
            "url",
        ),
        (json!({"label": "x", "kind": "external_site"}), "url"),
        (
            json!({"label": "x", "kind": "external_site", "url": "http://plain.example", "passAccessToken": true}),
            "passAccessToken",
        ),
        (
            json!({"label": "x", "kind": "content_page", "targetId": 99}),
            "targetId",
        ),
        (
            json!({"label": "x", "kind": "content_page", "targetId": page, "passAccessToken": true}),
            "passAccessToken",
        ),
        (
            json!({"label": "x", "kind": "request_type", "targetId": 1, "audience": {"kind": "companies", "companyIds": [99]}}),
            "audience.companyIds",
        ),
        (
            json!({"label": "x", "kind": "request_type", "targetId": 1, "audience": {"kind": "contact_groups"}}),
            "audience.contactGroupIds",
        ),
        (
            json!({"label": "", "kind": "request_type", "targetId": 1}),
            "label",
        ),
    ] {
        let r = d
            .admin(Method::POST, "/menu-items", Some(body.clone()))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    assert_eq!(
        d.admin(Method::GET, "/menu-items", None).await.json["totalResults"],
        before
    );

    // Another tenant sees none of it.
    let other = desk(&app, "globex").await;
    other
        .admin(Method::GET, &format!("/content-pages/{page}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    assert_eq!(
        other.admin(Method::GET, "/menu-items", None).await.json["totalResults"],
        0
    );
}
