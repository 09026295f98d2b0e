//! Keeping a ticket's clocks as it changes. Every entry of a ticket's history passes through
//! `on_entry`, in the change's transaction: creation matches a policy and starts the clocks; staff's
//! public reply meets the response targets, a contact's reply starts the next-response clock;
//! pausing statuses stop the clocks; closing meets resolution and reopening starts it again; a
//! change of priority, queue, request type or contact matches the policies again.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::clock::{self, Counting};
use crate::{
    domain::{
        TenantId,
        sla::{Clock, SlaTarget, SlaTargets},
    },
    error::Result,
    repo::{
        self,
        notifications::NewNotification,
        sla::{Derived, PolicyRow, TicketFacts, TicketSla},
    },
    service::{events, office_hours},
};

/// What a history entry means for the clocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Happening {
    Created,
    StaffReplied,
    ContactReplied,
    StatusChanged,
    Closed,
    Reopened,
    /// A field that decides the policy changed.
    Rematch,
}

impl Happening {
    /// The happening a history entry is, if the clocks care.
    pub fn of(
        kind: &str,
        field: Option<&str>,
        to: Option<&Value>,
        actor_kind: &str,
    ) -> Option<Self> {
        Some(match (kind, field) {
            ("created", _) => Happening::Created,
            ("closed" | "merged_into", _) => Happening::Closed,
            ("reopened", _) => Happening::Reopened,
            ("note_added", _) => {
                let internal = to.is_none_or(|v| v["isInternal"] != json!(false));
                match actor_kind {
                    _ if internal => return None,
                    "contact" => Happening::ContactReplied,
                    "member" | "api_key" => Happening::StaffReplied,
                    _ => return None,
                }
            }
            ("field_changed", Some("status")) => Happening::StatusChanged,
            ("field_changed", Some("priority" | "queue" | "requestType" | "contact")) => {
                Happening::Rematch
            }
            _ => return None,
        })
    }
}

/// A target met by this happening, and whether in time.
pub type Met = (SlaTarget, bool);

/// Brings a ticket's clocks up to date with what happened, and tells what fell due; answers the
/// targets this met (for analytics).
pub async fn on_entry(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    what: Happening,
) -> Result<Vec<Met>> {
    let Some(facts) = repo::sla::facts(conn, tenant, ticket).await? else {
        return Ok(vec![]);
    };
    let now = Utc::now();
    let current = facts.sla.as_ref().map(|s| s.0.clone());
    let mut sla = match (what, current) {
        (Happening::Created | Happening::Rematch, current) => {
            let policies = repo::sla::policies(conn, tenant).await?;
            match policies.iter().find(|p| applies(p, &facts)) {
                Some(policy) => {
                    let counting = counting(
                        conn,
                        tenant,
                        policy.business_hours,
                        policy.calendar_id.or(facts.calendar_id),
                    )
                    .await?;
                    let sla = under_policy(policy, &facts, current, now, &counting);
                    save_after(conn, tenant, ticket, sla, &facts, now, &counting).await?;
                    return Ok(vec![]);
                }
                None if current.is_some() => {
                    repo::sla::forget(conn, tenant, ticket).await?;
                    return Ok(vec![]);
                }
                None => return Ok(vec![]),
            }
        }
        (_, Some(sla)) => sla,
        (_, None) => return Ok(vec![]),
    };
    let counting = counting(conn, tenant, sla.business_hours, sla.calendar_id).await?;
    let mut met = vec![];
    let mut meet = |target: SlaTarget, c: &mut Clock| {
        if !c.is_done() {
            clock::meet(c, now, &counting);
            met.push((target, c.breach_at().is_none()));
        }
    };
    match what {
        Happening::StaffReplied => {
            if let Some(c) = &mut sla.first_response {
                meet(SlaTarget::FirstResponse, c);
            }
            if let Some(c) = &mut sla.next_response {
                meet(SlaTarget::NextResponse, c);
            }
        }
        Happening::ContactReplied => {
            let answered = sla
                .first_response
                .as_ref()
                .is_none_or(|c| c.met_at.is_some());
            let waiting = sla.next_response.as_ref().is_some_and(|c| !c.is_done());
            if let Some(target) = sla
                .next_response_secs
                .filter(|_| answered && !waiting && !facts.is_closed)
            {
                sla.next_response = Some(clock::started(now, i64::from(target), &counting));
            }
        }
        Happening::Closed => {
            if let Some(c) = &mut sla.resolution {
                meet(SlaTarget::Resolution, c);
            }
            for c in [&mut sla.first_response, &mut sla.next_response]
                .into_iter()
                .flatten()
            {
                clock::stop(c, now, &counting);
            }
        }
        Happening::Reopened => {
            if let Some(c) = &mut sla.resolution {
                *c = clock::started(now, c.target_secs, &counting);
            }
        }
        Happening::StatusChanged | Happening::Created | Happening::Rematch => {}
    }
    save_after(conn, tenant, ticket, sla, &facts, now, &counting).await?;
    Ok(met)
}

