//! The connector's actions on companies, contacts, members, user groups and tickets. Each answers
//! with the same view the Admin API does, and `schemas` describes that view to the designer.

use axum::{Json, extract::State, http::HeaderMap};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{ConnectorCaller, Staff},
    domain::{
        contacts::ContactInput,
        notifications::NotificationInput,
        tickets::{TicketInput, TicketPatch},
    },
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery, parse_json},
        pagination::{ListQuery, Page},
        resources::{
            companies::{self, CompanyView},
            contact_groups::ContactGroupView,
            contacts::{self, ContactFilter, ContactView},
            members::{self, MemberView},
            notifications::NotificationView,
            tickets::{self, TaggedTicket, TicketSearchQuery, TicketView},
        },
    },
    service::{
        self, contact_groups,
        notifications::{self, contact_inbox, member_inbox},
    },
    state::AppState,
};

/// Find companies by name or identifier.
#[utoipa::path(post, path = "/companies/find", operation_id = "FindCompanies", request_body = ListQuery, responses((status = 200, body = Page<CompanyView>)))]
pub async fn find_companies(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiJson(query): ApiJson<ListQuery>,
) -> Result<Json<Page<CompanyView>>> {
    companies::page_of_companies(&state, &caller.tenant, query).await
}

/// Get a company.
#[utoipa::path(get, path = "/companies/{companyId}", operation_id = "GetCompany", params(("companyId" = i32, Path)), responses((status = 200, body = CompanyView)))]
pub async fn get_company(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CompanyView>> {
    Ok(Json(
        service::companies::get(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

/// A company's user groups (contact groups), by name.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FindUserGroupsRequest {
    pub company_id: i32,
    /// Case-insensitive text to look for in group names.
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub include_archived: bool,
}

/// Find a company's user groups, with their members.
#[utoipa::path(post, path = "/user-groups/find", operation_id = "FindUserGroups", request_body = FindUserGroupsRequest, responses((status = 200, body = Page<ContactGroupView>)))]
pub async fn find_user_groups(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiJson(request): ApiJson<FindUserGroupsRequest>,
) -> Result<Json<Page<ContactGroupView>>> {
    let words = request.search.as_deref().map(str::trim).unwrap_or("");
    let groups = contact_groups::list(
        &state,
        &caller.tenant,
        request.company_id,
        request.include_archived,
    )
    .await?;
    let found: Vec<ContactGroupView> = groups
        .into_iter()
        .filter(|g| g.group.name.to_lowercase().contains(&words.to_lowercase()))
        .map(Into::into)
        .collect();
    let total = found.len() as i64;
    Ok(Json(Page::new(found, total, 0)))
}

/// Create a contact in a company.
#[utoipa::path(post, path = "/contacts", operation_id = "CreateContact", request_body = ContactInput, responses((status = 200, body = ContactView)))]
pub async fn create_contact(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiJson(input): ApiJson<ContactInput>,
) -> Result<Json<ContactView>> {
    let contact = service::contacts::create(&state, &caller.tenant, input).await?;
    Ok(Json(contact.into()))
}

/// Find contacts by name or email, optionally of one company.
#[utoipa::path(post, path = "/contacts/find", operation_id = "FindContacts", request_body = ContactFilter, responses((status = 200, body = Page<ContactView>)))]
pub async fn find_contacts(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiJson(filter): ApiJson<ContactFilter>,
) -> Result<Json<Page<ContactView>>> {
    contacts::page_of_contacts(&state, &caller.tenant, filter).await
}

/// Get a contact.
#[utoipa::path(get, path = "/contacts/{contactId}", operation_id = "GetContact", params(("contactId" = i32, Path)), responses((status = 200, body = ContactView)))]
pub async fn get_contact(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        service::contacts::get(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

/// Find members (technicians) by name or email.
#[utoipa::path(post, path = "/members/find", operation_id = "FindMembers", request_body = ListQuery, responses((status = 200, body = Page<MemberView>)))]
pub async fn find_members(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiJson(query): ApiJson<ListQuery>,
) -> Result<Json<Page<MemberView>>> {
    members::page_of_members(&state, &caller.tenant, query).await
}

/// Get a member.
#[utoipa::path(get, path = "/members/{memberId}", operation_id = "GetMember", params(("memberId" = i32, Path)), responses((status = 200, body = MemberView)))]
pub async fn get_member(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<MemberView>> {
    Ok(Json(
        service::members::get(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypeChoice {
    /// The request type; 0 is "something else" (no request type: `queueId` is then required).
    #[param(minimum = 0)]
    pub request_type_id: i32,
}

/// The request type chosen in the query, `None` for "something else".
pub fn chosen_request_type(id: i32) -> Result<Option<i32>> {
    match id {
        0 => Ok(None),
        id if id > 0 => Ok(Some(id)),
        _ => Err(Error::bad_request(
            "requestTypeId",
            "requestTypeId is a request type's id, or 0 for something else",
        )),
    }
}

/// Create a ticket of a request type; the body's fields are those of
/// `schema/ticket/$create-request?requestTypeId=…`.
#[utoipa::path(post, path = "/tickets", operation_id = "CreateTicket", params(RequestTypeChoice), request_body = TicketInput, responses((status = 200, body = TicketView)))]
pub async fn create_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(choice): ApiQuery<RequestTypeChoice>,
    ApiJson(mut body): ApiJson<Map<String, Value>>,
) -> Result<TaggedTicket> {
    let request_type = chosen_request_type(choice.request_type_id)?;
    body.insert("requestTypeId".into(), request_type.into());
    let input: TicketInput = parse_json(&serde_json::to_vec(&body).unwrap_or_default())?;
    let ticket =
        service::tickets::create(&state, &staff.tenant, &staff.principal, input, vec![]).await?;
    Ok(tickets::tagged(ticket))
}

/// Find tickets by any combination of filters and words.
#[utoipa::path(post, path = "/tickets/find", operation_id = "FindTickets", request_body = TicketSearchQuery, responses((status = 200, body = Page<TicketView>)))]
pub async fn find_tickets(
    State(state): State<AppState>,
    staff: Staff,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> Result<Json<Page<TicketView>>> {
    tickets::page_of_tickets(&state, &staff, &TicketSearchQuery::from_body(body)?).await
}

/// Get a ticket with its conversation and history.
#[utoipa::path(get, path = "/tickets/{ticketId}", operation_id = "GetTicket", params(("ticketId" = i32, Path)), responses((status = 200, body = TicketView)))]
pub async fn get_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<TaggedTicket> {
    let ticket =
        service::tickets::get(&state, &staff.tenant, service::tickets::Viewer::Staff, id).await?;
    Ok(tickets::tagged(ticket))
}

/// Update a ticket with a JSON merge patch: absent fields stay, `null` clears.
#[utoipa::path(patch, path = "/tickets/{ticketId}", operation_id = "UpdateTicket", params(("ticketId" = i32, Path)), request_body = TicketPatch, responses((status = 200, body = TicketView)))]
pub async fn update_ticket(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> Result<TaggedTicket> {
    let precondition = tickets::precondition(&headers);
    let ticket = service::tickets::patch(
        &state,
        &staff.tenant,
        &staff.principal,
        id,
        patch,
        precondition,
    )
    .await?;
    Ok(tickets::tagged(ticket))
}

/// Send a notification to a contact's client portal inbox.
#[utoipa::path(post, path = "/contacts/{contactId}/notifications", operation_id = "CreateContactNotification", params(("contactId" = i32, Path)), request_body = NotificationInput, responses((status = 200, body = NotificationView)))]
pub async fn notify_contact(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<NotificationInput>,
) -> Result<Json<NotificationView>> {
    let sender = caller.principal.label();
    let n = notifications::send(&state, &caller.tenant, contact_inbox(id), &sender, input).await?;
    Ok(Json(n.into()))
}

/// Send a notification to a member's tech portal inbox.
#[utoipa::path(post, path = "/members/{memberId}/notifications", operation_id = "CreateMemberNotification", params(("memberId" = i32, Path)), request_body = NotificationInput, responses((status = 200, body = NotificationView)))]
pub async fn notify_member(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<NotificationInput>,
) -> Result<Json<NotificationView>> {
    let sender = caller.principal.label();
    let n = notifications::send(&state, &caller.tenant, member_inbox(id), &sender, input).await?;
    Ok(Json(n.into()))
}

/// The connector's actions.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find_companies))
        .routes(routes!(get_company))
        .routes(routes!(find_user_groups))
        .routes(routes!(create_contact))
        .routes(routes!(find_contacts))
        .routes(routes!(get_contact))
        .routes(routes!(find_members))
        .routes(routes!(get_member))
        .routes(routes!(create_ticket))
        .routes(routes!(find_tickets))
        .routes(routes!(get_ticket, update_ticket))
        .routes(routes!(notify_contact))
        .routes(routes!(notify_member))
}
