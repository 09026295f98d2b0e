//! Analytics reports (Admin API v3): tickets (volume, backlog, response and resolution times, SLA
//! attainment), surveys and chats, as JSON or, with `Accept: text/csv`, as CSV.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, header},
    response::{IntoResponse, Response},
};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    domain::analytics::{GroupBy, Interval},
    error::Result,
    http::extract::ApiQuery,
    repo::analytics::reports::{ChatRow, SurveyRow},
    service::analytics::{self, Ask, Report, TicketRow},
    state::AppState,
};

/// A report's range and cut.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ReportQuery {
    /// The first day (in the report's time zone).
    pub from: NaiveDate,
    /// The last day, included; at most two years (731 days) after `from`.
    pub to: NaiveDate,
    /// `day` (default), `week` (from Monday) or `month`.
    #[serde(default)]
    #[param(inline)]
    pub interval: Interval,
    /// `none` (default), `queue`, `member` (first assignee), `company` or `requestType`.
    #[serde(default)]
    #[param(inline)]
    pub group_by: GroupBy,
    /// The IANA zone days are counted in; default: the default calendar's, else UTC.
    pub time_zone: Option<String>,
}

impl From<ReportQuery> for Ask {
    fn from(q: ReportQuery) -> Self {
        Ask {
            from: q.from,
            to: q.to,
            interval: q.interval,
            group_by: q.group_by,
            time_zone: q.time_zone.filter(|z| !z.trim().is_empty()),
        }
    }
}

/// A report: its time zone and one row per period (and group).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsReport<T> {
    pub time_zone: String,
    pub rows: Vec<T>,
}

/// Tickets in one period (and group). Times are working minutes on the ticket's company's office
/// hours (the default calendar's; every minute without one).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketPeriod {
    /// The period's first day.
    pub period: NaiveDate,
    /// The group (`null`: ungrouped, or no assignee / request type).
    pub group_id: Option<i32>,
    pub group_name: Option<String>,
    pub created: i64,
    pub closed: i64,
    /// Tickets open at the period's end.
    pub backlog: i64,
    /// Tickets first answered by staff in the period.
    pub first_responses: i64,
    pub first_response_median_minutes: Option<f64>,
    pub first_response_p90_minutes: Option<f64>,
    pub resolution_median_minutes: Option<f64>,
    pub resolution_p90_minutes: Option<f64>,
    /// SLA targets met in time and missed, of those concluded in the period.
    pub sla_first_response_met: i64,
    pub sla_first_response_missed: i64,
    /// Met ÷ (met + missed); `null` when none concluded.
    pub sla_first_response_attainment: Option<f64>,
    pub sla_next_response_met: i64,
    pub sla_next_response_missed: i64,
    pub sla_next_response_attainment: Option<f64>,
    pub sla_resolution_met: i64,
    pub sla_resolution_missed: i64,
    pub sla_resolution_attainment: Option<f64>,
}

const TICKET_COLUMNS: &[&str] = &[
    "period",
    "groupId",
    "groupName",
    "created",
    "closed",
    "backlog",
    "firstResponses",
    "firstResponseMedianMinutes",
    "firstResponseP90Minutes",
    "resolutionMedianMinutes",
    "resolutionP90Minutes",
    "slaFirstResponseMet",
    "slaFirstResponseMissed",
    "slaFirstResponseAttainment",
    "slaNextResponseMet",
    "slaNextResponseMissed",
    "slaNextResponseAttainment",
    "slaResolutionMet",
    "slaResolutionMissed",
    "slaResolutionAttainment",
];

/// Surveys sent in one period (and group), and how those were answered.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyPeriod {
    pub period: NaiveDate,
    pub group_id: Option<i32>,
    pub group_name: Option<String>,
    pub sent: i64,
    pub answered: i64,
    /// Answered ÷ sent.
    pub response_rate: Option<f64>,
    /// The mean answer on a 0–100 scale.
    pub average_score: Option<f64>,
    pub satisfied: i64,
    /// Satisfied ÷ answered.
    pub satisfaction_rate: Option<f64>,
}

const SURVEY_COLUMNS: &[&str] = &[
    "period",
    "groupId",
    "groupName",
    "sent",
    "answered",
    "responseRate",
    "averageScore",
    "satisfied",
    "satisfactionRate",
];

