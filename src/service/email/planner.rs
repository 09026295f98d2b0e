//! Planning: each job (an event, or a broadcast sent also by email) becomes one message per
//! recipient, rendered, composed, sealed and queued — in one transaction with the job's removal, so
//! a crash plans it again and the outbox's unique key keeps each recipient to one message.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{
    compose::{self, Letter, Recipient},
    rules::{self, Audience, BROADCAST, Rule, Setting},
    templates::{self, Template},
    unsubscribe,
};
use crate::{
    domain::{Tenant, TenantId, full_name},
    error::Result,
    repo::{
        self,
        email::{Job, NewMessage, Person, SettingsRow, TicketFacts},
    },
    state::AppState,
};

/// How long a claimed job is leased to its worker.
const LEASE: Duration = Duration::from_secs(60);

/// Jobs planned at once, each in its own transaction.
const BATCH: i64 = 32;

/// Plans every due job, in rounds; returns how many were planned.
pub async fn plan_due(state: &AppState) -> anyhow::Result<usize> {
    let mut planned = 0;
    loop {
        let n = plan_batch(state).await?;
        if n == 0 {
            return Ok(planned);
        }
        planned += n;
    }
}

/// Plans one batch of due jobs at once; returns how many were claimed.
pub async fn plan_batch(state: &AppState) -> anyhow::Result<usize> {
    let jobs = repo::email::claim_jobs(&state.pool, BATCH, LEASE.as_secs_f64()).await?;
    let claimed = jobs.len();
    let plans = jobs.iter().map(|job| async move {
        if let Err(e) = plan(state, job).await {
            tracing::warn!(job = job.id, source = %job.source, error = %e.message,
                           "planning mail failed; retrying");
            let wait = 10.0 * f64::from(job.attempts.clamp(1, 360));
            repo::email::retry_job(&state.pool, job, wait).await?;
        }
        Ok::<_, sqlx::Error>(())
    });
    for result in futures_util::future::join_all(plans).await {
        result?;
    }
    Ok(claimed)
}

/// One message to plan.
struct Outgoing {
    rule: &'static Rule,
    to: Person,
    audience: Audience,
    ticket: Option<i32>,
    values: Value,
}

async fn plan(state: &AppState, job: &Job) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    let settings = repo::email::settings(&mut tx, job.tenant_id).await?;
    let tenant = repo::tenants::find_by_id(&mut tx, job.tenant_id).await?;
    if let (Some(settings), Some(tenant)) = (settings.filter(|s| s.enabled), tenant) {
        let outgoing = match job.source.split_once(':') {
            Some(("event", id)) => match uuid::Uuid::parse_str(id) {
                Ok(id) => from_event(state, &mut tx, &tenant, id).await?,
                Err(_) => vec![],
            },
            Some(("broadcast", id)) => match id.parse() {
                Ok(id) => from_broadcast(state, &mut tx, &tenant, id).await?,
                Err(_) => vec![],
            },
            _ => vec![],
        };
        for o in outgoing {
            queue(state, &mut tx, &tenant, &settings, Some(&job.source), o).await?;
        }
    }
    if repo::email::finish_job(&mut tx, job).await? {
        tx.commit().await?;
    }
    Ok(())
}

/// Renders, composes, seals and queues one message, unless its rule is off or the person refused
/// it. Returns the message's row id (none when skipped or already queued).
async fn queue(
    state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    settings: &SettingsRow,
    source: Option<&str>,
    o: Outgoing,
) -> Result<Option<i64>> {
    let setting = rules::setting(conn, tenant.id, o.rule.name).await?;
    if !setting.enabled {
        return Ok(None);
    }
    let refused = repo::email::opt_outs(conn, tenant.id, o.audience.as_str(), o.to.id).await?;
    if !o.rule.required && refused.iter().any(|r| r == o.rule.name) {
        return Ok(None);
    }
    let recipient = Recipient {
        name: full_name(&o.to.first_name, &o.to.last_name),
        email: o.to.email.clone(),
    };
    let unsubscribe_url = (!o.rule.required)
        .then(|| unsubscribe::url(state, tenant, o.audience, o.to.id, o.rule.name));
    let mut values = o.values;
    merge(
        &mut values,
        json!({
            "tenant": {"name": tenant.name},
            "recipient": {"name": recipient.name, "email": recipient.email},
        }),
    );
    if let Some(url) = &unsubscribe_url {
        merge(&mut values, json!({"unsubscribeUrl": url}));
    }
    let kind = templates::kind(o.rule.template)?;
    let template = template_of(conn, tenant.id, kind).await?;
    let rendered = match templates::render(&template, &values) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(tenant = tenant.id, template = kind.name, error = %e.message,
                           "a template did not render; that message is skipped");
            return Ok(None);
        }
    };
    let letter = Letter {
        to: &recipient,
        rendered: &rendered,
        ticket: o.ticket,
        unsubscribe_url: unsubscribe_url.as_deref(),
    };
    let composed = match compose::compose(settings, &state.server_key, &letter) {
        Ok(c) => c,
        Err(reason) => {
            tracing::warn!(tenant = tenant.id, %reason, "a message could not be composed");
            return Ok(None);
        }
    };
    let sealed = state.server_key.seal(&composed.raw);
    let id = repo::email::insert_message(
        conn,
        tenant.id,
        &NewMessage {
            source,
            rule: o.rule.name,
            template: kind.name,
            recipient: &recipient.email,
            person_kind: Some(o.audience.as_str()),
            person_id: Some(o.to.id),
            ticket_id: o.ticket,
            subject: &rendered.subject,
            message_id: &composed.message_id,
            raw_sealed: &sealed,
            held_secs: 0.0,
        },
    )
    .await?;
    Ok(id)
}

