//! The tickets report, put together from its parts: every period of the range for every group seen,
//! with the backlog carried back from the range's end.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Days, Months, NaiveDate};

use crate::{
    domain::analytics::Interval,
    repo::analytics::reports::{Closed, Responded, TicketParts},
};

/// Tickets in one period and group. Times are working seconds.
#[derive(Debug, Default)]
pub struct TicketRow {
    pub period: NaiveDate,
    /// The group's id; 0: ungrouped, or no assignee / request type.
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

/// The first day of each period from `from`'s to `to`'s (weeks from Monday, months from the 1st).
pub fn periods(from: NaiveDate, to: NaiveDate, interval: Interval) -> Vec<NaiveDate> {
    let first = match interval {
        Interval::Day => Some(from),
        Interval::Week => {
            from.checked_sub_days(Days::new(u64::from(from.weekday().num_days_from_monday())))
        }
        Interval::Month => from.with_day(1),
    };
    let next = |d: NaiveDate| match interval {
        Interval::Day => d.checked_add_days(Days::new(1)),
        Interval::Week => d.checked_add_days(Days::new(7)),
        Interval::Month => d.checked_add_months(Months::new(1)),
    };
    std::iter::successors(first, |d| next(*d))
        .take_while(|d| *d <= to)
        .collect()
}

/// Every period for every group that has something in the range (or is open at its end); a
/// group's empty periods are left out unless ungrouped.
pub fn rows(parts: TicketParts, periods: &[NaiveDate], ungrouped: bool) -> Vec<TicketRow> {
    let made: HashMap<(NaiveDate, i32), i64> = parts
        .made
        .iter()
        .map(|m| ((m.period.date(), m.key), m.n))
        .collect();
    let closed: HashMap<(NaiveDate, i32), &Closed> = parts
        .closed
        .iter()
        .map(|c| ((c.period.date(), c.key), c))
        .collect();
    let responded: HashMap<(NaiveDate, i32), &Responded> = parts
        .responded
        .iter()
        .map(|r| ((r.period.date(), r.key), r))
        .collect();
    let open: HashMap<i32, i64> = parts.open_at_end.iter().copied().collect();
    let mut keys: BTreeSet<i32> = made.keys().map(|(_, k)| *k).collect();
    keys.extend(closed.keys().map(|(_, k)| *k));
    keys.extend(responded.keys().map(|(_, k)| *k));
    keys.extend(open.iter().filter(|(_, n)| **n != 0).map(|(k, _)| *k));
    if ungrouped {
        keys.insert(0);
    }
    let mut out = vec![];
    for key in keys {
        // Open at the end of each period: open at the range's end, less what later periods added.
        let mut running = open.get(&key).copied().unwrap_or(0);
        let mut group: Vec<TicketRow> = periods
            .iter()
            .rev()
            .map(|&period| {
                let mut row = TicketRow {
                    period,
                    key,
                    created: made.get(&(period, key)).copied().unwrap_or(0),
                    backlog: running,
                    ..TicketRow::default()
                };
                if let Some(c) = closed.get(&(period, key)) {
                    row.closed = c.n;
                    (row.resolution_median, row.resolution_p90) =
                        median_and_p90(c.quantiles.as_deref());
                    row.resolution_met = c.met;
                    row.resolution_missed = c.missed;
                    row.next_response_met = c.next_met;
                    row.next_response_missed = c.next_missed;
                }
                if let Some(r) = responded.get(&(period, key)) {
                    row.responded = r.n;
                    (row.first_response_median, row.first_response_p90) =
                        median_and_p90(r.quantiles.as_deref());
                    row.first_response_met = r.met;
                    row.first_response_missed = r.missed;
                }
                running -= row.created - row.closed;
                row
            })
            .collect();
        group.reverse();
        out.extend(group.into_iter().filter(|r| {
            ungrouped || r.created != 0 || r.closed != 0 || r.responded != 0 || r.backlog != 0
        }));
    }
    out.sort_by_key(|r| (r.period, r.key));
    out
}

fn median_and_p90(quantiles: Option<&[Option<f64>]>) -> (Option<f64>, Option<f64>) {
    let at = |i: usize| quantiles.and_then(|q| q.get(i).copied().flatten());
    (at(0), at(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_start_on_mondays_and_firsts() {
        let weeks = periods(day("2026-12-02"), day("2026-12-15"), Interval::Week);
        assert_eq!(
            weeks,
            [day("2026-11-30"), day("2026-12-07"), day("2026-12-14")]
        );
        let months = periods(day("2026-11-15"), day("2027-01-01"), Interval::Month);
        assert_eq!(
            months,
            [day("2026-11-01"), day("2026-12-01"), day("2027-01-01")]
        );
        assert_eq!(
            periods(day("2026-12-01"), day("2026-12-03"), Interval::Day).len(),
            3
        );
    }
}
