//! Reading tickets: one whole (if the viewer may see it), a contact's lists, the staff search,
//! and what list previews and time reports need.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{
    approvals::is_approver,
    types::{ContactListing, Search, TicketDetails, Viewer},
};
use crate::{
    domain::{Reference, Tenant, TenantId, TextReference, tickets::Scope},
    error::{Error, Result},
    repo::{
        self,
        attachments::AttachmentRow,
        tickets::{ContactScope, NoteRow, TicketRow},
    },
    state::AppState,
};

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
pub(super) async fn visible(
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
        let (company_wide, managed) = repo::tickets::contact_reach(conn, tenant, contact).await?;
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

/// The ticket with everything a single-ticket answer shows, in one round trip; not found when it
/// does not exist.
pub(super) async fn load(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<TicketDetails> {
    let whole = repo::tickets::get_whole(conn, tenant, id)
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

pub(super) async fn with_references(
    conn: &mut PgConnection,
    tenant: TenantId,
    rows: Vec<TicketRow>,
) -> Result<Vec<TicketDetails>> {
    let ids: Vec<i32> = rows.iter().map(|r| r.id).collect();
    let assignees = repo::tickets::assignees(conn, tenant, &ids).await?;
    let category_ids: Vec<i32> = rows
        .iter()
        .flat_map(|r| r.category_ids.iter().copied())
        .collect();
    let categories = repo::tickets::category_names(conn, tenant, &category_ids).await?;
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

pub async fn list_for_contact(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    company: i32,
    listing: &ContactListing,
) -> Result<(Vec<TicketDetails>, i64)> {
    let mut conn = state.pool.acquire().await?;
    let (company_wide, managed) =
        repo::tickets::contact_reach(&mut conn, tenant.id, contact).await?;
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
    let (rows, total) = repo::tickets::list_for_contact(
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

/// Staff search over every ticket of the tenant (internal notes included in the full-text search).
pub async fn find(
    state: &AppState,
    tenant: &Tenant,
    search: &Search,
) -> Result<(Vec<TicketDetails>, repo::tickets::Total)> {
    let mut conn = state.pool.acquire().await?;
    let (rows, total) = repo::tickets::find(
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
    Ok(repo::tickets::latest_notes(&mut conn, tenant.id, tickets).await?)
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
    Ok(repo::tickets::time_entries_of(&mut conn, tenant.id, member, from, to).await?)
}

/// The files of one note, as notes list them.
pub(super) fn note_files(files: &[AttachmentRow], note: i32) -> Vec<TextReference> {
    files
        .iter()
        .filter(|a| a.note_id == Some(note))
        .map(|a| TextReference {
            id: a.id.to_string(),
            name: a.file_name.clone(),
        })
        .collect()
}