/// The tenant's template of this kind, or the shipped default.
pub async fn template_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    kind: &templates::TemplateKind,
) -> Result<Template> {
    Ok(
        match repo::email::template(conn, tenant, kind.name).await? {
            Some(row) => Template {
                subject: row.subject,
                html: row.html,
                text: row.text,
            },
            None => Template::default_of(kind),
        },
    )
}

fn merge(base: &mut Value, extra: Value) {
    if let (Value::Object(base), Value::Object(extra)) = (base, extra) {
        base.extend(extra);
    }
}

/// The ticket's variables: `ticket`, `contact`, `company`.
pub fn ticket_values(state: &AppState, tenant: &Tenant, t: &TicketFacts) -> Value {
    json!({
        "ticket": {
            "id": t.id, "summary": t.summary, "description": t.description, "status": t.status,
            "priority": t.priority, "queue": t.queue,
            "createdOn": t.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "url": format!("{}/portal/deeplink?name=ticket&ticket_id={}",
                           unsubscribe::portal_base(state, tenant), t.id),
        },
        "contact": {
            "id": t.contact_id, "firstName": t.contact_first_name, "lastName": t.contact_last_name,
            "name": full_name(&t.contact_first_name, &t.contact_last_name),
            "email": t.contact_email,
        },
        "company": {"id": t.company_id, "name": t.company_name},
    })
}

fn contact_of(t: &TicketFacts) -> Option<Person> {
    (!t.contact_archived).then(|| Person {
        id: t.contact_id,
        first_name: t.contact_first_name.clone(),
        last_name: t.contact_last_name.clone(),
        email: t.contact_email.clone(),
    })
}

