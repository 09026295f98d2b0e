//! Office hours: admins keep calendars (a time zone, weekly hours, holidays, exceptions), one of
//! them the tenant's default and any of them a company's own; anyone can ask whether a calendar is
//! open now and when that changes. Service-level clocks count on them.

mod hours;

pub use hours::Hours;

use chrono::{DateTime, Utc};

use super::validate;
use crate::{
    domain::{
        Tenant, TenantId,
        office_hours::{self as domain, CalendarInput, Schedule, minute_of},
    },
    error::{Error, Result},
    repo::{self, office_hours::CalendarRow},
    state::AppState,
};

const MAX_WEEKLY: usize = 70;
const MAX_DAYS: usize = 1000;

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<CalendarRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::office_hours::list(&mut conn, tenant.id).await?)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<CalendarRow> {
    let mut conn = state.pool.acquire().await?;
    repo::office_hours::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("calendar"))
}

/// Creates (`id` none) or replaces a calendar; its companies are the ones listed now.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: CalendarInput,
) -> Result<CalendarRow> {
    let name = validate::required_text("name", &input.name, 200)?;
    check_schedule(&input.schedule)?;
    check_companies(state, tenant.id, &input.company_ids).await?;
    let mut tx = state.pool.begin().await?;
    let id = match id {
        Some(id) => {
            repo::office_hours::get(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("calendar"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "calendar").await?,
    };
    if input.is_default {
        repo::office_hours::clear_default(&mut tx, tenant.id).await?;
    }
    let s = &input.schedule;
    repo::office_hours::save(&mut tx, tenant.id, id, &name, s, input.is_default).await?;
    repo::office_hours::set_companies(&mut tx, tenant.id, id, &input.company_ids).await?;
    let row = repo::office_hours::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("calendar"))?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes a calendar no policy counts on; its companies fall back to the default.
pub async fn delete(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    let users = repo::office_hours::policies_using(&mut tx, tenant.id, id).await?;
    if !users.is_empty() {
        return Err(Error::state(
            "CalendarInUse",
            format!("SLA policies count on this calendar: {}", users.join(", ")),
        ));
    }
    if !repo::office_hours::delete(&mut tx, tenant.id, id).await? {
        return Err(Error::not_found("calendar"));
    }
    tx.commit().await?;
    Ok(())
}

/// Whether a calendar is open at an instant, and when that changes.
pub struct OpenState {
    pub calendar: CalendarRow,
    pub at: DateTime<Utc>,
    pub is_open: bool,
    /// When it closes (open) or next opens (closed); `None`: never within three years.
    pub changes_at: Option<DateTime<Utc>>,
}

pub async fn now(state: &AppState, tenant: &Tenant, id: i32) -> Result<OpenState> {
    open_state(get(state, tenant, id).await?)
}

/// The calendar of a contact's company (its own, else the default), open now or not.
pub async fn now_for_company(state: &AppState, tenant: &Tenant, company: i32) -> Result<OpenState> {
    let mut conn = state.pool.acquire().await?;
    let calendar = repo::office_hours::of_company(&mut conn, tenant.id, company)
        .await?
        .ok_or_else(|| Error::not_found("calendar"))?;
    open_state(calendar)
}

fn open_state(calendar: CalendarRow) -> Result<OpenState> {
    let hours = Hours::of(&calendar.schedule.0)
        .ok_or_else(|| Error::internal("a stored calendar's time zone is unknown"))?;
    let at = Utc::now();
    let (is_open, changes_at) = hours.state_at(at);
    Ok(OpenState {
        calendar,
        at,
        is_open,
        changes_at,
    })
}

/// The local time of an instant in a zone, as RFC 3339 with its offset.
pub fn local_time(zone: &str, at: DateTime<Utc>) -> Option<String> {
    let zone = jiff::tz::TimeZone::get(zone).ok()?;
    let ts = jiff::Timestamp::from_second(at.timestamp()).ok()?;
    Some(
        ts.to_zoned(zone)
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
    )
}

/// The hours tickets of this tenant count on for a calendar (`None`: every hour).
pub async fn hours_of(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    calendar: i32,
) -> Result<Option<Hours>> {
    Ok(repo::office_hours::schedule(conn, tenant, calendar)
        .await?
        .and_then(|s| Hours::of(&s)))
}

/// A schedule's zone is known; its hours parse, each day's are in order and apart; its dates are
/// dates. The first problem is a 422 naming its field.
fn check_schedule(s: &Schedule) -> Result<()> {
    if s.time_zone.len() > 64 || jiff::tz::TimeZone::get(&s.time_zone).is_err() {
        return Err(Error::validation(
            "timeZone",
            format!(
                "`{}` is not an IANA time zone (e.g. Pacific/Auckland)",
                s.time_zone
            ),
        ));
    }
    if s.week.is_empty() {
        return Err(Error::validation(
            "week",
            "give at least one working interval",
        ));
    }
    if s.week.len() > MAX_WEEKLY {
        return Err(Error::validation(
            "week",
            format!("at most {MAX_WEEKLY} intervals"),
        ));
    }
    for (i, w) in s.week.iter().enumerate() {
        let same_day = s.week.iter().enumerate().filter(|(_, o)| o.day == w.day);
        check_hours(
            &format!("week[{i}]"),
            &w.hours,
            i,
            same_day.map(|(j, o)| (j, &o.hours)),
        )?;
    }
    if s.holidays.len() > MAX_DAYS || s.exceptions.len() > MAX_DAYS {
        return Err(Error::validation(
            if s.holidays.len() > MAX_DAYS {
                "holidays"
            } else {
                "exceptions"
            },
            format!("at most {MAX_DAYS} dates"),
        ));
    }
    for (i, h) in s.holidays.iter().enumerate() {
        check_date(&format!("holidays[{i}].date"), &h.date)?;
        validate::optional_text(&format!("holidays[{i}].name"), &h.name, 200)?;
    }
    for (i, e) in s.exceptions.iter().enumerate() {
        let field = format!("exceptions[{i}]");
        check_date(&format!("{field}.date"), &e.date)?;
        validate::optional_text(&format!("{field}.name"), &e.name, 200)?;
        if s.exceptions[..i].iter().any(|o| o.date == e.date) {
            return Err(Error::validation(
                &format!("{field}.date"),
                format!("{} has two exceptions", e.date),
            ));
        }
        if e.hours.len() > 24 {
            return Err(Error::validation(
                &format!("{field}.hours"),
                "at most 24 intervals",
            ));
        }
        for (j, h) in e.hours.iter().enumerate() {
            let others = e.hours.iter().enumerate();
            check_hours(&format!("{field}.hours[{j}]"), h, j, others)?;
        }
    }
    Ok(())
}

fn check_date(field: &str, date: &str) -> Result<()> {
    let ok = date.len() == 10 && date.parse::<jiff::civil::Date>().is_ok();
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            field,
            format!("`{date}` is not a date (YYYY-MM-DD)"),
        ))
    }
}

