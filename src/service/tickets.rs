//! Tickets: creating them (a contact from a request type, staff on a contact's behalf), who may see
//! them, replacing and merge-patching them, and recording every change as an activity.

use chrono::{DateTime, Timelike, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    attachments::{self, Enclosures},
    custom_values, events, validate,
};
use crate::{
    auth::{Actor as PrincipalActor, Principal},
    domain::{Reference, Tenant, TenantId, TextReference, patch::Patch},
    error::{Error, Kind, Result},
    files::StoredFile,
    repo::{
        attachments::{self as attachment_repo, AttachmentRow},
        configuration::{
            self as tables, NamedList, Table, custom_fields, named, priorities, request_types,
            statuses,
        },
        contact_groups, contacts, credentials, members,
        tickets::{
            self as repo, ActivityRow, ContactScope, NewActivity, NewNote, NoteRow, TicketFields,
            TicketRow,
        },
    },
    state::AppState,
};

pub const MAX_SUMMARY: usize = 250;
pub const MAX_DESCRIPTION: usize = 100_000;
pub const MAX_ASSIGNEES: usize = 20;
/// The most tickets one bulk update may change.
pub const MAX_BULK: usize = 100;

/// A ticket raised by a contact in the client portal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalTicketInput {
    /// What is being asked for; it decides the queue and priority.
    pub request_type_id: i32,
    pub summary: String,
    /// Markdown.
    #[serde(default)]
    pub description: Option<String>,
    /// Values of custom fields, by key.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    /// One of the contact's own groups, to share the ticket with it.
    #[serde(default)]
    pub contact_group_id: Option<i32>,
    /// Earlier uploads (`POST …/attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// A ticket as staff create (`POST`) or replace (`PUT`) it. Absent optional fields take the request
/// type's defaults on create and are cleared on replace; `statusId` defaults to the queue's default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketInput {
    pub summary: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The contact the ticket is for; their company comes with them.
    pub contact_id: i32,
    #[serde(default)]
    pub request_type_id: Option<i32>,
    /// Required unless the request type gives one.
    #[serde(default)]
    pub queue_id: Option<i32>,
    #[serde(default)]
    pub status_id: Option<i32>,
    #[serde(default)]
    pub priority_id: Option<i32>,
    #[serde(default)]
    pub source_id: Option<i32>,
    #[serde(default)]
    pub category_ids: Vec<i32>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    #[serde(default)]
    pub contact_group_id: Option<i32>,
    #[serde(default)]
    pub assigned_member_ids: Vec<i32>,
    /// Earlier uploads (`POST …/attachments`) to attach; on create only (notes carry later files).
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// JSON merge patch of a ticket: absent = unchanged, `null` = cleared. `customFields` merges by key.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub summary: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub contact_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub request_type_id: Patch<i32>,
    /// Moving to another queue without a `statusId` puts the ticket in that queue's default status.
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub queue_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub status_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub priority_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub source_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<i32>>)]
    pub category_ids: Patch<Vec<i32>>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Patch<Map<String, Value>>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub contact_group_id: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<i32>>)]
    pub assigned_member_ids: Patch<Vec<i32>>,
}

/// A ticket with its assignees, categories, notes, files and history. What reaches a contact
/// passes through `for_contact` first.
pub struct TicketDetails {
    pub row: TicketRow,
    pub assignees: Vec<Reference>,
    pub categories: Vec<Reference>,
    pub notes: Vec<NoteRow>,
    pub activities: Vec<ActivityRow>,
    pub attachments: Vec<AttachmentRow>,
}

impl TicketDetails {
    /// What a contact may see: no internal notes, none of their files, no history.
    pub fn for_contact(mut self) -> Self {
        self.notes.retain(|n| !n.is_internal);
        self.attachments.retain(|a| !a.is_internal);
        self.activities.clear();
        self
    }
}

/// A contact's comment on a ticket they may see: always public.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentInput {
    /// Markdown.
    pub note: String,
    /// Earlier uploads (`POST …/attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// A staff note: public (the contact sees it) or internal, optionally recording time worked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoteInput {
    /// Markdown.
    pub note: String,
    /// Internal notes never reach contacts (default false).
    #[serde(default)]
    pub is_internal: bool,
    #[serde(default)]
    pub time_entry: Option<TimeEntryInput>,
    /// Earlier uploads (`POST …/attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

/// Time worked: a start and end, or just hours (with start and end, hours default to their span).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimeEntryInput {
    #[serde(default)]
    pub time_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub time_end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub actual_hours: Option<f64>,
    /// Billable hours; default the actual hours.
    #[serde(default)]
    pub hours_billed: Option<f64>,
}

pub const MAX_NOTE: usize = 100_000;
pub const MAX_HOURS: f64 = 24.0;

/// Who asks to see tickets.
#[derive(Clone, Copy)]
pub enum Viewer {
    /// Members and API keys see every ticket of the tenant.
    Staff,
    Contact {
        id: i32,
        company_id: i32,
    },
}

/// Which of a contact's tickets to list.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Tickets they raised.
    Personal,
    /// Tickets of the groups they manage.
    Group,
    /// Every ticket of their company (contacts allowed to see them).
    Company,
}

/// Who did something, as a ticket's history names them.
pub struct Actor {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

impl Actor {
    /// As an attachment's uploader is stored.
    pub fn owner(&self) -> (&str, &str) {
        (self.kind, &self.id)
    }

