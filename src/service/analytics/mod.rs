//! Analytics: reports over a range of days, cut by day, week or month and grouped by queue,
//! member, company or request type. They read facts kept as tickets change (`facts`), never the
//! tickets themselves, so a quarter of a million-ticket tenant is a few index ranges.

pub mod facts;
pub mod tickets;

pub use tickets::TicketRow;

use chrono::{DateTime, NaiveDate, Utc};

use crate::{
    domain::{
        Tenant,
        analytics::{GroupBy, Interval},
    },
    error::{Error, Result},
    repo::{
        self,
        analytics::reports::{ChatRow, Cut, SurveyRow},
    },
    state::AppState,
};

/// The longest range a report covers.
pub const MAX_DAYS: i64 = 731;

/// What a report is asked for; the dates are whole days in `time_zone` (`to` included).
pub struct Ask {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub interval: Interval,
    pub group_by: GroupBy,
    /// The zone days are counted in; `None`: the default calendar's, else UTC.
    pub time_zone: Option<String>,
}

/// A report's rows, with the names of its groups and the zone its periods are in.
pub struct Report<T> {
    pub time_zone: String,
    pub rows: Vec<T>,
    pub names: Vec<(i32, String)>,
}

pub async fn tickets(state: &AppState, tenant: &Tenant, ask: &Ask) -> Result<Report<TicketRow>> {
    let (zone, cut) = cut_of(&mut *state.pool.acquire().await?, tenant, ask).await?;
    // Its parts each take a connection of their own (none is held meanwhile: a small pool must
    // not wait on itself).
    let parts = repo::analytics::reports::ticket_parts(&state.pool, tenant.id, &cut.with(&zone))
        .await
        .map_err(zone_error)?;
    let mut conn = state.pool.acquire().await?;
    let periods = tickets::periods(ask.from, ask.to, ask.interval);
    let rows = tickets::rows(parts, &periods, ask.group_by == GroupBy::None);
    let keys: Vec<i32> = rows.iter().map(|r| r.key).collect();
    named(&mut conn, tenant, ask.group_by, zone, rows, keys).await
}

pub async fn surveys(state: &AppState, tenant: &Tenant, ask: &Ask) -> Result<Report<SurveyRow>> {
    let mut conn = state.pool.acquire().await?;
    let (zone, cut) = cut_of(&mut conn, tenant, ask).await?;
    let rows = repo::analytics::reports::surveys(&mut conn, tenant.id, &cut.with(&zone))
        .await
        .map_err(zone_error)?;
    let keys: Vec<i32> = rows.iter().map(|r| r.key).collect();
    named(&mut conn, tenant, ask.group_by, zone, rows, keys).await
}

/// Chats have no queue, company or assignee of their own: they are cut by period only.
pub async fn chats(state: &AppState, tenant: &Tenant, ask: &Ask) -> Result<Report<ChatRow>> {
    if ask.group_by != GroupBy::None {
        return Err(Error::validation(
            "groupBy",
            "chats are reported by period only (groupBy=none)",
        ));
    }
    let mut conn = state.pool.acquire().await?;
    let (zone, cut) = cut_of(&mut conn, tenant, ask).await?;
    let rows = repo::analytics::reports::chats(&mut conn, tenant.id, &cut.with(&zone))
        .await
        .map_err(zone_error)?;
    Ok(Report {
        time_zone: zone,
        rows,
        names: vec![],
    })
}

async fn named<T>(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    group_by: GroupBy,
    time_zone: String,
    rows: Vec<T>,
    mut keys: Vec<i32>,
) -> Result<Report<T>> {
    keys.sort_unstable();
    keys.dedup();
    let names = repo::analytics::reports::group_names(conn, tenant.id, group_by, &keys).await?;
    Ok(Report {
        time_zone,
        rows,
        names,
    })
}

/// The range as instants, checked: `to` not before `from`, at most two years, a known zone (each a
/// 422: the request is well formed but breaks a rule its schema cannot state).
struct Range {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    interval: Interval,
    group_by: GroupBy,
}

impl Range {
    fn with<'a>(&self, zone: &'a str) -> Cut<'a> {
        Cut {
            from: self.from,
            to: self.to,
            interval: self.interval,
            time_zone: zone,
            group_by: self.group_by,
        }
    }
}

async fn cut_of(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    ask: &Ask,
) -> Result<(String, Range)> {
    if ask.to < ask.from {
        return Err(Error::validation("to", "`to` is on or after `from`"));
    }
    if (ask.to - ask.from).num_days() + 1 > MAX_DAYS {
        return Err(Error::validation(
            "to",
            format!("a report covers at most {MAX_DAYS} days (two years)"),
        ));
    }
    let zone = match &ask.time_zone {
        Some(zone) => zone.clone(),
        None => repo::analytics::reports::default_time_zone(conn, tenant.id)
            .await?
            .unwrap_or_else(|| "UTC".into()),
    };
    let tz = jiff::tz::TimeZone::get(&zone).map_err(|_| unknown_zone(&zone))?;
    let start = |date: NaiveDate| -> Result<DateTime<Utc>> {
        use chrono::Datelike;
        let civil =
            jiff::civil::Date::new(date.year() as i16, date.month() as i8, date.day() as i8)
                .map_err(|_| Error::validation("from", "a date between 1 and 9999"))?;
        let at = civil
            .to_zoned(tz.clone())
            .map_err(|_| Error::validation("from", "a date between 1 and 9999"))?;
        DateTime::from_timestamp(at.timestamp().as_second(), 0)
            .ok_or_else(|| Error::validation("from", "a date between 1 and 9999"))
    };
    let day_after = ask
        .to
        .succ_opt()
        .ok_or_else(|| Error::validation("to", "a date between 1 and 9999"))?;
    let range = Range {
        from: start(ask.from)?,
        to: start(day_after)?,
        interval: ask.interval,
        group_by: ask.group_by,
    };
    Ok((zone, range))
}

fn unknown_zone(zone: &str) -> Error {
    Error::validation(
        "timeZone",
        format!("`{zone}` is not an IANA time zone (e.g. Pacific/Auckland)"),
    )
}

/// PostgreSQL knows a few zones by other names than jiff: its refusal is the caller's 422.
fn zone_error(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(d) if d.code().as_deref() == Some("22023") => Error::validation(
            "timeZone",
            "this time zone is not known to the database; use another IANA name",
        ),
        _ => e.into(),
    }
}
