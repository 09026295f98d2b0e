//! Who each job mails, and with what: the event's ticket, note and people, or a broadcast's
//! audience. The batch's events and tickets are read at once.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::PgConnection;

use super::{Outgoing, Planning, merge};
use crate::{
    domain::{Tenant, full_name},
    error::Result,
    repo::{
        self,
        email::{EventFacts, Job, Person, TicketFacts},
    },
    service::{
        email::{
            rules::{self, Audience, BROADCAST},
            unsubscribe,
        },
        surveys,
    },
    state::AppState,
};

/// Every message these jobs (of one tenant) make.
pub(super) async fn outgoing(
    p: &Planning<'_>,
    conn: &mut PgConnection,
    jobs: &[Job],
) -> Result<Vec<Outgoing>> {
    let tenant = p.tenant.id;
    let event_ids: Vec<uuid::Uuid> = jobs
        .iter()
        .filter_map(|j| j.source.strip_prefix("event:"))
        .filter_map(|id| uuid::Uuid::parse_str(id).ok())
        .collect();
    let events: HashMap<uuid::Uuid, EventFacts> = repo::email::events(conn, tenant, &event_ids)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let ticket_ids: Vec<i32> = events
        .values()
        .filter_map(|e| e.entity_id.parse().ok())
        .collect();
    let tickets: HashMap<i32, TicketFacts> = repo::email::tickets_facts(conn, tenant, &ticket_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut out = vec![];
    for job in jobs {
        let made = match job.source.split_once(':') {
            Some(("event", id)) => {
                let event = uuid::Uuid::parse_str(id)
                    .ok()
                    .and_then(|id| events.get(&id));
                let ticket = event
                    .and_then(|e| e.entity_id.parse::<i32>().ok())
                    .and_then(|id| tickets.get(&id))
                    .filter(|t| !t.archived);
                match (event, ticket) {
                    (Some(e), Some(t)) => from_event(p, conn, e, t).await?,
                    _ => vec![],
                }
            }
            Some(("broadcast", id)) => match id.parse() {
                Ok(id) => from_broadcast(conn, &p.tenant, id).await?,
                Err(_) => vec![],
            },
            _ => vec![],
        };
        out.extend(made.into_iter().map(|mut o| {
            o.source = Some(job.source.clone());
            o
        }));
    }
    Ok(out)
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

fn to_people(
    rule: &'static str,
    audience: Audience,
    people: Vec<Person>,
    ticket: i32,
    values: &Value,
) -> Vec<Outgoing> {
    let rule = rules::rule(rule).expect("a shipped rule");
    people
        .into_iter()
        .map(|to| Outgoing {
            source: None,
            rule,
            to,
            audience,
            ticket: Some(ticket),
            values: values.clone(),
        })
        .collect()
}

async fn from_event(
    p: &Planning<'_>,
    conn: &mut PgConnection,
    e: &EventFacts,
    ticket: &TicketFacts,
) -> Result<Vec<Outgoing>> {
    let tenant = p.tenant.id;
    let payload = &e.payload.0;
    let by = &payload["by"];
    let actor_name = by["name"].as_str().unwrap_or_default().to_string();
    let mut values = ticket_values(p.state, &p.tenant, ticket);
    merge(&mut values, json!({"actor": {"name": actor_name}}));
    let contact: Vec<Person> = contact_of(ticket).into_iter().collect();
    let to_contact = |rule, values: &Value| {
        to_people(rule, Audience::Contact, contact.clone(), ticket.id, values)
    };
    let to_members =
        |rule, people, values: &Value| to_people(rule, Audience::Member, people, ticket.id, values);
    Ok(match e.kind.as_str() {
        "ticket.created" => to_contact("contact_ticket_created", &values),
        "ticket.closed" => to_contact("contact_ticket_closed", &values),
        "ticket.status_changed" => {
            let arrived = payload["change"]["to"]["id"].as_i64().map(|s| s as i32);
            let wanted = p
                .setting("contact_status_changed")
                .is_some_and(|s| arrived.is_some_and(|a| s.status_ids.contains(&a)));
            if wanted {
                to_contact("contact_status_changed", &values)
            } else {
                vec![]
            }
        }
        "ticket.approval_requested" => {
            let approvers =
                repo::email::approvers(conn, tenant, ticket.company_id, ticket.contact_group_id)
                    .await?;
            to_people(
                "approver_approval_requested",
                Audience::Contact,
                approvers,
                ticket.id,
                &values,
            )
        }
        "ticket.assigned" => {
            let Some(member) = payload["change"]["to"]["id"].as_i64().map(|m| m as i32) else {
                return Ok(vec![]);
            };
            let by_themselves = by["userType"] == "member" && by["id"] == json!(member.to_string());
            if by_themselves {
                return Ok(vec![]);
            }
            let people = repo::email::members(conn, tenant, &[member]).await?;
            to_members("member_assigned", people, &values)
        }
        "ticket.sla_warning" | "ticket.sla_breached" => {
            let target = payload["target"].as_str().unwrap_or_default();
            let target_name = match target {
                "firstResponse" => "First response",
                "nextResponse" => "Next response",
                _ => "Resolution",
            };
            merge(
                &mut values,
                json!({"sla": {"target": target, "targetName": target_name,
                               "dueAt": minute_of(&payload["dueAt"]),
                               "policyName": payload["policy"]["name"]}}),
            );
            let rule = if e.kind == "ticket.sla_warning" {
                "member_sla_warning"
            } else {
                "member_sla_breached"
            };
            let assignees = repo::email::assignee_ids(conn, tenant, ticket.id).await?;
            let people = repo::email::members(conn, tenant, &assignees).await?;
            to_members(rule, people, &values)
        }
        "survey.sent" => {
            let Some(survey) = repo::surveys::response(conn, tenant, ticket.id, false).await?
            else {
                return Ok(vec![]);
            };
            let url = surveys::link::url(p.state, &p.tenant, ticket.id);
            merge(
                &mut values,
                json!({"survey": {
                    "name": survey.survey_name, "question": survey.question, "kind": survey.kind,
                    "url": url,
                    "answerUntil": survey.answer_until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                }}),
            );
            to_contact("contact_survey", &values)
        }
        "ticket.note_added" => {
            let Some(note_id) = payload["change"]["to"]["id"].as_i64().map(|n| n as i32) else {
                return Ok(vec![]);
            };
            let Some(note) = repo::email::note(conn, tenant, note_id).await? else {
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
                    let assignees = repo::email::assignee_ids(conn, tenant, ticket.id).await?;
                    let people = repo::email::members(conn, tenant, &assignees).await?;
                    out.extend(to_members("member_contact_replied", people, &values));
                } else {
                    out.extend(to_contact("contact_public_note", &values));
                }
            }
            // Mentions reach members only; a member mentioning themselves is not told.
            let mentioned = mentions(&note.body);
            if !mentioned.is_empty() {
                let people = repo::email::members_by_email(conn, tenant, &mentioned).await?;
                let people = people
                    .into_iter()
                    .filter(|p| {
                        !(note.author_kind == "member" && note.author_id == p.id.to_string())
                    })
                    .collect();
                out.extend(to_members("member_mentioned", people, &values));
            }
            out
        }
        _ => vec![],
    })
}

/// An RFC 3339 time to the minute, in UTC (`2026-12-01T11:30:00.123Z` → `2026-12-01 11:30 UTC`).
fn minute_of(at: &Value) -> String {
    at.as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
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
    conn: &mut PgConnection,
    tenant: &Tenant,
    broadcast: i64,
) -> Result<Vec<Outgoing>> {
    let Some(b) = repo::email::broadcast(conn, tenant.id, broadcast).await? else {
        return Ok(vec![]);
    };
    let values = json!({"broadcast": {"title": b.title, "body": b.body}});
    let audience = repo::email::broadcast_audience(conn, tenant.id, broadcast).await?;
    let rule = rules::rule(BROADCAST).expect("a shipped rule");
    Ok(audience
        .into_iter()
        .map(|to| Outgoing {
            source: None,
            rule,
            to,
            audience: Audience::Contact,
            ticket: None,
            values: values.clone(),
        })
        .collect())
}
