//! The reports: one statement each per grouping, over `ticket_facts`, `survey_responses` and
//! `chat_sessions`. Periods are local to the report's time zone; a group key of 0 stands for
//! "none" (no assignee, no request type, or no grouping at all).

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::{PgConnection, PgPool};

use crate::{
    domain::{
        TenantId,
        analytics::{GroupBy, Interval},
    },
    sql,
};

/// The range and cut of a report.
pub struct Cut<'a> {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub interval: Interval,
    pub time_zone: &'a str,
    pub group_by: GroupBy,
}

macro_rules! by_group {
    ($group:expr, $report:ident) => {
        match $group {
            GroupBy::None => $report!("0"),
            GroupBy::Queue => $report!("f.queue_id"),
            GroupBy::Member => $report!("coalesce(f.member_id, 0)"),
            GroupBy::Company => $report!("f.company_id"),
            GroupBy::RequestType => $report!("coalesce(f.request_type_id, 0)"),
        }
    };
}

/// Tickets made in a period, by group.
#[derive(Debug, sqlx::FromRow)]
pub struct Made {
    pub period: NaiveDateTime,
    pub key: i32,
    pub n: i64,
}

/// Tickets closed in a period, by group: how long they took (working seconds) and their SLA
/// outcomes.
#[derive(Debug, sqlx::FromRow)]
pub struct Closed {
    pub period: NaiveDateTime,
    pub key: i32,
    pub n: i64,
    /// The median and p90 (one sort for both).
    pub quantiles: Option<Vec<Option<f64>>>,
    pub met: i64,
    pub missed: i64,
    pub next_met: i64,
    pub next_missed: i64,
}

/// Tickets first answered in a period, by group: after how long, and whether in time.
#[derive(Debug, sqlx::FromRow)]
pub struct Responded {
    pub period: NaiveDateTime,
    pub key: i32,
    pub n: i64,
    /// The median and p90.
    pub quantiles: Option<Vec<Option<f64>>>,
    pub met: i64,
    pub missed: i64,
}

/// The parts of the tickets report, read at once.
pub struct TicketParts {
    pub made: Vec<Made>,
    pub closed: Vec<Closed>,
    pub responded: Vec<Responded>,
    /// Tickets open at the range's end, by group.
    pub open_at_end: Vec<(i32, i64)>,
}

macro_rules! made_report {
    ($key:literal) => {
        sql!(
            "SELECT date_trunc($4, f.created_at AT TIME ZONE $5) AS period, ",
            $key,
            " AS key,
                    count(*) AS n
             FROM ticket_facts f
             WHERE f.tenant_id = $1 AND f.created_at >= $2 AND f.created_at < $3
             GROUP BY 1, 2"
        )
    };
}

macro_rules! closed_report {
    ($key:literal) => {
        sql!(
            "SELECT date_trunc($4, f.closed_at AT TIME ZONE $5) AS period, ",
            $key,
            " AS key,
                    count(*) AS n,
                    percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.resolution_secs) AS quantiles,
                    count(*) FILTER (WHERE f.resolution_met) AS met,
                    count(*) FILTER (WHERE NOT f.resolution_met) AS missed,
                    coalesce(sum(f.next_responses_met), 0)::bigint AS next_met,
                    coalesce(sum(f.next_responses_missed), 0)::bigint AS next_missed
             FROM ticket_facts f
             WHERE f.tenant_id = $1 AND f.closed_at >= $2 AND f.closed_at < $3
             GROUP BY 1, 2"
        )
    };
}

macro_rules! responded_report {
    ($key:literal) => {
        sql!(
            "SELECT date_trunc($4, f.first_response_at AT TIME ZONE $5) AS period, ", $key, " AS key,
                    count(*) AS n,
                    percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.first_response_secs) AS quantiles,
                    count(*) FILTER (WHERE f.first_response_met) AS met,
                    count(*) FILTER (WHERE NOT f.first_response_met) AS missed
             FROM ticket_facts f
             WHERE f.tenant_id = $1 AND f.first_response_at >= $2 AND f.first_response_at < $3
             GROUP BY 1, 2"
        )
    };
}

/// Open at `$2`: open now (the kept counts), less those made since, plus those closed since.
macro_rules! open_report {
    ($key:literal) => {
        sql!(
            "SELECT key, sum(n)::bigint FROM (
                 SELECT ",
            $key,
            " AS key, sum(f.open) AS n FROM ticket_open_counts f
                 WHERE f.tenant_id = $1 GROUP BY 1
                 UNION ALL
                 SELECT ",
            $key,
            ", -count(*) FROM ticket_facts f
                 WHERE f.tenant_id = $1 AND f.created_at >= $2 GROUP BY 1
                 UNION ALL
                 SELECT ",
            $key,
            ", count(*) FROM ticket_facts f
                 WHERE f.tenant_id = $1 AND f.closed_at >= $2 GROUP BY 1) o
             GROUP BY key"
        )
    };
}

