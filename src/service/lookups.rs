//! What the façades of other helpdesks need beyond deskd's own use cases: names and email
//! addresses to ids (a name nothing has is no id, so a filter by it matches nothing), and a
//! ticket's milestones and survey.

use std::{collections::HashMap, sync::Arc, time::Duration};

pub use crate::repo::lookups::{Listed, Milestones, Ranked};
use crate::{
    db::notify::Signal,
    domain::{MemberRole, Tenant},
    error::Result,
    repo::{self, surveys::ResponseRow},
    service::tickets::TicketDetails,
    state::AppState,
};

pub async fn ids_named(
    state: &AppState,
    tenant: &Tenant,
    list: Listed,
    names: &[String],
) -> Result<Vec<i32>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::ids_named(&mut conn, tenant.id, list, names).await?)
}

/// Live statuses with this name, as `(id, queue id)`.
pub async fn statuses_named(
    state: &AppState,
    tenant: &Tenant,
    name: &str,
) -> Result<Vec<(i32, i32)>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::statuses_named(&mut conn, tenant.id, name).await?)
}

/// The live queues, as `(id, name)`.
pub async fn queues(state: &AppState, tenant: &Tenant) -> Result<Vec<(i32, String)>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::queues(&mut conn, tenant.id).await?)
}

/// Every status, as `(id, queue id, name, closed)`.
pub async fn statuses(state: &AppState, tenant: &Tenant) -> Result<Vec<(i32, i32, String, bool)>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::statuses(&mut conn, tenant.id).await?)
}

/// How long an instance trusts its cached priorities and sources without hearing of a change.
const RANKED_FOR: Duration = Duration::from_secs(300);

/// The tenant's priorities in order and its sources, cached per tenant (every façade page names
/// them) and dropped on every instance when either list changes ([`configuration_changed`]).
pub async fn ranked(state: &AppState, tenant: &Tenant) -> Result<Arc<Ranked>> {
    if let Some(hit) = state.ranked.get(&tenant.id) {
        return Ok(hit);
    }
    let generation = state.ranked.generation();
    let mut conn = state.pool.acquire().await?;
    let ranked = Arc::new(repo::lookups::priorities_and_sources(&mut conn, tenant.id).await?);
    state
        .ranked
        .insert_unless_evicted(tenant.id, Arc::clone(&ranked), RANKED_FOR, generation);
    Ok(ranked)
}

/// Tells every instance that the tenant's service configuration changed (after its commit).
pub async fn configuration_changed(state: &AppState, tenant: &Tenant) {
    state.invalidate(Signal::Configuration(tenant.id)).await;
}

/// Every priority's id, in the tenant's order (lowest first; archived ones after the live).
pub async fn priorities_in_order(state: &AppState, tenant: &Tenant) -> Result<Vec<i32>> {
    Ok(ranked(state, tenant).await?.priorities.clone())
}

/// Every source, as `(id, name)`.
pub async fn sources(state: &AppState, tenant: &Tenant) -> Result<Vec<(i32, String)>> {
    Ok(ranked(state, tenant).await?.sources.clone())
}

/// Active members with these addresses, as `(id, role)`.
pub async fn members_by_email(
    state: &AppState,
    tenant: &Tenant,
    emails: &[String],
) -> Result<Vec<(i32, MemberRole)>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::members_by_email(&mut conn, tenant.id, emails).await?)
}

pub async fn contacts_by_email(
    state: &AppState,
    tenant: &Tenant,
    emails: &[String],
) -> Result<Vec<i32>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::contacts_by_email(&mut conn, tenant.id, emails).await?)
}

/// What a façade shows of a page of tickets beyond deskd's own answer.
#[derive(Default)]
pub struct PageFacts {
    /// The tenant's priorities in order, and its sources.
    pub ranked: Arc<Ranked>,
    pub milestones: HashMap<i32, Milestones>,
    /// The surveys sent for these tickets (when asked).
    pub surveys: HashMap<i32, ResponseRow>,
}

/// Which of the optional facts a page needs.
#[derive(Clone, Copy, Default)]
pub struct Wanted {
    pub surveys: bool,
    pub last_public_notes: bool,
    pub assignee_emails: bool,
}

/// A page's facts on one connection, in one to three round trips (priorities and sources are
/// cached).
pub async fn page_facts(
    state: &AppState,
    tenant: &Tenant,
    tickets: &[TicketDetails],
    wanted: Wanted,
) -> Result<PageFacts> {
    let ranked = ranked(state, tenant).await?;
    if tickets.is_empty() {
        return Ok(PageFacts {
            ranked,
            ..PageFacts::default()
        });
    }
    let ids: Vec<i32> = tickets.iter().map(|d| d.row.id).collect();
    let mut conn = state.pool.acquire().await?;
    let mut milestones: HashMap<i32, Milestones> =
        repo::lookups::milestones(&mut conn, tenant.id, &ids, wanted.last_public_notes)
            .await?
            .into_iter()
            .map(|m| (m.ticket_id, m))
            .collect();
    if wanted.assignee_emails {
        name_assignees(&mut conn, tenant, tickets, &mut milestones).await?;
    }
    let surveys = if wanted.surveys {
        repo::surveys::of_tickets(&mut conn, tenant.id, &ids).await?
    } else {
        vec![]
    };
    Ok(PageFacts {
        ranked,
        milestones,
        surveys: surveys.into_iter().map(|s| (s.ticket_id, s)).collect(),
    })
}

/// Fills each ticket's assignee emails, in its assignees' order, from one lookup of the members
/// the page names.
async fn name_assignees(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    tickets: &[TicketDetails],
    milestones: &mut HashMap<i32, Milestones>,
) -> Result<()> {
    let mut members: Vec<i32> = tickets
        .iter()
        .flat_map(|d| d.assignees.iter().map(|a| a.id))
        .collect();
    if members.is_empty() {
        return Ok(());
    }
    members.sort_unstable();
    members.dedup();
    let emails: HashMap<i32, String> = repo::lookups::member_emails(conn, tenant.id, &members)
        .await?
        .into_iter()
        .collect();
    for d in tickets {
        if let Some(m) = milestones.get_mut(&d.row.id) {
            m.assignee_emails = d
                .assignees
                .iter()
                .filter_map(|a| emails.get(&a.id).cloned())
                .collect();
        }
    }
    Ok(())
}
