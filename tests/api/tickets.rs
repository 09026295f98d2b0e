//! Tickets: raised by contacts, worked by staff; who sees what; PUT versus PATCH; the history.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, TestResponse, TestTenant};

/// A tenant with two companies, contacts in several roles, a technician and an API key.
pub struct Desk<'a> {
    pub app: &'a TestApp,
    pub t: TestTenant,
    pub key: String,
}

impl Desk<'_> {
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut call = self
            .app
            .call(method, &self.t.host, &format!("/api/v3/admin{path}"))
            .auth(&format!("DdApi {}", self.key));
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send().await
    }

    pub async fn contact(&self, company: i64, email: &str, extra: Value) -> i64 {
        let mut body = json!({"companyId": company, "email": email, "firstName": email.split('@').next().unwrap(), "password": PASSWORD});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = self.admin(Method::POST, "/contacts", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json["id"].as_i64().unwrap()
    }

    /// Staff raise a ticket in queue 1 for contact 1, with `extra` fields.
    pub async fn raise(&self, summary: &str, extra: Value) -> i64 {
        let mut body = json!({"summary": summary, "contactId": 1, "queueId": 1});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let r = self.admin(Method::POST, "/tickets", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json["id"].as_i64().unwrap()
    }

    /// The ids the staff ticket search answers for `query`.
    async fn found(&self, query: &str) -> Vec<i64> {
        ids(&self
            .admin(Method::GET, &format!("/tickets{query}"), None)
            .await
            .json)
    }

    pub async fn sign_in(&self, family: &str, email: &str) -> String {
        self.app.sign_in(&self.t, family, email, PASSWORD).await
    }

    pub async fn portal(
        &self,
        cookie: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> TestResponse {
        let mut call = self
            .app
            .call(method, &self.t.host, &format!("/api/v2/portal{path}"))
            .cookie(cookie)
            .same_origin(&self.t.host);
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send().await
    }
}

pub async fn desk<'a>(app: &'a TestApp, slug: &str) -> Desk<'a> {
    let t = app.tenant(slug).await;
    let key = app.api_key(&t, "read_write").await;
    let d = Desk { app, t, key };
    d.admin(
        Method::POST,
        "/companies",
        Some(json!({"name": "Customer"})),
    )
    .await;
    d.admin(
        Method::POST,
        "/companies",
        Some(json!({"name": "Other customer"})),
    )
    .await;
    d
}

