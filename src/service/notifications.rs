//! Notifications: sent to one contact or one member (by admins, API keys and flows), read in their
//! portal's inbox.

use super::{contacts, members, validate};
use crate::{
    domain::{Tenant, UserKind, notifications::NotificationInput},
    error::{Error, Result},
    repo::{
        self, Slice,
        notifications::{Inbox, NewNotification, NotificationRow},
    },
    state::AppState,
};

pub fn contact_inbox(id: i32) -> Inbox {
    Inbox {
        kind: "contact",
        id,
    }
}

pub fn member_inbox(id: i32) -> Inbox {
    Inbox { kind: "member", id }
}

/// A person's own inbox.
pub fn inbox_of(kind: UserKind, id: i32) -> Inbox {
    match kind {
        UserKind::Contact => contact_inbox(id),
        UserKind::Member => member_inbox(id),
    }
}

/// Sends a notification to a live contact or member of the tenant; `sender` names who sent it.
pub async fn send(
    state: &AppState,
    tenant: &Tenant,
    to: Inbox,
    sender: &str,
    input: NotificationInput,
) -> Result<NotificationRow> {
    let live = match to.kind {
        "contact" => contacts::get(state, tenant, to.id)
            .await?
            .archived_at
            .is_none(),
        _ => members::get(state, tenant, to.id)
            .await?
            .archived_at
            .is_none(),
    };
    if !live {
        return Err(Error::not_found(to.kind));
    }
    let title = validate::required_text("title", &input.title, 200)?;
    let body = validate::optional_text("body", &input.body, 4000)?;
    let link = match input
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => None,
        Some(link) => {
            let ok = link.len() <= 2000
                && (link.starts_with('/')
                    || reqwest::Url::parse(link)
                        .is_ok_and(|u| matches!(u.scheme(), "http" | "https")));
            if !ok {
                return Err(Error::validation(
                    "link",
                    "link must be an http(s) URL or a portal path, at most 2000 characters",
                ));
            }
            Some(link.to_string())
        }
    };
    let new = NewNotification {
        title: &title,
        body: &body,
        link: link.as_deref(),
        sent_by: sender,
    };
    Ok(repo::notifications::insert(&state.pool, tenant.id, to, &new).await?)
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    inbox: Inbox,
    unread_only: bool,
    skip: i64,
    take: i64,
) -> Result<Slice<NotificationRow>> {
    Ok(repo::notifications::list(&state.pool, tenant.id, inbox, unread_only, skip, take).await?)
}

pub async fn unread(state: &AppState, tenant: &Tenant, inbox: Inbox) -> Result<i64> {
    Ok(repo::notifications::unread(&state.pool, tenant.id, inbox).await?)
}

/// Marks one notification read; another inbox's is not found.
pub async fn mark_read(state: &AppState, tenant: &Tenant, inbox: Inbox, id: i64) -> Result<()> {
    if repo::notifications::mark_read(&state.pool, tenant.id, inbox, Some(id)).await? == 0 {
        return Err(Error::not_found("notification"));
    }
    Ok(())
}

pub async fn mark_all_read(state: &AppState, tenant: &Tenant, inbox: Inbox) -> Result<u64> {
    Ok(repo::notifications::mark_read(&state.pool, tenant.id, inbox, None).await?)
}
