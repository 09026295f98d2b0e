//! Mailboxes (Admin API v3): create (the inbound secret is shown once), list, change, delete,
//! regenerate the secret, what each received; and the inbound endpoint mail providers post raw
//! messages to, authorised by the mailbox's secret.

use axum::{
    Json,
    body::Bytes,
    extract::{FromRequestParts, State},
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::extractors::{AdminCaller, CurrentTenant},
    domain::email::{MailboxInput, SmtpTls, UnknownSenders},
    error::{Error, Kind, Result},
    http::{
        extract::{ApiJson, ApiPath},
        limits::is_mail,
        pagination::Page,
    },
    repo::email::mailboxes::{MailboxRow, ReceivedRow},
    service::email::{inbound, mailboxes},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailboxView {
    pub id: String,
    pub name: String,
    pub address: String,
    pub queue_id: i32,
    pub unknown_senders: UnknownSenders,
    pub default_company_id: Option<i32>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i32>,
    pub imap_tls: Option<SmtpTls>,
    pub imap_user: Option<String>,
    pub has_imap_password: bool,
    pub imap_folder: String,
    pub processed_folder: Option<String>,
    pub enabled: bool,
    pub last_polled_on: Option<DateTime<Utc>>,
    /// Why the last poll failed.
    pub last_error: Option<String>,
    /// Where mail providers post raw messages (`message/rfc822`), with the secret.
    pub inbound_path: String,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    /// Only in the answer that creates the mailbox or regenerates its secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_secret: Option<String>,
}

impl MailboxView {
    fn new(m: MailboxRow, secret: Option<String>) -> Self {
        Self {
            inbound_path: format!("/api/v3/admin/email/inbound/{}", m.id),
            id: m.id.to_string(),
            name: m.name,
            address: m.address,
            queue_id: m.queue_id,
            unknown_senders: if m.unknown_senders == "create" {
                UnknownSenders::Create
            } else {
                UnknownSenders::Reject
            },
            default_company_id: m.default_company_id,
            imap_host: m.imap_host,
            imap_port: m.imap_port,
            imap_tls: m.imap_tls.as_deref().map(SmtpTls::parse),
            imap_user: m.imap_user,
            has_imap_password: m.imap_password_sealed.is_some(),
            imap_folder: m.imap_folder,
            processed_folder: m.processed_folder,
            enabled: m.enabled,
            last_polled_on: m.last_polled_at,
            last_error: m.last_error,
            created_on: m.created_at,
            modified_on: m.updated_at,
            inbound_secret: secret,
        }
    }
}

/// One message a mailbox received, and what it became.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedView {
    pub id: i64,
    pub message_id: String,
    pub sender: String,
    pub subject: String,
    /// `ticket`, `note`, `ignored` or `rejected`.
    pub outcome: String,
    pub ticket_id: Option<i32>,
    pub reason: Option<String>,
    pub received_on: DateTime<Utc>,
}

impl From<ReceivedRow> for ReceivedView {
    fn from(r: ReceivedRow) -> Self {
        Self {
            id: r.id,
            message_id: r.message_id,
            sender: r.sender,
            subject: r.subject,
            outcome: r.outcome,
            ticket_id: r.ticket_id,
            reason: r.reason,
            received_on: r.received_at,
        }
    }
}

/// What the inbound endpoint did with a message.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboundView {
    /// `ticket`, `note`, `ignored`, `rejected` or `duplicate` (received before).
    pub outcome: String,
    pub ticket_id: Option<i32>,
    pub reason: Option<String>,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_mailboxes, create_mailbox))
        .routes(routes!(get_mailbox, replace_mailbox, delete_mailbox))
        .routes(routes!(regenerate_mailbox_secret))
        .routes(routes!(list_mailbox_messages))
}

/// The inbound endpoint, which takes the mailbox's secret instead of an admin's credentials.
pub fn inbound_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(receive_email))
}

fn mailbox_id(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::not_found("mailbox"))
}

/// Add a mailbox. The answer carries the inbound endpoint's secret, shown this once.
#[utoipa::path(post, path = "/email/mailboxes", request_body = MailboxInput, responses((status = 201, body = MailboxView)))]
pub async fn create_mailbox(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<MailboxInput>,
) -> Result<(StatusCode, Json<MailboxView>)> {
    let (row, secret) = mailboxes::create(&state, &caller.tenant, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(MailboxView::new(row, Some(secret))),
    ))
}

#[utoipa::path(get, path = "/email/mailboxes", responses((status = 200, body = Page<MailboxView>)))]
pub async fn list_mailboxes(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<MailboxView>>> {
    let rows = mailboxes::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter()
            .map(|m| MailboxView::new(m, None))
            .collect(),
    )))
}

