//! The conversation: contacts' public comments, staff notes (public or internal, with time
//! worked), and the files that come with them.

use chrono::{DateTime, Timelike, Utc};
use serde_json::json;
use sqlx::PgConnection;

use super::{
    change::live_ticket,
    history::{Entry, record},
    read::{note_files, visible},
    settle::contact_actor,
    types::{Actor, MAX_HOURS, MAX_NOTE, Viewer},
};
use crate::{
    auth::Principal,
    domain::{
        Tenant, TenantId,
        tickets::{CommentInput, NoteInput, TimeEntryInput},
    },
    error::{Error, Result},
    files::StoredFile,
    repo::{
        self,
        tickets::{NewNote, NoteRow},
    },
    service::{
        attachments::{self, Enclosures},
        validate,
    },
    state::AppState,
};

/// A contact comments on a ticket they may see.
pub async fn add_comment(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
    input: CommentInput,
    files: Vec<StoredFile>,
) -> Result<NoteRow> {
    let enclosures = Enclosures {
        ids: input.attachment_ids,
        files,
    };
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    visible(
        &mut tx,
        tenant.id,
        Viewer::Contact {
            id: contact,
            company_id,
        },
        ticket,
    )
    .await?;
    let mut note = write_note(&mut tx, tenant.id, ticket, &actor, &input.note, false, None).await?;
    attach_to_note(&mut tx, tenant.id, &actor, &mut note, &enclosures).await?;
    tx.commit().await?;
    Ok(note)
}

/// Staff add a public or internal note, perhaps with time worked.
pub async fn add_note(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ticket: i32,
    input: NoteInput,
    files: Vec<StoredFile>,
) -> Result<NoteRow> {
    let enclosures = Enclosures {
        ids: input.attachment_ids,
        files,
    };
    let actor = Actor::of(state, tenant, principal).await?;
    let time = input.time_entry.map(settle_time).transpose()?;
    let mut tx = state.pool.begin().await?;
    live_ticket(&mut tx, tenant.id, ticket).await?;
    let mut note = write_note(
        &mut tx,
        tenant.id,
        ticket,
        &actor,
        &input.note,
        input.is_internal,
        time,
    )
    .await?;
    attach_to_note(&mut tx, tenant.id, &actor, &mut note, &enclosures).await?;
    tx.commit().await?;
    Ok(note)
}

/// Attaches the files to a new note and lists them on it.
pub(super) async fn attach_to_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    actor: &Actor,
    note: &mut NoteRow,
    enclosures: &Enclosures,
) -> Result<()> {
    if enclosures.is_empty() {
        return Ok(());
    }
    attachments::attach(
        conn,
        tenant,
        actor.owner(),
        note.ticket_id,
        Some(note.id),
        enclosures,
    )
    .await?;
    let files = repo::attachments::of_ticket(conn, tenant, note.ticket_id, true).await?;
    note.attachments = note_files(&files, note.id);
    Ok(())
}

/// The notes a viewer may read: contacts get the public ones only.
pub async fn notes(
    state: &AppState,
    tenant: &Tenant,
    viewer: Viewer,
    ticket: i32,
) -> Result<Vec<NoteRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(visible(&mut conn, tenant.id, viewer, ticket).await?.notes)
}

pub(super) struct SettledTime {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    actual: f64,
    billed: f64,
}

pub(super) async fn write_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    body: &str,
    is_internal: bool,
    time: Option<SettledTime>,
) -> Result<NoteRow> {
    let body = validate::required_text("note", body, MAX_NOTE)?;
    let note = repo::tickets::insert_note(
        conn,
        tenant,
        ticket,
        &NewNote {
            body: &body,
            is_internal,
            author_kind: actor.kind,
            author_id: &actor.id,
            author_name: &actor.name,
            time_start: time.as_ref().and_then(|t| t.start),
            time_end: time.as_ref().and_then(|t| t.end),
            actual_hours: time.as_ref().map(|t| t.actual),
            billable_hours: time.as_ref().map(|t| t.billed),
        },
    )
    .await?;
    let added = json!({"id": note.id, "isInternal": is_internal});
    record(
        conn,
        tenant,
        ticket,
        actor,
        Entry::new("note_added", None, None, Some(added)),
    )
    .await?;
    Ok(note)
}

/// Minute precision, start before end and not in the future, hours within a day.
pub(super) fn settle_time(t: TimeEntryInput) -> Result<SettledTime> {
    let minute = |d: DateTime<Utc>| {
        d.with_second(0)
            .and_then(|d| d.with_nanosecond(0))
            .unwrap_or(d)
    };
    let (start, end) = (t.time_start.map(minute), t.time_end.map(minute));
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(Error::validation(
            "timeEntry.timeEnd",
            "timeEnd must not be before timeStart",
        ));
    }
    if start.is_some_and(|s| s > Utc::now()) {
        return Err(Error::validation(
            "timeEntry.timeStart",
            "time cannot be logged for the future",
        ));
    }
    let span = match (start, end) {
        (Some(s), Some(e)) => Some(((e - s).num_minutes() as f64 / 60.0 * 100.0).round() / 100.0),
        _ => None,
    };
    let actual = t.actual_hours.or(span).ok_or_else(|| {
        Error::validation(
            "timeEntry.actualHours",
            "give actualHours, or timeStart and timeEnd",
        )
    })?;
    let billed = t.hours_billed.unwrap_or(actual);
    for (field, hours) in [
        ("timeEntry.actualHours", actual),
        ("timeEntry.hoursBilled", billed),
    ] {
        if !(0.0..=MAX_HOURS).contains(&hours) {
            return Err(Error::validation(
                field,
                format!("hours must be between 0 and {MAX_HOURS}"),
            ));
        }
    }
    Ok(SettledTime {
        start,
        end,
        actual,
        billed,
    })
}
