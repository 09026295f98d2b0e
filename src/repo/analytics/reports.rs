//! The reports: one statement each per grouping, over `ticket_facts`, `survey_responses` and
//! `chat_sessions`. Periods are local to the report's time zone; a group key of 0 stands for
//! "none" (no assignee, no request type, or no grouping at all).

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::PgConnection;

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

#[derive(Debug, sqlx::FromRow)]
pub struct TicketRow {
    pub period: NaiveDateTime,
    pub key: i32,
    pub created: i64,
    pub closed: i64,
    pub backlog: i64,
    pub responded: i64,
    pub first_response_median: Option<f64>,
    pub first_response_p90: Option<f64>,
    pub resolution_median: Option<f64>,
    pub resolution_p90: Option<f64>,
    pub first_response_met: i64,
    pub first_response_missed: i64,
    pub next_response_met: i64,
    pub next_response_missed: i64,
    pub resolution_met: i64,
    pub resolution_missed: i64,
}

macro_rules! tickets_report {
    ($key:literal) => {
        sql!(
            "WITH created AS (
                SELECT date_trunc($4, f.created_at AT TIME ZONE $5) AS period, ", $key, " AS key,
                       count(*) AS n
                FROM ticket_facts f
                WHERE f.tenant_id = $1 AND f.created_at >= $2 AND f.created_at < $3
                GROUP BY 1, 2),
            closed AS (
                SELECT date_trunc($4, f.closed_at AT TIME ZONE $5) AS period, ", $key, " AS key,
                       count(*) AS n,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.resolution_secs) AS median,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY f.resolution_secs) AS p90,
                       count(*) FILTER (WHERE f.resolution_met) AS met,
                       count(*) FILTER (WHERE NOT f.resolution_met) AS missed,
                       sum(f.next_responses_met)::bigint AS next_met,
                       sum(f.next_responses_missed)::bigint AS next_missed
                FROM ticket_facts f
                WHERE f.tenant_id = $1 AND f.closed_at >= $2 AND f.closed_at < $3
                GROUP BY 1, 2),
            responded AS (
                SELECT date_trunc($4, f.first_response_at AT TIME ZONE $5) AS period, ", $key, " AS key,
                       count(*) AS n,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY f.first_response_secs) AS median,
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY f.first_response_secs) AS p90,
                       count(*) FILTER (WHERE f.first_response_met) AS met,
                       count(*) FILTER (WHERE NOT f.first_response_met) AS missed
                FROM ticket_facts f
                WHERE f.tenant_id = $1 AND f.first_response_at >= $2 AND f.first_response_at < $3
                GROUP BY 1, 2),
            open_at_end AS (
                SELECT key, sum(n)::bigint AS n FROM (
                    SELECT ", $key, " AS key, count(*) AS n FROM ticket_facts f
                    WHERE f.tenant_id = $1 AND f.closed_at IS NULL GROUP BY 1
                    UNION ALL
                    SELECT ", $key, ", -count(*) FROM ticket_facts f
                    WHERE f.tenant_id = $1 AND f.created_at >= $3 GROUP BY 1
                    UNION ALL
                    SELECT ", $key, ", count(*) FROM ticket_facts f
                    WHERE f.tenant_id = $1 AND f.closed_at >= $3 GROUP BY 1) o
                GROUP BY key),
            periods AS (
                SELECT generate_series(date_trunc($4, $2 AT TIME ZONE $5),
                                       ($3 AT TIME ZONE $5) - interval '1 microsecond',
                                       ('1 ' || $4)::interval) AS period),
            keys AS (
                SELECT key FROM created UNION SELECT key FROM closed UNION SELECT key FROM responded
                UNION SELECT key FROM open_at_end WHERE n <> 0
                -- Ungrouped, every period has its row.
                UNION SELECT 0 WHERE $6),
            grid AS (
                SELECT p.period, k.key, coalesce(c.n, 0) AS created, coalesce(x.n, 0) AS closed,
                       coalesce(r.n, 0) AS responded,
                       r.median AS first_response_median, r.p90 AS first_response_p90,
                       x.median AS resolution_median, x.p90 AS resolution_p90,
                       coalesce(r.met, 0) AS first_response_met,
                       coalesce(r.missed, 0) AS first_response_missed,
                       coalesce(x.next_met, 0) AS next_response_met,
                       coalesce(x.next_missed, 0) AS next_response_missed,
                       coalesce(x.met, 0) AS resolution_met, coalesce(x.missed, 0) AS resolution_missed,
                       coalesce(e.n, 0) AS open_at_end
                FROM periods p CROSS JOIN keys k
                LEFT JOIN created c ON c.period = p.period AND c.key = k.key
                LEFT JOIN closed x ON x.period = p.period AND x.key = k.key
                LEFT JOIN responded r ON r.period = p.period AND r.key = k.key
                LEFT JOIN open_at_end e ON e.key = k.key),
            measured AS (
                SELECT g.*, (g.open_at_end - coalesce(sum(g.created - g.closed) OVER (
                           PARTITION BY g.key ORDER BY g.period DESC
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))::bigint AS backlog
                FROM grid g)
            SELECT period, key, created, closed, backlog, responded, first_response_median,
                   first_response_p90, resolution_median, resolution_p90, first_response_met,
                   first_response_missed, next_response_met, next_response_missed, resolution_met,
                   resolution_missed
            FROM measured
            WHERE created <> 0 OR closed <> 0 OR responded <> 0 OR backlog <> 0 OR $6
            ORDER BY period, key"
        )
    };
}

pub async fn tickets(
    conn: &mut PgConnection,
    tenant: TenantId,
    cut: &Cut<'_>,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    let statement = by_group!(cut.group_by, tickets_report);
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(cut.from)
        .bind(cut.to)
        .bind(cut.interval.as_str())
        .bind(cut.time_zone)
        .bind(cut.group_by == GroupBy::None)
        .fetch_all(conn)
        .await
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
    let statement = by_group!(cut.group_by, surveys_report);
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(cut.from)
        .bind(cut.to)
        .bind(cut.interval.as_str())
        .bind(cut.time_zone)
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
    sqlx::query_as(sql!(
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
    ))
    .bind(tenant)
    .bind(cut.from)
    .bind(cut.to)
    .bind(cut.interval.as_str())
    .bind(cut.time_zone)
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
