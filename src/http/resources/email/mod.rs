//! Email (Admin API v3): the tenant's sender, templates (list, read, replace, preview, reset),
//! notification rules, a test send and the send log; mailboxes (`mailboxes`); a person's email preferences (portal and
//! tech); and the one-click unsubscribe link every optional notification carries.

pub mod mailboxes;

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, CurrentTenant, Person},
    domain::{
        UserKind,
        email::{
            EmailPreferenceInput, EmailPreviewRequest, EmailRuleInput, EmailSettingsInput,
            EmailTemplateInput, EmailTestRequest, SmtpTls,
        },
    },
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::email::{LogRow, SettingsRow},
    service::email::{
        self, TenantTemplate,
        rules::{self, Audience, Setting},
        templates::Rendered,
        unsubscribe,
    },
    state::AppState,
};

/// The tenant's sender. The SMTP password and DKIM key are never returned: `hasPassword` and
/// `hasDkimKey` say whether one is stored.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailSettingsView {
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: i32,
    pub tls: SmtpTls,
    pub smtp_user: Option<String>,
    pub has_password: bool,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    pub dkim_domain: Option<String>,
    pub dkim_selector: Option<String>,
    pub has_dkim_key: bool,
    pub modified_on: DateTime<Utc>,
}

impl From<SettingsRow> for EmailSettingsView {
    fn from(s: SettingsRow) -> Self {
        Self {
            enabled: s.enabled,
            tls: SmtpTls::parse(&s.tls),
            smtp_host: s.smtp_host,
            smtp_port: s.smtp_port,
            smtp_user: s.smtp_user,
            has_password: s.smtp_password_sealed.is_some(),
            from_name: s.from_name,
            from_address: s.from_address,
            reply_to: s.reply_to,
            dkim_domain: s.dkim_domain,
            dkim_selector: s.dkim_selector,
            has_dkim_key: s.dkim_key_sealed.is_some(),
            modified_on: s.updated_at,
        }
    }
}

/// A template kind and the tenant's template of it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailTemplateView {
    /// The kind, e.g. `ticket_created`.
    pub kind: String,
    pub description: String,
    pub subject: String,
    pub html: String,
    /// `null`: generated from the HTML.
    pub text: Option<String>,
    /// False while the shipped default is used.
    pub is_custom: bool,
    /// The variables this kind offers (`ticket.summary`, …).
    pub variables: Vec<String>,
    pub modified_on: Option<DateTime<Utc>>,
}