    pub async fn of(state: &AppState, tenant: &Tenant, principal: &Principal) -> Result<Self> {
        Ok(match &principal.actor {
            PrincipalActor::Member { id, .. } => {
                let m = super::members::signed_in(state, tenant, *id).await?;
                Actor {
                    kind: "member",
                    id: id.to_string(),
                    name: crate::domain::full_name(&m.first_name, &m.last_name),
                }
            }
            PrincipalActor::Contact { id, .. } => {
                let c = super::contacts::signed_in(state, tenant, *id).await?;
                Actor {
                    kind: "contact",
                    id: id.to_string(),
                    name: crate::domain::full_name(&c.first_name, &c.last_name),
                }
            }
            PrincipalActor::ApiKey { id, .. } => {
                let key = credentials::get_api_key(&state.pool, tenant.id, id).await?;
                Actor {
                    kind: "api_key",
                    id: id.clone(),
                    name: key
                        .map_or_else(|| "API key".to_string(), |k| format!("API key {}", k.name)),
                }
            }
        })
    }
}

// ---- creating ----

pub async fn create_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact_id: i32,
    input: PortalTicketInput,
    files: Vec<StoredFile>,
) -> Result<TicketDetails> {
    let enclosures = Enclosures {
        ids: input.attachment_ids,
        files,
    };
    let mut tx = state.pool.begin().await?;
    let request_type = request_types::get(&mut tx, tenant.id, input.request_type_id)
        .await?
        .filter(|r| r.archived_at.is_none())
        .ok_or_else(|| Error::validation("requestTypeId", "no such request type"))?;
    let portal_source = named::list(&state.pool, NamedList::Sources, tenant.id, false)
        .await?
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case("Portal"))
        .map(|s| s.id);
    let draft = Draft {
        summary: input.summary,
        description: input.description.unwrap_or_default(),
        request_type_id: Some(request_type.id),
        queue_id: Some(request_type.default_queue_id),
        status_id: None,
        priority_id: Some(request_type.default_priority_id),
        source_id: portal_source,
        category_ids: vec![],
        tags: vec![],
        custom_fields: input.custom_fields,
        contact_id,
        contact_group_id: input.contact_group_id,
    };
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let actor = contact_actor(state, tenant, contact_id).await?;
    let id = insert(&mut tx, tenant.id, &fields, &[], &actor).await?;
    attachments::attach(&mut tx, tenant.id, actor.owner(), id, None, &enclosures).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    mut input: TicketInput,
    files: Vec<StoredFile>,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let enclosures = Enclosures {
        ids: std::mem::take(&mut input.attachment_ids),
        files,
    };
    let mut tx = state.pool.begin().await?;
    let (assignees, draft) = draft_from_input(&mut tx, tenant.id, input, true).await?;
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    let id = insert(&mut tx, tenant.id, &fields, &assignees, &actor).await?;
    attachments::attach(&mut tx, tenant.id, actor.owner(), id, None, &enclosures).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    fields: &TicketFields,
    assignees: &[i32],
    actor: &Actor,
) -> Result<i32> {
    let id = repo::insert(conn, tenant, fields).await?;
    repo::set_assignees(conn, tenant, id, assignees).await?;
    record(conn, tenant, id, actor, "created", None, None, None).await?;
    if let Some(request_type) = fields.request_type_id
        && request_types::get(conn, tenant, request_type)
            .await?
            .is_some_and(|r| r.requires_approval)
    {
        repo::set_approval(conn, tenant, id, "pending").await?;
        record(
            conn,
            tenant,
            id,
            actor,
            "approval_requested",
            None,
            None,
            None,
        )
        .await?;
    }
    Ok(id)
}

// ---- reading ----

pub async fn get(
    state: &AppState,
    tenant: &Tenant,
    viewer: Viewer,
    id: i32,
) -> Result<TicketDetails> {
    let mut conn = state.pool.acquire().await?;
    visible(&mut conn, tenant.id, viewer, id).await
}

/// The ticket if `viewer` may see it; otherwise (or when it does not exist) not found.
async fn visible(
    conn: &mut PgConnection,
    tenant: TenantId,
    viewer: Viewer,
    id: i32,
) -> Result<TicketDetails> {
    let details = load(conn, tenant, id).await?;
    if let Viewer::Contact {
        id: contact,
        company_id,
    } = viewer
    {
        let (company_wide, managed) = repo::contact_reach(conn, tenant, contact).await?;
        let row = &details.row;
        let approver = row.approval.is_some()
            && row.company_id == company_id
            && row.contact_group_id.is_none_or(|g| managed.contains(&g))
            && is_approver(conn, tenant, contact).await?;
        let sees = row.archived_at.is_none()
            && (row.contact_id == contact
                || (company_wide && row.company_id == company_id)
                || row.contact_group_id.is_some_and(|g| managed.contains(&g))
                || approver);
        if !sees {
            return Err(Error::not_found("ticket"));
        }
        return Ok(details.for_contact());
    }
    Ok(details)
}

// ---- the conversation ----

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
async fn attach_to_note(
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
    let files = attachment_repo::of_ticket(conn, tenant, note.ticket_id, true).await?;
    note.attachments = note_files(&files, note.id);
    Ok(())
}

