//! Office hours and service levels: working-time arithmetic across weekends, holidays and
//! daylight-saving changes; calendars and policies through the Admin API; a ticket's clocks as it
//! is answered, paused, re-prioritised, closed and reopened; breaches told once with two workers.

use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use deskd::{
    domain::office_hours::Schedule,
    service::{
        office_hours::Hours,
        sla::clock::{self, Counting},
    },
};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn hours(schedule: Value) -> Hours {
    let s: Schedule = serde_json::from_value(schedule).unwrap();
    Hours::of(&s).unwrap()
}

fn weekdays(from: &str, to: &str) -> Vec<Value> {
    ["monday", "tuesday", "wednesday", "thursday", "friday"]
        .iter()
        .map(|d| json!({"day": d, "start": from, "end": to}))
        .collect()
}

#[test]
fn working_time_skips_weekends_and_holidays_and_follows_daylight_saving() {
    let auckland = hours(json!({
        "timeZone": "Pacific/Auckland",
        "week": weekdays("09:00", "17:00"),
        "holidays": [{"date": "2020-12-25", "name": "Christmas", "recurring": true}],
    }));
    // Friday 16:00 (NZDT, +13) plus two working hours: one on Friday, one on Monday.
    let friday = at("2026-12-18T16:00:00+13:00");
    assert_eq!(
        auckland.add(friday, 7200),
        Some(at("2026-12-21T10:00:00+13:00"))
    );
    assert_eq!(
        auckland.between(friday, at("2026-12-21T10:00:00+13:00")),
        7200
    );
    // Christmas (a recurring holiday) falls on a Friday: Thursday 16:00 + 2 h is Monday 10:00.
    let thursday = at("2026-12-24T16:00:00+13:00");
    assert_eq!(
        auckland.add(thursday, 7200),
        Some(at("2026-12-28T10:00:00+13:00"))
    );
    // Saturday: closed, opening on Monday at nine.
    let (open, next) = auckland.state_at(at("2026-12-19T12:00:00+13:00"));
    assert!(!open);
    assert_eq!(next, Some(at("2026-12-21T09:00:00+13:00")));
    // Within hours: open until five.
    let (open, next) = auckland.state_at(at("2026-12-21T11:00:00+13:00"));
    assert!(open);
    assert_eq!(next, Some(at("2026-12-21T17:00:00+13:00")));

    // A Sunday worked all day: 25 real hours when New Zealand's clocks go back (5 April 2026),
    // 23 when New York's go forward (8 March 2026).
    let sundays = |zone: &str| {
        hours(
            json!({"timeZone": zone, "week": [{"day": "sunday", "start": "00:00", "end": "24:00"}]}),
        )
    };
    let nz = sundays("Pacific/Auckland");
    assert_eq!(
        nz.between(at("2026-04-04T11:00:00Z"), at("2026-04-05T12:00:00Z")),
        25 * 3600
    );
    assert_eq!(
        nz.add(at("2026-04-04T11:00:00Z"), 25 * 3600),
        Some(at("2026-04-05T12:00:00Z"))
    );
    let ny = sundays("America/New_York");
    assert_eq!(
        ny.between(at("2026-03-08T05:00:00Z"), at("2026-03-09T04:00:00Z")),
        23 * 3600
    );
    // 23 working hours from Sunday midnight end at Monday midnight (EDT); one more is next Sunday.
    assert_eq!(
        ny.add(at("2026-03-08T05:00:00Z"), 23 * 3600),
        Some(at("2026-03-09T04:00:00Z"))
    );
    assert_eq!(
        ny.add(at("2026-03-08T05:00:00Z"), 24 * 3600),
        Some(at("2026-03-15T05:00:00Z"))
    );
    // New York's office hours across the change: 09:00–17:00 local on both sides of it.
    let ny_office =
        hours(json!({"timeZone": "America/New_York", "week": weekdays("09:00", "17:00")}));
    assert_eq!(
        ny_office.add(at("2026-03-06T16:00:00-05:00"), 7200),
        Some(at("2026-03-09T10:00:00-04:00"))
    );
    // An exception replaces the week's hours (and a holiday's closing).
    let with_exception = hours(json!({
        "timeZone": "Pacific/Auckland", "week": weekdays("09:00", "17:00"),
        "holidays": [{"date": "2026-12-25", "name": "Christmas"}],
        "exceptions": [{"date": "2026-12-25", "hours": [{"start": "10:00", "end": "12:00"}]}],
    }));
    assert_eq!(
        with_exception.add(thursday, 7200),
        Some(at("2026-12-25T11:00:00+13:00"))
    );
}

