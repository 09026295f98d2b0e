//! Names and email addresses to ids, and the milestones of tickets: what the façades of other
//! helpdesks (which name things where deskd uses ids) read.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{domain::TenantId, sql, sql_by};

/// The configuration lists the façades name things from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Listed {
    Queues,
    Statuses,
    Priorities,
    RequestTypes,
    Categories,
    Sources,
}

/// The ids of a list's live rows with one of these names (compared without case).
pub async fn ids_named(
    conn: &mut PgConnection,
    tenant: TenantId,
    list: Listed,
    names: &[String],
) -> Result<Vec<i32>, sqlx::Error> {
    let names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let statement = sql_by!(list, {
        Listed::Queues => "queues",
        Listed::Statuses => "statuses",
        Listed::Priorities => "priorities",
        Listed::RequestTypes => "request_types",
        Listed::Categories => "categories",
        Listed::Sources => "sources",
    }, "SELECT id FROM ", " WHERE tenant_id = $1 AND archived_at IS NULL AND lower(name) = ANY($2)");
    sqlx::query_scalar(statement)
        .bind(tenant)
        .bind(&names)
        .fetch_all(conn)
        .await
}

/// Live statuses with this name (compared without case), as `(id, queue id)`.
pub async fn statuses_named(
    conn: &mut PgConnection,
    tenant: TenantId,
    name: &str,
) -> Result<Vec<(i32, i32)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, queue_id FROM statuses
         WHERE tenant_id = $1 AND archived_at IS NULL AND lower(name) = lower($2) ORDER BY id"
    ))
    .bind(tenant)
    .bind(name)
    .fetch_all(conn)
    .await
}

/// The live queues, as `(id, name)`.
pub async fn queues(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, name FROM queues WHERE tenant_id = $1 AND archived_at IS NULL ORDER BY id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Every status, as `(id, queue id, name, closed)`, in each queue's order.
pub async fn statuses(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<(i32, i32, String, bool)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, queue_id, name, is_closed FROM statuses WHERE tenant_id = $1
         ORDER BY archived_at IS NOT NULL, queue_id, sort_order, id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Members with one of these email addresses (compared without case): `(id, role)`.
pub async fn members_by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    emails: &[String],
) -> Result<Vec<(i32, crate::domain::MemberRole)>, sqlx::Error> {
    let emails: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    sqlx::query_as(sql!(
        "SELECT id, role FROM members
         WHERE tenant_id = $1 AND archived_at IS NULL AND lower(email) = ANY($2) ORDER BY id"
    ))
    .bind(tenant)
    .bind(&emails)
    .fetch_all(conn)
    .await
}

/// Ids of contacts with one of these email addresses (compared without case).
pub async fn contacts_by_email(
    conn: &mut PgConnection,
    tenant: TenantId,
    emails: &[String],
) -> Result<Vec<i32>, sqlx::Error> {
    let emails: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    sqlx::query_scalar(sql!(
        "SELECT id FROM contacts WHERE tenant_id = $1 AND lower(email) = ANY($2) ORDER BY id"
    ))
    .bind(tenant)
    .bind(&emails)
    .fetch_all(conn)
    .await
}

/// What other helpdesks show of a ticket beyond deskd's own answer: its contact's address, when
/// it was first answered and assigned, and (when asked) the body of its latest public note.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Milestones {
    pub ticket_id: i32,
    pub contact_email: String,
    /// Its assignees' addresses, in assignment order (filled from the page's assignees).
    #[sqlx(skip)]
    pub assignee_emails: Vec<String>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub first_assigned_at: Option<DateTime<Utc>>,
    pub last_public_note: Option<String>,
}

/// The milestones statement, with or without each ticket's latest public note: two primary-key
/// reads a ticket (its contact and its facts) besides the note.
macro_rules! milestones {
    ($last_note:literal) => {
        sql!(
            "SELECT t.id AS ticket_id, c.email AS contact_email, f.first_response_at,
                    f.first_assigned_at, ",
            $last_note,
            " AS last_public_note
         FROM tickets t
         JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.contact_id
         LEFT JOIN ticket_facts f ON f.tenant_id = t.tenant_id AND f.ticket_id = t.id
         WHERE t.tenant_id = $1 AND t.id = ANY($2)"
        )
    };
}

pub async fn milestones(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
    last_notes: bool,
) -> Result<Vec<Milestones>, sqlx::Error> {
    let statement = if last_notes {
        milestones!(
            "(SELECT n.body FROM ticket_notes n
              WHERE n.tenant_id = t.tenant_id AND n.ticket_id = t.id AND NOT n.is_internal
              ORDER BY n.id DESC LIMIT 1)"
        )
    } else {
        milestones!("NULL::text")
    };
    sqlx::query_as(statement)
        .bind(tenant)
        .bind(tickets)
        .fetch_all(conn)
        .await
}

/// (id, email) of the tenant's members among `ids`.
pub async fn member_emails(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, email FROM members WHERE tenant_id = $1 AND id = ANY($2)"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// The tenant's priorities in order (lowest first; archived ones after the live) and its sources
/// as `(id, name)`: what the façades number and name.
#[derive(Clone, Debug, Default)]
pub struct Ranked {
    pub priorities: Vec<i32>,
    pub sources: Vec<(i32, String)>,
}

/// The tenant's priorities and sources in one round trip: `('p', id, '')` rows in the priorities'
/// order, then `('s', id, name)`.
pub async fn priorities_and_sources(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Ranked, sqlx::Error> {
    let rows: Vec<(String, i32, String)> = sqlx::query_as(sql!(
        "(SELECT 'p', id, '' FROM priorities WHERE tenant_id = $1
          ORDER BY archived_at IS NOT NULL, sort_order, id)
         UNION ALL
         (SELECT 's', id, name FROM sources WHERE tenant_id = $1 ORDER BY id)"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await?;
    let mut ranked = Ranked::default();
    for (kind, id, name) in rows {
        if kind == "p" {
            ranked.priorities.push(id);
        } else {
            ranked.sources.push((id, name));
        }
    }
    Ok(ranked)
}
