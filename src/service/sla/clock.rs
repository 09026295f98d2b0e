//! Running a target's clock: started, paused and resumed with the ticket's status, met, stopped,
//! and re-targeted when another policy applies. Time counts on office hours or on every hour.

use chrono::{DateTime, Duration, Utc};

use crate::{domain::sla::Clock, service::office_hours::Hours};

/// How a ticket's clocks count time.
#[derive(Clone, Debug)]
pub enum Counting {
    /// Every hour of every day.
    Always,
    /// Working time of these office hours.
    Business(Box<Hours>),
}

impl Counting {
    /// The instant `secs` of counted time after `from` (`None`: office hours that never open).
    pub fn add(&self, from: DateTime<Utc>, secs: i64) -> Option<DateTime<Utc>> {
        match self {
            Counting::Always => from.checked_add_signed(Duration::seconds(secs.max(0))),
            Counting::Business(hours) => hours.add(from, secs),
        }
    }

    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        match self {
            Counting::Always => (to - from).num_seconds().max(0),
            Counting::Business(hours) => hours.between(from, to),
        }
    }
}

/// A clock started now for `target_secs` of counted time.
pub fn started(now: DateTime<Utc>, target_secs: i64, counting: &Counting) -> Clock {
    Clock {
        target_secs,
        running_since: Some(now),
        due_at: counting.add(now, target_secs),
        ..Clock::default()
    }
}

/// Stops counting (a pausing status): the time used so far is kept.
pub fn pause(clock: &mut Clock, now: DateTime<Utc>, counting: &Counting) {
    if let Some(since) = clock.running_since.take() {
        clock.spent_secs += counting.between(since, now);
    }
}

/// Counts again from now; the due time moves by the time it stood still. A clock already past
/// its target keeps the due time it missed.
pub fn resume(clock: &mut Clock, now: DateTime<Utc>, counting: &Counting) {
    if clock.is_running() || clock.is_done() {
        return;
    }
    clock.running_since = Some(now);
    let left = clock.target_secs - clock.spent_secs;
    if left > 0 || clock.due_at.is_none() {
        clock.due_at = counting.add(now, left);
    }
}

/// Met now (a staff reply, or closing): counting ends.
pub fn meet(clock: &mut Clock, now: DateTime<Utc>, counting: &Counting) {
    if clock.is_done() {
        return;
    }
    pause(clock, now, counting);
    clock.met_at = Some(now);
}

/// Ended without being met (the ticket closed first).
pub fn stop(clock: &mut Clock, now: DateTime<Utc>, counting: &Counting) {
    if clock.is_done() {
        return;
    }
    pause(clock, now, counting);
    clock.stopped_at = Some(now);
}

/// Another target (another policy or priority): the time already used stays, the due time is
/// worked out again from it. A clock already met or stopped keeps its outcome.
pub fn retarget(clock: &mut Clock, target_secs: i64, now: DateTime<Utc>, counting: &Counting) {
    if clock.target_secs == target_secs || clock.is_done() {
        return;
    }
    let running = clock.is_running();
    pause(clock, now, counting);
    clock.target_secs = target_secs;
    // Past the new target already: due now, so the breach is told at once.
    let left = (target_secs - clock.spent_secs).max(0);
    clock.due_at = counting.add(now, left);
    if running {
        clock.running_since = Some(now);
    }
}
