//! Satisfaction surveys: sent once when a ticket first closes (by real mail), answered through the
//! signed link and in the portal, refused for other contacts, other tenants and after the window.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    email::{Smtp, mail_app, send_mail, use_smtp},
    support::TestApp,
    tickets::{Desk, desk},
};

/// Closed status of the default configuration.
pub const CLOSED: i64 = 7;
const IN_PROGRESS: i64 = 2;

pub async fn survey(d: &Desk<'_>, body: Value) -> Value {
    let r = d.admin(Method::POST, "/surveys", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json
}

pub async fn ticket(d: &Desk<'_>, contact: i64, queue: i64) -> i64 {
    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "VPN drops", "contactId": contact, "queueId": queue})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

pub async fn set_status(d: &Desk<'_>, ticket: i64, status: i64) {
    let r = d
        .admin(
            Method::PATCH,
            &format!("/tickets/{ticket}"),
            Some(json!({"statusId": status})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A new queue, and its "Closed" status.
pub async fn queue(d: &Desk<'_>, name: &str) -> (i64, i64) {
    let r = d
        .admin(
            Method::POST,
            "/queues",
            Some(json!({"name": name, "description": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let closed = r.json["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Closed")
        .map(|s| s["id"].as_i64().unwrap())
        .unwrap();
    (r.json["id"].as_i64().unwrap(), closed)
}

async fn link(
    app: &TestApp,
    host: &str,
    method: Method,
    token: &str,
    body: Option<Value>,
) -> crate::support::TestResponse {
    let mut call = app.call(method, host, &format!("/api/v2/public/surveys/{token}"));
    if let Some(body) = body {
        call = call.json(body);
    }
    call.send().await
}

/// The token of the survey link in a mail's text.
fn token_in(text: &str) -> String {
    let at = text.find("/portal/survey?token=").expect("a survey link") + 21;
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[tokio::test]
async fn a_closing_ticket_is_sent_one_survey_answered_by_link_and_in_the_portal() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    let bob = d.contact(1, "bob@customer.test", json!({})).await;
    survey(
        &d,
        json!({"name": "After closing", "question": "How did we do?", "kind": "five_star"}),
    )
    .await;
    let t = ticket(&d, ann, 1).await;
    set_status(&d, t, CLOSED).await;
    send_mail(&app).await;
    let surveys: Vec<_> = smtp
        .to("ann@customer.test")
        .into_iter()
        .filter(|m| m.subject.contains("How did we do?"))
        .collect();
    assert_eq!(surveys.len(), 1, "one survey mail");
    let token = token_in(&surveys[0].text);

    // Reopened and closed again: no second survey.
    set_status(&d, t, IN_PROGRESS).await;
    set_status(&d, t, CLOSED).await;
    send_mail(&app).await;
    let again = smtp
        .to("ann@customer.test")
        .into_iter()
        .filter(|m| m.subject.contains("How did we do?"))
        .count();
    assert_eq!(again, 1, "at most one survey per ticket");

    // The link shows the question; a rating off the scale is a 422 and changes nothing.
    let host = d.t.host.clone();
    let r = link(&app, &host, Method::GET, &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["question"], "How did we do?");
    assert_eq!(r.json["kind"], "five_star");
    assert!(r.json["rating"].is_null());
    let r = link(
        &app,
        &host,
        Method::POST,
        &token,
        Some(json!({"rating": 6})),
    )
    .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "rating");
    let r = link(
        &app,
        &host,
        Method::POST,
        &token,
        Some(json!({"rating": 4, "comment": "Quick fix"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["rating"], 4);
    let shown = d.admin(Method::GET, &format!("/tickets/{t}"), None).await;
    assert_eq!(
        shown.json["survey"]["rating"], 4,
        "{}",
        shown.json["survey"]
    );
    assert_eq!(shown.json["survey"]["score"], 75);
    assert_eq!(shown.json["survey"]["comment"], "Quick fix");

    // In the portal, ann changes her answer; bob cannot answer ann's survey.
    let ann_session = d.sign_in("portal", "ann@customer.test").await;
    let mine = d.portal(&ann_session, Method::GET, "/surveys", None).await;
    assert_eq!(mine.json["totalResults"], 1, "{}", mine.text);
    let r = d
        .portal(
            &ann_session,
            Method::POST,
            "/surveys/answers",
            Some(json!({"ticketId": t, "rating": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["rating"], 5);
    assert_eq!(r.json["isSatisfied"], true);
    let bob_session = d.sign_in("portal", "bob@customer.test").await;
    let r = d
        .portal(
            &bob_session,
            Method::POST,
            "/surveys/answers",
            Some(json!({"ticketId": t, "rating": 1})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "ticketId");
    assert_eq!(bob, 2);

    // Another tenant: the link is unknown there, and its contacts cannot name this ticket.
    let other = desk(&app, "other").await;
    other.contact(1, "eve@other.test", json!({})).await;
    let r = link(&app, &other.t.host, Method::GET, &token, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let eve = other.sign_in("portal", "eve@other.test").await;
    let r = other
        .portal(
            &eve,
            Method::POST,
            "/surveys/answers",
            Some(json!({"ticketId": t, "rating": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = link(&app, &host, Method::GET, "forged-token", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Staff list the responses with filters; `survey.responded` is in the change feed.
    let r = d
        .admin(
            Method::GET,
            "/survey-responses?rating=5&answered=true",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["totalResults"], 1);
    assert_eq!(r.json["results"][0]["ticketId"], t);
    assert_eq!(r.json["results"][0]["contactId"], ann);
    let none = d
        .admin(Method::GET, "/survey-responses?rating=1", None)
        .await;
    assert_eq!(none.json["totalResults"], 0);
    let public = app
        .call(
            Method::GET,
            &host,
            "/api/v2/public/survey-responses?companyId=1",
        )
        .auth(&format!("DdApi {}", d.key))
        .send()
        .await;
    assert_eq!(public.json["totalResults"], 1, "{}", public.text);
    let feed = d.admin(Method::GET, "/events?limit=500", None).await;
    let kinds: Vec<&str> = feed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "survey.sent").count(), 1);
    assert_eq!(
        kinds.iter().filter(|k| **k == "survey.responded").count(),
        2
    );

    // After the window the link and the portal answer 410, and the answer stays.
    sqlx::query("UPDATE survey_responses SET answer_until = now() - interval '1 second'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let r = link(&app, &host, Method::GET, &token, None).await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    let r = link(
        &app,
        &host,
        Method::POST,
        &token,
        Some(json!({"rating": 1})),
    )
    .await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.text);
    let shown = d.admin(Method::GET, &format!("/tickets/{t}"), None).await;
    assert_eq!(shown.json["survey"]["rating"], 5);
}

#[tokio::test]
async fn surveys_match_queues_and_bad_definitions_are_422s() {
    let app = TestApp::new().await;
    let d = desk(&app, "defs").await;
    for (body, field) in [
        (json!({"name": " ", "question": "Q", "kind": "nps"}), "name"),
        (
            json!({"name": "S", "question": "", "kind": "nps"}),
            "question",
        ),
        (
            json!({"name": "S", "question": "Q", "kind": "nps", "queueIds": [99]}),
            "queueIds",
        ),
        (
            json!({"name": "S", "question": "Q", "kind": "csat", "position": -1}),
            "position",
        ),
    ] {
        let r = d.admin(Method::POST, "/surveys", Some(body)).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    let r = d
        .admin(
            Method::POST,
            "/surveys",
            Some(json!({"name": "S", "question": "Q", "kind": "stars"})),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    assert_eq!(
        d.admin(Method::GET, "/surveys", None).await.json["totalResults"],
        0
    );

    // Only the Projects queue's tickets are surveyed, on an NPS scale.
    let (projects, projects_closed) = queue(&d, "Projects").await;
    let s = survey(
        &d,
        json!({"name": "Projects", "question": "Would you recommend us?", "kind": "nps", "queueIds": [projects]}),
    )
    .await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    let in_queue_1 = ticket(&d, ann, 1).await;
    let in_queue_2 = ticket(&d, ann, projects).await;
    set_status(&d, in_queue_1, CLOSED).await;
    set_status(&d, in_queue_2, projects_closed).await;
    let r = d.admin(Method::GET, "/survey-responses", None).await;
    assert_eq!(r.json["totalResults"], 1, "{}", r.text);
    assert_eq!(r.json["results"][0]["ticketId"], in_queue_2);
    assert_eq!(r.json["results"][0]["kind"], "nps");
    let session = d.sign_in("portal", "ann@customer.test").await;
    let answer = |rating: i64| json!({"ticketId": in_queue_2, "rating": rating});
    let r = d
        .portal(&session, Method::POST, "/surveys/answers", Some(answer(11)))
        .await;
    assert_eq!(r.json["field"], "rating", "{}", r.text);
    let r = d
        .portal(&session, Method::POST, "/surveys/answers", Some(answer(9)))
        .await;
    assert_eq!(r.json["score"], 90, "{}", r.text);
    assert_eq!(r.json["isSatisfied"], true);
    let r = d
        .portal(
            &session,
            Method::POST,
            "/surveys/answers",
            Some(json!({"ticketId": in_queue_1, "rating": 9})),
        )
        .await;
    assert_eq!(r.json["field"], "ticketId", "{}", r.text);

    // The connector offers survey answers as a ticket trigger, and tickets' SLA and survey fields.
    let connector = |path: &str| {
        app.call(
            Method::GET,
            &d.t.host,
            &format!("/api/v2/automate/connector{path}"),
        )
        .auth(&format!("DdApi {}", d.key))
        .send()
    };
    let r = connector("/schema/ticket-workflow-webhook/$request?type=survey.responded").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.json["properties"]["ticket"].is_object(), "{}", r.text);
    let r = connector("/schema/dynamic-types/TicketDetails").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("\"sla\"") && r.text.contains("\"survey\""),
        "{}",
        r.text
    );

    // A deleted survey leaves what was answered.
    let path = format!("/surveys/{}", s["id"]);
    assert_eq!(
        d.admin(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    let r = d.admin(Method::GET, "/survey-responses", None).await;
    assert_eq!(r.json["results"][0]["rating"], 9);
    assert!(r.json["results"][0]["surveyId"].is_null());
}
