//! Attachments: uploads held pending until a ticket or note takes them, files sent along with a
//! change, and downloads allowed to exactly those who may see the ticket (and, for an internal
//! note's files, only to staff).

use std::path::PathBuf;

use sqlx::PgConnection;
use uuid::Uuid;

use super::tickets::{self, Viewer};
use crate::{
    auth::{Actor, Principal},
    domain::{Tenant, TenantId},
    error::{Error, Result},
    files::StoredFile,
    repo::{
        self,
        attachments::{AttachmentRow, NewAttachment},
    },
    state::AppState,
};

/// The most files one change may carry.
pub const MAX_PER_CHANGE: usize = 20;
/// How long an upload waits to be attached before it is forgotten.
pub const PENDING_FOR: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Who uploads, as stored: only they may attach or fetch a file while it is pending.
pub fn owner(principal: &Principal) -> (&'static str, String) {
    match &principal.actor {
        Actor::Member { id, .. } => ("member", id.to_string()),
        Actor::Contact { id, .. } => ("contact", id.to_string()),
        Actor::ApiKey { id, .. } => ("api_key", id.clone()),
    }
}

/// Files given to a change: earlier uploads by id and files sent with the request itself.
#[derive(Default)]
pub struct Enclosures {
    pub ids: Vec<Uuid>,
    pub files: Vec<StoredFile>,
}

impl Enclosures {
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty() && self.files.is_empty()
    }
}

/// Records uploads that no ticket holds yet.
pub async fn upload(
    state: &AppState,
    tenant: &Tenant,
    uploader: (&str, &str),
    files: &[StoredFile],
) -> Result<Vec<AttachmentRow>> {
    if files.is_empty() {
        return Err(Error::validation("file", "send at least one file"));
    }
    check_count(files.len())?;
    let mut tx = state.pool.begin().await?;
    let mut rows = Vec::with_capacity(files.len());
    for file in files {
        rows.push(
            repo::attachments::insert(&mut tx, tenant.id, &new(file, uploader, None, None)).await?,
        );
    }
    tx.commit().await?;
    Ok(rows)
}

/// Gives a ticket (and perhaps one of its notes) the enclosed files, inside the caller's
/// transaction. An id that is unknown, someone else's or already attached is a 422.
pub async fn attach(
    conn: &mut PgConnection,
    tenant: TenantId,
    uploader: (&str, &str),
    ticket: i32,
    note: Option<i32>,
    enclosures: &Enclosures,
) -> Result<()> {
    check_count(enclosures.ids.len() + enclosures.files.len())?;
    if !enclosures.ids.is_empty() {
        let mut ids = enclosures.ids.clone();
        ids.sort_unstable();
        ids.dedup();
        let linked =
            repo::attachments::link_pending(conn, tenant, &ids, uploader, ticket, note).await?;
        if linked != ids.len() as u64 {
            return Err(Error::validation(
                "attachmentIds",
                "every id must be one of your own uploads not yet attached to anything",
            ));
        }
    }
    for file in &enclosures.files {
        repo::attachments::insert(conn, tenant, &new(file, uploader, Some(ticket), note)).await?;
    }
    Ok(())
}

/// A ticket's files the viewer may see.
pub async fn of_ticket(
    state: &AppState,
    tenant: &Tenant,
    viewer: Viewer,
    ticket: i32,
) -> Result<Vec<AttachmentRow>> {
    let details = tickets::get(state, tenant, viewer, ticket).await?;
    Ok(details.attachments)
}

/// The file's description and where its bytes are, when the caller may have them.
pub async fn download(
    state: &AppState,
    tenant: &Tenant,
    caller: (&str, &str),
    viewer: Viewer,
    id: &str,
) -> Result<(AttachmentRow, PathBuf)> {
    let not_found = || Error::not_found("attachment");
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let mut conn = state.pool.acquire().await?;
    let row = repo::attachments::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(not_found)?;
    drop(conn);
    match row.ticket_id {
        None => {
            // A stand-alone form result's files are also for staff, who read the result.
            let held_for_staff = row.form_result_id.is_some() && matches!(viewer, Viewer::Staff);
            if (row.uploader_kind.as_str(), row.uploader_id.as_str()) != caller && !held_for_staff {
                return Err(not_found());
            }
        }
        Some(ticket) => {
            // Seeing the ticket is the test; an internal note's file is for staff only.
            tickets::get(state, tenant, viewer, ticket)
                .await
                .map_err(|_| not_found())?;
            if row.is_internal && matches!(viewer, Viewer::Contact { .. }) {
                return Err(not_found());
            }
        }
    }
    let path = state.files.path(tenant.id, &row.sha256);
    Ok((row, path))
}

/// Forgets, every hour, uploads that were never attached to anything.
pub fn spawn_sweeper(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            match sweep(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(files = n, "removed files of unattached uploads"),
                Err(e) => tracing::warn!(error = %e, "could not sweep unattached uploads"),
            }
        }
    });
}

/// Forgets uploads nobody attached within a day, and their files when nothing else uses them.
pub async fn sweep(state: &AppState) -> anyhow::Result<usize> {
    let mut conn = state.pool.acquire().await?;
    let swept = repo::attachments::sweep_pending(&mut conn, PENDING_FOR).await?;
    let mut removed = 0;
    for (tenant, sha256) in &swept {
        if !repo::attachments::is_used(&mut conn, *tenant, sha256).await? {
            let _ = tokio::fs::remove_file(state.files.path(*tenant, sha256)).await;
            removed += 1;
        }
    }
    Ok(removed)
}

fn check_count(n: usize) -> Result<()> {
    if n > MAX_PER_CHANGE {
        return Err(Error::validation(
            "attachments",
            format!("at most {MAX_PER_CHANGE} files at a time"),
        ));
    }
    Ok(())
}

fn new<'a>(
    file: &'a StoredFile,
    uploader: (&'a str, &'a str),
    ticket: Option<i32>,
    note: Option<i32>,
) -> NewAttachment<'a> {
    NewAttachment {
        sha256: &file.sha256,
        file_name: &file.file_name,
        content_type: &file.content_type,
        size: file.size,
        uploader_kind: uploader.0,
        uploader_id: uploader.1,
        ticket_id: ticket,
        note_id: note,
    }
}
