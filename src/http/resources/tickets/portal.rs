//! A contact's tickets in the client portal: raise, read, comment, close and reopen, and decide
//! approvals.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::views::{TicketNoteView, TicketView};
use crate::{
    auth::extractors::PortalUser,
    domain::tickets::{CommentInput, PortalTicketInput, Scope},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        multipart::{FormWithFiles, WithFiles},
        pagination::{ListQuery, Page},
        resources::attachments,
    },
    service::tickets::{self, ContactListing, Viewer},
    state::AppState,
};

/// What a contact lists: open, closed, awaiting approval, or any.
#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PortalState {
    Open,
    Closed,
    AwaitingApproval,
    Any,
}

/// A decision on a ticket awaiting approval.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalInput {
    /// Why; required to decline. It becomes a public comment.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Closing a ticket from the portal, optionally saying why.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CloseInput {
    /// Becomes a public comment on the ticket.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortalTicketQuery {
    /// `personal` (default), `group` (groups I manage) or `company` (when I may see my company's tickets).
    #[param(inline)]
    pub scope: Option<Scope>,
    /// `open` (default), `closed`, `awaiting_approval` or `any`.
    #[param(inline)]
    pub status: Option<PortalState>,
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_tickets, create_my_ticket))
        .routes(routes!(get_my_ticket))
        .routes(routes!(list_my_ticket_comments, create_my_ticket_comment))
        .routes(routes!(close_my_ticket))
        .routes(routes!(list_my_approvals))
        .routes(routes!(approve_ticket))
        .routes(routes!(decline_ticket))
        .routes(routes!(reopen_my_ticket))
        .merge(attachments::portal_routes())
}

/// List my tickets (or my groups', or my company's), most recently changed first.
#[utoipa::path(get, path = "/tickets", params(PortalTicketQuery), responses((status = 200, body = Page<TicketView>)))]
pub async fn list_my_tickets(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(query): ApiQuery<PortalTicketQuery>,
) -> Result<Json<Page<TicketView>>> {
    let list = ListQuery {
        skip: query.skip,
        take: query.take,
        search: None,
        include_archived: None,
    };
    let (skip, take) = list.window()?;
    let wanted = query.status.unwrap_or(PortalState::Open);
    let closed = match wanted {
        PortalState::Open => Some(false),
        PortalState::Closed => Some(true),
        PortalState::AwaitingApproval | PortalState::Any => None,
    };
    let listing = ContactListing {
        scope: query.scope.unwrap_or(Scope::Personal),
        closed,
        awaiting_approval: wanted == PortalState::AwaitingApproval,
        skip,
        take,
    };
    let (found, total) = tickets::list_for_contact(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        &listing,
    )
    .await?;
    Ok(Json(Page::new(
        found.into_iter().map(TicketView::listed).collect(),
        total,
        skip,
    )))
}

/// Raise a ticket from a request type: its queue, priority and the queue's default status apply.
/// Files may come along as `multipart/form-data` (JSON in the `payload` part).
#[utoipa::path(post, path = "/tickets", request_body(content((PortalTicketInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketView)))]
pub async fn create_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    WithFiles { body, files }: WithFiles<PortalTicketInput>,
) -> Result<(StatusCode, Json<TicketView>)> {
    let ticket = tickets::create_for_contact(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        body,
        files,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(TicketView::for_contact(ticket))))
}

/// Get one of the tickets I may see.
#[utoipa::path(get, path = "/tickets/{ticketId}", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn get_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    let viewer = Viewer::Contact {
        id: user.contact_id,
        company_id: user.company_id,
    };
    Ok(Json(TicketView::for_contact(
        tickets::get(&state, &user.tenant, viewer, id).await?,
    )))
}

/// The public comments of one of my tickets, oldest first.
#[utoipa::path(get, path = "/tickets/{ticketId}/comments", params(("ticketId" = i32, Path)), responses((status = 200, body = Page<TicketNoteView>)))]
pub async fn list_my_ticket_comments(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Page<TicketNoteView>>> {
    let viewer = Viewer::Contact {
        id: user.contact_id,
        company_id: user.company_id,
    };
    let notes = tickets::notes(&state, &user.tenant, viewer, id).await?;
    Ok(Json(Page::whole(
        notes.into_iter().map(Into::into).collect(),
    )))
}

/// Comment on one of the tickets I may see. Files may come along as `multipart/form-data` (JSON
/// in the `payload` part).
#[utoipa::path(post, path = "/tickets/{ticketId}/comments", params(("ticketId" = i32, Path)), request_body(content((CommentInput = "application/json"), (FormWithFiles = "multipart/form-data"))), responses((status = 201, body = TicketNoteView)))]
pub async fn create_my_ticket_comment(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    WithFiles { body, files }: WithFiles<CommentInput>,
) -> Result<(StatusCode, Json<TicketNoteView>)> {
    let note = tickets::add_comment(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        body,
        files,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// Close one of my tickets, optionally with a note (it becomes a comment).
#[utoipa::path(post, path = "/tickets/{ticketId}/close", params(("ticketId" = i32, Path)), request_body = CloseInput, responses((status = 200, body = TicketView)))]
pub async fn close_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<CloseInput>,
) -> Result<Json<TicketView>> {
    let ticket = tickets::close_for_contact(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        input.note,
    )
    .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Reopen one of my closed tickets: it returns to its queue's default status.
#[utoipa::path(post, path = "/tickets/{ticketId}/reopen", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn reopen_my_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<TicketView>> {
    let ticket =
        tickets::reopen_for_contact(&state, &user.tenant, user.contact_id, user.company_id, id)
            .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Tickets waiting for my approval (I am an approver of my company; group tickets only when I manage the group).
#[utoipa::path(get, path = "/approvals", responses((status = 200, body = Page<TicketView>)))]
pub async fn list_my_approvals(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<Page<TicketView>>> {
    let waiting =
        tickets::pending_approvals(&state, &user.tenant, user.contact_id, user.company_id).await?;
    Ok(Json(Page::whole(
        waiting.into_iter().map(TicketView::listed).collect(),
    )))
}

/// Approve a ticket awaiting approval; it moves to its queue's "approval granted" status.
#[utoipa::path(post, path = "/tickets/{ticketId}/approve", params(("ticketId" = i32, Path)), request_body = ApprovalInput, responses((status = 200, body = TicketView)))]
pub async fn approve_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ApprovalInput>,
) -> Result<Json<TicketView>> {
    let ticket = tickets::decide_approval(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        true,
        input.reason,
    )
    .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}

/// Decline a ticket awaiting approval, saying why (the reason becomes a comment).
#[utoipa::path(post, path = "/tickets/{ticketId}/decline", params(("ticketId" = i32, Path)), request_body = ApprovalInput, responses((status = 200, body = TicketView)))]
pub async fn decline_ticket(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ApprovalInput>,
) -> Result<Json<TicketView>> {
    let ticket = tickets::decide_approval(
        &state,
        &user.tenant,
        user.contact_id,
        user.company_id,
        id,
        false,
        input.reason,
    )
    .await?;
    Ok(Json(TicketView::for_contact(ticket)))
}