#[utoipa::path(get, path = "/email/mailboxes/{mailboxId}", params(("mailboxId" = String, Path)), responses((status = 200, body = MailboxView)))]
pub async fn get_mailbox(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MailboxView>> {
    let row = mailboxes::get(&state, &caller.tenant, mailbox_id(&id)?).await?;
    Ok(Json(MailboxView::new(row, None)))
}

/// Replace a mailbox's settings (a changed server or folder is read afresh).
#[utoipa::path(put, path = "/email/mailboxes/{mailboxId}", params(("mailboxId" = String, Path)), request_body = MailboxInput, responses((status = 200, body = MailboxView)))]
pub async fn replace_mailbox(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<MailboxInput>,
) -> Result<Json<MailboxView>> {
    let row = mailboxes::replace(&state, &caller.tenant, mailbox_id(&id)?, input).await?;
    Ok(Json(MailboxView::new(row, None)))
}

#[utoipa::path(delete, path = "/email/mailboxes/{mailboxId}", params(("mailboxId" = String, Path)), responses((status = 204)))]
pub async fn delete_mailbox(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode> {
    mailboxes::delete(&state, &caller.tenant, mailbox_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new inbound secret, shown this once; the old one stops working.
#[utoipa::path(post, path = "/email/mailboxes/{mailboxId}/secret", params(("mailboxId" = String, Path)), responses((status = 200, body = MailboxView)))]
pub async fn regenerate_mailbox_secret(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<MailboxView>> {
    let id = mailbox_id(&id)?;
    let secret = mailboxes::regenerate_secret(&state, &caller.tenant, id).await?;
    let row = mailboxes::get(&state, &caller.tenant, id).await?;
    Ok(Json(MailboxView::new(row, Some(secret))))
}

/// The latest 100 messages the mailbox received, newest first, and what each became.
#[utoipa::path(get, path = "/email/mailboxes/{mailboxId}/messages", params(("mailboxId" = String, Path)), responses((status = 200, body = Page<ReceivedView>)))]
pub async fn list_mailbox_messages(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Page<ReceivedView>>> {
    let rows = mailboxes::received(&state, &caller.tenant, mailbox_id(&id)?).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// The mailbox a request's secret opens, checked before its body is read.
pub struct MailboxCaller(MailboxRow);

impl FromRequestParts<AppState> for MailboxCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let unauthorized = || Error::unauthorized("a valid mailbox secret is required");
        let CurrentTenant(tenant) = CurrentTenant::from_request_parts(parts, state).await?;
        let ApiPath(id) = ApiPath::<String>::from_request_parts(parts, state).await?;
        let id = Uuid::parse_str(&id).map_err(|_| unauthorized())?;
        let secret = presented_secret(&parts.headers).ok_or_else(unauthorized)?;
        let mailbox = crate::repo::email::mailboxes::by_id(&state.pool, id)
            .await?
            .filter(|m| m.tenant_id == tenant.id && inbound::secret_matches(m, &secret))
            .ok_or_else(unauthorized)?;
        Ok(Self(mailbox))
    }
}

/// The secret the caller presents: `Authorization: Bearer <secret>`, or Basic with the secret as
/// the password (what most providers' inbound hooks can send).
fn presented_secret(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, credential) = value.split_once(' ')?;
    let credential = credential.trim();
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Some(credential.to_string()),
        "basic" => {
            let decoded = STANDARD.decode(credential).ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            Some(
                decoded
                    .split_once(':')
                    .map_or(decoded.clone(), |(_, p)| p.to_string()),
            )
        }
        _ => None,
    }
}

/// Receive one raw message (`message/rfc822`) for the mailbox, as a mail provider's inbound hook
/// posts it. Authorised by the mailbox's secret (`Bearer`, or Basic with it as the password).
/// The message becomes a ticket, a note on the ticket it answers, or nothing (noise, refused
/// senders, a duplicate); the answer says which.
#[utoipa::path(post, path = "/email/inbound/{mailboxId}", params(("mailboxId" = String, Path)), request_body(content = String, content_type = "message/rfc822", description = "The message as received (RFC 5322)"), responses((status = 200, body = InboundView)), security(("MailboxSecret" = [])))]
pub async fn receive_email(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    MailboxCaller(mailbox): MailboxCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<InboundView>> {
    if !is_mail(&headers) {
        return Err(Error::new(
            Kind::UnsupportedFormat,
            "UnsupportedMediaType",
            "send the message as message/rfc822",
        ));
    }
    if !mailbox.enabled {
        return Err(Error::state("MailboxDisabled", "the mailbox is disabled"));
    }
    if body.is_empty() {
        return Err(Error::validation("body", "the message is empty"));
    }
    let outcome = inbound::receive(&state, &tenant, &mailbox, &body).await?;
    let (ticket_id, reason) = match &outcome {
        inbound::Outcome::Ticket(t) | inbound::Outcome::Note(t) => (Some(*t), None),
        inbound::Outcome::Ignored(r) | inbound::Outcome::Rejected(r) => (None, Some(r.clone())),
        inbound::Outcome::Duplicate => (None, None),
    };
    Ok(Json(InboundView {
        outcome: outcome.kind().into(),
        ticket_id,
        reason,
    }))
}
