//! Staff ticket operations: find, create, read, replace and merge-patch (with `If-Match`), notes,
//! archive and restore, assign, bulk changes and merging.

use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    search::TicketSearchQuery,
    views::{TaggedTicket, TicketNoteView, TicketView, tagged},
};
use crate::{
    auth::extractors::Staff,
    domain::tickets::{NoteInput, TicketInput, TicketPatch},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        multipart::{FormWithFiles, WithFiles},
        pagination::Page,
        resources::attachments,
    },
    service::tickets::{self, Precondition, Viewer},
    state::AppState,
};

/// `If-Match` as a precondition: `"v3"` or `W/"v3"` names version 3; `*` or no header asks nothing.
pub fn precondition(headers: &HeaderMap) -> Precondition {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Precondition::None;
    };
    let value = value.to_str().unwrap_or("");
    if value.trim() == "*" {
        return Precondition::None;
    }
    value
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .find_map(|tag| tag.strip_prefix('v').and_then(|v| v.parse().ok()))
        .map_or(Precondition::Unmatchable, Precondition::Version)
}

/// One merge patch for many tickets.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkUpdateInput {
    /// 1 to 100 ticket ids.
    #[schema(min_items = 1, max_items = 100)]
    pub ticket_ids: Vec<i32>,
    pub changes: TicketPatch,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MergeInput {
    /// The ticket that survives.
    pub into_ticket_id: i32,
}

pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_tickets, create_ticket, bulk_update_tickets))
        .routes(routes!(merge_ticket))
        .routes(routes!(find_tickets_by_body))
        .routes(routes!(
            get_ticket,
            replace_ticket,
            update_ticket,
            archive_ticket
        ))
        .routes(routes!(restore_ticket))
        .routes(routes!(list_ticket_notes, create_ticket_note))
        .routes(routes!(assign_ticket, unassign_ticket))
        .merge(attachments::staff_routes())
}

/// Find tickets by any combination of filters and words; sorted, paged, with the total.
#[utoipa::path(get, path = "/tickets", params(TicketSearchQuery), responses((status = 200, body = Page<TicketView>)))]
pub async fn find_tickets(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(query): ApiQuery<TicketSearchQuery>,
) -> Result<Json<Page<TicketView>>> {
    page_of_tickets(&state, &staff, &query).await
}

pub async fn page_of_tickets(
    state: &AppState,
    staff: &Staff,
    query: &TicketSearchQuery,
) -> Result<Json<Page<TicketView>>> {
    let search = query.search(staff.principal.member_id())?;
    let (found, total) = tickets::find(state, &staff.tenant, &search).await?;
    Ok(Json(
        Page::new(
            found
                .into_iter()
                .map(TicketView::listed_for_staff)
                .collect(),
            total.count,
            search.skip,
        )
        .capped(total.capped, search.take),
    ))
}

/// Find tickets, as DeskDirector's `POST …/find`: the same filters as `GET /tickets`, in a JSON
/// body, where lists of ids or tags may also be arrays (`{"queueId":[1,2],"status":"open"}`).
#[utoipa::path(post, path = "/tickets/find", request_body = TicketSearchQuery, responses((status = 200, body = Page<TicketView>)))]
pub async fn find_tickets_by_body(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<serde_json::Map<String, Value>>,
) -> Result<Json<Page<TicketView>>> {
    page_of_tickets(&state, &staff, &TicketSearchQuery::from_body(body)?).await
}

/// Create a ticket for a contact. Absent queue and priority come from the request type. Files may
/// come along as `multipart/form-data` (JSON in the `payload` part).
#[utoipa::path(post, path = "/tickets", request_body(content((TicketInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketView)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    staff: Staff,
    WithFiles { body, files }: WithFiles<TicketInput>,
) -> Result<(StatusCode, TaggedTicket)> {
    let ticket = tickets::create(&state, &staff.tenant, &staff.principal, body, files).await?;
    Ok((StatusCode::CREATED, tagged(ticket)))
}

/// Get a ticket with its history; the `ETag` header carries its version, for `If-Match`.
#[utoipa::path(get, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<TaggedTicket> {
    Ok(tagged(
        tickets::get(&state, &staff.tenant, Viewer::Staff, id).await?,
    ))
}

