//! Email: the tenant's sender, the template engine, notification rules, the outbox that plans
//! and sends mail (`planner`, `sender`, run by every worker), and the send log.

pub mod compose;
pub mod imap;
pub mod inbound;
pub mod mailboxes;
pub mod planner;
pub mod rules;
pub mod sender;
pub mod senders;
pub mod settings;
pub mod templates;
pub mod text;
pub mod unsubscribe;

use std::time::Duration;

use serde_json::Value;

use self::{
    compose::{Letter, Recipient},
    templates::{Rendered, Template, TemplateKind},
};
use crate::{
    domain::{
        Tenant,
        email::{EmailPreviewRequest, EmailTemplateInput, EmailTestRequest},
    },
    error::{Error, Result},
    repo::{
        self,
        email::{LogRow, NewMessage, TemplateRow},
    },
    service::validate,
    state::AppState,
};

pub use sender::{send_due, spawn_worker};

/// A template kind with the tenant's template (its own, or the default).
pub struct TenantTemplate {
    pub kind: &'static TemplateKind,
    pub template: Template,
    /// When the tenant replaced the default; `None` while it uses it.
    pub custom: Option<TemplateRow>,
}

pub async fn list_templates(state: &AppState, tenant: &Tenant) -> Result<Vec<TenantTemplate>> {
    let mut conn = state.pool.acquire().await?;
    let custom = repo::email::templates(&mut conn, tenant.id).await?;
    Ok(templates::KINDS
        .iter()
        .map(|kind| {
            let row = custom.iter().find(|r| r.kind == kind.name).cloned();
            TenantTemplate {
                kind,
                template: row.as_ref().map_or_else(
                    || Template::default_of(kind),
                    |r| Template {
                        subject: r.subject.clone(),
                        html: r.html.clone(),
                        text: r.text.clone(),
                    },
                ),
                custom: row,
            }
        })
        .collect())
}

pub async fn get_template(state: &AppState, tenant: &Tenant, kind: &str) -> Result<TenantTemplate> {
    let kind = templates::kind(kind)?;
    list_templates(state, tenant)
        .await?
        .into_iter()
        .find(|t| t.kind.name == kind.name)
        .ok_or_else(|| Error::not_found("email template"))
}

fn checked(kind: &TemplateKind, input: EmailTemplateInput) -> Result<Template> {
    let template = Template {
        subject: validate::required_text("subject", &input.subject, 998)?,
        html: validate::required_text("html", &input.html, 200_000)?,
        text: input
            .text
            .map(|t| validate::optional_text("text", &t, 200_000))
            .transpose()?
            .filter(|t| !t.is_empty()),
    };
    templates::check(kind, &template)?;
    Ok(template)
}

pub async fn save_template(
    state: &AppState,
    tenant: &Tenant,
    kind: &str,
    input: EmailTemplateInput,
) -> Result<TenantTemplate> {
    let kind = templates::kind(kind)?;
    let t = checked(kind, input)?;
    repo::email::save_template(
        &state.pool,
        tenant.id,
        kind.name,
        &t.subject,
        &t.html,
        t.text.as_deref(),
    )
    .await?;
    get_template(state, tenant, kind.name).await
}

/// Back to the shipped default.
pub async fn reset_template(
    state: &AppState,
    tenant: &Tenant,
    kind: &str,
) -> Result<TenantTemplate> {
    let kind = templates::kind(kind)?;
    repo::email::delete_template(&state.pool, tenant.id, kind.name).await?;
    get_template(state, tenant, kind.name).await
}

/// Renders a draft (or the saved template) with a real ticket of the tenant, or the sample values.
pub async fn preview(
    state: &AppState,
    tenant: &Tenant,
    kind: &str,
    request: EmailPreviewRequest,
) -> Result<Rendered> {
    let kind = templates::kind(kind)?;
    let template = match request.template {
        Some(draft) => checked(kind, draft)?,
        None => get_template(state, tenant, kind.name).await?.template,
    };
    let mut values = kind.sample();
    if let Some(ticket) = request.ticket_id {
        let mut conn = state.pool.acquire().await?;
        let facts = repo::email::ticket_facts(&mut conn, tenant.id, ticket)
            .await?
            .ok_or_else(|| Error::validation("ticketId", "ticketId names no ticket"))?;
        if let (Value::Object(v), Value::Object(real)) =
            (&mut values, planner::ticket_values(state, tenant, &facts))
        {
            v.extend(real);
        }
    }
    if let Value::Object(v) = &mut values {
        v.insert("tenant".into(), serde_json::json!({"name": tenant.name}));
    }
    templates::render(&template, &values)
}

