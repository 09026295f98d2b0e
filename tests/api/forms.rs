//! Forms: every question type submitted and read back, conditions, versions, a form on a request
//! type raising a ticket with its answers, dynamic choices from a real HTTP server, the connector's
//! form operations against the schemas it serves, and the definitions it refuses.

use axum::{
    Json, Router,
    http::{Method, StatusCode},
    routing::get,
};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

/// A local server answering DeskDirector's dynamic-field contract.
async fn choices_server() -> String {
    let app = Router::new().route(
        "/devices",
        get(|| async {
            Json(json!({"value": [
                {"identifier": "lt-1", "name": "Laptop 1"},
                {"identifier": "lt-2", "name": "Laptop 2"},
                {"identifier": 7, "name": "Phone"}
            ]}))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/devices", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

/// One question of every type.
fn every_type(choices_url: &str) -> Value {
    json!({
        "name": "Everything",
        "description": "One of each",
        "standalone": true,
        "sections": [{
            "title": "About you",
            "questions": [
                {"identifier": "intro", "type": "heading", "name": "Start here"},
                {"identifier": "note", "type": "statement", "name": "Read **this**"},
                {"identifier": "short", "type": "short_text", "name": "Short", "required": true, "maxLength": 20, "pattern": "[A-Z].*"},
                {"identifier": "long", "type": "long_text", "name": "Long", "minLength": 3},
                {"identifier": "count", "type": "number", "name": "Count", "min": 1, "max": 10},
                {"identifier": "day", "type": "date", "name": "Day"},
                {"identifier": "when", "type": "date_time", "name": "When"},
                {"identifier": "at", "type": "time", "name": "At"},
                {"identifier": "os", "type": "single_choice", "name": "OS", "render": "radio",
                 "choices": [{"identifier": "win", "name": "Windows"}, {"identifier": "mac", "name": "macOS"}]},
                {"identifier": "apps", "type": "multiple_choice", "name": "Apps",
                 "choices": [{"identifier": "word", "name": "Word"}, {"identifier": "excel", "name": "Excel"}]},
                {"identifier": "urgent", "type": "yes_no", "name": "Urgent", "default": false},
                {"identifier": "mood", "type": "rating", "name": "Mood", "maxRating": 10},
                {"identifier": "mail", "type": "email", "name": "Mail"},
                {"identifier": "phone", "type": "phone", "name": "Phone"},
                {"identifier": "site", "type": "url", "name": "Site"},
                {"identifier": "shot", "type": "file", "name": "Screenshot"},
                {"identifier": "colleague", "type": "contact", "name": "Colleague"},
                {"identifier": "company", "type": "company", "name": "Company"},
                {"identifier": "device", "type": "api_single_select", "name": "Device", "choicesUrl": choices_url},
                {"identifier": "devices", "type": "api_multi_select", "name": "Devices", "choicesUrl": choices_url}
            ]
        }]
    })
}

async fn created_form(d: &Desk<'_>, body: Value) -> i64 {
    let r = d.admin(Method::POST, "/forms", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let p = d
        .admin(Method::POST, &format!("/forms/{id}/publish"), None)
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
    id
}

#[tokio::test]
async fn every_question_type_is_submitted_checked_and_read_back() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = desk(&app, "acme").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    let bob = d
        .contact(1, "bob@customer.test", json!({"lastName": "Builder"}))
        .await;
    let eve = d.contact(2, "eve@other.test", json!({})).await;
    let url = choices_server().await;
    let form = created_form(&d, every_type(&url)).await;
    let cookie = d.sign_in("portal", "ann@customer.test").await;

    // The portal reads the published definition and the dynamic choices.
    let def = d
        .portal(&cookie, Method::GET, &format!("/forms/{form}"), None)
        .await;
    assert_eq!(def.status, StatusCode::OK, "{}", def.text);
    assert_eq!(def.json["version"], 1);
    assert!(
        !def.text.contains(&url),
        "the choices URL (it may hold a key) stays with the admins"
    );
    assert_eq!(
        def.json["sections"][0]["questions"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
    let c = d
        .portal(
            &cookie,
            Method::GET,
            &format!("/forms/{form}/questions/device/choices?term=LAPTOP"),
            None,
        )
        .await;
    assert_eq!(c.json["totalResults"], 2, "{}", c.text);
    assert_eq!(
        c.json["results"][1],
        json!({"identifier": "lt-2", "name": "Laptop 2"})
    );

    let upload = crate::attachments::portal_upload(&d, &cookie, "screen.png").await;
    let answers = json!({
        "short": "Hello", "long": "Some paragraphs", "count": 3, "day": "2026-01-24",
        "when": "2026-01-24T13:34", "at": "09:05", "os": "mac", "apps": ["word", "excel"],
        "mood": 8, "mail": "ann@customer.test", "phone": "+64 9 123-4567",
        "site": "https://example.com/a", "shot": [upload], "colleague": bob, "company": 1,
        "device": "7", "devices": ["lt-1", "lt-2"]
    });
    let r = d
        .portal(
            &cookie,
            Method::POST,
            &format!("/forms/{form}/results"),
            Some(json!({"answers": answers})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let a = &r.json["answers"];
    assert_eq!(a["phone"], "+6491234567");
    assert_eq!(
        a["urgent"], false,
        "the default fills an unanswered question"
    );
    assert_eq!(a["apps"], json!(["word", "excel"]));
    assert_eq!(a["shot"], json!([upload]));
    assert_eq!(a["colleague"], bob);
    assert!(a.get("intro").is_none() && a.get("note").is_none());
    let f = &r.json["fields"];
    assert_eq!(f["os"], "macOS");
    assert_eq!(f["apps"], "Word; Excel");
    assert_eq!(f["urgent"], "No");
    assert_eq!(f["mood"], "8 / 10");
    assert_eq!(f["device"], "Phone");
    assert_eq!(f["devices"], "Laptop 1; Laptop 2");
    assert_eq!(f["shot"], "screen.png");
    assert_eq!(f["colleague"], "bob Builder <bob@customer.test>");
    assert_eq!(f["company"], "Customer");
    assert_eq!(r.json["contact"]["id"], ann);
    let result = r.json["id"].as_i64().unwrap();

    // Staff read it back, and its file; the result matches its version's schema.
    let back = d
        .admin(
            Method::GET,
            &format!("/forms/{form}/results/{result}"),
            None,
        )
        .await;
    assert_eq!(back.json["answers"], r.json["answers"]);
    let file = d
        .admin(Method::GET, &format!("/attachments/{upload}"), None)
        .await;
    assert_eq!(
        file.status,
        StatusCode::OK,
        "staff may fetch a result's file"
    );
    let schema = d
        .admin(
            Method::GET,
            &format!("/forms/{form}/versions/1/schema"),
            None,
        )
        .await;
    let validator = jsonschema::validator_for(&schema.json).expect("a JSON Schema");
    assert!(validator.is_valid(&back.json), "{:#}", back.json);
    let list = d
        .admin(
            Method::GET,
            &format!("/forms/{form}/results?contactId={ann}"),
            None,
        )
        .await;
    assert_eq!(list.json["totalResults"], 1);

    // Wrong values are refused, naming the answer; nothing is stored.
    let wrong = [
        ("short", json!("lower case")),
        ("short", json!(5)),
        ("long", json!("ab")),
        ("count", json!(11)),
        ("day", json!("24/01/2026")),
        ("when", json!("2026-01-24")),
        ("at", json!("25:00")),
        ("os", json!("linux")),
        ("apps", json!("word")),
        ("urgent", json!("yes")),
        ("mood", json!(11)),
        ("mail", json!("not-mail")),
        ("phone", json!("12")),
        ("site", json!("javascript:alert(1)")),
        ("shot", json!([upload])),
        ("colleague", json!(eve)),
        ("company", json!(2)),
        ("device", json!("lt-9")),
        ("intro", json!("x")),
        ("nope", json!("x")),
    ];
    for (field, value) in wrong {
        let mut body = json!({"short": "Hello"});
        body[field] = value.clone();
        let r = d
            .portal(
                &cookie,
                Method::POST,
                &format!("/forms/{form}/results"),
                Some(json!({"answers": body})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={value}: {}",
            r.text
        );
        assert_eq!(r.json["field"], format!("answers.{field}"), "{}", r.text);
    }
    let missing = d
        .portal(
            &cookie,
            Method::POST,
            &format!("/forms/{form}/results"),
            Some(json!({"answers": {}})),
        )
        .await;
    assert_eq!(missing.json["field"], "answers.short");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM form_results")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);

    // Another contact cannot read ann's result; another tenant cannot see the form.
    let bob_cookie = d.sign_in("portal", "bob@customer.test").await;
    d.portal(
        &bob_cookie,
        Method::GET,
        &format!("/forms/{form}/results/{result}"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let other = desk(&app, "globex").await;
    other
        .admin(Method::GET, &format!("/forms/{form}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    other
        .admin(
            Method::GET,
            &format!("/forms/{form}/results/{result}"),
            None,
        )
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

fn conditional() -> Value {
    json!({
        "name": "Access request",
        "standalone": true,
        "sections": [
            {"questions": [
                {"identifier": "kind", "type": "single_choice", "name": "What", "required": true,
                 "choices": [{"identifier": "vpn", "name": "VPN"}, {"identifier": "email", "name": "Email"}]},
                {"identifier": "reason", "type": "long_text", "name": "Why VPN", "required": true,
                 "visibleWhen": {"question": "kind", "equals": "vpn"}}
            ]},
            {"title": "Manager", "visibleWhen": {"question": "reason"},
             "questions": [{"identifier": "manager", "type": "email", "name": "Manager", "required": true}]}
        ]
    })
}

#[tokio::test]
async fn conditions_show_hide_and_require_questions() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let form = created_form(&d, conditional()).await;
    let cookie = d.sign_in("portal", "ann@customer.test").await;
    let submit = |answers: Value| {
        let (d, cookie) = (&d, cookie.clone());
        async move {
            d.portal(
                &cookie,
                Method::POST,
                &format!("/forms/{form}/results"),
                Some(json!({"answers": answers})),
            )
            .await
        }
    };
    // Email: the VPN reason and the manager section stay hidden, so not required.
    let r = submit(json!({"kind": "email"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // … and answering them is refused.
    let r = submit(json!({"kind": "email", "reason": "travel"})).await;
    assert_eq!(r.json["field"], "answers.reason", "{}", r.text);
    // VPN: the reason is required, and once given the manager section is too.
    let r = submit(json!({"kind": "vpn"})).await;
    assert_eq!(r.json["field"], "answers.reason", "{}", r.text);
    let r = submit(json!({"kind": "vpn", "reason": "travel"})).await;
    assert_eq!(r.json["field"], "answers.manager", "{}", r.text);
    let r =
        submit(json!({"kind": "vpn", "reason": "travel", "manager": "boss@customer.test"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["fields"]["kind"], "VPN");
}

#[tokio::test]
async fn bad_definitions_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    let one = |q: Value| json!({"name": "F", "sections": [{"questions": [q]}]});
    let cases = [
        (
            one(
                json!({"identifier": "a", "type": "short_text", "name": "A", "visibleWhen": {"question": "b"}}),
            ),
            "sections[0].questions[0].visibleWhen.question",
        ),
        (
            json!({"name": "F", "sections": [{"questions": [
            {"identifier": "a", "type": "short_text", "name": "A", "visibleWhen": {"question": "b"}},
            {"identifier": "b", "type": "short_text", "name": "B", "visibleWhen": {"question": "a"}}]}]}),
            "sections",
        ),
        (
            one(
                json!({"identifier": "a", "type": "api_single_select", "name": "A", "choicesUrl": "https://127.0.0.1/x"}),
            ),
            "sections[0].questions[0].choicesUrl",
        ),
        (
            one(
                json!({"identifier": "a", "type": "api_single_select", "name": "A", "choicesUrl": "ftp://example.com/x"}),
            ),
            "sections[0].questions[0].choicesUrl",
        ),
        (
            one(json!({"identifier": "a", "type": "short_text", "name": "A", "pattern": "("})),
            "sections[0].questions[0].pattern",
        ),
        (
            one(json!({"identifier": "a", "type": "single_choice", "name": "A"})),
            "sections[0].questions[0].choices",
        ),
        (
            one(json!({"identifier": "A b", "type": "short_text", "name": "A"})),
            "sections[0].questions[0].identifier",
        ),
        (
            one(json!({"identifier": "a", "type": "number", "name": "A", "default": "ten"})),
            "sections[0].questions[0].default",
        ),
        (
            one(json!({"identifier": "a", "type": "statement", "name": "A", "required": true})),
            "sections[0].questions[0].required",
        ),
        (
            json!({"name": "F", "sections": [{"questions": [
            {"identifier": "a", "type": "yes_no", "name": "A"},
            {"identifier": "a", "type": "yes_no", "name": "B"}]}]}),
            "sections[0].questions[1].identifier",
        ),
    ];
    for (body, field) in cases {
        let r = d.admin(Method::POST, "/forms", Some(body.clone())).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.text
        );
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM forms")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_request_types_form_goes_into_the_ticket_and_results_keep_their_version() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let form = created_form(&d, conditional()).await;
    // Only a published form can go on a request type.
    let draft = d
        .admin(
            Method::POST,
            "/forms",
            Some(json!({"name": "Draft", "sections": [{"questions": []}]})),
        )
        .await;
    let draft_id = draft.json["id"].as_i64().unwrap();
    let rt = |name: &str, form: i64, placement: &str| json!({"name": name, "defaultQueueId": 1, "defaultPriorityId": 1, "formId": form, "formPlacement": placement});
    let r = d
        .admin(
            Method::POST,
            "/request-types",
            Some(rt("Nope", draft_id, "description")),
        )
        .await;
    assert_eq!(r.json["field"], "formId", "{}", r.text);
    let r = d
        .admin(
            Method::POST,
            "/request-types",
            Some(rt("Access", form, "description")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["form"]["id"], form);
    let in_description = r.json["id"].as_i64().unwrap();
    let r = d
        .admin(
            Method::POST,
            "/request-types",
            Some(rt("Access by note", form, "note")),
        )
        .await;
    let in_note = r.json["id"].as_i64().unwrap();
    // An archived form cannot be archived while a request type carries it.
    d.admin(Method::DELETE, &format!("/forms/{form}"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "Conflict");

    let cookie = d.sign_in("portal", "ann@customer.test").await;
    let raise = |rt: i64, answers: Value| {
        let (d, cookie) = (&d, cookie.clone());
        async move {
            d.portal(
                &cookie,
                Method::POST,
                "/tickets",
                Some(json!({
                    "requestTypeId": rt, "summary": "Need access", "description": "Please.",
                    "formAnswers": answers
                })),
            )
            .await
        }
    };
    // A missing required answer: 422 naming it, and no ticket.
    let r = raise(in_description, json!({"kind": "vpn"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json["field"], "formAnswers.reason");
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(tickets, 0);

    let answers =
        json!({"kind": "vpn", "reason": "Working abroad", "manager": "boss@customer.test"});
    let r = raise(in_description, answers.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let description = r.json["description"].as_str().unwrap();
    assert!(
        description.starts_with("Please.\n\n### Access request"),
        "{description}"
    );
    assert!(
        description.contains("**Why VPN**\n\nWorking abroad"),
        "{description}"
    );
    assert!(description.contains("#### Manager"), "{description}");
    let ticket = r.json["id"].as_i64().unwrap();
    let results = d
        .admin(
            Method::GET,
            &format!("/forms/{form}/results?ticketId={ticket}"),
            None,
        )
        .await;
    assert_eq!(results.json["totalResults"], 1);
    assert_eq!(results.json["results"][0]["version"], 1);

    let r = raise(in_note, answers.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["description"], "Please.");
    let noted = r.json["id"].as_i64().unwrap();
    let notes = d
        .admin(Method::GET, &format!("/tickets/{noted}/notes"), None)
        .await;
    let body = notes.json["results"][0]["note"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", notes.text));
    assert!(body.contains("**What**\n\nVPN"), "{body}");

    // A new version: earlier results keep version 1; new tickets answer version 2.
    let mut v2 = conditional();
    v2["sections"][0]["questions"][0]["choices"]
        .as_array_mut()
        .unwrap()
        .push(json!({"identifier": "wifi", "name": "Wi-Fi"}));
    let r = d
        .admin(Method::PUT, &format!("/forms/{form}"), Some(v2))
        .await;
    assert_eq!(r.json["hasUnpublishedChanges"], true, "{}", r.text);
    assert_eq!(
        raise(in_description, json!({"kind": "wifi"})).await.json["field"],
        "formAnswers.kind"
    );
    let p = d
        .admin(Method::POST, &format!("/forms/{form}/publish"), None)
        .await;
    assert_eq!(p.json["publishedVersion"], 2);
    let again = d
        .admin(Method::POST, &format!("/forms/{form}/publish"), None)
        .await;
    assert_eq!(
        again.status,
        StatusCode::OK,
        "publishing the same draft makes no version"
    );
    let r = raise(in_description, json!({"kind": "wifi"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let all = d
        .admin(Method::GET, &format!("/forms/{form}/results"), None)
        .await;
    let versions: Vec<i64> = all.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![2, 1, 1]);
    let v1 = d
        .admin(Method::GET, &format!("/forms/{form}/versions/1"), None)
        .await;
    assert_eq!(
        v1.json["sections"][0]["questions"][0]["choices"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Answers for a type without a form, or on replace, are refused.
    let r = raise(1, json!({"kind": "vpn"})).await;
    assert_eq!(r.json["field"], "formAnswers", "{}", r.text);
}

#[tokio::test]
async fn the_connectors_form_operations_answer_as_their_schemas_say() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let form = created_form(&d, conditional()).await;
    let (receiver, url) = crate::webhooks::Receiver::start().await;
    // A ticket flow on `form.submitted`.
    let connector = |method: Method, path: String, body: Option<Value>| {
        let mut call = app
            .call(
                method,
                &d.t.host,
                &format!("/api/v2/automate/connector{path}"),
            )
            .auth(&format!("DdApi {}", d.key));
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send()
    };
    let sub = connector(
        Method::POST,
        "/ticket-workflows?type=form.submitted".into(),
        Some(json!({"description": "forms", "advancedFilters": {}, "url": url})),
    )
    .await;
    assert!(sub.status.is_success(), "{}", sub.text);

    let cookie = d.sign_in("portal", "ann@customer.test").await;
    let r = d
        .portal(
            &cookie,
            Method::POST,
            &format!("/forms/{form}/results"),
            Some(json!({"answers": {"kind": "email"}})),
        )
        .await;
    let result = r.json["id"].as_i64().unwrap();

    let list = connector(Method::GET, "/forms".into(), None).await;
    assert_eq!(
        list.json,
        json!({"results": [{"id": form, "name": "Access request"}], "totalResults": 1})
    );
    let choices = connector(
        Method::GET,
        format!("/forms/{form}/fields/kind/choices"),
        None,
    )
    .await;
    assert_eq!(
        choices.json["results"][0],
        json!({"id": "vpn", "name": "VPN"})
    );
    for (data, schema) in [
        (
            format!("/forms/{form}/results/{result}"),
            format!("/schema/form/{form}/$result-response"),
        ),
        (
            format!("/v2/forms/{form}/results/{result}"),
            format!("/schema/v2/form/{form}/$result-response"),
        ),
    ] {
        let data = connector(Method::GET, data, None).await;
        assert_eq!(data.status, StatusCode::OK, "{}", data.text);
        let schema = connector(Method::GET, schema, None).await;
        let validator = jsonschema::validator_for(&schema.json).expect("a JSON Schema");
        let errors: Vec<String> = validator
            .iter_errors(&data.json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{:#}", data.json);
    }
    let v1 = connector(Method::GET, format!("/forms/{form}/results/{result}"), None).await;
    assert_eq!(v1.json["fields"], json!({"kind": "Email"}));
    let v2 = connector(
        Method::GET,
        format!("/v2/forms/{form}/results/{result}"),
        None,
    )
    .await;
    assert_eq!(v2.json["answers"], json!({"kind": "email"}));

    // The flow is told.
    deskd::service::webhooks::deliver_due(&app.state)
        .await
        .unwrap();
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_eq!(body["eventType"], "form.submitted");
    assert_eq!(body["formResult"]["id"], result);
    assert_eq!(body["ticketId"], Value::Null);
}

#[tokio::test]
async fn more_portal_tickets_at_once_than_the_pool_has_connections_all_succeed() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let form = created_form(&d, conditional()).await;
    let r = d
        .admin(
            Method::POST,
            "/request-types",
            Some(json!({"name": "Access", "defaultQueueId": 1, "defaultPriorityId": 1, "formId": form})),
        )
        .await;
    let with_form = r.json["id"].as_i64().unwrap();
    let cookie = d.sign_in("portal", "ann@customer.test").await;
    // The test pool holds 8 connections; each creation must never wait on a second one.
    let raised = futures_util::future::join_all((0..32).map(|n| {
        let (d, cookie) = (&d, cookie.clone());
        let body = if n % 2 == 0 {
            json!({"requestTypeId": 1, "summary": format!("Plain {n}")})
        } else {
            json!({"requestTypeId": with_form, "summary": format!("Form {n}"), "formAnswers": {"kind": "email"}})
        };
        async move { d.portal(&cookie, Method::POST, "/tickets", Some(body)).await }
    }))
    .await;
    for r in &raised {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let results: i64 = sqlx::query_scalar("SELECT count(*) FROM form_results")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(results, 16);
}
