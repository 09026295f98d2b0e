//! Members (technicians and admins): provisioning, roles, and the signed-in member's profile.

use super::validate;
use crate::{
    auth::{Actor, Principal, password},
    db::notify::Signal,
    domain::{
        MemberRole, Tenant, UserKind,
        members::{MemberInput, MemberPatch},
        patch::Patch,
    },
    error::{Error, Kind, Result},
    repo::{
        self, ListOptions, Slice,
        members::{Member, MemberFields},
    },
    state::AppState,
};

/// The signed-in member's own record, from the profile cache when it is there.
pub async fn signed_in(state: &AppState, tenant: &Tenant, id: i32) -> Result<Member> {
    state
        .profiles
        .member(tenant.id, id, get(state, tenant, id))
        .await
}

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    input: MemberInput,
) -> Result<Member> {
    require_master_admin_for(caller, None, input.role)?;
    let (email, first_name, last_name) =
        member_names(&input.email, &input.first_name, input.last_name.as_deref())?;
    let hash = password::hash_new(input.password).await?;
    let mut conn = state.pool.acquire().await?;
    let fields = MemberFields {
        email: &email,
        first_name: &first_name,
        last_name: &last_name,
        role: input.role,
    };
    repo::members::insert(&mut conn, tenant.id, &fields, hash.as_deref())
        .await
        .map_err(|e| validate::email_taken(e, "members_email"))
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<Member> {
    repo::members::get(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("member"))
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    options: &ListOptions<'_>,
) -> Result<Slice<Member>> {
    Ok(repo::members::list(&state.pool, tenant.id, options).await?)
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    id: i32,
    input: MemberInput,
) -> Result<Member> {
    let current = live(state, tenant, id).await?;
    require_master_admin_for(caller, Some(current.role), input.role)?;
    let (email, first_name, last_name) =
        member_names(&input.email, &input.first_name, input.last_name.as_deref())?;
    save(
        state,
        tenant,
        id,
        &email,
        &first_name,
        &last_name,
        input.role,
        input.password,
    )
    .await
}

pub async fn patch(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    id: i32,
    patch: MemberPatch,
) -> Result<Member> {
    let current = live(state, tenant, id).await?;
    let role = validate::not_cleared(patch.role, current.role, "role")?;
    require_master_admin_for(caller, Some(current.role), role)?;
    let email = validate::not_cleared(patch.email, current.email, "email")?;
    let first_name = validate::not_cleared(patch.first_name, current.first_name, "firstName")?;
    let last_name = patch
        .last_name
        .apply(Some(current.last_name))
        .unwrap_or_default();
    let (email, first_name, last_name) = member_names(&email, &first_name, Some(&last_name))?;
    let password = match patch.password {
        Patch::Null => {
            return Err(Error::validation(
                "password",
                "a password cannot be cleared; set a new one",
            ));
        }
        p => p.apply(None),
    };
    save(
        state,
        tenant,
        id,
        &email,
        &first_name,
        &last_name,
        role,
        password,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    email: &str,
    first_name: &str,
    last_name: &str,
    role: MemberRole,
    password: Option<String>,
) -> Result<Member> {
    let hash = password::hash_new(password).await?;
    let fields = MemberFields {
        email,
        first_name,
        last_name,
        role,
    };
    let member = repo::members::update(&state.pool, tenant.id, id, &fields)
        .await
        .map_err(|e| refused(e, "role"))?
        .ok_or_else(|| Error::not_found("member"))?;
    if let Some(hash) = hash {
        repo::members::set_password(&state.pool, tenant.id, id, &hash).await?;
        // A new password ends the sessions signed in with the old one.
        repo::credentials::revoke_sessions_of(&state.pool, tenant.id, UserKind::Member, id).await?;
    }
    // The role may have changed: credentials resolved for this member must be looked up again.
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(member)
}

pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    caller: &Principal,
    id: i32,
    archived: bool,
) -> Result<Member> {
    let current = get(state, tenant, id).await?;
    require_master_admin_for(caller, Some(current.role), current.role)?;
    if archived && matches!(caller.actor, Actor::Member { id: me, .. } if me == id) {
        return Err(Error::validation("memberId", "you cannot archive yourself"));
    }
    let member = repo::members::set_archived(&state.pool, tenant.id, id, archived)
        .await
        .map_err(|e| refused(e, "memberId"))?
        .ok_or_else(|| Error::not_found("member"))?;
    state.invalidate(Signal::Credentials(tenant.id)).await;
    Ok(member)
}

/// Why the database refused a member's change: the email is another live person's, or it would
/// leave the helpdesk without a master admin (migration 0035; `field` names what asked for that).
fn refused(error: sqlx::Error, field: &str) -> Error {
    if repo::violates(&error, "members_last_master_admin") {
        return Error::new(
            Kind::Conflict,
            "LastMasterAdmin",
            "this is the helpdesk's last master admin: make another member master admin first",
        )
        .with_field(field);
    }
    validate::email_taken(error, "members_email")
}

async fn live(state: &AppState, tenant: &Tenant, id: i32) -> Result<Member> {
    let member = get(state, tenant, id).await?;
    if member.archived_at.is_some() {
        return Err(Error::archived("member"));
    }
    Ok(member)
}

/// Only a master admin may grant, hold-change or remove the master admin role.
fn require_master_admin_for(
    caller: &Principal,
    current: Option<MemberRole>,
    new: MemberRole,
) -> Result<()> {
    let touches_master = new == MemberRole::MasterAdmin || current == Some(MemberRole::MasterAdmin);
    if touches_master && !caller.is_master_admin() {
        return Err(Error::forbidden(
            "only a master admin may manage master admins",
        ));
    }
    Ok(())
}

fn member_names(
    email: &str,
    first_name: &str,
    last_name: Option<&str>,
) -> Result<(String, String, String)> {
    Ok((
        validate::email("email", email)?,
        validate::required_text("firstName", first_name, 100)?,
        validate::optional_text("lastName", last_name.unwrap_or(""), 100)?,
    ))
}
