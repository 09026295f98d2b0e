//! Service levels: policies through the Admin API; a ticket's clocks as it is answered, paused,
//! re-prioritised, closed and reopened; breaches and warnings told once with two workers.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::{
    office_hours::at,
    support::TestApp,
    tickets::{Desk, desk},
};

/// A policy on every hour: Medium tickets answered in 60 minutes, answered again in 30, resolved
/// in 240; High ones resolved in 120. "Waiting on Customer" (3) pauses the clocks.
async fn policy(d: &Desk<'_>) -> Value {
    let r = d
        .admin(
            Method::POST,
            "/sla-policies",
            Some(json!({
                "name": "Standard", "businessHours": false, "pauseStatusIds": [3],
                "targets": [
                    {"priorityId": 2, "firstResponseMinutes": 60, "nextResponseMinutes": 30, "resolutionMinutes": 240},
                    {"priorityId": 3, "firstResponseMinutes": 60, "resolutionMinutes": 120},
                ],
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json
}

fn time(v: &Value) -> DateTime<Utc> {
    at(v.as_str().unwrap_or_else(|| panic!("a time, not {v}")))
}

fn near(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_seconds().abs() <= 3
}

#[tokio::test]
async fn bad_policies_are_422s_naming_the_field_and_change_nothing() {
    let app = TestApp::new().await;
    let d = desk(&app, "policies").await;
    for (body, field) in [
        (
            json!({"name": "Negative", "targets": [{"firstResponseMinutes": -5}]}),
            "targets[0].firstResponseMinutes",
        ),
        (json!({"name": "None", "targets": []}), "targets"),
        (
            json!({"name": "Twice", "targets": [{"priorityId": 2, "resolutionMinutes": 5}, {"priorityId": 2, "resolutionMinutes": 9}]}),
            "targets[1].priorityId",
        ),
        (
            json!({"name": "Unknown priority", "targets": [{"priorityId": 99, "resolutionMinutes": 5}]}),
            "targets[0].priorityId",
        ),
        (
            json!({"name": "Unknown status", "targets": [{"resolutionMinutes": 5}], "pauseStatusIds": [99]}),
            "pauseStatusIds",
        ),
        (
            json!({"name": "Unknown calendar", "targets": [{"resolutionMinutes": 5}], "calendarId": 9}),
            "calendarId",
        ),
        (
            json!({"name": "Bad warning", "targets": [{"resolutionMinutes": 5}], "warnBeforeMinutes": -1}),
            "warnBeforeMinutes",
        ),
    ] {
        let r = d.admin(Method::POST, "/sla-policies", Some(body)).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    assert_eq!(
        d.admin(Method::GET, "/sla-policies", None).await.json["totalResults"],
        0
    );
    // A bad replacement changes nothing; a deleted policy is gone.
    let id = policy(&d).await["id"].as_i64().unwrap();
    let path = format!("/sla-policies/{id}");
    let bad = json!({"name": "Renamed", "targets": [{"resolutionMinutes": 0}]});
    let r = d.admin(Method::PUT, &path, Some(bad)).await;
    assert_eq!(
        r.json["field"], "targets[0].resolutionMinutes",
        "{}",
        r.text
    );
    assert_eq!(
        d.admin(Method::GET, &path, None).await.json["name"],
        "Standard"
    );
    assert_eq!(
        d.admin(Method::DELETE, &path, None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        d.admin(Method::GET, &path, None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_ticket_keeps_its_clocks_as_it_is_answered_paused_reprioritised_closed_and_reopened() {
    let app = TestApp::new().await;
    let d = desk(&app, "clocks").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let p = policy(&d).await;
    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Mail is down", "contactId": 1, "queueId": 1, "priorityId": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = time(&r.json["createdOn"]);
    let sla = &r.json["sla"];
    assert_eq!(sla["policyId"], p["id"]);
    assert_eq!(sla["policyName"], "Standard");
    assert!(
        near(
            time(&sla["firstResponseDueAt"]),
            created + Duration::minutes(60)
        ),
        "{sla}"
    );
    assert!(
        near(
            time(&sla["resolutionDueAt"]),
            created + Duration::minutes(240)
        ),
        "{sla}"
    );
    assert!(sla["nextResponseDueAt"].is_null(), "no reply waits yet");
    assert_eq!(sla["firstResponseBreached"], false);

    let note = |internal: bool| json!({"note": "Looking into it", "isInternal": internal});
    let t = d
        .admin(Method::POST, "/tickets/1/notes", Some(note(true)))
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let t = d.admin(Method::GET, "/tickets/1", None).await;
    assert!(
        t.json["sla"]["firstResponseMetAt"].is_null(),
        "an internal note answers nobody"
    );
    d.admin(Method::POST, "/tickets/1/notes", Some(note(false)))
        .await;
    let t = d.admin(Method::GET, "/tickets/1", None).await;
    let met = time(&t.json["sla"]["firstResponseMetAt"]);
    assert!(near(met, Utc::now()), "{}", t.json["sla"]);

    // The contact answers: the next response is due in 30 minutes; staff's reply meets it.
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let c = d
        .portal(
            &ann,
            Method::POST,
            "/tickets/1/comments",
            Some(json!({"note": "Still down"})),
        )
        .await;
    assert!(c.status.is_success(), "{}", c.text);
    let t = d.admin(Method::GET, "/tickets/1", None).await;
    assert!(near(
        time(&t.json["sla"]["nextResponseDueAt"]),
        Utc::now() + Duration::minutes(30)
    ));
    d.admin(Method::POST, "/tickets/1/notes", Some(note(false)))
        .await;
    let t = d.admin(Method::GET, "/tickets/1", None).await;
    assert!(
        !t.json["sla"]["nextResponseMetAt"].is_null(),
        "{}",
        t.json["sla"]
    );

    // Waiting on the customer pauses; back in progress resumes, the due time moved by the pause.
    let due_before = time(&t.json["sla"]["resolutionDueAt"]);
    let t = d
        .admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 3})))
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    assert_eq!(t.json["sla"]["isPaused"], true, "{}", t.json["sla"]);
    assert!(t.json["sla"]["resolutionDueAt"].is_null());
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let t = d
        .admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 2})))
        .await;
    assert_eq!(t.json["sla"]["isPaused"], false);
    assert!(t.json["sla"]["pausedSeconds"].as_i64().unwrap() >= 2);
    let due_after = time(&t.json["sla"]["resolutionDueAt"]);
    assert!(
        due_after >= due_before + Duration::seconds(1),
        "{due_before} → {due_after}"
    );

    // High priority: resolution in 120 minutes of the time counted so far.
    let t = d
        .admin(Method::PATCH, "/tickets/1", Some(json!({"priorityId": 3})))
        .await;
    let resolution = time(&t.json["sla"]["resolutionDueAt"]);
    assert!(
        near(resolution, due_after - Duration::minutes(120)),
        "{due_after} → {resolution}"
    );
    assert!(
        t.json["sla"]["nextResponseDueAt"].is_null()
            || !t.json["sla"]["nextResponseMetAt"].is_null()
    );

    // The search sorts and filters by due time and breach.
    let other = d
        .admin(
            Method::POST,
            "/tickets",
            Some(
                json!({"summary": "Low, no target", "contactId": 1, "queueId": 1, "priorityId": 1}),
            ),
        )
        .await;
    assert!(
        other.json["sla"].is_null(),
        "no targets for Low: {}",
        other.json["sla"]
    );
    assert_eq!(found(&d, "?sort=dueAt").await, [1, 2]);
    assert_eq!(
        found(&d, "?sort=-dueAt").await,
        [1, 2],
        "tickets without a due time last"
    );
    // Pages cross from the timed tickets to the others (which follow by id) without a gap.
    for summary in ["Low two", "Low three"] {
        let body = json!({"summary": summary, "contactId": 1, "queueId": 1, "priorityId": 1});
        d.admin(Method::POST, "/tickets", Some(body)).await;
    }
    assert_eq!(found(&d, "?sort=dueAt").await, [1, 2, 3, 4]);
    assert_eq!(found(&d, "?sort=dueAt&skip=1&take=2").await, [2, 3]);
    assert_eq!(found(&d, "?sort=dueAt&skip=2&take=5").await, [3, 4]);
    assert_eq!(found(&d, "?sort=-dueAt&skip=1&take=2").await, [4, 3]);
    assert_eq!(found(&d, "?sort=dueAt&status=open&take=1").await, [1]);
    assert_eq!(found(&d, "?breached=any").await, Vec::<i64>::new());
    let soon =
        (Utc::now() + Duration::minutes(200)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let r = d
        .admin(Method::GET, &format!("/tickets?dueBefore={soon}"), None)
        .await;
    assert_eq!(r.json["totalResults"], 1, "{}", r.text);
    let r = d
        .admin(Method::GET, "/tickets?breached=sometimes", None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    // Closing meets resolution; reopening starts it again.
    let t = d
        .admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 7})))
        .await;
    assert!(
        near(time(&t.json["sla"]["resolutionMetAt"]), Utc::now()),
        "{}",
        t.json["sla"]
    );
    assert_eq!(t.json["sla"]["resolutionBreached"], false);
    let t = d
        .admin(Method::PATCH, "/tickets/1", Some(json!({"statusId": 2})))
        .await;
    assert!(
        t.json["sla"]["resolutionMetAt"].is_null(),
        "{}",
        t.json["sla"]
    );
    assert!(near(
        time(&t.json["sla"]["resolutionDueAt"]),
        Utc::now() + Duration::minutes(120)
    ));

    // Contacts do not see the clocks.
    let mine = d.portal(&ann, Method::GET, "/tickets/1", None).await;
    assert!(mine.json.get("sla").is_none(), "{}", mine.text);
}

