//! Office hours: a calendar's time zone, weekly working hours, holidays and exceptions, as admins
//! write them and as they are stored.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    /// Monday is 0.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Working hours within one day, local time: `"09:00"` to `"17:30"`; `end` may be `"24:00"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Hours {
    #[schema(example = "09:00", pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: String,
    #[schema(
        example = "17:00",
        pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
    )]
    pub end: String,
}

/// Working hours on one day of every week.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WeeklyHours {
    pub day: Weekday,
    #[serde(flatten)]
    pub hours: Hours,
}

/// A day off: once, or every year on the same month and day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Holiday {
    #[schema(example = "2026-12-25", format = Date)]
    pub date: String,
    #[serde(default)]
    pub name: String,
    /// Every year on this month and day.
    #[serde(default)]
    pub recurring: bool,
}

/// A date with its own hours (none: closed all day), taking the place of the week's and of any
/// holiday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExceptionDay {
    #[schema(example = "2026-12-24", format = Date)]
    pub date: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub hours: Vec<Hours>,
}

/// When a calendar is open.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    /// An IANA time zone, e.g. `Pacific/Auckland`.
    #[schema(example = "Pacific/Auckland")]
    pub time_zone: String,
    #[serde(default)]
    pub week: Vec<WeeklyHours>,
    #[serde(default)]
    pub holidays: Vec<Holiday>,
    #[serde(default)]
    pub exceptions: Vec<ExceptionDay>,
}

/// A calendar as admins write it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(flatten)]
    pub schedule: Schedule,
    /// The tenant's calendar for companies without their own (one calendar is the default).
    #[serde(default)]
    pub is_default: bool,
    /// Companies that work to this calendar (a company has at most one).
    #[serde(default)]
    pub company_ids: Vec<i32>,
}

/// Minutes since midnight of `"HH:MM"` (`"24:00"` is 1440).
pub fn minute_of(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || !digits(m) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}