/// Chats contacts asked for in one period.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatPeriod {
    pub period: NaiveDate,
    pub chats: i64,
    /// Taken by staff.
    pub handled: i64,
    pub missed: i64,
    /// Seconds from asking to being taken.
    pub wait_median_seconds: Option<f64>,
    pub wait_p90_seconds: Option<f64>,
}

const CHAT_COLUMNS: &[&str] = &[
    "period",
    "chats",
    "handled",
    "missed",
    "waitMedianSeconds",
    "waitP90Seconds",
];

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ticket_analytics))
        .routes(routes!(survey_analytics))
        .routes(routes!(chat_analytics))
}

/// Tickets created, closed and open, first-response and resolution times (median, p90) and SLA
/// attainment per target, per day, week or month, optionally by queue, member, company or request
/// type. Periods without tickets show when ungrouped; grouped, a group's quiet periods are left out.
#[utoipa::path(get, path = "/analytics/tickets", params(ReportQuery), responses((status = 200, content((AnalyticsReport<TicketPeriod> = "application/json"), (String = "text/csv")))))]
pub async fn ticket_analytics(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let report = analytics::tickets(&state, &caller.tenant, &query.into()).await?;
    let rows = report
        .rows
        .iter()
        .map(|r| ticket_period(r, &report))
        .collect();
    Ok(answer(
        &headers,
        report.time_zone.clone(),
        rows,
        TICKET_COLUMNS,
    ))
}

/// Surveys sent per period (optionally by queue, member, company or request type): how many were
/// answered, the mean score and how many were satisfied.
#[utoipa::path(get, path = "/analytics/surveys", params(ReportQuery), responses((status = 200, content((AnalyticsReport<SurveyPeriod> = "application/json"), (String = "text/csv")))))]
pub async fn survey_analytics(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let report = analytics::surveys(&state, &caller.tenant, &query.into()).await?;
    let rows = report
        .rows
        .iter()
        .map(|r| survey_period(r, &report))
        .collect();
    Ok(answer(
        &headers,
        report.time_zone.clone(),
        rows,
        SURVEY_COLUMNS,
    ))
}

/// Chats per period: how many, taken and missed, and how long contacts waited (`groupBy` must be
/// `none`).
#[utoipa::path(get, path = "/analytics/chats", params(ReportQuery), responses((status = 200, content((AnalyticsReport<ChatPeriod> = "application/json"), (String = "text/csv")))))]
pub async fn chat_analytics(
    State(state): State<AppState>,
    caller: AdminCaller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response> {
    let report = analytics::chats(&state, &caller.tenant, &query.into()).await?;
    let rows = report.rows.iter().map(chat_period).collect();
    Ok(answer(&headers, report.time_zone, rows, CHAT_COLUMNS))
}

fn group<T>(key: i32, report: &Report<T>) -> (Option<i32>, Option<String>) {
    let id = (key != 0).then_some(key);
    let name = id.and_then(|id| {
        report
            .names
            .iter()
            .find(|(n, _)| *n == id)
            .map(|(_, name)| name.clone())
    });
    (id, name)
}

fn minutes(secs: Option<f64>) -> Option<f64> {
    secs.map(|s| (s / 6.0).round() / 10.0)
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 1000.0).round() / 1000.0)
}

fn day(period: NaiveDateTime) -> NaiveDate {
    period.date()
}

fn ticket_period(r: &TicketRow, report: &Report<TicketRow>) -> TicketPeriod {
    let (group_id, group_name) = group(r.key, report);
    TicketPeriod {
        period: r.period,
        group_id,
        group_name,
        created: r.created,
        closed: r.closed,
        backlog: r.backlog,
        first_responses: r.responded,
        first_response_median_minutes: minutes(r.first_response_median),
        first_response_p90_minutes: minutes(r.first_response_p90),
        resolution_median_minutes: minutes(r.resolution_median),
        resolution_p90_minutes: minutes(r.resolution_p90),
        sla_first_response_met: r.first_response_met,
        sla_first_response_missed: r.first_response_missed,
        sla_first_response_attainment: ratio(
            r.first_response_met,
            r.first_response_met + r.first_response_missed,
        ),
        sla_next_response_met: r.next_response_met,
        sla_next_response_missed: r.next_response_missed,
        sla_next_response_attainment: ratio(
            r.next_response_met,
            r.next_response_met + r.next_response_missed,
        ),
        sla_resolution_met: r.resolution_met,
        sla_resolution_missed: r.resolution_missed,
        sla_resolution_attainment: ratio(r.resolution_met, r.resolution_met + r.resolution_missed),
    }
}