/// Replace a ticket: absent optional fields are cleared (the status resets to the queue's default).
/// With `If-Match`, a ticket changed since is refused with 412.
#[utoipa::path(put, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), request_body = TicketInput, responses((status = 200, body = TicketView)))]
pub async fn replace_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<TicketInput>,
) -> Result<TaggedTicket> {
    let precondition = precondition(&headers);
    Ok(tagged(
        tickets::replace(
            &state,
            &staff.tenant,
            &staff.principal,
            id,
            input,
            precondition,
        )
        .await?,
    ))
}

/// Update a ticket with a JSON merge patch; every change is recorded in its history. With
/// `If-Match`, a ticket changed since is refused with 412.
#[utoipa::path(patch, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), request_body = TicketPatch, responses((status = 200, body = TicketView)))]
pub async fn update_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> Result<TaggedTicket> {
    let precondition = precondition(&headers);
    Ok(tagged(
        tickets::patch(
            &state,
            &staff.tenant,
            &staff.principal,
            id,
            patch,
            precondition,
        )
        .await?,
    ))
}

/// All notes of a ticket, public and internal, oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/notes", params(("ticketId" = i32, Path)), responses((status = 200, body = Page<TicketNoteView>)))]
pub async fn list_ticket_notes(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Page<TicketNoteView>>> {
    let notes = tickets::notes(&state, &staff.tenant, Viewer::Staff, id).await?;
    Ok(Json(Page::whole(
        notes.into_iter().map(Into::into).collect(),
    )))
}

/// Add a public comment or an internal note, optionally with time worked. Files may come along as
/// `multipart/form-data` (JSON in the `payload` part); an internal note's files stay internal.
#[utoipa::path(post, path = "/tickets/{ticketId}/notes", params(("ticketId" = i32, Path)), request_body(content((NoteInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketNoteView)))]
pub async fn create_ticket_note(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    WithFiles { body, files }: WithFiles<NoteInput>,
) -> Result<(StatusCode, Json<TicketNoteView>)> {
    let note = tickets::add_note(&state, &staff.tenant, &staff.principal, id, body, files).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// Archive a ticket (soft delete); answers the archived ticket. Contacts no longer see it.
#[utoipa::path(delete, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn archive_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_archived(&state, &staff.tenant, &staff.principal, id, true).await?,
    )))
}

/// Restore an archived ticket.
#[utoipa::path(post, path = "/tickets/{ticketId}/restore", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn restore_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_archived(&state, &staff.tenant, &staff.principal, id, false).await?,
    )))
}

/// Assign a member to a ticket (keeping the other assignees).
#[utoipa::path(put, path = "/tickets/{ticketId}/assignees/{memberId}", params(("ticketId" = i32, Path), ("memberId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn assign_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((id, member)): ApiPath<(i32, i32)>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_assigned(&state, &staff.tenant, &staff.principal, id, member, true).await?,
    )))
}

/// Take a member off a ticket.
#[utoipa::path(delete, path = "/tickets/{ticketId}/assignees/{memberId}", params(("ticketId" = i32, Path), ("memberId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn unassign_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((id, member)): ApiPath<(i32, i32)>,
) -> Result<Json<TicketView>> {
    Ok(Json(TicketView::for_staff(
        tickets::set_assigned(&state, &staff.tenant, &staff.principal, id, member, false).await?,
    )))
}

/// Change up to 100 tickets with one merge patch, all or none (a failure names the ticket and field).
#[utoipa::path(patch, path = "/tickets", request_body = BulkUpdateInput, responses((status = 200, body = Vec<TicketView>)))]
pub async fn bulk_update_tickets(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(input): ApiJson<BulkUpdateInput>,
) -> Result<Json<Vec<TicketView>>> {
    let updated = tickets::bulk_patch(
        &state,
        &staff.tenant,
        &staff.principal,
        &input.ticket_ids,
        input.changes,
    )
    .await?;
    Ok(Json(
        updated
            .into_iter()
            .map(TicketView::listed_for_staff)
            .collect(),
    ))
}

/// Merge this ticket into another: its notes move there, it closes and points to the survivor.
/// Answers the survivor.
#[utoipa::path(post, path = "/tickets/{ticketId}/merge", params(("ticketId" = i32, Path)), request_body = MergeInput, responses((status = 200, body = TicketView)))]
pub async fn merge_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<TaggedTicket> {
    Ok(tagged(
        tickets::merge(
            &state,
            &staff.tenant,
            &staff.principal,
            id,
            input.into_ticket_id,
        )
        .await?,
    ))
}
