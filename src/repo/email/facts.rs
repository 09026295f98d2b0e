//! What planning a message reads: the event, the ticket with its contact and company, a note,
//! the people it may go to (approvers, members, a broadcast's audience).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{domain::TenantId, sql};

/// What a ticket's mail says about it and who it concerns.
#[derive(Debug, sqlx::FromRow)]
pub struct TicketFacts {
    pub id: i32,
    pub summary: String,
    pub description: String,
    pub status_id: i32,
    pub status: String,
    pub priority: String,
    pub queue: String,
    pub created_at: DateTime<Utc>,
    pub archived: bool,
    pub contact_group_id: Option<i32>,
    pub contact_id: i32,
    pub contact_first_name: String,
    pub contact_last_name: String,
    pub contact_email: String,
    pub contact_archived: bool,
    pub company_id: i32,
    pub company_name: String,
}

pub async fn ticket_facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Option<TicketFacts>, sqlx::Error> {
    Ok(tickets_facts(conn, tenant, &[ticket]).await?.pop())
}

/// The facts of each of these tickets that exists.
pub async fn tickets_facts(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
) -> Result<Vec<TicketFacts>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT t.id, t.summary, t.description, t.status_id, coalesce(s.name, '') AS status,
                coalesce(p.name, '') AS priority, coalesce(q.name, '') AS queue, t.created_at,
                t.archived_at IS NOT NULL AS archived, t.contact_group_id,
                c.id AS contact_id, c.first_name AS contact_first_name,
                c.last_name AS contact_last_name, c.email AS contact_email,
                c.archived_at IS NOT NULL AS contact_archived,
                co.id AS company_id, co.name AS company_name
         FROM tickets t
         JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.contact_id
         JOIN companies co ON co.tenant_id = t.tenant_id AND co.id = t.company_id
         LEFT JOIN statuses s ON s.tenant_id = t.tenant_id AND s.id = t.status_id
         LEFT JOIN priorities p ON p.tenant_id = t.tenant_id AND p.id = t.priority_id
         LEFT JOIN queues q ON q.tenant_id = t.tenant_id AND q.id = t.queue_id
         WHERE t.tenant_id = $1 AND t.id = ANY ($2)"
    ))
    .bind(tenant)
    .bind(tickets)
    .fetch_all(conn)
    .await
}

/// Someone mail can go to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Person {
    pub id: i32,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// The ticket's company's approvers (of its contact group, when it has one: that group's managers
/// who approve), not archived.
pub async fn approvers(
    conn: &mut PgConnection,
    tenant: TenantId,
    company: i32,
    group: Option<i32>,
) -> Result<Vec<Person>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT c.id, c.first_name, c.last_name, c.email FROM contacts c
         WHERE c.tenant_id = $1 AND c.company_id = $2 AND c.is_approver AND c.archived_at IS NULL
           AND ($3::int IS NULL OR EXISTS (
               SELECT 1 FROM contact_group_members g
               WHERE g.tenant_id = c.tenant_id AND g.group_id = $3 AND g.contact_id = c.id
                 AND g.role = 'manager'))
         ORDER BY c.id"
    ))
    .bind(tenant)
    .bind(company)
    .bind(group)
    .fetch_all(conn)
    .await
}

/// Members by id (the ticket's assignees, an assigned member), not archived.
pub async fn members(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<Vec<Person>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, first_name, last_name, email FROM members
         WHERE tenant_id = $1 AND id = ANY ($2) AND archived_at IS NULL ORDER BY id"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await
}

pub async fn assignee_ids(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Vec<i32>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT member_id FROM ticket_assignees WHERE tenant_id = $1 AND ticket_id = $2"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_all(conn)
    .await
}

/// Members whose address appears in `emails` (lower-cased), not archived.
pub async fn members_by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    emails: &[String],
) -> Result<Vec<Person>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, first_name, last_name, email FROM members
         WHERE tenant_id = $1 AND lower(email) = ANY ($2) AND archived_at IS NULL ORDER BY id"
    ))
    .bind(tenant)
    .bind(emails)
    .fetch_all(conn)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct NoteFacts {
    pub id: i32,
    pub body: String,
    pub is_internal: bool,
    pub author_kind: String,
    pub author_id: String,
    pub author_name: String,
}

pub async fn note(
    conn: &mut PgConnection,
    tenant: TenantId,
    note: i32,
) -> Result<Option<NoteFacts>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, body, is_internal, author_kind, author_id, author_name FROM ticket_notes
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(note)
    .fetch_optional(conn)
    .await
}

/// The contacts a broadcast is for (not archived).
pub async fn broadcast_audience(
    conn: &mut PgConnection,
    tenant: TenantId,
    broadcast: i64,
) -> Result<Vec<Person>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT c.id, c.first_name, c.last_name, c.email
         FROM broadcasts b JOIN contacts c ON c.tenant_id = b.tenant_id
         WHERE b.tenant_id = $1 AND b.id = $2 AND c.archived_at IS NULL
           AND (b.audience = 'everyone'
                OR (b.audience = 'companies' AND c.company_id = ANY (b.company_ids))
                OR (b.audience = 'groups' AND EXISTS (
                    SELECT 1 FROM contact_group_members g
                    WHERE g.tenant_id = c.tenant_id AND g.contact_id = c.id
                      AND g.group_id = ANY (b.group_ids))))
         ORDER BY c.id"
    ))
    .bind(tenant)
    .bind(broadcast)
    .fetch_all(conn)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct BroadcastFacts {
    pub title: String,
    pub body: String,
}

pub async fn broadcast(
    conn: &mut PgConnection,
    tenant: TenantId,
    broadcast: i64,
) -> Result<Option<BroadcastFacts>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT title, body FROM broadcasts WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(broadcast)
    .fetch_optional(conn)
    .await
}

#[derive(Debug, sqlx::FromRow)]
pub struct EventFacts {
    pub id: uuid::Uuid,
    pub kind: String,
    pub entity_id: String,
    pub payload: sqlx::types::Json<serde_json::Value>,
}

/// Each of these events that exists.
pub async fn events(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[uuid::Uuid],
) -> Result<Vec<EventFacts>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, type AS kind, entity_id, payload FROM events
         WHERE id = ANY ($1) AND tenant_id = $2"
    ))
    .bind(ids)
    .bind(tenant)
    .fetch_all(conn)
    .await
}