fn ids(list: &Value) -> Vec<i64> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_contact_raises_a_ticket_from_a_request_type() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let r = d
        .portal(&ann, Method::POST, "/tickets", Some(json!({"requestTypeId": 1, "summary": "Printer jammed", "description": "**Again**"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["id"], 1);
    assert_eq!(r.json["queue"], json!({"id": 1, "name": "Support"}));
    assert_eq!(r.json["status"]["name"], "New");
    assert_eq!(r.json["priority"]["name"], "Medium");
    assert_eq!(r.json["source"]["name"], "Portal");
    assert_eq!(r.json["requestType"]["name"], "General request");
    assert_eq!(r.json["contact"], json!({"id": 1, "name": "ann"}));
    assert_eq!(r.json["account"], json!({"id": 1, "name": "Customer"}));
    assert_eq!(r.json["isClosed"], false);
    assert!(
        r.json.get("activities").is_none(),
        "contacts do not see the internal history"
    );
    let staff = d.admin(Method::GET, "/tickets/1", None).await;
    let history = staff.json["activities"].as_array().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["type"], "created");
    assert_eq!(
        history[0]["createdBy"],
        json!({"id": "1", "name": "ann", "userType": "contact"})
    );
    // The ticket lists among ann's open tickets.
    let mine = d.portal(&ann, Method::GET, "/tickets", None).await;
    assert_eq!(ids(&mine.json), [1]);
    let closed = d
        .portal(&ann, Method::GET, "/tickets?status=closed", None)
        .await;
    assert_eq!(closed.json["totalResults"], 0);
}

#[tokio::test]
async fn who_sees_a_ticket_follows_ownership_group_management_and_company_visibility() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await; // raises the tickets
    d.contact(1, "bob@customer.test", json!({})).await; // same company, no rights
    d.contact(1, "meg@customer.test", json!({})).await; // manages the group
    d.contact(1, "wes@customer.test", json!({"seesCompanyTickets": true}))
        .await; // company-wide
    d.contact(2, "xav@other.test", json!({"seesCompanyTickets": true}))
        .await; // other company
    let group = d
        .admin(
            Method::POST,
            "/companies/1/groups",
            Some(json!({"name": "Finance"})),
        )
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    d.admin(
        Method::PUT,
        &format!("/companies/1/groups/{group}/members/1"),
        Some(json!({"role": "member"})),
    )
    .await;
    d.admin(
        Method::PUT,
        &format!("/companies/1/groups/{group}/members/3"),
        Some(json!({"role": "manager"})),
    )
    .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let shared = d
        .portal(
            &ann,
            Method::POST,
            "/tickets",
            Some(json!({"requestTypeId": 1, "summary": "Shared", "contactGroupId": group})),
        )
        .await;
    assert_eq!(shared.status, StatusCode::CREATED, "{}", shared.text);
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "Private"})),
    )
    .await;

    // Bob is not in the group: he cannot share with it.
    let bob = d.sign_in("portal", "bob@customer.test").await;
    let r = d
        .portal(
            &bob,
            Method::POST,
            "/tickets",
            Some(json!({"requestTypeId": 1, "summary": "x", "contactGroupId": group})),
        )
        .await;
    assert_eq!(r.json["field"], "contactGroupId");

    let meg = d.sign_in("portal", "meg@customer.test").await;
    let wes = d.sign_in("portal", "wes@customer.test").await;
    let xav = d.sign_in("portal", "xav@other.test").await;
    // (contact, sees ticket 1 (shared), sees ticket 2 (private))
    for (who, cookie, t1, t2) in [
        ("ann", &ann, true, true),
        ("bob", &bob, false, false),
        ("meg", &meg, true, false),
        ("wes", &wes, true, true),
        ("xav", &xav, false, false),
    ] {
        for (ticket, visible) in [(1, t1), (2, t2)] {
            let r = d
                .portal(cookie, Method::GET, &format!("/tickets/{ticket}"), None)
                .await;
            if visible {
                assert_eq!(r.status, StatusCode::OK, "{who} should see ticket {ticket}");
            } else {
                r.assert_error(StatusCode::NOT_FOUND, "NotFound");
            }
        }
    }
    assert_eq!(
        ids(&d
            .portal(&meg, Method::GET, "/tickets?scope=group", None)
            .await
            .json),
        [1]
    );
    assert_eq!(
        ids(&d
            .portal(&wes, Method::GET, "/tickets?scope=company", None)
            .await
            .json),
        [2, 1]
    );
    assert_eq!(
        d.portal(&wes, Method::GET, "/tickets", None).await.json["totalResults"],
        0,
        "personal scope is their own"
    );
    d.portal(&bob, Method::GET, "/tickets?scope=group", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    d.portal(&bob, Method::GET, "/tickets?scope=company", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    assert_eq!(
        d.portal(&xav, Method::GET, "/tickets?scope=company", None)
            .await
            .json["totalResults"],
        0
    );

    // Staff see every ticket of the tenant; another tenant sees none.
    d.admin(Method::POST, "/members", Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD}))).await;
    let tom = d.sign_in("tech", "tom@acme.test").await;
    let admin = d.sign_in("tech", &d.t.admin_email.clone()).await;
    for ticket in [1, 2] {
        assert_eq!(
            app.get(&d.t.host, &format!("/api/v2/tech/tickets/{ticket}"))
                .cookie(&tom)
                .send()
                .await
                .status,
            StatusCode::OK
        );
        // An admin member sees them in the tech portal and through the Admin API.
        for path in [
            format!("/api/v2/tech/tickets/{ticket}"),
            format!("/api/v3/admin/tickets/{ticket}"),
        ] {
            let r = app
                .get(&d.t.host, &path)
                .cookie(&admin)
                .same_origin(&d.t.host)
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        }
        assert_eq!(
            d.admin(Method::GET, &format!("/tickets/{ticket}"), None)
                .await
                .status,
            StatusCode::OK
        );
    }
    let other = desk(&app, "other").await;
    other
        .admin(Method::GET, "/tickets/1", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    other
        .admin(
            Method::PATCH,
            "/tickets/1",
            Some(json!({"summary": "Hacked"})),
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    assert_eq!(
        d.admin(Method::GET, "/tickets/1", None).await.json["summary"],
        "Shared"
    );
    // Contacts cannot use the staff API.
    app.get(&d.t.host, "/api/v2/tech/tickets/1")
        .cookie(&ann)
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn staff_replace_with_put_and_merge_with_patch_and_every_change_is_recorded() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(Method::POST, "/members", Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD}))).await;
    d.admin(Method::POST, "/tags", Some(json!({"name": "printer"})))
        .await;
    d.admin(
        Method::POST,
        "/categories",
        Some(json!({"name": "Hardware"})),
    )
    .await;
    d.admin(
        Method::POST,
        "/custom-fields",
        Some(json!({"key": "asset", "label": "Asset", "type": "text"})),
    )
    .await;
    d.admin(Method::POST, "/custom-fields", Some(json!({"key": "impact", "label": "Impact", "type": "single_choice", "choices": ["Me", "Everyone"]}))).await;
    let hardware = d
        .admin(Method::POST, "/queues", Some(json!({"name": "Hardware"})))
        .await;
    let hardware_default = hardware.json["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["isDefault"] == true)
        .unwrap()["id"]
        .clone();

    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({
                "summary": "Printer on fire", "contactId": 1, "requestTypeId": 1, "priorityId": 4, "sourceId": 4,
                "tags": ["PRINTER"], "categoryIds": [1], "customFields": {"asset": "PR-7", "impact": "Everyone"},
                "assignedMemberIds": [2]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["priority"]["name"], "Urgent");
    assert_eq!(
        r.json["tags"],
        json!(["printer"]),
        "tags take their configured spelling"
    );
    assert_eq!(
        r.json["categories"],
        json!([{"id": "1", "name": "Hardware"}])
    );
    assert_eq!(r.json["assignedAgents"], json!([{"id": 2, "name": "Tom"}]));
    assert_eq!(r.json["activities"][0]["createdBy"]["userType"], "api_key");

    // PATCH: absent stays, null clears, custom fields merge by key; closing records it.
    let resolved = 6; // Resolved (closed) in the Support queue
    let r = d
        .admin(
            Method::PATCH,
            "/tickets/1",
            Some(json!({"statusId": resolved, "customFields": {"impact": null}, "sourceId": null})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["isClosed"], true);
    assert!(r.json["closedOn"].is_string());
    assert_eq!(r.json["customFields"], json!({"asset": "PR-7"}));
    assert_eq!(r.json["source"], Value::Null);
    assert_eq!(r.json["tags"], json!(["printer"]));
    assert_eq!(r.json["priority"]["name"], "Urgent");
    let kinds: Vec<(&str, Option<&str>)> = r.json["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["type"].as_str().unwrap(), a["field"].as_str()))
        .collect();
    assert!(
        kinds.contains(&("field_changed", Some("status"))),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("closed", None)), "{kinds:?}");
    let status_change = r.json["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["field"] == "status")
        .unwrap();
    assert_eq!(status_change["from"], json!({"id": 1, "name": "New"}));
    assert_eq!(
        status_change["to"],
        json!({"id": resolved, "name": "Resolved"})
    );

    // Moving queue without a status lands on the new queue's default status, and reopens.
    let r = d
        .admin(Method::PATCH, "/tickets/1", Some(json!({"queueId": 2})))
        .await;
    assert_eq!(r.json["status"]["id"], hardware_default);
    assert_eq!(r.json["isClosed"], false);
    assert_eq!(r.json["closedOn"], Value::Null);
    // Tom, signed in, unassigns himself; the history names him.
    let tom = d.sign_in("tech", "tom@acme.test").await;
    let r = app
        .call(Method::PATCH, &d.t.host, "/api/v2/tech/tickets/1")
        .cookie(&tom)
        .same_origin(&d.t.host)
        .json(json!({"assignedMemberIds": []}))
        .send()
        .await;
    assert_eq!(r.json["assignedAgents"], json!([]));
    let last = r.json["activities"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["type"], "unassigned");
    assert_eq!(
        last["createdBy"],
        json!({"id": "2", "name": "Tom", "userType": "member"})
    );

    // PUT replaces: what it leaves out is cleared.
    let r = d
        .admin(
            Method::PUT,
            "/tickets/1",
            Some(json!({"summary": "Printer fixed", "contactId": 1, "queueId": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (
            r.json["tags"].clone(),
            r.json["categories"].clone(),
            r.json["customFields"].clone()
        ),
        (json!([]), json!([]), json!({}))
    );
    assert_eq!(r.json["requestType"], Value::Null);
    assert_eq!(r.json["status"]["name"], "New");
    // A PATCH that changes nothing records nothing.
    let before = r.json["activities"].as_array().unwrap().len();
    let r = d
        .admin(
            Method::PATCH,
            "/tickets/1",
            Some(json!({"summary": "Printer fixed"})),
        )
        .await;
    assert_eq!(r.json["activities"].as_array().unwrap().len(), before);
}

#[tokio::test]
async fn bad_references_are_422s_naming_the_field_and_change_nothing() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let other = desk(&app, "other").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    other.contact(1, "zed@elsewhere.test", json!({})).await;
    other.contact(1, "yan@elsewhere.test", json!({})).await;
    d.admin(Method::POST, "/custom-fields", Some(json!({"key": "seats", "label": "Seats", "type": "number", "minValue": 1, "maxValue": 50}))).await;
    d.admin(
        Method::POST,
        "/custom-fields",
        Some(json!({"key": "due", "label": "Due", "type": "date"})),
    )
    .await;
    let second_queue = d
        .admin(Method::POST, "/queues", Some(json!({"name": "Projects"})))
        .await;
    let foreign_status = second_queue.json["statuses"][0]["id"].as_i64().unwrap();
    let created = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Base", "contactId": 1, "requestTypeId": 1})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let snapshot = d.admin(Method::GET, "/tickets/1", None).await.json;
    let cases = [
        (json!({"statusId": foreign_status}), "statusId"),
        (json!({"priorityId": 99}), "priorityId"),
        (json!({"queueId": 99}), "queueId"),
        (json!({"queueId": null}), "queueId"),
        (json!({"contactId": 2}), "contactId"),
        (json!({"tags": ["unknown"]}), "tags"),
        (json!({"categoryIds": [5]}), "categoryIds"),
        (
            json!({"customFields": {"seats": "many"}}),
            "customFields.seats",
        ),
        (json!({"customFields": {"seats": 51}}), "customFields.seats"),
        (
            json!({"customFields": {"due": "31/01/2026"}}),
            "customFields.due",
        ),
        (
            json!({"customFields": {"colour": "red"}}),
            "customFields.colour",
        ),
        (json!({"assignedMemberIds": [42]}), "assignedMemberIds"),
        (json!({"summary": ""}), "summary"),
    ];
    for (body, field) in cases {
        let r = d
            .admin(Method::PATCH, "/tickets/1", Some(body.clone()))
            .await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{body}: {}", r.text);
    }
    assert_eq!(
        d.admin(Method::GET, "/tickets/1", None).await.json,
        snapshot,
        "nothing was half-written"
    );
    // A required custom field must be given on create.
    d.admin(
        Method::POST,
        "/custom-fields",
        Some(json!({"key": "asset", "label": "Asset", "type": "text", "required": true})),
    )
    .await;
    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "No asset", "contactId": 1, "queueId": 1})),
        )
        .await;
    assert_eq!(r.json["field"], "customFields.asset");
    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "No queue", "contactId": 1, "customFields": {"asset": "A1"}})),
        )
        .await;
    assert_eq!(r.json["field"], "queueId");
}

