//! Members' presence: online, away or offline, as the tech portal shows it.

use chrono::Utc;

use super::session::{chat_user, user_id};
use crate::{
    domain::{
        Tenant,
        chats::{ChatUser, Presence},
    },
    error::{Error, Result},
    repo::{
        self,
        live::{self, Audience},
    },
    state::AppState,
};

pub const PRESENCE: &[&str] = &["online", "away", "busy", "offline"];

pub async fn set_presence(
    state: &AppState,
    tenant: &Tenant,
    member: i32,
    status: &str,
) -> Result<Presence> {
    if !PRESENCE.contains(&status) {
        return Err(Error::validation(
            "status",
            "status is online, away, busy or offline",
        ));
    }
    let mut tx = state.pool.begin().await?;
    repo::chats::set_presence(&mut tx, tenant.id, member, status).await?;
    let who = repo::chats::person(&mut tx, tenant.id, ("member", member)).await?;
    let presence = Presence {
        member: chat_user(tenant, &who),
        status: status.to_string(),
        last_modified_date_time: Some(Utc::now()),
    };
    let payload = serde_json::to_value(&presence).map_err(Error::internal)?;
    let everyone = Audience {
        all_members: true,
        ..Audience::default()
    };
    live::insert(&mut tx, tenant.id, "presence", &payload, &everyone).await?;
    tx.commit().await?;
    Ok(presence)
}

pub async fn presence(state: &AppState, tenant: &Tenant) -> Result<Vec<Presence>> {
    let rows = repo::chats::presence(&state.pool, tenant.id).await?;
    Ok(rows
        .into_iter()
        .map(|p| Presence {
            member: ChatUser {
                entity_id: p.member_id,
                name: p.name,
                user_id: user_id(tenant, "member", p.member_id),
                company: None,
            },
            status: p.status,
            last_modified_date_time: p.updated_at,
        })
        .collect())
}