impl From<TenantTemplate> for EmailTemplateView {
    fn from(t: TenantTemplate) -> Self {
        Self {
            kind: t.kind.name.into(),
            description: t.kind.description.into(),
            variables: t.kind.variables(),
            subject: t.template.subject,
            html: t.template.html,
            text: t.template.text,
            is_custom: t.custom.is_some(),
            modified_on: t.custom.map(|c| c.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl From<Rendered> for RenderedEmail {
    fn from(r: Rendered) -> Self {
        Self {
            subject: r.subject,
            html: r.html,
            text: r.text,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailRuleView {
    pub rule: String,
    pub description: String,
    /// The template kind it sends.
    pub template: String,
    /// `contact` or `member`.
    pub audience: String,
    pub enabled: bool,
    /// People cannot refuse it.
    pub required: bool,
    /// `contact_status_changed` only.
    pub status_ids: Vec<i32>,
}

impl From<Setting> for EmailRuleView {
    fn from(s: Setting) -> Self {
        Self {
            rule: s.rule.name.into(),
            description: s.rule.description.into(),
            template: s.rule.template.into(),
            audience: s.rule.audience.as_str().into(),
            enabled: s.enabled,
            required: s.rule.required,
            status_ids: s.status_ids,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailTestView {
    pub sent: bool,
    /// The SMTP server's answer, or why the message was not sent.
    pub answer: String,
}

/// One message of the send log.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailMessageView {
    pub id: i64,
    pub rule: String,
    pub template: String,
    pub recipient: String,
    pub ticket_id: Option<i32>,
    pub subject: String,
    /// The Message-ID (without angle brackets).
    pub message_id: String,
    /// `pending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_on: Option<DateTime<Utc>>,
    /// The SMTP server's last answer, or why the last attempt failed.
    pub last_answer: Option<String>,
    pub created_on: DateTime<Utc>,
    pub sent_on: Option<DateTime<Utc>>,
}

impl From<LogRow> for EmailMessageView {
    fn from(m: LogRow) -> Self {
        Self {
            id: m.id,
            rule: m.rule,
            template: m.template,
            recipient: m.recipient,
            ticket_id: m.ticket_id,
            subject: m.subject,
            message_id: m.message_id,
            next_attempt_on: (m.state == "pending").then_some(m.next_attempt_at),
            state: m.state,
            attempts: m.attempts,
            last_answer: m.last_answer,
            created_on: m.created_at,
            sent_on: m.sent_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EmailPreferenceView {
    pub rule: String,
    pub description: String,
    pub enabled: bool,
    /// It cannot be turned off.
    pub required: bool,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(
            get_email_settings,
            save_email_settings,
            delete_email_settings
        ))
        .routes(routes!(send_test_email))
        .routes(routes!(list_email_templates))
        .routes(routes!(
            get_email_template,
            save_email_template,
            reset_email_template
        ))
        .routes(routes!(preview_email_template))
        .routes(routes!(list_email_rules))
        .routes(routes!(change_email_rule))
        .routes(routes!(list_email_messages))
        .merge(mailboxes::admin_routes())
}

/// `GET`/`PUT /me/email-preferences` for contacts (Portal) and members (Tech).
pub fn preference_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_email_preferences, change_email_preference))
}

/// The unsubscribe link, which needs no sign-in (its token is the credential).
pub fn unsubscribe_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_unsubscribe, unsubscribe))
}

#[utoipa::path(get, path = "/email/settings", responses((status = 200, body = EmailSettingsView)))]
pub async fn get_email_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<EmailSettingsView>> {
    Ok(Json(
        email::settings::get(&state, &caller.tenant).await?.into(),
    ))
}

/// Set the tenant's sender. `password` and `dkimPrivateKey`: absent keeps the stored one, `null`
/// removes it.
#[utoipa::path(put, path = "/email/settings", request_body = EmailSettingsInput, responses((status = 200, body = EmailSettingsView)))]
pub async fn save_email_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<EmailSettingsInput>,
) -> Result<Json<EmailSettingsView>> {
    Ok(Json(
        email::settings::save(&state, &caller.tenant, input)
            .await?
            .into(),
    ))
}

/// Stop sending mail and forget the sender.
#[utoipa::path(delete, path = "/email/settings", responses((status = 204)))]
pub async fn delete_email_settings(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<StatusCode> {
    email::settings::delete(&state, &caller.tenant).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send the `test` template to an address now (whether or not mail is enabled) and answer what
/// the SMTP server said. The message is in the send log.
#[utoipa::path(post, path = "/email/test", request_body = EmailTestRequest, responses((status = 200, body = EmailTestView)))]
pub async fn send_test_email(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(request): ApiJson<EmailTestRequest>,
) -> Result<Json<EmailTestView>> {
    let outcome = email::test_send(&state, &caller.tenant, request).await?;
    Ok(Json(EmailTestView {
        sent: outcome.sent,
        answer: outcome.answer,
    }))
}

#[utoipa::path(get, path = "/email/templates", responses((status = 200, body = Page<EmailTemplateView>)))]
pub async fn list_email_templates(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<EmailTemplateView>>> {
    let all = email::list_templates(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(all.into_iter().map(Into::into).collect())))
}

#[utoipa::path(get, path = "/email/templates/{kind}", params(("kind" = String, Path)), responses((status = 200, body = EmailTemplateView)))]
pub async fn get_email_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(kind): ApiPath<String>,
) -> Result<Json<EmailTemplateView>> {
    Ok(Json(
        email::get_template(&state, &caller.tenant, &kind)
            .await?
            .into(),
    ))
}

/// Replace a template. One that does not parse, or uses a variable its kind does not offer, is a
/// 422 naming the part and line.
#[utoipa::path(put, path = "/email/templates/{kind}", params(("kind" = String, Path)), request_body = EmailTemplateInput, responses((status = 200, body = EmailTemplateView)))]
pub async fn save_email_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(kind): ApiPath<String>,
    ApiJson(input): ApiJson<EmailTemplateInput>,
) -> Result<Json<EmailTemplateView>> {
    Ok(Json(
        email::save_template(&state, &caller.tenant, &kind, input)
            .await?
            .into(),
    ))
}

/// Back to the shipped default; answers the default.
#[utoipa::path(delete, path = "/email/templates/{kind}", params(("kind" = String, Path)), responses((status = 200, body = EmailTemplateView)))]
pub async fn reset_email_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(kind): ApiPath<String>,
) -> Result<Json<EmailTemplateView>> {
    Ok(Json(
        email::reset_template(&state, &caller.tenant, &kind)
            .await?
            .into(),
    ))
}

/// Render a draft (or the saved template) with one of the tenant's tickets, or sample values.
#[utoipa::path(post, path = "/email/templates/{kind}/preview", params(("kind" = String, Path)), request_body = EmailPreviewRequest, responses((status = 200, body = RenderedEmail)))]
pub async fn preview_email_template(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(kind): ApiPath<String>,
    ApiJson(request): ApiJson<EmailPreviewRequest>,
) -> Result<Json<RenderedEmail>> {
    Ok(Json(
        email::preview(&state, &caller.tenant, &kind, request)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/email/rules", responses((status = 200, body = Page<EmailRuleView>)))]
pub async fn list_email_rules(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<EmailRuleView>>> {
    let mut conn = state.pool.acquire().await?;
    let all = rules::settings(&mut conn, caller.tenant.id).await?;
    Ok(Json(Page::whole(all.into_iter().map(Into::into).collect())))
}

#[utoipa::path(put, path = "/email/rules/{rule}", params(("rule" = String, Path)), request_body = EmailRuleInput, responses((status = 200, body = EmailRuleView)))]
pub async fn change_email_rule(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(rule): ApiPath<String>,
    ApiJson(input): ApiJson<EmailRuleInput>,
) -> Result<Json<EmailRuleView>> {
    Ok(Json(
        rules::change(&state, &caller.tenant, &rule, input)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessagesQuery {
    /// Only messages in this state.
    #[param(pattern = "^(pending|sent|failed)$")]
    pub state: Option<String>,
    /// Only messages to this address (case-insensitive).
    pub recipient: Option<String>,
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

/// The send log, newest first: every message, its state and the SMTP server's last answer.
#[utoipa::path(get, path = "/email/messages", params(MessagesQuery), responses((status = 200, body = Page<EmailMessageView>)))]
pub async fn list_email_messages(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(query): ApiQuery<MessagesQuery>,
) -> Result<Json<Page<EmailMessageView>>> {
    let (skip, take) = ListQuery {
        skip: query.skip,
        take: query.take,
        ..Default::default()
    }
    .window()?;
    let (rows, total) = email::log(
        &state,
        &caller.tenant,
        query.state.as_deref(),
        query
            .recipient
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty()),
        skip,
        take,
    )
    .await?;
    Ok(Json(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        skip,
    )))
}

fn audience(kind: UserKind) -> Audience {
    match kind {
        UserKind::Contact => Audience::Contact,
        UserKind::Member => Audience::Member,
    }
}

/// The mail rules that can reach you, and whether you get each.
#[utoipa::path(get, path = "/me/email-preferences", responses((status = 200, body = Page<EmailPreferenceView>)))]
pub async fn get_email_preferences(
    State(state): State<AppState>,
    person: Person,
) -> Result<Json<Page<EmailPreferenceView>>> {
    let all = rules::preferences(&state, &person.tenant, audience(person.kind), person.id).await?;
    Ok(Json(Page::whole(
        all.into_iter()
            .map(|p| EmailPreferenceView {
                rule: p.rule.name.into(),
                description: p.rule.description.into(),
                enabled: p.enabled,
                required: p.rule.required,
            })
            .collect(),
    )))
}

/// Turn one rule's mail on or off for yourself (required ones stay on: a 422).
#[utoipa::path(put, path = "/me/email-preferences", request_body = EmailPreferenceInput, responses((status = 200, body = Page<EmailPreferenceView>)))]
pub async fn change_email_preference(
    State(state): State<AppState>,
    person: Person,
    ApiJson(input): ApiJson<EmailPreferenceInput>,
) -> Result<Json<Page<EmailPreferenceView>>> {
    rules::set_preference(
        &state,
        &person.tenant,
        audience(person.kind),
        person.id,
        input.rule.trim(),
        input.enabled,
    )
    .await?;
    get_email_preferences(State(state), person).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnsubscribeQuery {
    /// The token of the link in the message.
    #[param(min_length = 1, max_length = 512)]
    pub token: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeView {
    /// The rule whose mail the link stops.
    pub rule: String,
    pub description: String,
    /// True once done (after the POST).
    pub unsubscribed: bool,
}

/// What the link would stop (reading it changes nothing, so mail scanners that open links do no
/// harm).
#[utoipa::path(get, path = "/email/unsubscribe", params(UnsubscribeQuery), responses((status = 200, body = UnsubscribeView)))]
pub async fn read_unsubscribe(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiQuery(query): ApiQuery<UnsubscribeQuery>,
) -> Result<Json<UnsubscribeView>> {
    let u = unsubscribe::read(&state, &tenant, &query.token)?;
    Ok(Json(UnsubscribeView {
        rule: u.rule.into(),
        description: rules::rule(u.rule)?.description.into(),
        unsubscribed: false,
    }))
}

/// One-click unsubscribe (RFC 8058): stops this rule's mail to the person the link was sent to.
#[utoipa::path(post, path = "/email/unsubscribe", params(UnsubscribeQuery), responses((status = 200, body = UnsubscribeView)))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiQuery(query): ApiQuery<UnsubscribeQuery>,
) -> Result<Json<UnsubscribeView>> {
    let u = unsubscribe::apply(&state, &tenant, &query.token).await?;
    Ok(Json(UnsubscribeView {
        rule: u.rule.into(),
        description: rules::rule(u.rule)?.description.into(),
        unsubscribed: true,
    }))
}
