//! Contacts through the Admin API: they belong to a company of their own tenant; lists page with
//! totals.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, admin};

#[tokio::test]
async fn contacts_belong_to_a_company_of_their_own_tenant() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let b = admin(&app, "beta").await;
    let foreign_company = b
        .send(
            Method::POST,
            "/api/v3/admin/companies",
            Some(json!({"name": "Beta Customer"})),
        )
        .await;
    assert_eq!(foreign_company.json["id"], 1);
    // acme has no company 1 yet: beta's company 1 is not acme's to use.
    let r = a
        .send(
            Method::POST,
            "/api/v3/admin/contacts",
            Some(json!({"companyId": 1, "email": "c@x.test", "firstName": "C"})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "companyId");
    let company = a
        .send(
            Method::POST,
            "/api/v3/admin/companies",
            Some(json!({"name": "Acme Customer & Co."})),
        )
        .await;
    assert_eq!(company.json["identifier"], "AcmeCustomerCo");
    let r = a
        .send(Method::POST, "/api/v3/admin/contacts", Some(json!({"companyId": 1, "email": "c@x.test", "firstName": "C", "phone": "+6491234567"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json["company"],
        json!({"id": 1, "name": "Acme Customer & Co."})
    );
    let r = a
        .send(
            Method::PATCH,
            "/api/v3/admin/contacts/1",
            Some(json!({"phone": null})),
        )
        .await;
    assert_eq!(r.json["phone"], Value::Null);
    let filtered = a
        .send(
            Method::GET,
            "/api/v3/admin/contacts?companyId=1&take=10",
            None,
        )
        .await;
    assert_eq!(filtered.json["totalResults"], 1);
    let none = a
        .send(Method::GET, "/api/v3/admin/contacts?companyId=2", None)
        .await;
    assert_eq!(none.json["totalResults"], 0);
}

#[tokio::test]
async fn lists_page_with_totals_and_refuse_oversized_pages() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    for i in 0..5 {
        a.send(
            Method::POST,
            "/api/v3/admin/companies",
            Some(json!({"name": format!("Customer {i}")})),
        )
        .await;
    }
    let page = a
        .send(Method::GET, "/api/v3/admin/companies?skip=1&take=2", None)
        .await;
    assert_eq!(page.json["totalResults"], 5);
    assert_eq!(page.json["hasMore"], true);
    let names: Vec<&str> = page.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Customer 1", "Customer 2"]);
    let last = a
        .send(Method::GET, "/api/v3/admin/companies?skip=4&take=2", None)
        .await;
    assert_eq!(last.json["hasMore"], false);
    let search = a
        .send(
            Method::GET,
            "/api/v3/admin/companies?search=customer%203",
            None,
        )
        .await;
    assert_eq!(search.json["totalResults"], 1);
    let wildcard = a
        .send(Method::GET, "/api/v3/admin/companies?search=%25", None)
        .await;
    assert_eq!(
        wildcard.json["totalResults"], 0,
        "LIKE wildcards match literally"
    );
}