/// The files of one note, as notes list them.
fn note_files(files: &[AttachmentRow], note: i32) -> Vec<TextReference> {
    files
        .iter()
        .filter(|a| a.note_id == Some(note))
        .map(|a| TextReference {
            id: a.id.to_string(),
            name: a.file_name.clone(),
        })
        .collect()
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

struct SettledTime {
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    actual: f64,
    billed: f64,
}

async fn write_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    body: &str,
    is_internal: bool,
    time: Option<SettledTime>,
) -> Result<NoteRow> {
    let body = validate::required_text("note", body, MAX_NOTE)?;
    let note = repo::insert_note(
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
        "note_added",
        None,
        None,
        Some(added),
    )
    .await?;
    Ok(note)
}

/// Minute precision, start before end and not in the future, hours within a day.
fn settle_time(t: TimeEntryInput) -> Result<SettledTime> {
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

/// Which of a contact's tickets, and which page of them.
pub struct ContactListing {
    pub scope: Scope,
    /// Open only (`Some(false)`), closed only (`Some(true)`), or both.
    pub closed: Option<bool>,
    /// Only tickets awaiting approval.
    pub awaiting_approval: bool,
    pub skip: i64,
    pub take: i64,
}

pub async fn list_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company: i32,
    listing: &ContactListing,
) -> Result<(Vec<TicketDetails>, i64)> {
    let mut conn = state.pool.acquire().await?;
    let (company_wide, managed) = repo::contact_reach(&mut conn, tenant.id, contact).await?;
    let scope = match listing.scope {
        Scope::Personal => ContactScope::Personal(contact),
        Scope::Group if managed.is_empty() => {
            return Err(Error::forbidden("you manage no contact group"));
        }
        Scope::Group => ContactScope::Groups(&managed),
        Scope::Company if !company_wide => {
            return Err(Error::forbidden(
                "you may not see all of your company's tickets",
            ));
        }
        Scope::Company => ContactScope::Company(company),
    };
    let (rows, total) = repo::list_for_contact(
        &mut conn,
        tenant.id,
        scope,
        listing.closed,
        listing.awaiting_approval,
        listing.skip,
        listing.take,
    )
    .await?;
    let details = with_references(&mut conn, tenant.id, rows).await?;
    Ok((details, total))
}

/// The ticket with everything a single-ticket answer shows, in one round trip; not found when it
/// does not exist.
async fn load(conn: &mut PgConnection, tenant: TenantId, id: i32) -> Result<TicketDetails> {
    let whole = repo::get_whole(conn, tenant, id)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let reference = |(id, name): (i32, String)| Reference { id, name };
    let attachments = whole.attachments.0;
    let mut notes = whole.notes.0;
    for note in &mut notes {
        note.attachments = note_files(&attachments, note.id);
    }
    Ok(TicketDetails {
        row: whole.row,
        assignees: whole.assignees.0.into_iter().map(reference).collect(),
        categories: whole.categories.0.into_iter().map(reference).collect(),
        notes,
        activities: whole.activities.0,
        attachments,
    })
}

async fn with_references(
    conn: &mut PgConnection,
    tenant: TenantId,
    rows: Vec<TicketRow>,
) -> Result<Vec<TicketDetails>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let assignees = repo::assignees(conn, tenant, &ids).await?;
    let category_ids: Vec<i32> = rows
        .iter()
        .flat_map(|r| r.category_ids.iter().copied())
        .collect();
    let categories = repo::category_names(conn, tenant, &category_ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| TicketDetails {
            assignees: assignees
                .iter()
                .filter(|(t, _, _)| *t == row.id)
                .map(|(_, id, name)| Reference {
                    id: *id,
                    name: name.clone(),
                })
                .collect(),
            categories: categories
                .iter()
                .filter(|(id, _)| row.category_ids.contains(id))
                .map(|(id, name)| Reference {
                    id: *id,
                    name: name.clone(),
                })
                .collect(),
            notes: vec![],
            activities: vec![],
            attachments: vec![],
            row,
        })
        .collect())
}

// ---- changing ----

/// The version a client last saw (`If-Match`); a change is refused when the ticket has moved on.
#[derive(Clone, Copy, Debug)]
pub enum Precondition {
    None,
    Version(i32),
    /// An `If-Match` that names no version of ours.
    Unmatchable,
}

