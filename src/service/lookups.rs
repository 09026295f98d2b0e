//! What the façades of other helpdesks need beyond deskd's own use cases: names and email
//! addresses to ids (a name nothing has is no id, so a filter by it matches nothing), and a
//! ticket's milestones and survey.

use std::collections::HashMap;

pub use crate::repo::lookups::{Listed, Milestones};
use crate::{
    domain::{MemberRole, Tenant},
    error::Result,
    repo::{self, surveys::ResponseRow},
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

pub async fn priorities_in_order(state: &AppState, tenant: &Tenant) -> Result<Vec<i32>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::priorities_in_order(&mut conn, tenant.id).await?)
}

pub async fn sources(state: &AppState, tenant: &Tenant) -> Result<Vec<(i32, String)>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::lookups::sources(&mut conn, tenant.id).await?)
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

/// The milestones and sent surveys of these tickets, by ticket id.
pub async fn milestones(
    state: &AppState,
    tenant: &Tenant,
    tickets: &[i32],
) -> Result<(HashMap<i32, Milestones>, HashMap<i32, ResponseRow>)> {
    let mut conn = state.pool.acquire().await?;
    let milestones = repo::lookups::milestones(&mut conn, tenant.id, tickets).await?;
    let surveys = repo::surveys::of_tickets(&mut conn, tenant.id, tickets).await?;
    Ok((
        milestones.into_iter().map(|m| (m.ticket_id, m)).collect(),
        surveys.into_iter().map(|s| (s.ticket_id, s)).collect(),
    ))
}