#[tokio::test]
async fn internal_notes_never_reach_a_contact_by_any_path() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "wes@customer.test", json!({"seesCompanyTickets": true}))
        .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "VPN down"})),
    )
    .await;
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/notes",
            Some(json!({"note": "Customer's firewall is misconfigured again", "isInternal": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["type"], "internal_note");
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/notes",
            Some(json!({"note": "We are on it."})),
        )
        .await;
    assert_eq!(r.json["type"], "comment");
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/tickets/1/comments",
            Some(json!({"note": "Thanks!"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json["createdBy"],
        json!({"id": 1, "name": "ann", "userType": "contact"})
    );
    assert_eq!(r.json["isInternal"], false);

    let secret = "firewall";
    let wes = d.sign_in("portal", "wes@customer.test").await;
    for cookie in [&ann, &wes] {
        for path in [
            "/tickets/1",
            "/tickets/1/comments",
            "/tickets?scope=personal",
            "/tickets?scope=company",
        ] {
            let r = d.portal(cookie, Method::GET, path, None).await;
            assert!(
                !r.text.contains(secret),
                "{path} leaks the internal note: {}",
                r.text
            );
        }
        let comments = d
            .portal(cookie, Method::GET, "/tickets/1/comments", None)
            .await;
        assert_eq!(comments.json["results"].as_array().unwrap().len(), 2);
    }
    let ticket = d.portal(&ann, Method::GET, "/tickets/1", None).await;
    assert_eq!(ticket.json["notes"].as_array().unwrap().len(), 2);
    // Staff see all three, and the history records them.
    let staff = d.admin(Method::GET, "/tickets/1", None).await;
    assert_eq!(staff.json["notes"].as_array().unwrap().len(), 3);
    let added = staff.json["activities"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["type"] == "note_added")
        .count();
    assert_eq!(added, 3);
    // Another contact of the company without rights cannot comment.
    d.contact(1, "bob@customer.test", json!({})).await;
    let bob = d.sign_in("portal", "bob@customer.test").await;
    d.portal(
        &bob,
        Method::POST,
        "/tickets/1/comments",
        Some(json!({"note": "me too"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    d.portal(&bob, Method::GET, "/tickets/1/comments", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn notes_record_time_worked_with_minute_precision() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "Server move", "contactId": 1, "queueId": 1})),
    )
    .await;
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/notes",
            Some(json!({"note": "Racked it", "isInternal": true, "timeEntry": {"timeStart": "2026-01-05T09:00:42Z", "timeEnd": "2026-01-05T10:30:00Z"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["timeEntry"]["actualHours"], 1.5);
    assert_eq!(r.json["timeEntry"]["hoursBilled"], 1.5);
    assert_eq!(r.json["timeEntry"]["timeStart"], "2026-01-05T09:00:00Z");
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/notes",
            Some(
                json!({"note": "Paperwork", "timeEntry": {"actualHours": 0.25, "hoursBilled": 0}}),
            ),
        )
        .await;
    assert_eq!(r.json["timeEntry"]["hoursBilled"], 0.0);
    let future = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    for (entry, field) in [
        (
            json!({"timeStart": "2026-01-05T10:00:00Z", "timeEnd": "2026-01-05T09:00:00Z"}),
            "timeEntry.timeEnd",
        ),
        (json!({"timeStart": future}), "timeEntry.timeStart"),
        (json!({}), "timeEntry.actualHours"),
        (json!({"actualHours": 30}), "timeEntry.actualHours"),
        // An array is not a time entry, even one that lines up with its fields.
        (json!([null, null, 1.5]), "timeEntry"),
    ] {
        let r = d
            .admin(
                Method::POST,
                "/tickets/1/notes",
                Some(json!({"note": "x", "timeEntry": entry})),
            )
            .await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    d.admin(
        Method::POST,
        "/tickets/1/notes",
        Some(json!({"note": "   "})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(
        d.admin(Method::GET, "/tickets/1/notes", None).await.json["results"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    d.admin(Method::POST, "/tickets/9/notes", Some(json!({"note": "x"})))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn contacts_close_with_a_note_and_reopen_and_staff_archive_restore_and_assign() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(
        Method::POST,
        "/members",
        Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech"})),
    )
    .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "Email broken"})),
    )
    .await;
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/tickets/1/close",
            Some(json!({"note": "Works again, thanks"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"]["name"], "Closed");
    assert_eq!(r.json["isClosed"], true);
    assert_eq!(r.json["notes"][0]["note"], "Works again, thanks");
    d.portal(&ann, Method::POST, "/tickets/1/close", Some(json!({})))
        .await
        .assert_error(StatusCode::CONFLICT, "AlreadyClosed");
    let r = d
        .portal(&ann, Method::POST, "/tickets/1/reopen", None)
        .await;
    assert_eq!(r.json["status"]["name"], "New");
    assert_eq!(r.json["isClosed"], false);
    d.portal(&ann, Method::POST, "/tickets/1/reopen", None)
        .await
        .assert_error(StatusCode::CONFLICT, "NotClosed");
    let history: Vec<String> = d.admin(Method::GET, "/tickets/1", None).await.json["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        history.contains(&"closed".to_string()) && history.contains(&"reopened".to_string()),
        "{history:?}"
    );

    // Assigning one member at a time.
    let r = d.admin(Method::PUT, "/tickets/1/assignees/2", None).await;
    assert_eq!(r.json["assignedAgents"], json!([{"id": 2, "name": "Tom"}]));
    let r = d.admin(Method::PUT, "/tickets/1/assignees/1", None).await;
    assert_eq!(r.json["assignedAgents"].as_array().unwrap().len(), 2);
    let r = d
        .admin(Method::DELETE, "/tickets/1/assignees/2", None)
        .await;
    assert_eq!(r.json["assignedAgents"].as_array().unwrap().len(), 1);
    d.admin(Method::DELETE, "/tickets/1/assignees/2", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r = d.admin(Method::PUT, "/tickets/1/assignees/77", None).await;
    assert_eq!(r.json["field"], "assignedMemberIds");

    // Archiving answers the archived ticket; contacts no longer see it; restoring brings it back.
    let r = d.admin(Method::DELETE, "/tickets/1", None).await;
    assert_eq!(r.json["isArchived"], true);
    d.portal(&ann, Method::GET, "/tickets/1", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    assert_eq!(
        d.portal(&ann, Method::GET, "/tickets?status=any", None)
            .await
            .json["totalResults"],
        0
    );
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"summary": "x"})))
        .await
        .assert_error(StatusCode::CONFLICT, "Archived");
    let r = d.admin(Method::POST, "/tickets/1/restore", None).await;
    assert_eq!(r.json["isArchived"], false);
    assert_eq!(
        d.portal(&ann, Method::GET, "/tickets/1", None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn staff_find_tickets_by_any_combination_of_filters_and_words_in_comments() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(2, "xav@other.test", json!({})).await;
    d.admin(Method::POST, "/members", Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD}))).await;
    d.admin(Method::POST, "/tags", Some(json!({"name": "network"})))
        .await;
    let projects = d
        .admin(Method::POST, "/queues", Some(json!({"name": "Projects"})))
        .await;
    assert_eq!(projects.json["id"], 2);
    for body in [
        json!({"summary": "Printer jammed", "contactId": 1, "queueId": 1, "priorityId": 4}),
        json!({"summary": "Router keeps rebooting", "contactId": 1, "queueId": 1, "tags": ["network"], "assignedMemberIds": [2]}),
        json!({"summary": "Office move", "contactId": 2, "queueId": 2}),
    ] {
        let r = d.admin(Method::POST, "/tickets", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    d.admin(
        Method::POST,
        "/tickets/3/notes",
        Some(json!({"note": "The new office needs a projector", "isInternal": true})),
    )
    .await;
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 6})))
        .await; // Resolved: closed

    assert_eq!(d.found("").await, [1, 3, 2], "most recently changed first");
    assert_eq!(d.found("?status=open&sort=id").await, [2, 3]);
    assert_eq!(d.found("?status=closed").await, [1]);
    assert_eq!(d.found("?queueId=2").await, [3]);
    assert_eq!(d.found("?queueId=1,2&priorityId=4").await, [1]);
    assert_eq!(d.found("?tag=network").await, [2]);
    assert_eq!(d.found("?assigned=unassigned&sort=id").await, [1, 3]);
    assert_eq!(d.found("?assigned=2").await, [2]);
    assert_eq!(d.found("?companyId=2").await, [3]);
    assert_eq!(d.found("?contactId=1&sort=-id").await, [2, 1]);
    assert_eq!(
        d.found("?q=projector").await,
        [3],
        "words in notes are found"
    );
    assert_eq!(
        d.found("?q=printers").await,
        [1],
        "words are matched by their stem"
    );
    assert_eq!(d.found("?q=rebooting%20router").await, [2]);
    assert_eq!(
        d.found("?updatedSince=2999-01-01T00:00:00Z").await,
        Vec::<i64>::new()
    );
    let page = d.admin(Method::GET, "/tickets?take=2&sort=id", None).await;
    assert_eq!(
        (
            ids(&page.json),
            page.json["totalResults"].as_i64(),
            page.json["hasMore"].as_bool()
        ),
        (vec![1, 2], Some(3), Some(true))
    );
    // Tom (a technician) can ask for his own.
    let tom = d.sign_in("tech", "tom@acme.test").await;
    let mine = app
        .get(&d.t.host, "/api/v2/tech/tickets?assigned=me")
        .cookie(&tom)
        .send()
        .await;
    assert_eq!(ids(&mine.json), [2]);
    for (query, field) in [
        ("?queueId=one", "queueId"),
        ("?sort=priority", "sort"),
        ("?take=500", "take"),
        ("?status=done", "status"),
    ] {
        let r = d
            .admin(Method::GET, &format!("/tickets{query}"), None)
            .await;
        r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
        assert_eq!(r.json["field"], field, "{query}: {}", r.text);
    }
    // `me` is well-formed, but an API key is nobody.
    let r = d.admin(Method::GET, "/tickets?assigned=me", None).await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "assigned");
}

#[tokio::test]
async fn the_copilot_endpoints_answer_as_the_tech_connector_defines_them() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(Method::POST, "/members", Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD}))).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    d.portal(&ann, Method::POST, "/tickets", Some(json!({"requestTypeId": 1, "summary": "Laptop is slow", "description": "It takes ages to boot"}))).await;
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "Need a new mouse"})),
    )
    .await;
    let tom = d.sign_in("tech", "tom@acme.test").await;
    let token = app
        .post(&d.t.host, "/api/v2/tech/personal-access-tokens")
        .cookie(&tom)
        .same_origin(&d.t.host)
        .json(json!({"name": "copilot"}))
        .send()
        .await
        .json["token"]
        .as_str()
        .unwrap()
        .to_string();
    let (app_ref, host) = (&app, d.t.host.clone());
    let copilot = |path: String| {
        let auth = format!("Basic {token}");
        let host = host.clone();
        async move {
            app_ref
                .get(&host, &format!("/api/v2/copilot{path}"))
                .auth(&auth)
                .send()
                .await
        }
    };
    // Tom logs time on ticket 1 and answers ann; ann answers back on ticket 2.
    app.post(&d.t.host, "/api/v2/tech/tickets/1/notes")
        .cookie(&tom)
        .same_origin(&d.t.host)
        .json(json!({"note": "Replaced the disk", "timeEntry": {"actualHours": 1.25}}))
        .send()
        .await;
    d.admin(Method::PUT, "/tickets/1/assignees/2", None).await;
    d.portal(
        &ann,
        Method::POST,
        "/tickets/2/comments",
        Some(json!({"note": "Any news?"})),
    )
    .await;

    let r = copilot("/tickets".into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json["total"].as_i64(), r.json["resultsCount"].as_i64()),
        (Some(2), Some(2))
    );
    let summary = &r.json["results"][1];
    let keys: std::collections::BTreeSet<&str> = summary
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: std::collections::BTreeSet<&str> = [
        "id",
        "summary",
        "requestType",
        "account",
        "contactGroup",
        "contact",
        "categories",
        "source",
        "queue",
        "status",
        "priority",
        "assignedAgents",
        "createdOn",
        "modifiedOn",
        "closedOn",
        "isClosed",
        "tags",
        "descriptionPreview",
        "latestNote",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected, "TicketSummary's fields, no more, no fewer");
    assert_eq!(summary["latestNote"]["notePreview"], "Replaced the disk");
    assert_eq!(
        summary["latestNote"]["createdBy"],
        json!({"id": 2, "name": "Tom", "userType": "member"})
    );
    assert_eq!(ids(&copilot("/tickets?assigned=me".into()).await.json), [1]);
    assert_eq!(
        ids(&copilot("/tickets?assigned=unassigned".into()).await.json),
        [2]
    );
    assert_eq!(
        ids(&copilot("/tickets?lastContactMessage=true".into())
            .await
            .json),
        [2]
    );
    // The staff search takes the same filter, shared with the connector.
    for (waiting, expected) in [("true", 2), ("false", 1)] {
        let path = format!("/tickets?lastContactMessage={waiting}");
        let r = d.admin(Method::GET, &path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["results"].as_array().unwrap().len(), 1, "{path}");
        assert_eq!(r.json["results"][0]["id"], expected, "{path}");
    }
    assert_eq!(ids(&copilot("/tickets?search=boot".into()).await.json), [1]);
    assert_eq!(
        copilot("/tickets?taskProgress=incomplete".into())
            .await
            .json["total"],
        0
    );
    assert_eq!(
        copilot("/tickets?status=closed".into()).await.json["total"],
        0
    );
    copilot("/tickets?assigned=someone".into())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BadRequest");

    let ticket = copilot("/tickets/1".into()).await;
    let keys: std::collections::BTreeSet<&str> = ticket
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: std::collections::BTreeSet<&str> = [
        "id",
        "summary",
        "requestType",
        "account",
        "contactGroup",
        "contact",
        "categories",
        "source",
        "queue",
        "status",
        "priority",
        "assignedAgents",
        "createdOn",
        "modifiedOn",
        "closedOn",
        "isClosed",
        "tags",
        "description",
        "notes",
        "activities",
        "taskProgress",
        "taskLists",
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, expected, "Ticket's fields, no more, no fewer");
    assert_eq!(ticket.json["notes"][0]["timeEntry"]["actualHours"], 1.25);
    assert_eq!(ticket.json["taskProgress"], json!({"done": 0, "total": 0}));

    // Task lists count: a ticket with a task not done is incomplete, one without tasks complete.
    let list = d
        .admin(
            Method::POST,
            "/tickets/1/tasks",
            Some(json!({"name": "Rebuild", "tasks": ["Back up", "Reimage", "Restore"]})),
        )
        .await;
    assert_eq!(list.status, StatusCode::CREATED, "{}", list.text);
    let first_task = list.json["tasks"][0]["id"].as_str().unwrap().to_string();
    d.admin(
        Method::PATCH,
        &format!("/tickets/1/tasks/{first_task}"),
        Some(json!({"isCompleted": true})),
    )
    .await;
    let ticket = copilot("/tickets/1".into()).await;
    assert_eq!(ticket.json["taskProgress"], json!({"done": 1, "total": 3}));
    assert_eq!(ticket.json["taskLists"][0]["name"], "Rebuild");
    assert_eq!(
        ids(&copilot("/tickets?taskProgress=incomplete".into())
            .await
            .json),
        [1]
    );
    assert_eq!(
        ids(&copilot("/tickets?taskProgress=completed".into()).await.json),
        [2]
    );

    let entries = copilot("/time-entries?period=today".into()).await;
    assert_eq!(entries.json["total"], 1, "{}", entries.text);
    let entry = &entries.json["results"][0];
    assert_eq!(
        entry["parentTicket"],
        json!({"id": 1, "name": "Laptop is slow"})
    );
    assert_eq!(entry["actualHours"], 1.25);
    assert_eq!(
        copilot("/time-entries?period=last_month".into()).await.json["total"],
        0
    );
    copilot("/time-entries?period=yesterday".into())
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    // Contacts and API keys are not technicians.
    app.get(&d.t.host, "/api/v2/copilot/tickets")
        .cookie(&ann)
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn a_stale_if_match_is_refused_with_412_and_changes_nothing() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let created = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Base", "contactId": 1, "queueId": 1})),
        )
        .await;
    let first = created.headers["etag"].to_str().unwrap().to_string();
    assert_eq!(first, "\"v1\"");
    let read = d.admin(Method::GET, "/tickets/1", None).await;
    assert_eq!(read.headers["etag"].to_str().unwrap(), first);
    let patch = |etag: &str, summary: &str| {
        app.call(Method::PATCH, &d.t.host, "/api/v3/admin/tickets/1")
            .auth(&format!("DdApi {}", d.key))
            .header("if-match", etag)
            .json(json!({"summary": summary}))
            .send()
    };
    let r = patch(&first, "Second").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let second = r.headers["etag"].to_str().unwrap().to_string();
    assert_ne!(second, first);
    // Someone who read the first version loses.
    patch(&first, "Lost update")
        .await
        .assert_error(StatusCode::PRECONDITION_FAILED, "PreconditionFailed");
    patch("\"nonsense\"", "Lost update")
        .await
        .assert_error(StatusCode::PRECONDITION_FAILED, "PreconditionFailed");
    assert_eq!(
        d.admin(Method::GET, "/tickets/1", None).await.json["summary"],
        "Second"
    );
    // A weak tag or `*` also works; PUT checks it too.
    assert_eq!(
        patch(&format!("W/{second}"), "Third").await.status,
        StatusCode::OK
    );
    assert_eq!(patch("*", "Fourth").await.status, StatusCode::OK);
    let put = app
        .call(Method::PUT, &d.t.host, "/api/v3/admin/tickets/1")
        .auth(&format!("DdApi {}", d.key))
        .header("if-match", &second)
        .json(json!({"summary": "Replaced", "contactId": 1, "queueId": 1}))
        .send()
        .await;
    put.assert_error(StatusCode::PRECONDITION_FAILED, "PreconditionFailed");
    // Of two writers holding the same version, exactly one wins.
    let current = d.admin(Method::GET, "/tickets/1", None).await.headers["etag"]
        .to_str()
        .unwrap()
        .to_string();
    let (a, b) = tokio::join!(patch(&current, "Writer A"), patch(&current, "Writer B"));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 412]);
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_replays_the_first_answer() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let create = |key: &str, summary: &str| {
        app.post(&d.t.host, "/api/v3/admin/tickets")
            .auth(&format!("DdApi {}", d.key))
            .header("idempotency-key", key)
            .json(json!({"summary": summary, "contactId": 1, "queueId": 1}))
            .send()
    };
    let first = create("order-42", "Once only").await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = create("order-42", "Once only").await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.json, first.json, "the same answer, byte for byte");
    assert_eq!(d.found("").await, [1], "and one ticket");
    // The same key for another request is refused; a new key creates.
    let r = create("order-42", "Something else").await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "Idempotency-Key");
    assert_eq!(create("order-43", "Something else").await.json["id"], 2);
    // Keys belong to one caller: a contact's comment with the same key is its own.
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let comment = |note: &str| {
        app.post(&d.t.host, "/api/v2/portal/tickets/1/comments")
            .cookie(&ann)
            .same_origin(&d.t.host)
            .header("idempotency-key", "order-42")
            .json(json!({"note": note}))
            .send()
    };
    assert_eq!(comment("Hello").await.status, StatusCode::CREATED);
    assert_eq!(
        comment("Hello").await.headers["idempotent-replayed"],
        "true"
    );
    assert_eq!(
        d.admin(Method::GET, "/tickets/1/notes", None).await.json["results"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = create(&"x".repeat(300), "Too long a key").await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]
async fn approvers_grant_or_decline_tickets_that_need_approval() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await; // asks
    d.contact(1, "boss@customer.test", json!({"isApprover": true}))
        .await; // approves
    d.contact(1, "ivy@customer.test", json!({})).await; // neither
    d.contact(2, "oz@other.test", json!({"isApprover": true}))
        .await; // approver elsewhere
    let laptop = d
        .admin(Method::POST, "/request-types", Some(json!({"name": "New laptop", "defaultQueueId": 1, "defaultPriorityId": 2, "requiresApproval": true})))
        .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/tickets",
            Some(json!({"requestTypeId": laptop.json["id"], "summary": "I need a laptop"})),
        )
        .await;
    assert_eq!(r.json["approval"], "pending", "{}", r.text);
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "No approval needed"})),
    )
    .await;
    assert_eq!(
        ids(&d
            .portal(&ann, Method::GET, "/tickets?status=awaiting_approval", None)
            .await
            .json),
        [1]
    );

    let boss = d.sign_in("portal", "boss@customer.test").await;
    let ivy = d.sign_in("portal", "ivy@customer.test").await;
    let oz = d.sign_in("portal", "oz@other.test").await;
    assert_eq!(
        ids(&d.portal(&boss, Method::GET, "/approvals", None).await.json),
        [1]
    );
    assert_eq!(
        d.portal(&boss, Method::GET, "/tickets/1", None)
            .await
            .status,
        StatusCode::OK,
        "approvers see what they approve"
    );
    d.portal(&ivy, Method::GET, "/approvals", None)
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    d.portal(&ivy, Method::POST, "/tickets/1/approve", Some(json!({})))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    d.portal(&oz, Method::POST, "/tickets/1/approve", Some(json!({})))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    // Ann sees her ticket but may not approve it herself.
    d.portal(&ann, Method::POST, "/tickets/1/approve", Some(json!({})))
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    let r = d
        .portal(&boss, Method::POST, "/tickets/1/decline", Some(json!({})))
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "reason");

    let r = d
        .portal(
            &boss,
            Method::POST,
            "/tickets/1/decline",
            Some(json!({"reason": "Use the spare one"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["approval"], "declined");
    assert_eq!(r.json["status"]["name"], "Approval Declined");
    assert_eq!(r.json["isClosed"], true);
    assert_eq!(r.json["notes"][0]["note"], "Use the spare one");
    d.portal(&boss, Method::POST, "/tickets/1/approve", Some(json!({})))
        .await
        .assert_error(StatusCode::CONFLICT, "NotAwaitingApproval");
    let history: Vec<String> = d.admin(Method::GET, "/tickets/1", None).await.json["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_string())
        .collect();
    assert!(
        history.contains(&"approval_requested".into())
            && history.contains(&"approval_declined".into()),
        "{history:?}"
    );

    // A granted request moves to the queue's "approval granted" status and stays open.
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/tickets",
            Some(json!({"requestTypeId": laptop.json["id"], "summary": "A second laptop"})),
        )
        .await;
    let id = r.json["id"].as_i64().unwrap();
    let r = d
        .portal(
            &boss,
            Method::POST,
            &format!("/tickets/{id}/approve"),
            None, // no body at all: the note is optional
        )
        .await;
    assert_eq!(
        (
            r.json["approval"].as_str(),
            r.json["status"]["name"].as_str(),
            r.json["isClosed"].as_bool()
        ),
        (Some("granted"), Some("Approval Granted"), Some(false))
    );
    assert!(
        d.portal(&boss, Method::GET, "/approvals", None).await.json["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn merging_moves_the_conversation_and_closes_the_merged_ticket() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    for summary in ["Printer broken", "Printer still broken"] {
        d.raise(summary, json!({})).await;
    }
    d.admin(
        Method::POST,
        "/tickets/2/notes",
        Some(json!({"note": "Same printer as #1"})),
    )
    .await;
    d.admin(
        Method::POST,
        "/tickets/1/notes",
        Some(json!({"note": "Ordered toner", "isInternal": true})),
    )
    .await;
    let r = d
        .admin(
            Method::POST,
            "/tickets/2/merge",
            Some(json!({"intoTicketId": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["id"], 1, "answers the survivor");
    let notes: Vec<&str> = r.json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["Same printer as #1", "Ordered toner"]);
    assert!(
        r.json["activities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["type"] == "merged_from")
    );
    let merged = d.admin(Method::GET, "/tickets/2", None).await;
    assert_eq!(
        (
            merged.json["mergedInto"].as_i64(),
            merged.json["isClosed"].as_bool()
        ),
        (Some(1), Some(true))
    );
    assert!(merged.json["notes"].as_array().unwrap().is_empty());
    d.admin(
        Method::POST,
        "/tickets/2/merge",
        Some(json!({"intoTicketId": 1})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "AlreadyMerged");
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/merge",
            Some(json!({"intoTicketId": 1})),
        )
        .await;
    assert_eq!(r.json["field"], "intoTicketId");
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/merge",
            Some(json!({"intoTicketId": 2})),
        )
        .await;
    assert_eq!(
        r.json["field"], "intoTicketId",
        "not into a ticket that was merged away"
    );
    let r = d
        .admin(
            Method::POST,
            "/tickets/1/merge",
            Some(json!({"intoTicketId": 99})),
        )
        .await;
    assert_eq!(r.json["field"], "intoTicketId");
}

#[tokio::test]
async fn bulk_update_changes_up_to_a_hundred_tickets_all_or_none() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    for i in 0..3 {
        d.admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": format!("Ticket {i}"), "contactId": 1, "queueId": 1})),
        )
        .await;
    }
    let r = d
        .admin(
            Method::PATCH,
            "/tickets",
            Some(json!({"ticketIds": [1, 2, 3], "changes": {"priorityId": 4}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.json
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["priority"]["name"] == "Urgent")
    );
    // One ticket that cannot take the change fails them all: ticket 3 moves to another queue,
    // where status 2 (In Progress of Support) does not exist.
    d.admin(Method::POST, "/queues", Some(json!({"name": "Projects"})))
        .await;
    d.admin(Method::PATCH, "/tickets/3", Some(json!({"queueId": 2})))
        .await;
    let r = d
        .admin(
            Method::PATCH,
            "/tickets",
            Some(json!({"ticketIds": [1, 2, 3], "changes": {"statusId": 2}})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "statusId");
    assert!(
        r.json["message"].as_str().unwrap().contains("ticket 3"),
        "{}",
        r.text
    );
    assert_eq!(
        d.admin(Method::GET, "/tickets/1", None).await.json["status"]["name"],
        "New",
        "nothing was changed"
    );
    let r = d
        .admin(
            Method::PATCH,
            "/tickets",
            Some(json!({"ticketIds": [1, 42], "changes": {"priorityId": 1}})),
        )
        .await;
    assert_eq!(r.json["field"], "ticketIds");
    let too_many: Vec<i32> = (1..=101).collect();
    let r = d
        .admin(
            Method::PATCH,
            "/tickets",
            Some(json!({"ticketIds": too_many, "changes": {}})),
        )
        .await;
    r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    assert_eq!(r.json["field"], "ticketIds");
}

#[tokio::test]
async fn integrators_reach_the_same_tickets_through_the_v2_public_and_admin_families() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let auth = format!("DdApi {}", d.key);
    // The Public family reads and queries what Admin writes (seed 000: "only used for retrieving
    // information … or querying").
    let refused = app
        .post(&d.t.host, "/api/v2/public/tickets")
        .auth(&auth)
        .json(json!({"summary": "Via public", "contactId": 1, "queueId": 1}))
        .send()
        .await;
    refused.assert_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed");
    for family in ["public", "admin"] {
        let r = app
            .post(&d.t.host, "/api/v2/admin/tickets")
            .auth(&auth)
            .json(json!({"summary": format!("Via {family}"), "contactId": 1, "queueId": 1}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{family}: {}", r.text);
        let id = r.json["id"].as_i64().unwrap();
        let found = app
            .get(&d.t.host, &format!("/api/v2/{family}/tickets?q={family}"))
            .auth(&auth)
            .send()
            .await;
        assert_eq!(ids(&found.json), [id]);
        let note = app
            .post(&d.t.host, &format!("/api/v2/{family}/tickets/{id}/notes"))
            .auth(&auth)
            .json(json!({"note": "Logged by a script"}))
            .send()
            .await;
        let written = if family == "public" {
            StatusCode::METHOD_NOT_ALLOWED
        } else {
            StatusCode::CREATED
        };
        assert_eq!(note.status, written);
        // DeskDirector-style finds: the filters in a JSON body, lists as arrays.
        let found = app
            .post(&d.t.host, &format!("/api/v2/{family}/tickets/find"))
            .auth(&auth)
            .json(json!({"q": family, "queueId": [1, 2], "status": "open", "take": 10}))
            .send()
            .await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.text);
        assert_eq!(ids(&found.json), [id]);
        let contacts = app
            .post(&d.t.host, &format!("/api/v2/{family}/contacts/find"))
            .auth(&auth)
            .json(json!({"search": "ann@", "companyId": 1}))
            .send()
            .await;
        assert_eq!(contacts.status, StatusCode::OK, "{}", contacts.text);
        assert_eq!(ids(&contacts.json), [1]);
        let companies = app
            .post(&d.t.host, &format!("/api/v2/{family}/companies/find"))
            .auth(&auth)
            .json(json!({"search": "other"}))
            .send()
            .await;
        assert_eq!(companies.json["results"][0]["name"], "Other customer");
        assert_eq!(companies.json["totalResults"], 1);
        app.post(&d.t.host, &format!("/api/v2/{family}/tickets/find"))
            .auth(&auth)
            .json(json!({"queueId": ["one"]}))
            .send()
            .await
            .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
        app.post(&d.t.host, &format!("/api/v2/{family}/tickets/find"))
            .auth(&auth)
            .json(json!({"take": 101}))
            .send()
            .await
            .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    }
    // A technician's credentials are not an integrator's.
    d.admin(Method::POST, "/members", Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD}))).await;
    let tom = d.sign_in("tech", "tom@acme.test").await;
    app.get(&d.t.host, "/api/v2/admin/tickets/1")
        .cookie(&tom)
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn queue_view_totals_stay_exact_through_every_kind_of_change() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.admin(Method::POST, "/queues", Some(json!({"name": "Projects"})))
        .await;
    for i in 0..6 {
        let queue = if i < 4 { 1 } else { 2 };
        let r = d
            .admin(
                Method::POST,
                "/tickets",
                Some(json!({"summary": format!("Ticket {i}"), "contactId": 1, "queueId": queue})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let check = |label: &'static str| {
        let d = &d;
        async move {
            for query in [
                "",
                "?status=open",
                "?status=closed",
                "?queueId=1",
                "?queueId=2",
                "?status=open&queueId=1",
                "?status=closed&queueId=1,2",
                "?statusId=1",
                "?includeArchived=true",
            ] {
                let kept = &d
                    .admin(Method::GET, &format!("/tickets{query}"), None)
                    .await
                    .json;
                // A filter that matches everything forces the exact count.
                let sep = if query.is_empty() { "?" } else { "&" };
                let exact = &d
                    .admin(
                        Method::GET,
                        &format!("/tickets{query}{sep}createdAfter=2000-01-01T00:00:00Z"),
                        None,
                    )
                    .await
                    .json;
                assert_eq!(
                    kept["totalResults"], exact["totalResults"],
                    "after {label}, {query}"
                );
            }
        }
    };
    check("creating").await;
    d.admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 6})))
        .await;
    d.admin(Method::PATCH, "/tickets/2", Some(json!({"queueId": 2})))
        .await;
    check("closing and moving").await;
    d.admin(
        Method::PATCH,
        "/tickets",
        Some(json!({"ticketIds": [3, 4], "changes": {"statusId": 6}})),
    )
    .await;
    d.admin(Method::DELETE, "/tickets/5", None).await;
    check("bulk closing and archiving").await;
    d.admin(Method::POST, "/tickets/5/restore", None).await;
    d.admin(
        Method::POST,
        "/tickets/6/merge",
        Some(json!({"intoTicketId": 5})),
    )
    .await;
    check("restoring and merging").await;
    let open_in_1 = d
        .admin(Method::GET, "/tickets?status=open&queueId=1", None)
        .await;
    assert_eq!(open_in_1.json["totalResults"], 0, "{}", open_in_1.text);
}