fn survey_period(r: &SurveyRow, report: &Report<SurveyRow>) -> SurveyPeriod {
    let (group_id, group_name) = group(r.key, report);
    SurveyPeriod {
        period: day(r.period),
        group_id,
        group_name,
        sent: r.sent,
        answered: r.answered,
        response_rate: ratio(r.answered, r.sent),
        average_score: r.average_score.map(|s| (s * 10.0).round() / 10.0),
        satisfied: r.satisfied,
        satisfaction_rate: ratio(r.satisfied, r.answered),
    }
}

fn chat_period(r: &ChatRow) -> ChatPeriod {
    ChatPeriod {
        period: day(r.period),
        chats: r.chats,
        handled: r.handled,
        missed: r.missed,
        wait_median_seconds: r.wait_median.map(f64::round),
        wait_p90_seconds: r.wait_p90.map(f64::round),
    }
}

/// JSON, or CSV when the caller accepts `text/csv` (and not JSON first).
fn answer<T: Serialize>(
    headers: &HeaderMap,
    time_zone: String,
    rows: Vec<T>,
    columns: &[&str],
) -> Response {
    if wants_csv(headers) {
        let body = csv(&rows, columns);
        return ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    }
    Json(AnalyticsReport { time_zone, rows }).into_response()
}

fn wants_csv(headers: &HeaderMap) -> bool {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let at = |kind: &str| accept.find(kind);
    match (at("text/csv"), at("application/json")) {
        (Some(csv), Some(json)) => csv < json,
        (Some(_), None) => true,
        _ => false,
    }
}

/// RFC 4180: a header of the columns, then one line per row; text quoted when it must be.
fn csv<T: Serialize>(rows: &[T], columns: &[&str]) -> String {
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for row in rows {
        let value = serde_json::to_value(row).unwrap_or_default();
        let cells: Vec<String> = columns.iter().map(|c| cell(&value[*c])).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s)
            if s.contains([',', '"', '\n', '\r']) || s.starts_with(['=', '+', '-', '@']) =>
        {
            // Quoted, and a leading formula character defused for spreadsheets.
            let s = if s.starts_with(['=', '+', '-', '@']) {
                format!("'{s}")
            } else {
                s.clone()
            };
            format!("\"{}\"", s.replace('"', "\"\""))
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys<T: Serialize>(row: &T) -> Vec<String> {
        let mut keys: Vec<String> = serde_json::to_value(row)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    fn sorted(columns: &[&str]) -> Vec<String> {
        let mut c: Vec<String> = columns.iter().map(|s| s.to_string()).collect();
        c.sort();
        c
    }

    #[test]
    fn csv_columns_are_every_field() {
        let chat = ChatPeriod {
            period: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            chats: 1,
            handled: 1,
            missed: 0,
            wait_median_seconds: None,
            wait_p90_seconds: None,
        };
        assert_eq!(keys(&chat), sorted(CHAT_COLUMNS));
        let survey = SurveyPeriod {
            period: chat.period,
            group_id: None,
            group_name: None,
            sent: 0,
            answered: 0,
            response_rate: None,
            average_score: None,
            satisfied: 0,
            satisfaction_rate: None,
        };
        assert_eq!(keys(&survey), sorted(SURVEY_COLUMNS));
        let row = TicketRow {
            period: chat.period,
            ..TicketRow::default()
        };
        let report = Report {
            time_zone: "UTC".into(),
            rows: vec![],
            names: vec![],
        };
        assert_eq!(keys(&ticket_period(&row, &report)), sorted(TICKET_COLUMNS));
    }

    #[test]
    fn csv_quotes_and_defuses_text() {
        assert_eq!(cell(&Value::from("a,b")), "\"a,b\"");
        assert_eq!(cell(&Value::from("=1+1")), "\"'=1+1\"");
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&Value::from(2.5)), "2.5");
    }
}