/// One interval: its times parse, start before end, and it overlaps none of the others of its day.
fn check_hours<'a>(
    field: &str,
    h: &domain::Hours,
    index: usize,
    same_day: impl Iterator<Item = (usize, &'a domain::Hours)>,
) -> Result<()> {
    let parse = |part: &str, text: &str| {
        minute_of(text)
            .filter(|m| part == "end" || *m < 24 * 60)
            .ok_or_else(|| {
                Error::validation(
                    &format!("{field}.{part}"),
                    format!("`{text}` is not a time (HH:MM)"),
                )
            })
    };
    let (start, end) = (parse("start", &h.start)?, parse("end", &h.end)?);
    if start >= end {
        return Err(Error::validation(
            &format!("{field}.end"),
            "end must be after start",
        ));
    }
    for (j, other) in same_day {
        if j == index {
            continue;
        }
        let (Some(s), Some(e)) = (minute_of(&other.start), minute_of(&other.end)) else {
            continue;
        };
        if start < e && s < end {
            return Err(Error::validation(
                field,
                format!(
                    "{}–{} overlaps {}–{}",
                    h.start, h.end, other.start, other.end
                ),
            ));
        }
    }
    Ok(())
}

async fn check_companies(state: &AppState, tenant: TenantId, ids: &[i32]) -> Result<()> {
    if ids.len() > 1000 {
        return Err(Error::validation("companyIds", "at most 1000"));
    }
    for id in ids {
        if !repo::companies::exists(&state.pool, tenant, *id).await? {
            return Err(Error::validation(
                "companyIds",
                format!("company {id} does not exist"),
            ));
        }
    }
    Ok(())
}