#[test]
fn a_paused_clock_keeps_its_spent_time_and_moves_its_due_time() {
    let office = Counting::Business(Box::new(hours(json!({
        "timeZone": "Pacific/Auckland", "week": weekdays("09:00", "17:00"),
    }))));
    // Four working hours from Friday 16:00: due Monday 12:00.
    let mut c = clock::started(at("2026-12-18T16:00:00+13:00"), 4 * 3600, &office);
    assert_eq!(c.due_at, Some(at("2026-12-21T12:00:00+13:00")));
    // Paused at 16:30 (half an hour spent), resumed on Monday at 10:00: 3.5 h left.
    clock::pause(&mut c, at("2026-12-18T16:30:00+13:00"), &office);
    assert_eq!(c.spent_secs, 1800);
    assert!(!c.is_running());
    clock::resume(&mut c, at("2026-12-21T10:00:00+13:00"), &office);
    assert_eq!(c.due_at, Some(at("2026-12-21T13:30:00+13:00")));
    // A shorter target (a higher priority) keeps the time spent.
    clock::retarget(&mut c, 3600, at("2026-12-21T10:00:00+13:00"), &office);
    assert_eq!(c.due_at, Some(at("2026-12-21T10:30:00+13:00")));
    assert!(!c.is_breached(at("2026-12-21T10:29:00+13:00")));
    assert!(c.is_breached(at("2026-12-21T10:31:00+13:00")));
    // Met late: it stays breached.
    clock::meet(&mut c, at("2026-12-21T11:00:00+13:00"), &office);
    assert!(c.is_breached(at("2026-12-22T00:00:00+13:00")));
}

#[tokio::test]
async fn calendars_say_when_they_are_open_and_bad_ones_change_nothing() {
    let app = TestApp::new().await;
    let d = desk(&app, "hours").await;
    let other = desk(&app, "elsewhere").await;
    for (body, field) in [
        (
            json!({"name": "Bad zone", "timeZone": "Mars/Olympus", "week": weekdays("09:00", "17:00")}),
            "timeZone",
        ),
        (
            json!({"name": "Overlap", "timeZone": "UTC", "week": [
                {"day": "monday", "start": "09:00", "end": "13:00"},
                {"day": "monday", "start": "12:00", "end": "17:00"}]}),
            "week[0]",
        ),
        (
            json!({"name": "Backwards", "timeZone": "UTC", "week": [{"day": "monday", "start": "17:00", "end": "09:00"}]}),
            "week[0].end",
        ),
        (
            json!({"name": "Not a time", "timeZone": "UTC", "week": [{"day": "monday", "start": "9am", "end": "17:00"}]}),
            "week[0].start",
        ),
        (
            json!({"name": "Bad holiday", "timeZone": "UTC", "week": weekdays("09:00", "17:00"),
                   "holidays": [{"date": "2026-02-30"}]}),
            "holidays[0].date",
        ),
        (json!({"name": "Empty", "timeZone": "UTC"}), "week"),
    ] {
        let r = d.admin(Method::POST, "/office-hours", Some(body)).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{}", r.text);
    }
    assert_eq!(
        d.admin(Method::GET, "/office-hours", None).await.json["totalResults"],
        0
    );

    // Open all day on today's weekday (UTC) only.
    let now = Utc::now();
    let today = now.format("%A").to_string().to_lowercase();
    let r = d
        .admin(
            Method::POST,
            "/office-hours",
            Some(
                json!({"name": "Today", "timeZone": "UTC", "isDefault": true,
                        "week": [{"day": today, "start": "00:00", "end": "24:00"}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let now_view = d
        .admin(Method::GET, &format!("/office-hours/{id}/now"), None)
        .await;
    assert_eq!(now_view.json["isOpen"], true, "{}", now_view.text);
    let midnight = (now + Duration::days(1))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    assert_eq!(
        at(now_view.json["closesAt"].as_str().unwrap()),
        at(&midnight)
    );
    assert!(now_view.json["opensAt"].is_null());

    // A company's own calendar: closed all of today (an exception), so it next opens in a week.
    let date = now.format("%Y-%m-%d").to_string();
    let r = d
        .admin(
            Method::POST,
            "/office-hours",
            Some(
                json!({"name": "Customer", "timeZone": "UTC", "companyIds": [1],
                        "week": [{"day": today, "start": "00:00", "end": "24:00"}],
                        "exceptions": [{"date": date, "name": "Closed today"}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["companyIds"], json!([1]));
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    let bob = d.contact(2, "bob@other.test", json!({})).await;
    let _ = (ann, bob);
    let ann_cookie = d.sign_in("portal", "ann@customer.test").await;
    let mine = d
        .portal(&ann_cookie, Method::GET, "/office-hours/now", None)
        .await;
    assert_eq!(mine.json["name"], "Customer", "{}", mine.text);
    assert_eq!(mine.json["isOpen"], false);
    let next_week = (now + Duration::days(7))
        .format("%Y-%m-%dT00:00:00Z")
        .to_string();
    assert_eq!(at(mine.json["opensAt"].as_str().unwrap()), at(&next_week));
    let bob_cookie = d.sign_in("portal", "bob@other.test").await;
    let theirs = d
        .portal(&bob_cookie, Method::GET, "/office-hours/now", None)
        .await;
    assert_eq!(theirs.json["name"], "Today", "the default: {}", theirs.text);

    // Another tenant's calendar is not found.
    let r = other
        .admin(Method::GET, &format!("/office-hours/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = other
        .admin(Method::DELETE, &format!("/office-hours/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

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
    let second = app.sibling(|_| {});
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