async fn from_event(
    state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    event: uuid::Uuid,
) -> Result<Vec<Outgoing>> {
    let Some(e) = repo::email::event(conn, tenant.id, event).await? else {
        return Ok(vec![]);
    };
    let Ok(ticket_id) = e.entity_id.parse::<i32>() else {
        return Ok(vec![]);
    };
    let Some(ticket) = repo::email::ticket_facts(conn, tenant.id, ticket_id).await? else {
        return Ok(vec![]);
    };
    if ticket.archived {
        return Ok(vec![]);
    }
    let payload = &e.payload.0;
    let by = &payload["by"];
    let actor_name = by["name"].as_str().unwrap_or_default().to_string();
    let mut values = ticket_values(state, tenant, &ticket);
    merge(&mut values, json!({"actor": {"name": actor_name}}));
    let to_contact = |rule: &'static str, values: Value| -> Result<Vec<Outgoing>> {
        Ok(contact_of(&ticket)
            .map(|to| Outgoing {
                rule: rules::rule(rule).expect("a shipped rule"),
                to,
                audience: Audience::Contact,
                ticket: Some(ticket.id),
                values,
            })
            .into_iter()
            .collect())
    };
    let to_members = |rule: &'static str, people: Vec<Person>, values: &Value| -> Vec<Outgoing> {
        people
            .into_iter()
            .map(|to| Outgoing {
                rule: rules::rule(rule).expect("a shipped rule"),
                to,
                audience: Audience::Member,
                ticket: Some(ticket.id),
                values: values.clone(),
            })
            .collect()
    };
    match e.kind.as_str() {
        "ticket.created" => to_contact("contact_ticket_created", values),
        "ticket.closed" => to_contact("contact_ticket_closed", values),
        "ticket.status_changed" => {
            let Setting { status_ids, .. } =
                rules::setting(conn, tenant.id, "contact_status_changed").await?;
            let arrived = payload["change"]["to"]["id"].as_i64().map(|s| s as i32);
            if arrived.is_some_and(|s| status_ids.contains(&s)) {
                to_contact("contact_status_changed", values)
            } else {
                Ok(vec![])
            }
        }
        "ticket.approval_requested" => {
            let approvers =
                repo::email::approvers(conn, tenant.id, ticket.company_id, ticket.contact_group_id)
                    .await?;
            Ok(approvers
                .into_iter()
                .map(|to| Outgoing {
                    rule: rules::rule("approver_approval_requested").expect("a shipped rule"),
                    to,
                    audience: Audience::Contact,
                    ticket: Some(ticket.id),
                    values: values.clone(),
                })
                .collect())
        }
        "ticket.assigned" => {
            let Some(member) = payload["change"]["to"]["id"].as_i64().map(|m| m as i32) else {
                return Ok(vec![]);
            };
            let by_themselves = by["userType"] == "member" && by["id"] == json!(member.to_string());
            if by_themselves {
                return Ok(vec![]);
            }
            let people = repo::email::members(conn, tenant.id, &[member]).await?;
            Ok(to_members("member_assigned", people, &values))
        }
        "ticket.note_added" => {
            let Some(note_id) = payload["change"]["to"]["id"].as_i64().map(|n| n as i32) else {
                return Ok(vec![]);
            };
            let Some(note) = repo::email::note(conn, tenant.id, note_id).await? else {
                return Ok(vec![]);
            };
            merge(
                &mut values,
                json!({"note": {"id": note.id, "body": note.body, "authorName": note.author_name}}),
            );
            let mut out = vec![];
            let by_contact = note.author_kind == "contact";
            if !note.is_internal {
                if by_contact {
                    let assignees = repo::email::assignee_ids(conn, tenant.id, ticket.id).await?;
                    let people = repo::email::members(conn, tenant.id, &assignees).await?;
                    out.extend(to_members("member_contact_replied", people, &values));
                } else {
                    out.extend(to_contact("contact_public_note", values.clone())?);
                }
            }
            // Mentions reach members only; a member mentioning themselves is not told.
            let mentioned = mentions(&note.body);
            if !mentioned.is_empty() {
                let people = repo::email::members_by_email(conn, tenant.id, &mentioned).await?;
                let people = people
                    .into_iter()
                    .filter(|p| {
                        !(note.author_kind == "member" && note.author_id == p.id.to_string())
                    })
                    .collect();
                out.extend(to_members("member_mentioned", people, &values));
            }
            Ok(out)
        }
        _ => Ok(vec![]),
    }
}

/// The addresses after an `@` at the start of a word: `@sam@acme.example` names sam@acme.example.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out: Vec<String> = body
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '<' | '>'))
        .filter_map(|word| word.strip_prefix('@'))
        .map(|w| {
            w.trim_end_matches(['.', ':', '!', '?'])
                .to_ascii_lowercase()
        })
        .filter(|w| w.contains('@') && w.len() <= 254)
        .collect();
    out.sort();
    out.dedup();
    out
}

async fn from_broadcast(
    _state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    broadcast: i64,
) -> Result<Vec<Outgoing>> {
    let Some(b) = repo::email::broadcast(conn, tenant.id, broadcast).await? else {
        return Ok(vec![]);
    };
    let values = json!({"broadcast": {"title": b.title, "body": b.body}});
    let audience = repo::email::broadcast_audience(conn, tenant.id, broadcast).await?;
    Ok(audience
        .into_iter()
        .map(|to| Outgoing {
            rule: rules::rule(BROADCAST).expect("a shipped rule"),
            to,
            audience: Audience::Contact,
            ticket: None,
            values: values.clone(),
        })
        .collect())
}

/// Queues a login code's mail in the caller's transaction (the code is never stored in clear: the
/// message is sealed). Nothing when the tenant sends no mail or turned the rule off.
pub async fn queue_login_code(
    state: &AppState,
    conn: &mut PgConnection,
    tenant: &Tenant,
    contact: Person,
    code: &str,
    expires_in_minutes: i64,
) -> Result<()> {
    let Some(settings) = repo::email::settings(conn, tenant.id)
        .await?
        .filter(|s| s.enabled)
    else {
        return Ok(());
    };
    let o = Outgoing {
        rule: rules::rule(rules::LOGIN_CODE).expect("a shipped rule"),
        to: contact,
        audience: Audience::Contact,
        ticket: None,
        values: json!({"code": code, "expiresInMinutes": expires_in_minutes}),
    };
    queue(state, conn, tenant, &settings, None, o).await?;
    Ok(())
}