/// Pauses or resumes with the status, tells what fell due, and stores the clocks.
async fn save_after(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    mut sla: TicketSla,
    facts: &TicketFacts,
    now: DateTime<Utc>,
    counting: &Counting,
) -> Result<()> {
    let pausing = !facts.is_closed && sla.pause_status_ids.contains(&facts.status_id);
    match (pausing, sla.paused_since) {
        (true, None) => {
            sla.paused_since = Some(now);
            for c in clocks_mut(&mut sla) {
                clock::pause(c, now, counting);
            }
        }
        (false, Some(since)) => {
            sla.paused_since = None;
            sla.paused_secs += (now - since).num_seconds().max(0);
            for c in clocks_mut(&mut sla) {
                clock::resume(c, now, counting);
            }
        }
        _ => {}
    }
    tell(conn, tenant, ticket, &mut sla, now).await?;
    let derived = derive(&sla);
    repo::sla::save(conn, tenant, ticket, &sla, &derived).await?;
    Ok(())
}

fn clocks_mut(sla: &mut TicketSla) -> impl Iterator<Item = &mut Clock> {
    [
        &mut sla.first_response,
        &mut sla.next_response,
        &mut sla.resolution,
    ]
    .into_iter()
    .flatten()
}

/// Each target with its clock.
pub fn clocks(sla: &TicketSla) -> [(SlaTarget, Option<&Clock>); 3] {
    [
        (SlaTarget::FirstResponse, sla.first_response.as_ref()),
        (SlaTarget::NextResponse, sla.next_response.as_ref()),
        (SlaTarget::Resolution, sla.resolution.as_ref()),
    ]
}

/// The policy's targets for a priority: its own, else those for every other priority.
fn targets_of(p: &PolicyRow, priority: i32) -> Option<&SlaTargets> {
    let targets = &p.targets.0;
    targets
        .iter()
        .find(|t| t.priority_id == Some(priority))
        .or_else(|| targets.iter().find(|t| t.priority_id.is_none()))
}

/// Whether the policy applies to the ticket: its conditions hold and it has targets for the
/// ticket's priority.
fn applies(p: &PolicyRow, t: &TicketFacts) -> bool {
    if !p.enabled || targets_of(p, t.priority_id).is_none() {
        return false;
    }
    let c = &p.conditions.0;
    let within =
        |ids: &[i32], id: Option<i32>| ids.is_empty() || id.is_some_and(|i| ids.contains(&i));
    within(&c.priority_ids, Some(t.priority_id))
        && within(&c.queue_ids, Some(t.queue_id))
        && within(&c.request_type_ids, t.request_type_id)
        && within(&c.company_ids, Some(t.company_id))
        && c.contact_vip.is_none_or(|vip| vip == t.contact_vip)
}

/// How clocks count: on these office hours (every hour when they are gone or never open).
pub async fn counting(
    conn: &mut PgConnection,
    tenant: TenantId,
    business_hours: bool,
    calendar: Option<i32>,
) -> Result<Counting> {
    let hours = match calendar.filter(|_| business_hours) {
        Some(id) => office_hours::hours_of(conn, tenant, id).await?,
        None => None,
    };
    Ok(hours.map_or(Counting::Always, |h| Counting::Business(Box::new(h))))
}

/// The clocks under a policy: started from the ticket's creation when new, else re-targeted
/// (the time used so far stays).
fn under_policy(
    p: &PolicyRow,
    facts: &TicketFacts,
    current: Option<TicketSla>,
    now: DateTime<Utc>,
    counting: &Counting,
) -> TicketSla {
    let targets = targets_of(p, facts.priority_id);
    let secs = |minutes: Option<i64>| minutes.map(|m| m * 60);
    let first = targets.and_then(|t| secs(t.first_response_minutes));
    let next = targets.and_then(|t| secs(t.next_response_minutes));
    let resolution = targets.and_then(|t| secs(t.resolution_minutes));
    let calendar_id = p
        .calendar_id
        .or(facts.calendar_id)
        .filter(|_| p.business_hours);
    let mut sla = current.unwrap_or_else(|| TicketSla {
        policy_id: None,
        policy_name: String::new(),
        calendar_id,
        business_hours: p.business_hours,
        warn_before_secs: 0,
        pause_status_ids: vec![],
        next_response_secs: None,
        paused_since: None,
        paused_secs: 0,
        first_response: None,
        next_response: None,
        resolution: None,
    });
    let begin = facts.created_at;
    let keep = |slot: &mut Option<Clock>, target: Option<i64>, start_new: bool| match (
        slot.as_mut(),
        target,
    ) {
        (_, None) => *slot = None,
        (Some(c), Some(t)) => clock::retarget(c, t, now, counting),
        (None, Some(t)) if start_new => {
            let mut c = clock::started(begin, t, counting);
            if facts.is_closed {
                clock::stop(&mut c, now, counting);
            }
            *slot = Some(c);
        }
        (None, Some(_)) => {}
    };
    keep(&mut sla.first_response, first, true);
    keep(&mut sla.next_response, next, false);
    keep(&mut sla.resolution, resolution, true);
    sla.policy_id = Some(p.id);
    sla.policy_name = p.name.clone();
    sla.calendar_id = calendar_id;
    sla.business_hours = p.business_hours;
    sla.warn_before_secs = p.warn_before_secs;
    sla.pause_status_ids = p.pause_status_ids.clone();
    sla.next_response_secs = next.and_then(|n| i32::try_from(n).ok());
    sla
}