fn check_precondition(before: &TicketDetails, precondition: Precondition) -> Result<()> {
    let stale = match precondition {
        Precondition::None => false,
        Precondition::Version(v) => v != before.row.version,
        Precondition::Unmatchable => true,
    };
    if stale {
        return Err(Error::new(
            Kind::Stale,
            "PreconditionFailed",
            "the ticket changed since you read it (If-Match no longer matches); read it again",
        ));
    }
    Ok(())
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    id: i32,
    input: TicketInput,
    precondition: Precondition,
) -> Result<TicketDetails> {
    if !input.attachment_ids.is_empty() {
        return Err(Error::validation(
            "attachmentIds",
            "files are attached with a note, not by replacing the ticket",
        ));
    }
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = live_ticket(&mut tx, tenant.id, id).await?;
    check_precondition(&before, precondition)?;
    let (assignees, draft) = draft_from_input(&mut tx, tenant.id, input, false).await?;
    let fields = settle(&mut tx, tenant.id, draft).await?;
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    apply(&mut tx, tenant.id, &before, fields, Some(assignees), &actor).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

pub async fn patch(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    id: i32,
    patch: TicketPatch,
    precondition: Precondition,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = live_ticket(&mut tx, tenant.id, id).await?;
    check_precondition(&before, precondition)?;
    patch_locked(&mut tx, tenant.id, &actor, &before, patch).await?;
    let details = load(&mut tx, tenant.id, id).await?;
    tx.commit().await?;
    Ok(details)
}

/// Applies a merge patch to a ticket already locked and loaded as `before`.
async fn patch_locked(
    conn: &mut PgConnection,
    tenant: TenantId,
    actor: &Actor,
    before: &TicketDetails,
    patch: TicketPatch,
) -> Result<()> {
    let current = TicketFields::of(&before.row);
    let queue_id = validate::not_cleared(patch.queue_id, current.queue_id, "queueId")?;
    // A new queue without a status starts at that queue's default status.
    let status_id = match patch.status_id {
        Patch::Value(s) => Some(s),
        Patch::Null => {
            return Err(Error::validation("statusId", "statusId cannot be cleared"));
        }
        Patch::Absent if queue_id != current.queue_id => None,
        Patch::Absent => Some(current.status_id),
    };
    let mut custom_fields = current
        .custom_fields
        .as_object()
        .cloned()
        .unwrap_or_default();
    match patch.custom_fields {
        Patch::Value(changes) => {
            for (key, value) in changes {
                custom_fields.insert(key, value);
            }
        }
        Patch::Null => custom_fields.clear(),
        Patch::Absent => {}
    }
    let draft = Draft {
        summary: validate::not_cleared(patch.summary, current.summary, "summary")?,
        description: patch
            .description
            .apply(Some(current.description))
            .unwrap_or_default(),
        request_type_id: patch.request_type_id.apply(current.request_type_id),
        queue_id: Some(queue_id),
        status_id,
        priority_id: Some(validate::not_cleared(
            patch.priority_id,
            current.priority_id,
            "priorityId",
        )?),
        source_id: patch.source_id.apply(current.source_id),
        category_ids: patch
            .category_ids
            .apply(Some(current.category_ids))
            .unwrap_or_default(),
        tags: patch.tags.apply(Some(current.tags)).unwrap_or_default(),
        custom_fields,
        contact_id: validate::not_cleared(patch.contact_id, current.contact_id, "contactId")?,
        contact_group_id: patch.contact_group_id.apply(current.contact_group_id),
    };
    let fields = settle(conn, tenant, draft).await?;
    let assignees = match patch.assigned_member_ids {
        Patch::Absent => None,
        p => Some(check_members(conn, tenant, p.apply(None).unwrap_or_default()).await?),
    };
    apply(conn, tenant, before, fields, assignees, actor).await
}

/// Changes up to 100 tickets with one merge patch, all or none: the first ticket that cannot take
/// the change fails the whole request, naming the field and the ticket.
pub async fn bulk_patch(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ids: &[i32],
    patch: TicketPatch,
) -> Result<Vec<TicketDetails>> {
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(Error::bad_request(
            "ticketIds",
            format!("give 1 to {MAX_BULK} ticket ids"),
        ));
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    // Locked in id order, so two bulk updates cannot deadlock.
    for id in &ids {
        let before = match live_ticket(&mut tx, tenant.id, *id).await {
            Err(e) if e.is(Kind::NotFound) => {
                return Err(Error::validation(
                    "ticketIds",
                    format!("no such ticket: {id}"),
                ));
            }
            other => other?,
        };
        patch_locked(&mut tx, tenant.id, &actor, &before, patch.clone())
            .await
            .map_err(|e| Error {
                message: format!("ticket {id}: {}", e.message),
                ..e
            })?;
    }
    let mut updated = Vec::with_capacity(ids.len());
    for id in &ids {
        updated.push(load(&mut tx, tenant.id, *id).await?);
    }
    tx.commit().await?;
    Ok(updated)
}

/// Locks a live ticket for a change (until the transaction ends) and loads it.
pub async fn live_ticket(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<TicketDetails> {
    repo::lock(conn, tenant, id)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let details = load(conn, tenant, id).await?;
    if details.row.archived_at.is_some() {
        return Err(Error::new(
            Kind::Conflict,
            "Archived",
            "this ticket is archived; restore it before changing it",
        ));
    }
    Ok(details)
}

/// Writes the new fields and assignees, and records what changed, from what, to what.
async fn apply(
    conn: &mut PgConnection,
    tenant: TenantId,
    before: &TicketDetails,
    fields: TicketFields,
    assignees: Option<Vec<i32>>,
    actor: &Actor,
) -> Result<()> {
    let id = before.row.id;
    let old_fields = TicketFields::of(&before.row);
    let old_assignees: Vec<i32> = before.assignees.iter().map(|a| a.id).collect();
    if fields == old_fields
        && assignees
            .as_ref()
            .is_none_or(|a| same_set(a, &old_assignees))
    {
        return Ok(());
    }
    repo::update(conn, tenant, id, &fields).await?;
    if let Some(assignees) = &assignees {
        repo::set_assignees(conn, tenant, id, assignees).await?;
    }
    let after = load(conn, tenant, id).await?;
    for (field, old, new) in changes(before, &after) {
        record(
            conn,
            tenant,
            id,
            actor,
            "field_changed",
            Some(field),
            Some(old),
            Some(new),
        )
        .await?;
    }
    if before.row.is_closed != after.row.is_closed {
        let kind = if after.row.is_closed {
            "closed"
        } else {
            "reopened"
        };
        record(conn, tenant, id, actor, kind, None, None, None).await?;
    }
    for added in after
        .assignees
        .iter()
        .filter(|a| !old_assignees.contains(&a.id))
    {
        record(
            conn,
            tenant,
            id,
            actor,
            "assigned",
            Some("assignedAgents"),
            None,
            Some(json!(added)),
        )
        .await?;
    }
    for removed in before
        .assignees
        .iter()
        .filter(|a| !after.assignees.iter().any(|b| b.id == a.id))
    {
        record(
            conn,
            tenant,
            id,
            actor,
            "unassigned",
            Some("assignedAgents"),
            Some(json!(removed)),
            None,
        )
        .await?;
    }
    Ok(())
}

/// The fields that differ between two states of a ticket, as API names and shown values.
fn changes(before: &TicketDetails, after: &TicketDetails) -> Vec<(&'static str, Value, Value)> {
    let (b, a) = (&before.row, &after.row);
    let reference = |id: Option<i32>, name: &Option<String>| match (id, name) {
        (Some(id), Some(name)) => json!({"id": id, "name": name}),
        _ => Value::Null,
    };
    let candidates = [
        ("summary", json!(b.summary), json!(a.summary)),
        ("description", json!(b.description), json!(a.description)),
        (
            "requestType",
            reference(b.request_type_id, &b.request_type_name),
            reference(a.request_type_id, &a.request_type_name),
        ),
        (
            "queue",
            json!({"id": b.queue_id, "name": b.queue_name}),
            json!({"id": a.queue_id, "name": a.queue_name}),
        ),
        (
            "status",
            json!({"id": b.status_id, "name": b.status_name}),
            json!({"id": a.status_id, "name": a.status_name}),
        ),
        (
            "priority",
            json!({"id": b.priority_id, "name": b.priority_name}),
            json!({"id": a.priority_id, "name": a.priority_name}),
        ),
        (
            "source",
            reference(b.source_id, &b.source_name),
            reference(a.source_id, &a.source_name),
        ),
        (
            "categories",
            json!(before.categories),
            json!(after.categories),
        ),
        ("tags", json!(b.tags), json!(a.tags)),
        (
            "customFields",
            b.custom_fields.0.clone(),
            a.custom_fields.0.clone(),
        ),
        (
            "contact",
            json!({"id": b.contact_id, "name": b.contact_name}),
            json!({"id": a.contact_id, "name": a.contact_name}),
        ),
        (
            "contactGroup",
            reference(b.contact_group_id, &b.contact_group_name),
            reference(a.contact_group_id, &a.contact_group_name),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, old, new)| old != new)
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn record(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    kind: &str,
    field: Option<&str>,
    old_value: Option<Value>,
    new_value: Option<Value>,
) -> Result<()> {
    let event_types = events::ticket_event_types(kind, field);
    let payload = (!event_types.is_empty()).then(|| {
        json!({
            "ticketId": ticket,
            "change": {"type": kind, "field": field, "from": old_value, "to": new_value},
            "by": {"userType": actor.kind, "id": actor.id, "name": actor.name},
        })
    });
    let activity = NewActivity {
        kind,
        field,
        old_value,
        new_value,
        actor_kind: actor.kind,
        actor_id: &actor.id,
        actor_name: &actor.name,
    };
    repo::insert_activity(conn, tenant, ticket, &activity).await?;
    // Every entry of the history is also a domain event, in the same transaction.
    for event_type in event_types {
        let payload = payload.clone().unwrap_or_default();
        events::record(
            conn,
            tenant,
            event_type,
            "ticket",
            ticket.to_string(),
            payload,
        )
        .await?;
    }
    Ok(())
}

/// Records a change to something a ticket holds (its task lists): a new version, and a history
/// entry for `field` (so a `ticket.updated` event), in the caller's transaction.
pub async fn record_change(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    actor: &Actor,
    field: &str,
    new_value: Value,
) -> Result<()> {
    repo::touch(&mut *conn, tenant, ticket).await?;
    record(
        conn,
        tenant,
        ticket,
        actor,
        "field_changed",
        Some(field),
        None,
        Some(new_value),
    )
    .await
}

// ---- lifecycle ----

/// A contact closes a ticket they may see, optionally saying why (the note becomes a comment).
/// The ticket moves to its queue's first closed status.
pub async fn close_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
    note: Option<String>,
) -> Result<TicketDetails> {
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    let before = visible(
        &mut tx,
        tenant.id,
        Viewer::Contact {
            id: contact,
            company_id,
        },
        ticket,
    )
    .await?;
    if before.row.is_closed {
        return Err(Error::new(
            Kind::Conflict,
            "AlreadyClosed",
            "the ticket is already closed",
        ));
    }
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        write_note(&mut tx, tenant.id, ticket, &actor, &note, false, None).await?;
    }
    let statuses = statuses::list(&mut tx, tenant.id, Some(&[before.row.queue_id]), false).await?;
    // "Closed" when the queue has it, else its first closed status that no approval uses.
    let closing = |s: &&statuses::Status| s.is_closed && s.approval_role.is_none();
    let closed = statuses
        .iter()
        .filter(closing)
        .find(|s| s.name.eq_ignore_ascii_case("Closed"))
        .or_else(|| statuses.iter().find(closing))
        .ok_or_else(|| {
            Error::new(
                Kind::Conflict,
                "NoClosedStatus",
                "the ticket's queue has no closed status",
            )
        })?;
    let before = load(&mut tx, tenant.id, ticket).await?;
    let mut fields = TicketFields::of(&before.row);
    fields.status_id = closed.id;
    fields.is_closed = true;
    apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

/// A contact reopens a closed ticket they may see: it returns to its queue's default status.
pub async fn reopen_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
) -> Result<TicketDetails> {
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    let before = visible(
        &mut tx,
        tenant.id,
        Viewer::Contact {
            id: contact,
            company_id,
        },
        ticket,
    )
    .await?;
    if !before.row.is_closed {
        return Err(Error::new(
            Kind::Conflict,
            "NotClosed",
            "the ticket is open",
        ));
    }
    let statuses = statuses::list(&mut tx, tenant.id, Some(&[before.row.queue_id]), false).await?;
    let default = statuses
        .iter()
        .find(|s| s.is_default)
        .ok_or_else(|| Error::validation("queueId", "the queue has no default status"))?;
    let mut fields = TicketFields::of(&before.row);
    fields.status_id = default.id;
    fields.is_closed = false;
    apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

/// Archives (soft-deletes) or restores a ticket; answers it as it now is.
pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ticket: i32,
    archived: bool,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = load(&mut tx, tenant.id, ticket).await?;
    if before.row.archived_at.is_some() != archived {
        repo::set_archived(&mut tx, tenant.id, ticket, archived).await?;
        let kind = if archived { "archived" } else { "restored" };
        record(&mut tx, tenant.id, ticket, &actor, kind, None, None, None).await?;
    }
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

/// Adds one member to a ticket's assignees, or takes one away.
pub async fn set_assigned(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    ticket: i32,
    member: i32,
    assigned: bool,
) -> Result<TicketDetails> {
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    let before = live_ticket(&mut tx, tenant.id, ticket).await?;
    let mut assignees: Vec<i32> = before.assignees.iter().map(|a| a.id).collect();
    if assigned {
        assignees.push(member);
    } else if !assignees.contains(&member) {
        return Err(Error::not_found("assignee"));
    } else {
        assignees.retain(|m| *m != member);
    }
    let assignees = check_members(&mut tx, tenant.id, assignees).await?;
    let fields = TicketFields::of(&before.row);
    apply(&mut tx, tenant.id, &before, fields, Some(assignees), &actor).await?;
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

// ---- validation ----

/// A ticket's fields before they are checked: references may be missing or wrong.
struct Draft {
    summary: String,
    description: String,
    request_type_id: Option<i32>,
    queue_id: Option<i32>,
    status_id: Option<i32>,
    priority_id: Option<i32>,
    source_id: Option<i32>,
    category_ids: Vec<i32>,
    tags: Vec<String>,
    custom_fields: Map<String, Value>,
    contact_id: i32,
    contact_group_id: Option<i32>,
}

/// A staff input as a draft; on create, absent queue and priority come from the request type.
async fn draft_from_input(
    conn: &mut PgConnection,
    tenant: TenantId,
    input: TicketInput,
    creating: bool,
) -> Result<(Vec<i32>, Draft)> {
    let mut queue_id = input.queue_id;
    let mut priority_id = input.priority_id;
    if creating && let Some(request_type) = input.request_type_id {
        let r = request_types::get(conn, tenant, request_type)
            .await?
            .filter(|r| r.archived_at.is_none())
            .ok_or_else(|| Error::validation("requestTypeId", "no such request type"))?;
        queue_id = queue_id.or(Some(r.default_queue_id));
        priority_id = priority_id.or(Some(r.default_priority_id));
    }
    let draft = Draft {
        summary: input.summary,
        description: input.description.unwrap_or_default(),
        request_type_id: input.request_type_id,
        queue_id,
        status_id: input.status_id,
        priority_id,
        source_id: input.source_id,
        category_ids: input.category_ids,
        tags: input.tags,
        custom_fields: input.custom_fields,
        contact_id: input.contact_id,
        contact_group_id: input.contact_group_id,
    };
    Ok((input.assigned_member_ids, draft))
}

/// Checks every field and reference of a draft (all live, all of this tenant), fills the defaults,
/// and answers the fields to store. The first problem found is a 422 naming its field.
async fn settle(conn: &mut PgConnection, tenant: TenantId, d: Draft) -> Result<TicketFields> {
    let summary = validate::required_text("summary", &d.summary, MAX_SUMMARY)?;
    if d.description.chars().count() > MAX_DESCRIPTION {
        return Err(Error::validation(
            "description",
            format!("description must be at most {MAX_DESCRIPTION} characters"),
        ));
    }
    if let Some(id) = d.request_type_id
        && !tables::is_live(conn, Table::RequestTypes, tenant, id).await?
    {
        return Err(Error::validation("requestTypeId", "no such request type"));
    }
    let queue_id = d.queue_id.ok_or_else(|| {
        Error::validation("queueId", "queueId is required without a request type")
    })?;
    if !tables::is_live(conn, Table::Queues, tenant, queue_id).await? {
        return Err(Error::validation("queueId", "no such queue"));
    }
    let statuses = statuses::list(conn, tenant, Some(&[queue_id]), false).await?;
    let status = match d.status_id {
        Some(id) => statuses
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Error::validation("statusId", "no such status in the ticket's queue"))?,
        None => statuses
            .iter()
            .find(|s| s.is_default)
            .ok_or_else(|| Error::validation("queueId", "the queue has no default status"))?,
    };
    let priority_id = match d.priority_id {
        Some(id) => id,
        None => priorities::default_id(conn, tenant).await?.ok_or_else(|| {
            Error::validation(
                "priorityId",
                "priorityId is required: there is no default priority",
            )
        })?,
    };
    if !tables::is_live(conn, Table::Priorities, tenant, priority_id).await? {
        return Err(Error::validation("priorityId", "no such priority"));
    }
    if let Some(id) = d.source_id
        && !tables::is_live(conn, Table::Named(NamedList::Sources), tenant, id).await?
    {
        return Err(Error::validation("sourceId", "no such source"));
    }
    let mut category_ids = d.category_ids;
    category_ids.sort_unstable();
    category_ids.dedup();
    for id in &category_ids {
        if !tables::is_live(conn, Table::Named(NamedList::Categories), tenant, *id).await? {
            return Err(Error::validation(
                "categoryIds",
                format!("no such category: {id}"),
            ));
        }
    }
    let tags = canonical_tags(conn, tenant, d.tags).await?;
    let definitions = custom_fields::list(&mut *conn, tenant, false).await?;
    let custom_fields = custom_values::check(&definitions, d.custom_fields)?;
    let company_id = contacts::get(&mut *conn, tenant, d.contact_id)
        .await?
        .filter(|c| c.archived_at.is_none())
        .map(|c| c.company_id)
        .ok_or_else(|| Error::validation("contactId", "no such contact"))?;
    if let Some(group) = d.contact_group_id
        && !contact_groups::is_member(conn, tenant, group, d.contact_id).await?
    {
        return Err(Error::validation(
            "contactGroupId",
            "the contact is not in this group",
        ));
    }
    Ok(TicketFields {
        summary,
        description: d.description,
        request_type_id: d.request_type_id,
        queue_id,
        status_id: status.id,
        priority_id,
        source_id: d.source_id,
        category_ids,
        tags,
        custom_fields,
        contact_id: d.contact_id,
        company_id,
        contact_group_id: d.contact_group_id,
        is_closed: status.is_closed,
    })
}

/// Tags must be configured ones; answers their configured spelling, once each.
async fn canonical_tags(
    conn: &mut PgConnection,
    tenant: TenantId,
    tags: Vec<String>,
) -> Result<Vec<String>> {
    if tags.is_empty() {
        return Ok(tags);
    }
    let known = named::live_tag_names(conn, tenant).await?;
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let name = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(tag.trim()))
            .ok_or_else(|| Error::validation("tags", format!("no such tag: {tag}")))?;
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    Ok(out)
}

async fn check_members(
    conn: &mut PgConnection,
    tenant: TenantId,
    mut ids: Vec<i32>,
) -> Result<Vec<i32>> {
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_ASSIGNEES {
        return Err(Error::validation(
            "assignedMemberIds",
            format!("at most {MAX_ASSIGNEES} assignees"),
        ));
    }
    for id in &ids {
        if members::active_role(&mut *conn, tenant, *id)
            .await?
            .is_none()
        {
            return Err(Error::validation(
                "assignedMemberIds",
                format!("no such member: {id}"),
            ));
        }
    }
    Ok(ids)
}

async fn contact_actor(state: &AppState, tenant: &Tenant, contact: i32) -> Result<Actor> {
    let c = super::contacts::signed_in(state, tenant, contact).await?;
    Ok(Actor {
        kind: "contact",
        id: contact.to_string(),
        name: crate::domain::full_name(&c.first_name, &c.last_name),
    })
}

fn same_set(a: &[i32], b: &[i32]) -> bool {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

// ---- finding ----

/// A staff search: filters, order and page.
pub struct Search {
    pub filter: repo::TicketFilter,
    pub order: repo::TicketOrder,
    pub descending: bool,
    pub skip: i64,
    pub take: i64,
}

/// Staff search over every ticket of the tenant (internal notes included in the full-text search).
pub async fn find(
    state: &AppState,
    tenant: &Tenant,
    search: &Search,
) -> Result<(Vec<TicketDetails>, i64)> {
    let mut conn = state.pool.acquire().await?;
    let (rows, total) = repo::find(
        &mut conn,
        tenant.id,
        &search.filter,
        search.order,
        search.descending,
        search.skip,
        search.take,
    )
    .await?;
    Ok((with_references(&mut conn, tenant.id, rows).await?, total))
}

/// The latest note of each ticket, for list previews.
pub async fn latest_notes(
    state: &AppState,
    tenant: &Tenant,
    tickets: &[i32],
) -> Result<Vec<NoteRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::latest_notes(&mut conn, tenant.id, tickets).await?)
}

