//! Contact groups ("teams") inside a company: managers see and act on the group's tickets.

use sqlx::PgConnection;

use super::validate;
use crate::{
    db::notify::Signal,
    domain::{
        Tenant, TenantId,
        contact_groups::{GroupInput, GroupRole},
    },
    error::{Error, Kind, Result},
    repo::{
        self,
        contact_groups::{ContactGroup, GroupMember},
        contacts,
    },
    state::AppState,
};

/// DeskDirector's limit on how many groups one contact may belong to.
pub const MAX_GROUPS_PER_CONTACT: i64 = 50;

pub struct GroupDetails {
    pub group: ContactGroup,
    pub members: Vec<GroupMember>,
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    company: i32,
    include_archived: bool,
) -> Result<Vec<GroupDetails>> {
    live_company(state, tenant.id, company).await?;
    let found =
        repo::contact_groups::list(&state.pool, tenant.id, company, include_archived).await?;
    let ids: Vec<i32> = found.iter().map(|g| g.id).collect();
    let mut conn = state.pool.acquire().await?;
    let mut members = repo::contact_groups::members(&mut conn, tenant.id, &ids).await?;
    Ok(found
        .into_iter()
        .map(|group| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                members.drain(..).partition(|m| m.group_id == group.id);
            members = rest;
            GroupDetails {
                group,
                members: mine,
            }
        })
        .collect())
}

pub async fn get(state: &AppState, tenant: &Tenant, company: i32, id: i32) -> Result<GroupDetails> {
    let mut conn = state.pool.acquire().await?;
    details(&mut conn, tenant.id, company, id).await
}

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    company: i32,
    input: GroupInput,
) -> Result<GroupDetails> {
    live_company(state, tenant.id, company).await?;
    let name = validate::required_text("name", &input.name, 100)?;
    let mut tx = state.pool.begin().await?;
    let group = repo::contact_groups::insert(&mut tx, tenant.id, company, &name)
        .await
        .map_err(name_conflict)?;
    tx.commit().await?;
    Ok(GroupDetails {
        group,
        members: vec![],
    })
}

pub async fn rename(
    state: &AppState,
    tenant: &Tenant,
    company: i32,
    id: i32,
    input: GroupInput,
) -> Result<GroupDetails> {
    let name = validate::required_text("name", &input.name, 100)?;
    let mut tx = state.pool.begin().await?;
    let current = details(&mut tx, tenant.id, company, id).await?;
    if current.group.archived_at.is_some() {
        return Err(archived());
    }
    repo::contact_groups::rename(&mut tx, tenant.id, id, &name)
        .await
        .map_err(name_conflict)?;
    let updated = details(&mut tx, tenant.id, company, id).await?;
    tx.commit().await?;
    Ok(updated)
}

pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    company: i32,
    id: i32,
    archived: bool,
) -> Result<GroupDetails> {
    let mut tx = state.pool.begin().await?;
    details(&mut tx, tenant.id, company, id).await?;
    repo::contact_groups::set_archived(&mut tx, tenant.id, id, archived)
        .await
        .map_err(name_conflict)?;
    let updated = details(&mut tx, tenant.id, company, id).await?;
    tx.commit().await?;
    // What a group manager may see changes with the group.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(updated)
}

/// Adds a contact of the group's company to it, or changes their role.
pub async fn set_member(
    state: &AppState,
    tenant: &Tenant,
    company: i32,
    group: i32,
    contact: i32,
    role: GroupRole,
) -> Result<GroupDetails> {
    let mut tx = state.pool.begin().await?;
    let current = details(&mut tx, tenant.id, company, group).await?;
    if current.group.archived_at.is_some() {
        return Err(archived());
    }
    let in_company = contacts::get(&state.pool, tenant.id, contact)
        .await?
        .is_some_and(|c| c.company_id == company && c.archived_at.is_none());
    if !in_company {
        return Err(Error::validation(
            "contactId",
            "no such contact in this company",
        ));
    }
    let already = current.members.iter().any(|m| m.contact_id == contact);
    if !already
        && repo::contact_groups::group_count(&mut tx, tenant.id, contact).await?
            >= MAX_GROUPS_PER_CONTACT
    {
        return Err(Error::validation(
            "contactId",
            format!("a contact can belong to at most {MAX_GROUPS_PER_CONTACT} groups"),
        ));
    }
    repo::contact_groups::set_member(&mut tx, tenant.id, group, contact, role).await?;
    let updated = details(&mut tx, tenant.id, company, group).await?;
    tx.commit().await?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(updated)
}

pub async fn remove_member(
    state: &AppState,
    tenant: &Tenant,
    company: i32,
    group: i32,
    contact: i32,
) -> Result<GroupDetails> {
    let mut tx = state.pool.begin().await?;
    details(&mut tx, tenant.id, company, group).await?;
    if !repo::contact_groups::remove_member(&mut tx, tenant.id, group, contact).await? {
        return Err(Error::not_found("group member"));
    }
    let updated = details(&mut tx, tenant.id, company, group).await?;
    tx.commit().await?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(updated)
}

/// A group of this company; one of another company (or tenant) is not found.
async fn details(
    conn: &mut PgConnection,
    tenant: TenantId,
    company: i32,
    id: i32,
) -> Result<GroupDetails> {
    let group = repo::contact_groups::get(conn, tenant, id)
        .await?
        .filter(|g| g.company_id == company)
        .ok_or_else(|| Error::not_found("contact group"))?;
    let members = repo::contact_groups::members(conn, tenant, &[id]).await?;
    Ok(GroupDetails { group, members })
}

async fn live_company(state: &AppState, tenant: TenantId, company: i32) -> Result<()> {
    if !repo::companies::exists(&state.pool, tenant, company).await? {
        return Err(Error::not_found("company"));
    }
    Ok(())
}

fn name_conflict(error: sqlx::Error) -> Error {
    if repo::is_unique_violation(&error, "contact_groups_name") {
        Error::conflict(
            "name",
            "the company has another active group with this name",
        )
    } else {
        error.into()
    }
}

fn archived() -> Error {
    Error::new(
        Kind::Conflict,
        "Archived",
        "this contact group is archived; restore it before changing it",
    )
}
