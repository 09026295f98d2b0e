//! Working time on a calendar: its weekly intervals, holidays and exceptions, in its time zone.
//! Local times become instants through the zone's rules, so a working day that crosses a
//! daylight-saving change is as long as the clocks on the wall say it is.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use jiff::{
    Timestamp,
    civil::{Date, Time},
    tz::TimeZone,
};

use crate::domain::office_hours::{Hours as OfficeHours, Schedule, minute_of};

/// How far ahead (and back) working time is looked for: a calendar with none in this many days is
/// treated as never open.
const HORIZON_DAYS: i64 = 3 * 366;

/// A calendar ready for arithmetic.
#[derive(Clone, Debug)]
pub struct Hours {
    zone: TimeZone,
    /// Monday first: minutes since midnight, sorted and apart.
    week: [Vec<(u16, u16)>; 7],
    holidays: HashSet<Date>,
    /// (month, day) of holidays that come back every year.
    yearly: HashSet<(i8, i8)>,
    exceptions: HashMap<Date, Vec<(u16, u16)>>,
}

/// Sorted minute ranges of these hours (checked when saved; any that do not parse are left out).
fn minutes<'a>(hours: impl Iterator<Item = &'a OfficeHours>) -> Vec<(u16, u16)> {
    let mut out: Vec<(u16, u16)> = hours
        .filter_map(|h| Some((minute_of(&h.start)?, minute_of(&h.end)?)))
        .collect();
    out.sort_unstable();
    out
}

impl Hours {
    /// The schedule's hours; `None` when its zone is unknown (schedules are checked when saved).
    pub fn of(s: &Schedule) -> Option<Self> {
        let zone = TimeZone::get(&s.time_zone).ok()?;
        let week = std::array::from_fn(|day| {
            minutes(
                s.week
                    .iter()
                    .filter(|w| w.day.index() == day)
                    .map(|w| &w.hours),
            )
        });
        let mut holidays = HashSet::new();
        let mut yearly = HashSet::new();
        for h in &s.holidays {
            let Ok(date) = h.date.parse::<Date>() else {
                continue;
            };
            if h.recurring {
                yearly.insert((date.month(), date.day()));
            } else {
                holidays.insert(date);
            }
        }
        let exceptions = s
            .exceptions
            .iter()
            .filter_map(|e| Some((e.date.parse::<Date>().ok()?, minutes(e.hours.iter()))))
            .collect();
        Some(Self {
            zone,
            week,
            holidays,
            yearly,
            exceptions,
        })
    }

    /// The working minutes of a local date: an exception's, none on a holiday, else the week's.
    fn minutes_on(&self, date: Date) -> &[(u16, u16)] {
        if let Some(spans) = self.exceptions.get(&date) {
            return spans;
        }
        if self.holidays.contains(&date) || self.yearly.contains(&(date.month(), date.day())) {
            return &[];
        }
        &self.week[date.weekday().to_monday_zero_offset() as usize]
    }

    /// The instant a local date's minute falls on (24:00 is the next midnight).
    fn instant(&self, date: Date, minute: u16) -> Option<Timestamp> {
        let (date, minute) = if minute >= 24 * 60 {
            (date.tomorrow().ok()?, minute - 24 * 60)
        } else {
            (date, minute)
        };
        let time = Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?;
        self.zone.to_timestamp(date.to_datetime(time)).ok()
    }

    /// The working intervals of one local date, as instants.
    fn intervals_on(&self, date: Date) -> Vec<(Timestamp, Timestamp)> {
        self.minutes_on(date)
            .iter()
            .filter_map(|&(s, e)| Some((self.instant(date, s)?, self.instant(date, e)?)))
            .filter(|(s, e)| s < e)
            .collect()
    }

    fn local_date(&self, at: Timestamp) -> Date {
        self.zone.to_datetime(at).date()
    }

    /// Working intervals from the day before `from`'s (an interval may still be running) onwards.
    fn intervals_from(&self, from: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> + '_ {
        let first = self.local_date(from).yesterday().ok();
        std::iter::successors(first, |d| d.tomorrow().ok())
            .take(HORIZON_DAYS as usize)
            .flat_map(|d| self.intervals_on(d))
            .filter(move |(_, end)| *end > from)
    }

    /// The instant `secs` of working time after `from`; `None` when the calendar never opens.
    pub fn add(&self, from: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
        let from = to_jiff(from);
        let mut left = secs.max(0);
        for (start, end) in self.intervals_from(from) {
            let start = start.max(from);
            let length = end.as_second() - start.as_second();
            if left <= length {
                return to_chrono(Timestamp::from_second(start.as_second() + left).ok()?);
            }
            left -= length;
        }
        None
    }

    /// The working seconds between two instants (0 when `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (from, to) = (to_jiff(from), to_jiff(to));
        if to <= from {
            return 0;
        }
        self.intervals_from(from)
            .take_while(|(start, _)| *start < to)
            .map(|(start, end)| end.min(to).as_second() - start.max(from).as_second())
            .sum()
    }

    /// Whether the calendar is open at `at`, and when that next changes (the close of the running
    /// interval, joined with any that start as it ends, or the next opening).
    pub fn state_at(&self, at: DateTime<Utc>) -> (bool, Option<DateTime<Utc>>) {
        let at = to_jiff(at);
        let mut intervals = self.intervals_from(at).peekable();
        let Some((start, mut end)) = intervals.next() else {
            return (false, None);
        };
        if start > at {
            return (false, to_chrono(start));
        }
        while let Some(&(next_start, next_end)) = intervals.peek() {
            if next_start > end {
                break;
            }
            end = end.max(next_end);
            intervals.next();
        }
        (true, to_chrono(end))
    }
}

fn to_jiff(at: DateTime<Utc>) -> Timestamp {
    Timestamp::from_second(at.timestamp()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn to_chrono(at: Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at.as_second(), 0)
}