/// A member's time entries between two instants, each with its ticket's summary.
pub async fn time_entries_of(
    state: &AppState,
    tenant: &Tenant,
    member: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(NoteRow, String)>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::time_entries_of(&mut conn, tenant.id, member, from, to).await?)
}

// ---- approvals ----

async fn is_approver(conn: &mut PgConnection, tenant: TenantId, contact: i32) -> Result<bool> {
    Ok(contacts::get(&mut *conn, tenant, contact)
        .await?
        .is_some_and(|c| c.is_approver && c.archived_at.is_none()))
}

/// Tickets waiting for this approver: their company's, except those of groups they do not manage.
pub async fn pending_approvals(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
) -> Result<Vec<TicketDetails>> {
    let mut conn = state.pool.acquire().await?;
    if !is_approver(&mut conn, tenant.id, contact).await? {
        return Err(Error::forbidden("you are not an approver"));
    }
    let (_, managed) = repo::contact_reach(&mut conn, tenant.id, contact).await?;
    let rows = repo::pending_approval(&mut conn, tenant.id, company_id, &managed).await?;
    with_references(&mut conn, tenant.id, rows).await
}

/// An approver grants or declines a ticket awaiting approval. The reason (required to decline)
/// becomes a comment; the ticket moves to its queue's "approval granted" or "declined" status.
pub async fn decide_approval(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company_id: i32,
    ticket: i32,
    grant: bool,
    reason: Option<String>,
) -> Result<TicketDetails> {
    let reason = reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if !grant && reason.is_none() {
        return Err(Error::validation(
            "reason",
            "say why the request is declined",
        ));
    }
    let actor = contact_actor(state, tenant, contact).await?;
    let mut tx = state.pool.begin().await?;
    repo::lock(&mut tx, tenant.id, ticket)
        .await?
        .ok_or_else(|| Error::not_found("ticket"))?;
    let before = visible(
        &mut tx,
        tenant.id,
        Viewer::Contact {
            id: contact,
            company_id,
        },
        ticket,
    )
    .await?;
    let (_, managed) = repo::contact_reach(&mut tx, tenant.id, contact).await?;
    let may_decide = before.row.company_id == company_id
        && before
            .row
            .contact_group_id
            .is_none_or(|g| managed.contains(&g))
        && is_approver(&mut tx, tenant.id, contact).await?;
    if !may_decide {
        return Err(Error::forbidden(
            "only an approver of this ticket's company (or group) may decide on it",
        ));
    }
    if before.row.approval.as_deref() != Some("pending") {
        return Err(Error::new(
            Kind::Conflict,
            "NotAwaitingApproval",
            "this ticket is not awaiting approval",
        ));
    }
    if let Some(reason) = &reason {
        write_note(&mut tx, tenant.id, ticket, &actor, reason, false, None).await?;
    }
    let (outcome, role) = if grant {
        (
            "granted",
            crate::domain::configuration::ApprovalRole::Granted,
        )
    } else {
        (
            "declined",
            crate::domain::configuration::ApprovalRole::Declined,
        )
    };
    repo::set_approval(&mut tx, tenant.id, ticket, outcome).await?;
    record(
        &mut tx,
        tenant.id,
        ticket,
        &actor,
        &format!("approval_{outcome}"),
        None,
        None,
        None,
    )
    .await?;
    let statuses = statuses::list(&mut tx, tenant.id, Some(&[before.row.queue_id]), false).await?;
    if let Some(status) = statuses.iter().find(|s| s.approval_role == Some(role)) {
        let before = load(&mut tx, tenant.id, ticket).await?;
        let mut fields = TicketFields::of(&before.row);
        fields.status_id = status.id;
        fields.is_closed = status.is_closed;
        apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
    }
    let details = load(&mut tx, tenant.id, ticket).await?;
    tx.commit().await?;
    Ok(details)
}