async fn found(d: &Desk<'_>, query: &str) -> Vec<i64> {
    let r = d
        .admin(Method::GET, &format!("/tickets{query}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.json["results"].as_array().unwrap();
    results.iter().map(|t| t["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn breaches_and_warnings_are_told_once_even_with_two_workers() {
    let app = TestApp::new().await;
    let second = app.sibling(|_| {}).await;
    let d = desk(&app, "breaches").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    policy(&d).await;
    for summary in ["One", "Two"] {
        d.admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": summary, "contactId": 1, "queueId": 1, "priorityId": 2})),
        )
        .await;
    }
    let r = d.admin(Method::PUT, "/tickets/1/assignees/1", None).await;
    assert!(r.status.is_success(), "{}", r.text);
    // Ticket 1's first response fell due a minute ago; ticket 2's is within its warning time.
    sqlx::query(
        "UPDATE ticket_slas SET first_response = jsonb_set(first_response, '{dueAt}',
                to_jsonb(now() + CASE ticket_id WHEN 1 THEN interval '-1 minute' ELSE interval '10 minutes' END)),
                alarm_at = now() - interval '1 second'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (a, b) = tokio::join!(
        deskd::service::sla::sweeper::sweep(&app.state),
        deskd::service::sla::sweeper::sweep(&second.state)
    );
    let raised = a.unwrap() + b.unwrap();
    assert_eq!(raised, 2);
    // Sweeping again tells nothing new.
    assert_eq!(
        deskd::service::sla::sweeper::sweep(&app.state)
            .await
            .unwrap(),
        0
    );
    let told: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT type, entity_id, payload->>'target' FROM events
         WHERE type LIKE 'ticket.sla_%' ORDER BY entity_id, type",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        told,
        [
            (
                "ticket.sla_breached".into(),
                "1".into(),
                "firstResponse".into()
            ),
            (
                "ticket.sla_warning".into(),
                "2".into(),
                "firstResponse".into()
            ),
        ]
    );
    let t = d.admin(Method::GET, "/tickets/1", None).await;
    assert_eq!(
        t.json["sla"]["firstResponseBreached"], true,
        "{}",
        t.json["sla"]
    );
    let r = d
        .admin(Method::GET, "/tickets?breached=firstResponse", None)
        .await;
    assert_eq!(r.json["totalResults"], 1, "{}", r.text);
    assert_eq!(r.json["results"][0]["id"], 1);
    // Its assignee is told in the tech portal's inbox; on live streams no contact gets them.
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT title FROM notifications WHERE recipient_kind = 'member' AND recipient_id = 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(titles, ["Ticket #1: first response breached"]);
    let to_contacts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM live_events WHERE type LIKE 'ticket.sla%' AND cardinality(contact_ids) > 0",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(to_contacts, 0);
    // The change feed carries them to integrators.
    let feed = d.admin(Method::GET, "/events", None).await;
    assert!(feed.text.contains("ticket.sla_breached"), "{}", feed.text);
}

#[tokio::test]
async fn a_breach_mails_the_tickets_assignee() {
    let smtp = crate::email::Smtp::start();
    let app = crate::email::mail_app().await;
    let d = desk(&app, "breachmail").await;
    crate::email::use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({})).await;
    policy(&d).await;
    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Server down", "contactId": 1, "queueId": 1, "priorityId": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = d.admin(Method::PUT, "/tickets/1/assignees/1", None).await;
    assert!(r.status.is_success(), "{}", r.text);
    let member = d.admin(Method::GET, "/members/1", None).await;
    let address = member.json["email"].as_str().unwrap().to_string();
    sqlx::query(
        "UPDATE ticket_slas SET first_response = jsonb_set(first_response, '{dueAt}',
                to_jsonb(now() - interval '1 minute')), alarm_at = now() - interval '1 second'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    deskd::service::sla::sweeper::sweep(&app.state)
        .await
        .unwrap();
    crate::email::send_mail(&app).await;
    let overdue: Vec<_> = smtp
        .to(&address)
        .into_iter()
        .filter(|m| m.subject.contains("overdue"))
        .collect();
    assert_eq!(overdue.len(), 1, "{:#?}", smtp.to(&address));
    assert_eq!(
        overdue[0].subject,
        "[#1] First response overdue: Server down"
    );
    assert!(overdue[0].text.contains("Standard"), "{}", overdue[0].text);
    assert!(
        smtp.to("ann@customer.test")
            .iter()
            .all(|m| !m.subject.contains("overdue"))
    );
}