/// Raises `ticket.sla_breached` for each target breached and not yet told, and
/// `ticket.sla_warning` for each running one within its warning time; each once per run.
pub async fn tell(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    sla: &mut TicketSla,
    now: DateTime<Utc>,
) -> Result<usize> {
    let warn = chrono::Duration::seconds(i64::from(sla.warn_before_secs));
    let mut told = vec![];
    for (target, slot) in [
        (SlaTarget::FirstResponse, &mut sla.first_response),
        (SlaTarget::NextResponse, &mut sla.next_response),
        (SlaTarget::Resolution, &mut sla.resolution),
    ] {
        let Some(c) = slot else { continue };
        if c.breach_told {
            continue;
        }
        if c.breach_at().is_some_and(|at| at <= now) {
            c.breach_told = true;
            c.warned = true;
            told.push(("ticket.sla_breached", target, c.due_at));
        } else if !c.warned
            && warn > chrono::Duration::zero()
            && c.is_running()
            && c.due_at.is_some_and(|due| due - warn <= now)
        {
            c.warned = true;
            told.push(("ticket.sla_warning", target, c.due_at));
        }
    }
    for (kind, target, due) in &told {
        // Shaped as ticket events are (`change`, `by`), so ticket flows can take it.
        let change = kind.trim_start_matches("ticket.");
        let payload = json!({
            "ticketId": ticket,
            "target": target.as_str(),
            "dueAt": due,
            "policy": {"id": sla.policy_id, "name": sla.policy_name},
            "change": {"type": change, "field": target.as_str(), "from": null, "to": {"dueAt": due}},
            "by": {"userType": "system", "id": "", "name": "deskd"},
        });
        events::record(conn, tenant, kind, "ticket", ticket.to_string(), payload).await?;
        let what = if *kind == "ticket.sla_breached" {
            "breached"
        } else {
            "due soon"
        };
        let target = match target {
            SlaTarget::FirstResponse => "first response",
            SlaTarget::NextResponse => "next response",
            SlaTarget::Resolution => "resolution",
        };
        let title = format!("Ticket #{ticket}: {target} {what}");
        let body = due.map_or_else(String::new, |d| format!("Due {}", d.to_rfc3339()));
        let note = NewNotification {
            title: &title,
            body: &body,
            link: None,
            sent_by: &sla.policy_name,
        };
        repo::notifications::to_assignees(conn, tenant, ticket, &note).await?;
    }
    Ok(told.len())
}

/// The columns lists, filters and the sweeper read.
pub fn derive(sla: &TicketSla) -> Derived {
    let breach = |c: &Option<Clock>| c.as_ref().and_then(Clock::breach_at);
    let running_due = clocks(sla)
        .into_iter()
        .filter_map(|(_, c)| c.filter(|c| c.is_running()).and_then(|c| c.due_at));
    let warn = chrono::Duration::seconds(i64::from(sla.warn_before_secs));
    let alarms = clocks(sla).into_iter().filter_map(|(_, c)| {
        let c = c?;
        if c.breach_told {
            return None;
        }
        let breach = c.breach_at();
        let warning = (!c.warned && warn > chrono::Duration::zero() && c.is_running())
            .then_some(c.due_at)
            .flatten()
            .map(|due| due - warn);
        [breach, warning].into_iter().flatten().min()
    });
    let (first, next, resolution) = (
        breach(&sla.first_response),
        breach(&sla.next_response),
        breach(&sla.resolution),
    );
    Derived {
        due_at: running_due.min(),
        first_response_breach_at: first,
        next_response_breach_at: next,
        resolution_breach_at: resolution,
        breach_at: [first, next, resolution].into_iter().flatten().min(),
        alarm_at: alarms.min(),
    }
}