// ---- merging ----

/// Merges `source` into `target`: the notes move to the target, the source closes (in its queue's
/// first closed status) and points to the survivor; both histories say so.
pub async fn merge(
    state: &AppState,
    tenant: &Tenant,
    principal: &Principal,
    source: i32,
    target: i32,
) -> Result<TicketDetails> {
    if source == target {
        return Err(Error::validation(
            "intoTicketId",
            "a ticket cannot be merged into itself",
        ));
    }
    let actor = Actor::of(state, tenant, principal).await?;
    let mut tx = state.pool.begin().await?;
    // Locked in id order, so two merges of the same pair cannot deadlock.
    let (first, second) = (source.min(target), source.max(target));
    let a = live_ticket(&mut tx, tenant.id, first).await;
    let b = live_ticket(&mut tx, tenant.id, second).await;
    let (from, into) = if first == source { (a?, b) } else { (b?, a) };
    let into = into.map_err(|e| {
        if e.is(Kind::NotFound) {
            Error::validation("intoTicketId", "no such ticket")
        } else {
            e
        }
    })?;
    if from.row.merged_into.is_some() {
        return Err(Error::new(
            Kind::Conflict,
            "AlreadyMerged",
            "this ticket was already merged",
        ));
    }
    if into.row.merged_into.is_some() {
        return Err(Error::validation(
            "intoTicketId",
            "that ticket was itself merged into another",
        ));
    }
    repo::merge(&mut tx, tenant.id, source, target).await?;
    attachment_repo::move_to_ticket(&mut tx, tenant.id, source, target).await?;
    record(
        &mut tx,
        tenant.id,
        source,
        &actor,
        "merged_into",
        None,
        None,
        Some(json!({"id": target, "name": into.row.summary})),
    )
    .await?;
    record(
        &mut tx,
        tenant.id,
        target,
        &actor,
        "merged_from",
        None,
        None,
        Some(json!({"id": source, "name": from.row.summary})),
    )
    .await?;
    if !from.row.is_closed {
        let statuses =
            statuses::list(&mut tx, tenant.id, Some(&[from.row.queue_id]), false).await?;
        if let Some(closed) = statuses
            .iter()
            .find(|s| s.is_closed && s.approval_role.is_none())
        {
            let before = load(&mut tx, tenant.id, source).await?;
            let mut fields = TicketFields::of(&before.row);
            fields.status_id = closed.id;
            fields.is_closed = true;
            apply(&mut tx, tenant.id, &before, fields, None, &actor).await?;
        }
    }
    let survivor = load(&mut tx, tenant.id, target).await?;
    tx.commit().await?;
    Ok(survivor)
}
