//! The Desk365 façade (`/apis/v3/…`, the tenant's key sent bare): the seed's filter example, its
//! sample's fields and numbers, offset pagination, create/update with `cf_` fields, replies and
//! notes with files, surveys, contacts and companies, its error bodies, and tenant isolation.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    surveys::{CLOSED, survey},
    tickets::{Desk, desk},
};

/// A call to the façade with the key sent bare, as Desk365 integrations send it.
async fn d365(
    d: &Desk<'_>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> crate::support::TestResponse {
    let mut call = d
        .app
        .call(method, &d.t.host, &format!("/apis/v3{path}"))
        .auth(&d.key);
    if let Some(body) = body {
        call = call.json(body);
    }
    call.send().await
}

fn is_desk365_date(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 19 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b' ' && s.as_bytes()[13] == b':'
}

/// Desk365's error body: `{status, error, message}` and nothing of deskd's envelope.
fn assert_desk365_error(r: &crate::support::TestResponse, status: StatusCode) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.json["status"], status.as_u16(), "{}", r.text);
    assert!(r.json["error"].is_string(), "{}", r.text);
    assert!(r.json["message"].is_string(), "{}", r.text);
    assert!(r.json.get("errorCode").is_none(), "{}", r.text);
}

async fn setup(app: &TestApp) -> Desk<'_> {
    let d = desk(app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(2, "bob@other.test", json!({})).await;
    for name in ["Hardware", "Printer"] {
        let r = d
            .admin(Method::POST, "/categories", Some(json!({"name": name})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = d
        .admin(
            Method::POST,
            "/custom-fields",
            Some(json!({"key": "department", "label": "Department", "type": "text"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    d
}

#[tokio::test]
async fn desk365_lists_filters_and_pages_tickets_in_its_own_shape() {
    let app = TestApp::new().await;
    let d = setup(&app).await;
    let admin_email = d.t.admin_email.clone();
    let r = d365(
        &d,
        Method::POST,
        "/tickets/create",
        Some(json!({
            "email": "ann@customer.test", "subject": "Printer not working",
            "description": "<div>Please fix it</div>", "priority": 10, "type": "General request",
            "group": "Support", "category": "Hardware", "sub_category": "Printer",
            "assign_to": admin_email, "custom_fields": {"cf_department": "Sales"}
        })),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.json["ticket_number"].as_i64().unwrap();
    assert_eq!(r.json["priority"], 10);
    assert_eq!(r.json["custom_fields"]["cf_department"], "Sales");
    assert_eq!(r.json["assigned_to"], admin_email.as_str());
    assert_eq!(r.json["category"], "Hardware");
    assert_eq!(r.json["sub_category"], "Printer");
    assert_eq!(r.json["description_text"], "Please fix it");
    let r = d365(
        &d,
        Method::POST,
        "/tickets/create",
        Some(json!({"email": "bob@other.test", "subject": "Mouse", "priority": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bob = r.json["ticket_number"].as_i64().unwrap();

    // The sample response's fields, with its types and date format; nulls included.
    let r = d365(&d, Method::GET, "/tickets", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["count"], 2);
    let tickets = r.json["tickets"].as_array().unwrap();
    assert_eq!(tickets[0]["ticket_number"], bob, "newest first");
    let t = &tickets[1];
    for field in [
        "ticket_number",
        "contact_email",
        "subject",
        "status",
        "priority",
        "type",
        "source",
        "assigned_to",
        "group",
        "category",
        "sub_category",
        "created_on",
        "updated_on",
        "resolved_on",
        "closed_on",
        "due_date",
        "first_response_time",
        "first_assigned_time",
        "first_assigned_duration",
        "resolved_duration",
        "first_replied_duration",
        "closed_duration",
        "sla",
    ] {
        assert!(t.get(field).is_some(), "{field} missing from {t}");
    }
    assert!(t.get("description").is_none() && t.get("custom_fields").is_none());
    assert_eq!(t["contact_email"], "ann@customer.test");
    assert_eq!(t["status"], "new");
    assert_eq!(t["type"], "General request");
    assert_eq!(t["group"], "Support");
    assert!(t["source"].is_null() && t["resolved_on"].is_null());
    assert!(is_desk365_date(&t["created_on"]) && is_desk365_date(&t["first_assigned_time"]));
    assert_eq!(t["first_assigned_duration"], 0);

    // The seed's own filter example, escaped quotes and all: names nothing here has, so nothing.
    let example = r#"{"status": ["Open", "Pending"], "priority": ["1", "10"], "type": ["Printer 'Out of Ink' Complaint", "Customer's Request"], "group": ["\"Sales\" Department", "\"Marketing\" Department"], "assigned_to": ["user1@example.com", "user2@example.com"], "category": ["Hardware", "Software"], "subcategory": ["Printer", "Laptop"], "source": ["1", "6"], "contact": ["customer1@example.com", "customer2@example.com"]}"#;
    let query = serde_urlencoded::to_string([("filters", example)]).unwrap();
    let r = d365(&d, Method::GET, &format!("/tickets?{query}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json, json!({"count": 0, "tickets": []}));

    // Each filter alone, by the names and numbers Desk365 uses.
    let found = |filters: Value| {
        let query = serde_urlencoded::to_string([("filters", filters.to_string())]).unwrap();
        let d = &d;
        async move {
            let r = d365(d, Method::GET, &format!("/tickets?{query}"), None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["ticket_number"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found(json!({"priority": ["10"]})).await, [first]);
    assert_eq!(found(json!({"priority": ["1", "10"]})).await, [bob, first]);
    assert_eq!(found(json!({"contact": ["BOB@other.test"]})).await, [bob]);
    assert_eq!(found(json!({"assigned_to": ["--"]})).await, [bob]);
    assert_eq!(found(json!({"assigned_to": [admin_email]})).await, [first]);
    assert_eq!(found(json!({"category": ["hardware"]})).await, [first]);
    assert_eq!(found(json!({"subcategory": ["Printer"]})).await, [first]);
    assert_eq!(
        found(json!({"status": ["New"], "group": ["Support"]})).await,
        [bob, first]
    );
    assert_eq!(found(json!({"type": ["General request"]})).await, [first]);
    assert_eq!(found(json!({"source": ["6"]})).await, Vec::<i64>::new());
    assert_eq!(
        found(json!({"contact": ["nobody@x.test"]})).await,
        Vec::<i64>::new()
    );

    // A first assignment is kept when the assignee is taken off again.
    let details = |id: i64| {
        let d = &d;
        async move {
            let path = format!("/tickets/details?ticket_number={id}");
            d365(d, Method::GET, &path, None).await.json
        }
    };
    assert!(details(bob).await["first_assigned_time"].is_null());
    for members in [json!([1]), json!([])] {
        let r = d
            .admin(
                Method::PATCH,
                &format!("/tickets/{bob}"),
                Some(json!({"assignedMemberIds": members})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let t = details(bob).await;
        assert!(is_desk365_date(&t["first_assigned_time"]), "{t}");
        assert_eq!(
            t["assigned_to"],
            if members == json!([1]) {
                json!(admin_email)
            } else {
                Value::Null
            }
        );
    }

    // Custom fields and survey details nested, or at the top level with nested_fields=1.
    let r = d365(
        &d,
        Method::GET,
        &format!("/tickets/details?ticket_number={first}"),
        None,
    )
    .await;
    assert_eq!(
        r.json["custom_fields"]["cf_department"], "Sales",
        "{}",
        r.text
    );
    let r = d365(&d, Method::GET, "/tickets?include_custom_fields=1&nested_fields=1&include_survey_details=1&include_description=1&order_type=asc", None).await;
    let t = &r.json["tickets"][0];
    assert_eq!(t["cf_department"], "Sales", "{t}");
    assert!(t.get("custom_fields").is_none() && t["description"].is_string());
    let r = d365(&d, Method::GET, "/tickets?include_survey_details=1", None).await;
    assert!(r.json["tickets"][0]["survey_rating"].is_null());

    // Update: cf_ fields, status by name, priority by number; other fields stay.
    let r = d365(
        &d,
        Method::PUT,
        &format!("/tickets/update?ticket_number={first}"),
        Some(json!({"status": "Closed", "priority": 20, "custom_fields": {"cf_department": "IT"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["status"], "closed");
    assert_eq!(r.json["priority"], 20);
    assert_eq!(r.json["custom_fields"]["cf_department"], "IT");
    assert_eq!(r.json["category"], "Hardware");
    assert!(is_desk365_date(&r.json["closed_on"]) && is_desk365_date(&r.json["resolved_on"]));
    assert!(r.json["closed_duration"].is_i64());

    // Bad input: Desk365's error body, and nothing changes.
    for (path, body) in [
        (
            "/tickets/update?ticket_number=1",
            json!({"custom_fields": {"department": "HR"}}),
        ),
        ("/tickets/update?ticket_number=1", json!({"priority": 3})),
        ("/tickets/update?ticket_number=1", json!({"status": "Nope"})),
        ("/tickets/update?ticket_number=1", json!({"mystery": 1})),
    ] {
        let r = d365(&d, Method::PUT, path, Some(body)).await;
        assert_desk365_error(&r, StatusCode::BAD_REQUEST);
    }
    let r = d365(
        &d,
        Method::GET,
        &format!("/tickets/details?ticket_number={first}"),
        None,
    )
    .await;
    assert_eq!(r.json["custom_fields"]["cf_department"], "IT");
    for query in [
        "ticket_count=25",
        "offset=-1",
        "order_by=colour",
        "filters=%7Bnot-json",
        "filters=%7B%22planet%22%3A%5B%22x%22%5D%7D",
        "updated_since=yesterday",
    ] {
        let r = d365(&d, Method::GET, &format!("/tickets?{query}"), None).await;
        assert_desk365_error(&r, StatusCode::BAD_REQUEST);
    }
    let r = d365(
        &d,
        Method::POST,
        "/tickets/create",
        Some(json!({"subject": "x"})),
    )
    .await;
    assert_desk365_error(&r, StatusCode::BAD_REQUEST);

    // Offset pagination to the end, 30 a call.
    for i in 0..30 {
        let r = d365(
            &d,
            Method::POST,
            "/tickets/create",
            Some(json!({"email": "ann@customer.test", "subject": format!("Bulk {i}")})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let mut seen = vec![];
    let mut offset = 0;
    loop {
        let r = d365(&d, Method::GET, &format!("/tickets?offset={offset}"), None).await;
        assert_eq!(r.json["count"], 32);
        let page = r.json["tickets"].as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 30);
        offset += page.len();
        seen.extend(
            page.into_iter()
                .map(|t| t["ticket_number"].as_i64().unwrap()),
        );
    }
    assert_eq!(seen.len(), 32);
    let r = d365(
        &d,
        Method::GET,
        "/tickets?ticket_count=100&updated_since=2000-01-01",
        None,
    )
    .await;
    assert_eq!(r.json["tickets"].as_array().unwrap().len(), 32);
}

#[tokio::test]
async fn desk365_keys_are_bare_tenant_keys_and_its_errors_are_its_own() {
    let app = TestApp::new().await;
    let d = setup(&app).await;
    let other = desk(&app, "globex").await;
    let r = d365(
        &d,
        Method::POST,
        "/tickets/create",
        Some(json!({"email": "ann@customer.test", "subject": "Mine"})),
    )
    .await;
    let mine = r.json["ticket_number"].as_i64().unwrap();

    let r = app.get(&d.t.host, "/apis/v3/ping").send().await;
    assert_desk365_error(&r, StatusCode::UNAUTHORIZED);
    let r = d365(&d, Method::GET, "/ping", None).await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::OK, "pong"));
    // Another tenant's key is no key here; another tenant's ticket does not exist.
    let r = app
        .get(&d.t.host, "/apis/v3/tickets")
        .auth(&other.key)
        .send()
        .await;
    assert_desk365_error(&r, StatusCode::UNAUTHORIZED);
    let r = d365(
        &other,
        Method::GET,
        &format!("/tickets/details?ticket_number={mine}"),
        None,
    )
    .await;
    assert_desk365_error(&r, StatusCode::NOT_FOUND);
    let r = d365(&other, Method::GET, "/tickets", None).await;
    assert_eq!(r.json["count"], 0);
    // A bare key works on these paths only.
    let r = app
        .get(&d.t.host, "/api/v3/admin/members")
        .auth(&d.key)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.json["errorCode"].is_string());
    // A read-only key reads but does not write.
    let read = app.api_key(&d.t, "read").await;
    let r = app
        .get(&d.t.host, "/apis/v3/tickets")
        .auth(&read)
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post(&d.t.host, "/apis/v3/tickets/create")
        .auth(&read)
        .json(json!({"email": "ann@customer.test", "subject": "x"}))
        .send()
        .await;
    assert_desk365_error(&r, StatusCode::FORBIDDEN);
    // Unknown routes, wrong methods and bodies in Desk365's shape.
    let r = d365(&d, Method::GET, "/nothing-here", None).await;
    assert_desk365_error(&r, StatusCode::NOT_FOUND);
    let r = d365(&d, Method::DELETE, "/tickets", None).await;
    assert_desk365_error(&r, StatusCode::METHOD_NOT_ALLOWED);
    let r = app
        .post(&d.t.host, "/apis/v3/tickets/create")
        .auth(&d.key)
        .raw_body("text/plain", "hi")
        .send()
        .await;
    assert_desk365_error(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = app
        .post(&d.t.host, "/apis/v3/tickets/create")
        .auth(&d.key)
        .raw_body("application/json", "{oops")
        .send()
        .await;
    assert_desk365_error(&r, StatusCode::BAD_REQUEST);
    let r = d365(&d, Method::GET, "/tickets/details", None).await;
    assert_desk365_error(&r, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn desk365_replies_notes_files_contacts_companies_and_surveys() {
    let app = TestApp::new().await;
    let d = setup(&app).await;
    // A ticket with a file, from a multipart `ticket_object`.
    let object = json!({"email": "ann@customer.test", "subject": "Screen flickers"}).to_string();
    let r = app
        .post(&d.t.host, "/apis/v3/tickets/create_with_attachment")
        .auth(&d.key)
        .multipart(&[
            ("ticket_object", None, object.as_bytes()),
            ("files", Some("shot.html"), b"<p>shot</p>"),
        ])
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = r.json["ticket_number"].as_i64().unwrap();
    let r = d.admin(Method::GET, &format!("/tickets/{t}"), None).await;
    assert_eq!(
        r.json["attachments"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );

    // A reply from an agent (not a master admin: the key is none), a reply with a file, a private
    // note and a public one.
    let r = d
        .admin(
            Method::POST,
            "/members",
            Some(json!({"email": "tom@acme.test", "firstName": "Tom", "lastName": "Tech", "role": "tech", "password": crate::support::PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let admin_email = d.t.admin_email.clone();
    let r = d365(
        &d,
        Method::POST,
        &format!("/tickets/add_reply?ticket_number={t}"),
        Some(json!({"body": "As the boss", "agent_email": admin_email})),
    )
    .await;
    assert_desk365_error(&r, StatusCode::FORBIDDEN);
    let r = d365(
        &d,
        Method::POST,
        &format!("/tickets/add_reply?ticket_number={t}"),
        Some(json!({"body": "Try a new cable", "agent_email": "tom@acme.test"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["type"], "reply");
    assert_eq!(r.json["from_name"], "Tom Tech");
    let reply = json!({"body": "Here is the guide"}).to_string();
    let r = app
        .post(
            &d.t.host,
            &format!("/apis/v3/tickets/add_reply_with_attachment?ticket_number={t}"),
        )
        .auth(&d.key)
        .multipart(&[
            ("reply_object", None, reply.as_bytes()),
            ("files", Some("guide.html"), b"<p>guide</p>"),
        ])
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let url = r.json["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let file = app.get(&d.t.host, &url).auth(&d.key).send().await;
    assert_eq!(
        (file.status, file.text.as_str()),
        (StatusCode::OK, "<p>guide</p>")
    );
    let r = d365(
        &d,
        Method::POST,
        &format!("/tickets/add_note?ticket_number={t}"),
        Some(json!({"body": "Cable is fine"})),
    )
    .await;
    assert_eq!(r.json["type"], "private_note");
    let r = d365(
        &d,
        Method::POST,
        &format!("/tickets/add_note?ticket_number={t}"),
        Some(json!({"body": "FYI", "private_note": 0})),
    )
    .await;
    assert_eq!(r.json["private"], false);
    let r = d365(
        &d,
        Method::POST,
        &format!("/tickets/add_reply?ticket_number={t}"),
        Some(json!({"body": "x", "agent_email": "ghost@x.test"})),
    )
    .await;
    assert_desk365_error(&r, StatusCode::BAD_REQUEST);
    let r = d365(
        &d,
        Method::POST,
        "/tickets/add_reply?ticket_number=999999",
        Some(json!({"body": "x"})),
    )
    .await;
    assert_desk365_error(&r, StatusCode::NOT_FOUND);
    let r = d365(
        &d,
        Method::GET,
        &format!("/tickets/conversations?ticket_number={t}"),
        None,
    )
    .await;
    let kinds: Vec<&str> = r.json["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["reply", "reply", "private_note", "reply"],
        "{}",
        r.text
    );
    let r = d365(
        &d,
        Method::GET,
        &format!(
            "/tickets/conversations?ticket_number={t}&include_private_notes=0&sort_by=latest_on_top"
        ),
        None,
    )
    .await;
    let bodies: Vec<&str> = r.json["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body_text"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["FYI", "Here is the guide", "Try a new cable"]);

    // Contacts and companies.
    let r = d365(&d, Method::GET, "/contacts", None).await;
    assert_eq!(r.json["count"], 2, "{}", r.text);
    let r = d365(&d, Method::GET, "/contacts?company=Customer", None).await;
    assert_eq!(
        r.json["contacts"][0]["email"], "ann@customer.test",
        "{}",
        r.text
    );
    assert_eq!(r.json["count"], 1);
    let r = d365(
        &d,
        Method::GET,
        "/contacts/details?primary_email=Bob@Other.test",
        None,
    )
    .await;
    assert_eq!(r.json["company_name"], "Other customer", "{}", r.text);
    let r = d365(
        &d,
        Method::GET,
        "/contacts/details?primary_email=nobody@x.test",
        None,
    )
    .await;
    assert_desk365_error(&r, StatusCode::NOT_FOUND);
    let r = d365(&d, Method::GET, "/companies", None).await;
    assert_eq!(r.json["count"], 2);
    let r = d365(
        &d,
        Method::GET,
        "/companies/details?company_name=customer",
        None,
    )
    .await;
    assert_eq!(r.json["name"], "Customer", "{}", r.text);

    // Surveys: the definitions with Desk365's constants, one by name, and the ratings given.
    survey(
        &d,
        json!({"name": "Stars", "question": "How did we do?", "kind": "five_star"}),
    )
    .await;
    survey(
        &d,
        json!({"name": "Happy?", "question": "Happy?", "kind": "csat", "position": 5}),
    )
    .await;
    let r = d
        .admin(
            Method::PATCH,
            &format!("/tickets/{t}"),
            Some(json!({"statusId": CLOSED})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/surveys/answers",
            Some(json!({"ticketId": t, "rating": 4, "comment": "Good"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = d365(&d, Method::GET, "/surveys", None).await;
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 2, "{}", r.text);
    assert_eq!(
        (
            list[0]["survey_type"].as_i64(),
            list[1]["survey_type"].as_i64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(list[1]["cs_neutral_type"], 2);
    assert_eq!(list[1]["cs_rating_order"], 2);
    assert_eq!(list[0]["notify_type"], 8);
    let r = d365(
        &d,
        Method::GET,
        "/surveys/details?survey_name=happy%3F",
        None,
    )
    .await;
    assert_eq!(r.json["survey_name"], "Happy?", "{}", r.text);
    let r = d365(&d, Method::GET, "/surveys/details?survey_name=Gone", None).await;
    assert_desk365_error(&r, StatusCode::NOT_FOUND);
    let r = d365(&d, Method::GET, "/surveys/details", None).await;
    assert_desk365_error(&r, StatusCode::BAD_REQUEST);
    let r = d365(&d, Method::GET, "/surveys/ratings", None).await;
    assert_eq!(r.json["count"], 1, "{}", r.text);
    let rating = &r.json["ratings"][0];
    assert_eq!(
        (
            rating["ticket_number"].as_i64(),
            rating["sv_rating"].as_i64()
        ),
        (Some(t), Some(4))
    );
    assert_eq!(rating["sv_type"], 2);
    assert_eq!(rating["sv_additional_comments_response"], "Good");
    let r = d365(
        &d,
        Method::GET,
        &format!("/tickets/details?ticket_number={t}&include_survey_details=1"),
        None,
    )
    .await;
    assert_eq!(r.json["survey_rating"]["sv_name"], "Stars", "{}", r.text);
    assert_eq!(r.json["survey_rating"]["sv_answered"], true);
    assert!(is_desk365_date(&r.json["survey_rating"]["sv_rated_on"]));
}

#[tokio::test]
async fn desk365_rate_limits_answer_in_its_shape() {
    let app = TestApp::with_config(|c| {
        c.rate_limits.per_key = 3;
        c.rate_limits.window_secs = 3600;
    })
    .await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read").await;
    let mut last = None;
    for _ in 0..4 {
        last = Some(app.get(&t.host, "/apis/v3/ping").auth(&key).send().await);
    }
    let r = last.unwrap();
    assert_desk365_error(&r, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(r.headers["x-ratelimit-limit"], "3");
}

#[tokio::test]
async fn desk365_numbers_follow_a_priority_reordered_on_another_instance() {
    let app = TestApp::new().await;
    let d = setup(&app).await;
    let r = d365(
        &d,
        Method::POST,
        "/tickets/create",
        Some(json!({"email": "bob@other.test", "subject": "Mouse", "priority": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let path = format!(
        "/apis/v3/tickets/details?ticket_number={}",
        r.json["ticket_number"]
    );
    // A second instance answers (and caches the tenant's priorities).
    let second = app.sibling(|_| {}).await;
    let priority_on_second = || async {
        let r = second
            .call(Method::GET, &d.t.host, &path)
            .auth(&d.key)
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json["priority"].clone()
    };
    assert_eq!(priority_on_second().await, 1);
    // The lowest priority (Low) moves last on the first instance: the ticket is now numbered 20
    // on the second, within a second.
    let r = d
        .admin(Method::PATCH, "/priorities/1", Some(json!({"order": 99})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let started = std::time::Instant::now();
    while priority_on_second().await != 20 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "the second instance kept its cached priorities"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
