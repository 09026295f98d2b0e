//! Broadcasts: admins write to every contact, to chosen companies or to contact groups, with an
//! optional expiry; contacts see the live ones meant for them and dismiss them.

use chrono::Utc;

use super::validate;
use crate::{
    domain::{
        Tenant,
        broadcasts::{Audience, BroadcastInput},
    },
    error::{Error, Result},
    repo::{
        self,
        broadcasts::{BroadcastRow, NewBroadcast},
    },
    state::AppState,
};

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Everyone => "everyone",
            Audience::Companies => "companies",
            Audience::Groups => "groups",
        }
    }
}

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    sender: &str,
    input: BroadcastInput,
) -> Result<BroadcastRow> {
    let title = validate::required_text("title", &input.title, 200)?;
    let body = validate::optional_text("body", &input.body, 4000)?;
    if input.expires_on.is_some_and(|at| at <= Utc::now()) {
        return Err(Error::validation(
            "expiresOn",
            "expiresOn must be in the future",
        ));
    }
    let (company_ids, group_ids) = match input.audience {
        Audience::Everyone => (vec![], vec![]),
        Audience::Companies => {
            let ids = distinct("companyIds", &input.company_ids)?;
            if repo::broadcasts::live_companies(&state.pool, tenant.id, &ids).await?
                != ids.len() as i64
            {
                return Err(Error::validation(
                    "companyIds",
                    "companyIds names a company that does not exist here",
                ));
            }
            (ids, vec![])
        }
        Audience::Groups => {
            let ids = distinct("groupIds", &input.group_ids)?;
            if repo::broadcasts::live_groups(&state.pool, tenant.id, &ids).await?
                != ids.len() as i64
            {
                return Err(Error::validation(
                    "groupIds",
                    "groupIds names a contact group that does not exist here",
                ));
            }
            (vec![], ids)
        }
    };
    let new = NewBroadcast {
        title: &title,
        body: &body,
        audience: input.audience.as_str(),
        company_ids: &company_ids,
        group_ids: &group_ids,
        expires_at: input.expires_on,
        sent_by: sender,
        also_email: input.also_email,
    };
    // Mail, when asked for, is planned by the mail worker from a job written with the broadcast.
    let mut tx = state.pool.begin().await?;
    let row = repo::broadcasts::insert(&mut tx, tenant.id, &new).await?;
    if row.also_email {
        repo::email::add_job(&mut tx, tenant.id, &format!("broadcast:{}", row.id)).await?;
    }
    tx.commit().await?;
    Ok(row)
}

/// 1 to 100 ids, each once.
fn distinct(field: &str, ids: &[i32]) -> Result<Vec<i32>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 100 {
        return Err(Error::validation(
            field,
            format!("{field} takes 1 to 100 ids for this audience"),
        ));
    }
    Ok(ids)
}

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<BroadcastRow>> {
    Ok(repo::broadcasts::list(&state.pool, tenant.id).await?)
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: i64) -> Result<()> {
    if !repo::broadcasts::delete(&state.pool, tenant.id, id).await? {
        return Err(Error::not_found("broadcast"));
    }
    Ok(())
}

pub async fn for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company: i32,
) -> Result<Vec<BroadcastRow>> {
    Ok(repo::broadcasts::for_contact(&state.pool, tenant.id, contact, company, None).await?)
}

/// A contact dismisses a broadcast meant for them; one that is not (or no longer) theirs is a 404.
pub async fn dismiss(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company: i32,
    id: i64,
) -> Result<()> {
    if repo::broadcasts::for_contact(&state.pool, tenant.id, contact, company, Some(id))
        .await?
        .is_empty()
    {
        return Err(Error::not_found("broadcast"));
    }
    Ok(repo::broadcasts::dismiss(&state.pool, tenant.id, id, contact).await?)
}
