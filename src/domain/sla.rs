//! Service levels: policies that set response and resolution targets, and the clocks a ticket
//! keeps against them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Which tickets a policy covers; empty lists and `null` match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlaConditions {
    #[serde(default)]
    pub priority_ids: Vec<i32>,
    #[serde(default)]
    pub queue_ids: Vec<i32>,
    #[serde(default)]
    pub request_type_ids: Vec<i32>,
    #[serde(default)]
    pub company_ids: Vec<i32>,
    /// Only VIP contacts (`true`), only others (`false`), or anyone (`null`).
    #[serde(default)]
    pub contact_vip: Option<bool>,
}

/// The targets for tickets of one priority (`priorityId` `null`: every priority not listed).
/// A target left `null` is not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlaTargets {
    #[serde(default)]
    pub priority_id: Option<i32>,
    /// From the ticket's creation to staff's first public reply.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub first_response_minutes: Option<i64>,
    /// From a contact's reply to staff's next public reply.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub next_response_minutes: Option<i64>,
    /// From creation (or reopening) to closing.
    #[serde(default)]
    #[schema(minimum = 1)]
    pub resolution_minutes: Option<i64>,
}

/// A policy as admins write it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicyInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Policies are tried in this order (lowest first); the first that matches applies.
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub conditions: SlaConditions,
    pub targets: Vec<SlaTargets>,
    /// Count working time of the office hours (`true`, the default) or every hour (`false`).
    #[serde(default = "yes")]
    pub business_hours: bool,
    /// The office hours to count; `null`: the ticket's company's, else the tenant's default.
    #[serde(default)]
    pub calendar_id: Option<i32>,
    /// Statuses in which the clocks stop (e.g. "Waiting on customer").
    #[serde(default)]
    pub pause_status_ids: Vec<i32>,
    /// How long before a due time `ticket.sla_warning` is raised (default 30; 0: never).
    #[serde(default = "thirty")]
    #[schema(minimum = 0)]
    pub warn_before_minutes: i64,
}

fn yes() -> bool {
    true
}

fn thirty() -> i64 {
    30
}

/// The three targets a ticket is measured against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum SlaTarget {
    FirstResponse,
    NextResponse,
    Resolution,
}

impl SlaTarget {
    pub const ALL: [SlaTarget; 3] = [
        SlaTarget::FirstResponse,
        SlaTarget::NextResponse,
        SlaTarget::Resolution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SlaTarget::FirstResponse => "firstResponse",
            SlaTarget::NextResponse => "nextResponse",
            SlaTarget::Resolution => "resolution",
        }
    }
}

/// One target's clock on a ticket. Running while `running_since` is set; paused otherwise until
/// met (a staff reply, or closing for resolution) or stopped (closed before it was met).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Clock {
    pub target_secs: i64,
    /// Counted time used before `running_since`.
    pub spent_secs: i64,
    pub running_since: Option<DateTime<Utc>>,
    /// When it falls due while running; the last due time otherwise.
    pub due_at: Option<DateTime<Utc>>,
    pub met_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    /// `ticket.sla_warning` was raised for this run.
    pub warned: bool,
    /// `ticket.sla_breached` was raised for this run.
    pub breach_told: bool,
}

impl Clock {
    pub fn is_running(&self) -> bool {
        self.running_since.is_some()
    }

    pub fn is_done(&self) -> bool {
        self.met_at.is_some() || self.stopped_at.is_some()
    }

    /// When it was (or, running, will be) breached; `None` when it was not and cannot be yet.
    pub fn breach_at(&self) -> Option<DateTime<Utc>> {
        let due = self.due_at?;
        let ended = self.met_at.or(self.stopped_at);
        match ended {
            Some(end) => (end > due).then_some(due),
            None if self.is_running() => Some(due),
            None => (self.spent_secs >= self.target_secs).then_some(due),
        }
    }

    pub fn is_breached(&self, now: DateTime<Utc>) -> bool {
        self.breach_at().is_some_and(|at| at < now)
    }
}