/// Renders the tenant's template of `kind` with `values` (the connector's "create an email from
/// template"): `ticketId` fills the ticket's variables from one of the tenant's tickets, the other
/// properties set variables by name, and anything not given renders empty.
pub async fn render_with(
    state: &AppState,
    tenant: &Tenant,
    kind: &str,
    values: &Value,
) -> Result<Rendered> {
    let kind = templates::kind(kind)?;
    let Value::Object(given) = values else {
        return Err(Error::validation("body", "the body is a JSON object"));
    };
    let mut all = templates::blank(&kind.sample());
    let mut conn = state.pool.acquire().await?;
    if let Some(ticket) = given.get("ticketId").filter(|t| !t.is_null()) {
        let id = ticket
            .as_i64()
            .and_then(|t| i32::try_from(t).ok())
            .ok_or_else(|| Error::validation("ticketId", "ticketId is a ticket's id"))?;
        let facts = repo::email::ticket_facts(&mut conn, tenant.id, id)
            .await?
            .ok_or_else(|| Error::validation("ticketId", "ticketId names no ticket"))?;
        templates::overlay(&mut all, &planner::ticket_values(state, tenant, &facts));
    }
    let mut given = given.clone();
    given.remove("ticketId");
    templates::overlay(&mut all, &Value::Object(given));
    templates::overlay(
        &mut all,
        &serde_json::json!({"tenant": {"name": tenant.name}}),
    );
    let template = planner::template_of(&mut conn, tenant.id, kind).await?;
    templates::render(&template, &all)
}

/// What a test send did.
pub struct TestOutcome {
    pub sent: bool,
    /// The server's answer, or why it failed.
    pub answer: String,
}

/// Sends the `test` template to `to` now, with the tenant's settings (enabled or not), and logs it.
pub async fn test_send(
    state: &AppState,
    tenant: &Tenant,
    request: EmailTestRequest,
) -> Result<TestOutcome> {
    let to = validate::email("to", &request.to)?;
    let settings = settings::get(state, tenant).await?;
    let kind = templates::kind(rules::TEST)?;
    let mut conn = state.pool.acquire().await?;
    let template = planner::template_of(&mut conn, tenant.id, kind).await?;
    let mut values = kind.sample();
    if let Value::Object(v) = &mut values {
        v.insert("tenant".into(), serde_json::json!({"name": tenant.name}));
        v.insert(
            "recipient".into(),
            serde_json::json!({"name": "", "email": to}),
        );
    }
    let rendered = templates::render(&template, &values)?;
    let recipient = Recipient {
        name: String::new(),
        email: to.clone(),
    };
    let letter = Letter {
        to: &recipient,
        rendered: &rendered,
        ticket: None,
        unsubscribe_url: None,
    };
    let composed = compose::compose(&settings, &state.server_key, &letter)
        .map_err(|m| Error::validation("to", m))?;
    let sealed = state.server_key.seal(&composed.raw);
    let id = repo::email::insert_message(
        &mut conn,
        tenant.id,
        &NewMessage {
            source: None,
            rule: rules::TEST,
            template: kind.name,
            recipient: &to,
            person_kind: None,
            person_id: None,
            ticket_id: None,
            subject: &rendered.subject,
            message_id: &composed.message_id,
            raw_sealed: &sealed,
            held_secs: 60.0,
        },
    )
    .await?
    .ok_or_else(|| Error::internal("the test message was not queued"))?;
    drop(conn);
    // Held back from the workers, it is claimed and sent within this request.
    let due = repo::email::claim_one(&state.pool, tenant.id, id, 60.0)
        .await?
        .ok_or_else(|| Error::internal("the test message was taken by a worker"))?;
    let outcome = tokio::time::timeout(
        Duration::from_secs(45),
        sender::send_now(state, &settings, due),
    )
    .await
    .unwrap_or_else(|_| Err("the SMTP server did not answer in time".into()));
    Ok(match outcome {
        Ok(answer) => TestOutcome { sent: true, answer },
        Err(answer) => TestOutcome {
            sent: false,
            answer,
        },
    })
}

pub async fn log(
    state: &AppState,
    tenant: &Tenant,
    status: Option<&str>,
    recipient: Option<&str>,
    skip: i64,
    take: i64,
) -> Result<(Vec<LogRow>, i64)> {
    if let Some(s) = status
        && !["pending", "sent", "failed"].contains(&s)
    {
        return Err(Error::bad_request(
            "state",
            "state is pending, sent or failed",
        ));
    }
    Ok(repo::email::log(&state.pool, tenant.id, status, recipient, skip, take).await?)
}