/// The four parts of the tickets report, each on its own connection at the same time: each is one
/// index-only range scan, so together they take about as long as the longest, not their sum.
pub async fn ticket_parts(
    pool: &PgPool,
    tenant: TenantId,
    cut: &Cut<'_>,
) -> Result<TicketParts, sqlx::Error> {
    let made = ranged(by_group!(cut.group_by, made_report), tenant, cut).fetch_all(pool);
    let closed = ranged(by_group!(cut.group_by, closed_report), tenant, cut).fetch_all(pool);
    let responded = ranged(by_group!(cut.group_by, responded_report), tenant, cut).fetch_all(pool);
    let open = sqlx::query_as(by_group!(cut.group_by, open_report))
        .bind(tenant)
        .bind(cut.to)
        .fetch_all(pool);
    let (made, closed, responded, open_at_end) = tokio::try_join!(made, closed, responded, open)?;
    Ok(TicketParts {
        made,
        closed,
        responded,
        open_at_end,
    })
}

/// A report statement over the cut's range: `$1` tenant, `$2`–`$3` the range, `$4` the interval,
/// `$5` the zone.
fn ranged<'q, T>(
    statement: &'static str,
    tenant: TenantId,
    cut: &Cut<'q>,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, T, sqlx::postgres::PgArguments>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(cut.from)
        .bind(cut.to)
        .bind(cut.interval.as_str())
        .bind(cut.time_zone)
}

#[derive(Debug, sqlx::FromRow)]
pub struct SurveyRow {
    pub period: NaiveDateTime,
    pub key: i32,
    pub sent: i64,
    pub answered: i64,
    pub average_score: Option<f64>,
    pub satisfied: i64,
}

macro_rules! surveys_report {
    ($key:literal) => {
        sql!(
            "SELECT date_trunc($4, f.sent_at AT TIME ZONE $5) AS period, ",
            $key,
            " AS key,
                    count(*) AS sent, count(f.answered_at) AS answered,
                    avg(f.score)::float8 AS average_score,
                    count(*) FILTER (WHERE f.satisfied) AS satisfied
             FROM survey_responses f
             WHERE f.tenant_id = $1 AND f.sent_at >= $2 AND f.sent_at < $3
             GROUP BY 1, 2 ORDER BY 1, 2"
        )
    };
}

/// Surveys sent in each period, and how those were answered.
pub async fn surveys(
    conn: &mut PgConnection,
    tenant: TenantId,
    cut: &Cut<'_>,
) -> Result<Vec<SurveyRow>, sqlx::Error> {
    ranged(by_group!(cut.group_by, surveys_report), tenant, cut)
        .fetch_all(conn)
        .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct ChatRow {
    pub period: NaiveDateTime,
    pub chats: i64,
    pub handled: i64,
    pub missed: i64,
    pub wait_median: Option<f64>,
    pub wait_p90: Option<f64>,
}

/// Chats contacts asked for in each period: how many, how many staff took and how many were
/// missed, and how long a taken one waited.
pub async fn chats(
    conn: &mut PgConnection,
    tenant: TenantId,
    cut: &Cut<'_>,
) -> Result<Vec<ChatRow>, sqlx::Error> {
    ranged(sql!(
        "SELECT date_trunc($4, c.created_at AT TIME ZONE $5) AS period, count(*) AS chats,
                count(c.handled_at) AS handled,
                count(*) FILTER (WHERE c.status = 'missed' OR 'missed' = ANY (c.past_status)) AS missed,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.handled_at - c.created_at)::float8)
                    FILTER (WHERE c.handled_at IS NOT NULL) AS wait_median,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.handled_at - c.created_at)::float8)
                    FILTER (WHERE c.handled_at IS NOT NULL) AS wait_p90
         FROM chat_sessions c
         WHERE c.tenant_id = $1 AND c.type = 'request' AND c.created_at >= $2 AND c.created_at < $3
         GROUP BY 1 ORDER BY 1"
    ), tenant, cut)
    .fetch_all(conn)
    .await
}

/// The names of a report's groups.
pub async fn group_names(
    conn: &mut PgConnection,
    tenant: TenantId,
    group_by: GroupBy,
    ids: &[i32],
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    let statement = match group_by {
        GroupBy::None => return Ok(vec![]),
        GroupBy::Queue => {
            sql!("SELECT id, name FROM queues WHERE tenant_id = $1 AND id = ANY ($2)")
        }
        GroupBy::Member => sql!(
            "SELECT id, trim(first_name || ' ' || last_name) FROM members
             WHERE tenant_id = $1 AND id = ANY ($2)"
        ),
        GroupBy::Company => {
            sql!("SELECT id, name FROM companies WHERE tenant_id = $1 AND id = ANY ($2)")
        }
        GroupBy::RequestType => {
            sql!("SELECT id, name FROM request_types WHERE tenant_id = $1 AND id = ANY ($2)")
        }
    };
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(ids)
        .fetch_all(conn)
        .await
}

/// The tenant's default calendar's time zone, the zone reports count days in.
pub async fn default_time_zone(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT schedule ->> 'timeZone' FROM calendars WHERE tenant_id = $1 AND is_default"
    ))
    .bind(tenant)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}
