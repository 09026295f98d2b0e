//! What analytics reports are asked for: a period of days, cut into intervals and groups.

use serde::Deserialize;
use utoipa::ToSchema;

/// How a report's range is cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum Interval {
    #[default]
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
}

impl Interval {
    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Week => "week",
            Interval::Month => "month",
        }
    }
}

/// What a report's rows are grouped by, besides the interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum GroupBy {
    #[default]
    None,
    Queue,
    /// The ticket's first assignee (lowest member id).
    Member,
    Company,
    RequestType,
}

impl GroupBy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::None => "none",
            GroupBy::Queue => "queue",
            GroupBy::Member => "member",
            GroupBy::Company => "company",
            GroupBy::RequestType => "requestType",
        }
    }
}
