//! Analytics: the reports' numbers against what the test itself made, JSON and CSV, and the
//! ranges and groupings refused.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    surveys::{CLOSED, queue, set_status, survey, ticket},
    tickets::{Desk, desk},
};

fn range() -> String {
    let today = Utc::now().date_naive();
    format!(
        "from={}&to={}",
        today - Duration::days(1),
        today + Duration::days(1)
    )
}

async fn report(d: &Desk<'_>, path: &str) -> Value {
    let r = d.admin(Method::GET, path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    r.json
}

fn rows(report: &Value) -> &Vec<Value> {
    report["rows"].as_array().unwrap()
}

fn sum(rows: &[&Value], field: &str) -> i64 {
    rows.iter().map(|r| r[field].as_i64().unwrap()).sum()
}

#[tokio::test]
async fn ticket_and_survey_reports_match_what_was_made() {
    let app = TestApp::new().await;
    let d = desk(&app, "numbers").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    let (projects, projects_closed) = queue(&d, "Projects").await;
    let r = d
        .admin(
            Method::POST,
            "/sla-policies",
            Some(json!({"name": "Calendar", "businessHours": false,
                        "targets": [{"firstResponseMinutes": 60, "resolutionMinutes": 240}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    survey(
        &d,
        json!({"name": "After closing", "question": "How did we do?", "kind": "five_star"}),
    )
    .await;

    // What the test makes, and so expects: per queue, tickets made, answered and closed.
    let mut made: HashMap<i64, Vec<i64>> = HashMap::new();
    for (q, n) in [(1, 5), (projects, 3)] {
        for _ in 0..n {
            made.entry(q).or_default().push(ticket(&d, ann, q).await);
        }
    }
    let answered = [made[&1][0], made[&1][1], made[&projects][0]];
    for t in answered {
        let r = d
            .admin(
                Method::POST,
                &format!("/tickets/{t}/notes"),
                Some(json!({"note": "On it", "isInternal": false})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let closed = [
        (made[&1][0], CLOSED),
        (made[&1][2], CLOSED),
        (made[&projects][1], projects_closed),
    ];
    for (t, status) in closed {
        set_status(&d, t, status).await;
    }
    let count_in = |q: i64, of: &[i64]| made[&q].iter().filter(|t| of.contains(t)).count() as i64;
    let closed_ids: Vec<i64> = closed.iter().map(|(t, _)| *t).collect();

    // Grouped by queue: each queue's numbers over the three days.
    let r = report(&d, &format!("/analytics/tickets?{}&groupBy=queue", range())).await;
    assert_eq!(r["timeZone"], "UTC");
    for q in [1, projects] {
        let mine: Vec<&Value> = rows(&r).iter().filter(|row| row["groupId"] == q).collect();
        assert!(!mine.is_empty(), "queue {q}: {r}");
        assert_eq!(sum(&mine, "created"), made[&q].len() as i64, "queue {q}");
        assert_eq!(sum(&mine, "closed"), count_in(q, &closed_ids), "queue {q}");
        assert_eq!(sum(&mine, "firstResponses"), count_in(q, &answered));
        assert_eq!(
            mine.last().unwrap()["backlog"],
            made[&q].len() as i64 - count_in(q, &closed_ids),
            "open at the end, queue {q}"
        );
        assert_eq!(sum(&mine, "slaFirstResponseMet"), count_in(q, &answered));
        assert_eq!(sum(&mine, "slaResolutionMet"), count_in(q, &closed_ids));
        assert_eq!(sum(&mine, "slaResolutionMissed"), 0);
    }
    let names: Vec<&str> = rows(&r)
        .iter()
        .filter_map(|row| row["groupName"].as_str())
        .collect();
    assert!(names.contains(&"Projects"), "{names:?}");

    // Ungrouped: one row per day, the same totals.
    let r = report(&d, &format!("/analytics/tickets?{}", range())).await;
    let all: Vec<&Value> = rows(&r).iter().collect();
    assert_eq!(all.len(), 3, "every day has its row: {r}");
    assert_eq!(sum(&all, "created"), 8);
    assert_eq!(sum(&all, "closed"), 3);
    assert_eq!(all[2]["backlog"], 5);
    let answered_today = all.iter().find(|row| row["firstResponses"] == 3).unwrap();
    assert!(
        answered_today["firstResponseMedianMinutes"]
            .as_f64()
            .unwrap()
            < 5.0
    );
    assert_eq!(answered_today["slaFirstResponseAttainment"], 1.0);

    // Surveys: three sent (one per close), one answered, satisfied.
    let ann_session = d.sign_in("portal", "ann@customer.test").await;
    let answer = json!({"ticketId": made[&1][0], "rating": 5});
    let a = d
        .portal(&ann_session, Method::POST, "/surveys/answers", Some(answer))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let r = report(&d, &format!("/analytics/surveys?{}", range())).await;
    let all: Vec<&Value> = rows(&r).iter().collect();
    assert_eq!(sum(&all, "sent"), 3, "{r}");
    assert_eq!(sum(&all, "answered"), 1);
    assert_eq!(sum(&all, "satisfied"), 1);
    let answered_row = all.iter().find(|row| row["answered"] == 1).unwrap();
    assert_eq!(answered_row["averageScore"], 100.0);

    // CSV: the same rows under a header.
    let csv = app
        .call(
            Method::GET,
            &d.t.host,
            &format!("/api/v3/admin/analytics/tickets?{}&groupBy=queue", range()),
        )
        .auth(&format!("DdApi {}", d.key))
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("period,groupId,groupName,created,closed,backlog"));
    let json_rows = report(&d, &format!("/analytics/tickets?{}&groupBy=queue", range())).await;
    assert_eq!(lines.len(), 1 + rows(&json_rows).len());
    assert!(
        lines.iter().any(|l| l.contains(",Projects,")),
        "{}",
        csv.text
    );

    // Another tenant sees none of it.
    let other = desk(&app, "elsewhere").await;
    let r = report(&other, &format!("/analytics/tickets?{}", range())).await;
    let all: Vec<&Value> = rows(&r).iter().collect();
    assert_eq!(sum(&all, "created"), 0);
}

#[tokio::test]
async fn bad_ranges_groupings_and_zones_are_refused() {
    let app = TestApp::new().await;
    let d = desk(&app, "ranges").await;
    // Well formed but against the rules: 422 naming the parameter.
    for (path, field) in [
        ("/analytics/tickets?from=2026-03-02&to=2026-03-01", "to"),
        ("/analytics/tickets?from=2023-01-01&to=2026-01-01", "to"),
        (
            "/analytics/tickets?from=2026-01-01&to=2026-01-31&timeZone=Mars/Olympus",
            "timeZone",
        ),
        (
            "/analytics/chats?from=2026-01-01&to=2026-01-31&groupBy=queue",
            "groupBy",
        ),
    ] {
        let r = d.admin(Method::GET, path, None).await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{path}");
    }
    // Not readable as a report's parameters: 400.
    for path in [
        "/analytics/tickets?from=2026-01-01&to=2026-01-31&groupBy=team",
        "/analytics/tickets?from=2026-01-01&to=2026-01-31&interval=hour",
        "/analytics/tickets?to=2026-01-31",
        "/analytics/surveys?from=2026-13-01&to=2026-01-31",
    ] {
        let r = d.admin(Method::GET, path, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text);
    }
    // Two years exactly, by week, in Auckland, grouped by member: fine (and empty).
    let r = d
        .admin(
            Method::GET,
            "/analytics/tickets?from=2025-01-01&to=2026-12-31&interval=week&groupBy=member&timeZone=Pacific/Auckland",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["timeZone"], "Pacific/Auckland");
    let r = d
        .admin(
            Method::GET,
            "/analytics/chats?from=2026-01-01&to=2026-01-31&interval=month",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
