//! Office hours: working-time arithmetic across weekends, holidays and daylight-saving changes, a
//! clock paused and re-targeted on them, and calendars through the Admin API and the portal.

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

use crate::{support::TestApp, tickets::desk};

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn hours(schedule: Value) -> Hours {
    let s: Schedule = serde_json::from_value(schedule).unwrap();
    Hours::of(&s).unwrap()
}

pub fn weekdays(from: &str, to: &str) -> Vec<Value> {
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

    // Replaced whole; an unknown one is not found.
    let r = d
        .admin(
            Method::PUT,
            &format!("/office-hours/{id}"),
            Some(
                json!({"name": "Renamed", "timeZone": "UTC", "isDefault": true,
                        "week": [{"day": today, "start": "00:00", "end": "24:00"}]}),
            ),
        )
        .await;
    assert_eq!(
        (r.status, &r.json["name"]),
        (StatusCode::OK, &json!("Renamed")),
        "{}",
        r.text
    );
    let r = d
        .admin(
            Method::PUT,
            "/office-hours/99",
            Some(json!({"name": "X", "timeZone": "UTC", "week": weekdays("09:00", "17:00")})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
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
