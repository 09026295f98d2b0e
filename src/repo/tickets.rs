//! Tickets, their assignees and their activities.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, types::Json};

use super::attachments::AttachmentRow;
use super::ids;
use crate::domain::{TenantId, TextReference};

/// A ticket with the names of everything it references, as every surface shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i32,
    pub summary: String,
    pub description: String,
    pub request_type_id: Option<i32>,
    pub request_type_name: Option<String>,
    pub queue_id: i32,
    pub queue_name: String,
    pub status_id: i32,
    pub status_name: String,
    pub priority_id: i32,
    pub priority_name: String,
    pub source_id: Option<i32>,
    pub source_name: Option<String>,
    pub category_ids: Vec<i32>,
    pub tags: Vec<String>,
    pub custom_fields: Json<Value>,
    pub contact_id: i32,
    pub contact_name: String,
    pub company_id: i32,
    pub company_name: String,
    pub contact_group_id: Option<i32>,
    pub contact_group_name: Option<String>,
    pub is_closed: bool,
    /// `pending`, `granted` or `declined` for tickets that need approval.
    pub approval: Option<String>,
    /// The ticket this one was merged into.
    pub merged_into: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
}

// Names come from scalar subqueries, not joins: nine joined tables cost PostgreSQL more to plan
// (milliseconds, on every execution of a custom plan) than the primary-key lookups cost to run.
const SELECT: &str = "SELECT t.id, t.summary, t.description,
        t.request_type_id, (SELECT name FROM request_types WHERE tenant_id = t.tenant_id AND id = t.request_type_id) AS request_type_name,
        t.queue_id, (SELECT name FROM queues WHERE tenant_id = t.tenant_id AND id = t.queue_id) AS queue_name,
        t.status_id, (SELECT name FROM statuses WHERE tenant_id = t.tenant_id AND id = t.status_id) AS status_name,
        t.priority_id, (SELECT name FROM priorities WHERE tenant_id = t.tenant_id AND id = t.priority_id) AS priority_name,
        t.source_id, (SELECT name FROM sources WHERE tenant_id = t.tenant_id AND id = t.source_id) AS source_name,
        t.category_ids, t.tags, t.custom_fields,
        t.contact_id, (SELECT trim(first_name || ' ' || last_name) FROM contacts WHERE tenant_id = t.tenant_id AND id = t.contact_id) AS contact_name,
        t.company_id, (SELECT name FROM companies WHERE tenant_id = t.tenant_id AND id = t.company_id) AS company_name,
        t.contact_group_id, (SELECT name FROM contact_groups WHERE tenant_id = t.tenant_id AND id = t.contact_group_id) AS contact_group_name,
        t.is_closed, t.approval, t.merged_into, t.version, t.created_at, t.updated_at, t.closed_at, t.archived_at
    FROM tickets t";

/// Everything a ticket's owner sets; `is_closed` follows the status.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketFields {
    pub summary: String,
    pub description: String,
    pub request_type_id: Option<i32>,
    pub queue_id: i32,
    pub status_id: i32,
    pub priority_id: i32,
    pub source_id: Option<i32>,
    pub category_ids: Vec<i32>,
    pub tags: Vec<String>,
    pub custom_fields: Value,
    pub contact_id: i32,
    pub company_id: i32,
    pub contact_group_id: Option<i32>,
    pub is_closed: bool,
}

impl TicketFields {
    pub fn of(row: &TicketRow) -> Self {
        Self {
            summary: row.summary.clone(),
            description: row.description.clone(),
            request_type_id: row.request_type_id,
            queue_id: row.queue_id,
            status_id: row.status_id,
            priority_id: row.priority_id,
            source_id: row.source_id,
            category_ids: row.category_ids.clone(),
            tags: row.tags.clone(),
            custom_fields: row.custom_fields.0.clone(),
            contact_id: row.contact_id,
            company_id: row.company_id,
            contact_group_id: row.contact_group_id,
            is_closed: row.is_closed,
        }
    }
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &TicketFields,
) -> Result<i32, sqlx::Error> {
    let id = ids::next_id(conn, tenant, "ticket").await?;
    sqlx::query(
        "INSERT INTO tickets (tenant_id, id, summary, description, request_type_id, queue_id, status_id, priority_id,
             source_id, category_ids, tags, custom_fields, contact_id, company_id, contact_group_id, is_closed, closed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, CASE WHEN $16 THEN now() END)",
    )
    .bind(tenant)
    .bind(id)
    .bind(&f.summary)
    .bind(&f.description)
    .bind(f.request_type_id)
    .bind(f.queue_id)
    .bind(f.status_id)
    .bind(f.priority_id)
    .bind(f.source_id)
    .bind(&f.category_ids)
    .bind(&f.tags)
    .bind(Json(&f.custom_fields))
    .bind(f.contact_id)
    .bind(f.company_id)
    .bind(f.contact_group_id)
    .bind(f.is_closed)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Writes the fields and bumps the version; `closed_at` is set when the ticket closes, cleared when it reopens.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &TicketFields,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tickets SET summary = $3, description = $4, request_type_id = $5, queue_id = $6, status_id = $7,
             priority_id = $8, source_id = $9, category_ids = $10, tags = $11, custom_fields = $12, contact_id = $13,
             company_id = $14, contact_group_id = $15,
             closed_at = CASE WHEN $16 AND NOT is_closed THEN now() WHEN $16 THEN closed_at END,
             is_closed = $16, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(&f.summary)
    .bind(&f.description)
    .bind(f.request_type_id)
    .bind(f.queue_id)
    .bind(f.status_id)
    .bind(f.priority_id)
    .bind(f.source_id)
    .bind(&f.category_ids)
    .bind(&f.tags)
    .bind(Json(&f.custom_fields))
    .bind(f.contact_id)
    .bind(f.company_id)
    .bind(f.contact_group_id)
    .bind(f.is_closed)
    .execute(conn)
    .await?;
    Ok(())
}

/// A ticket with everything a single-ticket answer shows, read in one round trip.
#[derive(sqlx::FromRow)]
pub struct WholeTicket {
    #[sqlx(flatten)]
    pub row: TicketRow,
    /// `[member id, name]` pairs, in assignment order.
    pub assignees: Json<Vec<(i32, String)>>,
    /// `[category id, name]` pairs.
    pub categories: Json<Vec<(i32, String)>>,
    pub notes: Json<Vec<NoteRow>>,
    pub activities: Json<Vec<ActivityRow>>,
    pub attachments: Json<Vec<AttachmentRow>>,
}

static WHOLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let parts = "
        (SELECT coalesce(json_agg(json_build_array(a.member_id, trim(m.first_name || ' ' || m.last_name))
                                  ORDER BY a.assigned_at, a.member_id), '[]')
         FROM ticket_assignees a JOIN members m ON m.tenant_id = a.tenant_id AND m.id = a.member_id
         WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id) AS assignees,
        (SELECT coalesce(json_agg(json_build_array(c.id, c.name) ORDER BY c.id), '[]')
         FROM categories c WHERE c.tenant_id = t.tenant_id AND c.id = ANY(t.category_ids)) AS categories,
        (SELECT coalesce(json_agg(n ORDER BY n.id), '[]') FROM (
             SELECT id, ticket_id, body, is_internal, author_kind, author_id, author_name, time_start,
                    time_end, actual_hours::float8 AS actual_hours, billable_hours::float8 AS billable_hours, created_at
             FROM ticket_notes WHERE tenant_id = t.tenant_id AND ticket_id = t.id) n) AS notes,
        (SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM (
             SELECT id, kind, field, old_value, new_value, actor_kind, actor_id, actor_name, created_at
             FROM ticket_activities WHERE tenant_id = t.tenant_id AND ticket_id = t.id) x) AS activities,
        (SELECT coalesce(json_agg(x ORDER BY x.created_at, x.id), '[]') FROM (
             SELECT a.id, a.sha256, a.file_name, a.content_type, a.size_bytes, a.uploader_kind,
                    a.uploader_id, a.ticket_id, a.note_id, coalesce(n.is_internal, false) AS is_internal, a.created_at
             FROM attachments a LEFT JOIN ticket_notes n ON n.tenant_id = a.tenant_id AND n.id = a.note_id
             WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id) x) AS attachments";
    let select = SELECT.replacen(
        "\n    FROM tickets t",
        &format!(",{parts}\n    FROM tickets t"),
        1,
    );
    assert_ne!(select, SELECT, "the ticket query's FROM moved");
    format!("{select} WHERE t.tenant_id = $1 AND t.id = $2")
});

pub async fn get_whole(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<WholeTicket>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(WHOLE.as_str()))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Whose tickets a contact lists.
pub enum ContactScope<'a> {
    Personal(i32),
    Groups(&'a [i32]),
    Company(i32),
}

/// A contact's tickets, newest change first: open, closed or both.
pub async fn list_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    scope: ContactScope<'_>,
    closed: Option<bool>,
    pending_approval_only: bool,
    skip: i64,
    take: i64,
) -> Result<(Vec<TicketRow>, i64), sqlx::Error> {
    let (column, ids): (&str, Vec<i32>) = match scope {
        ContactScope::Personal(contact) => ("t.contact_id", vec![contact]),
        ContactScope::Groups(groups) => ("t.contact_group_id", groups.to_vec()),
        ContactScope::Company(company) => ("t.company_id", vec![company]),
    };
    let filter = format!(
        "t.tenant_id = $1 AND {column} = ANY($2) AND t.archived_at IS NULL AND ($3::boolean IS NULL OR t.is_closed = $3)
         AND (NOT $4 OR t.approval = 'pending')"
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE {filter} ORDER BY t.updated_at DESC, t.id DESC OFFSET $5 LIMIT $6"
    )))
    .bind(tenant)
    .bind(&ids)
    .bind(closed)
    .bind(pending_approval_only)
    .bind(skip)
    .bind(take)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM tickets t WHERE {filter}"
    )))
    .bind(tenant)
    .bind(&ids)
    .bind(closed)
    .bind(pending_approval_only)
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// (ticket id, member id, member name) for the given tickets.
pub async fn assignees(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
) -> Result<Vec<(i32, i32, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.ticket_id, a.member_id, trim(m.first_name || ' ' || m.last_name)
         FROM ticket_assignees a JOIN members m ON m.tenant_id = a.tenant_id AND m.id = a.member_id
         WHERE a.tenant_id = $1 AND a.ticket_id = ANY($2) ORDER BY a.ticket_id, a.assigned_at, a.member_id",
    )
    .bind(tenant)
    .bind(tickets)
    .fetch_all(conn)
    .await
}

/// Makes the ticket's assignees exactly `members`, keeping the assignment time of those who stay.
pub async fn set_assignees(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    members: &[i32],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM ticket_assignees WHERE tenant_id = $1 AND ticket_id = $2 AND NOT (member_id = ANY($3))")
        .bind(tenant)
        .bind(ticket)
        .bind(members)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO ticket_assignees (tenant_id, ticket_id, member_id) SELECT $1, $2, unnest($3::int[])
         ON CONFLICT DO NOTHING",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(members)
    .execute(conn)
    .await?;
    Ok(())
}

/// (id, name) of the tenant's categories among `ids`.
pub async fn category_names(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name FROM categories WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id",
    )
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await
}

pub struct NewActivity<'a> {
    pub kind: &'a str,
    pub field: Option<&'a str>,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub actor_kind: &'a str,
    pub actor_id: &'a str,
    pub actor_name: &'a str,
}

pub async fn insert_activity(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    a: &NewActivity<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO ticket_activities (tenant_id, ticket_id, kind, field, old_value, new_value, actor_kind, actor_id, actor_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tenant)
    .bind(ticket)
    .bind(a.kind)
    .bind(a.field)
    .bind(a.old_value.as_ref().map(Json))
    .bind(a.new_value.as_ref().map(Json))
    .bind(a.actor_kind)
    .bind(a.actor_id)
    .bind(a.actor_name)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct ActivityRow {
    pub id: i64,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<Json<Value>>,
    pub new_value: Option<Json<Value>>,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub created_at: DateTime<Utc>,
}

/// What a contact may see beyond their own tickets: whether all of their company's, and the
/// groups they manage.
pub async fn contact_reach(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
) -> Result<(bool, Vec<i32>), sqlx::Error> {
    let company_wide: bool = sqlx::query_scalar(
        "SELECT sees_company_tickets FROM contacts WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(contact)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(false);
    let managed = sqlx::query_scalar(
        "SELECT m.group_id FROM contact_group_members m
         JOIN contact_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id AND g.archived_at IS NULL
         WHERE m.tenant_id = $1 AND m.contact_id = $2 AND m.role = 'manager' ORDER BY m.group_id",
    )
    .bind(tenant)
    .bind(contact)
    .fetch_all(conn)
    .await?;
    Ok((company_wide, managed))
}

// ---- notes ----

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct NoteRow {
    pub id: i32,
    pub ticket_id: i32,
    pub body: String,
    pub is_internal: bool,
    pub author_kind: String,
    pub author_id: String,
    pub author_name: String,
    pub time_start: Option<DateTime<Utc>>,
    pub time_end: Option<DateTime<Utc>>,
    pub actual_hours: Option<f64>,
    pub billable_hours: Option<f64>,
    pub created_at: DateTime<Utc>,
    /// Filled in by the service from the ticket's attachments.
    #[sqlx(skip)]
    #[serde(skip)]
    pub attachments: Vec<TextReference>,
}

pub struct NewNote<'a> {
    pub body: &'a str,
    pub is_internal: bool,
    pub author_kind: &'a str,
    pub author_id: &'a str,
    pub author_name: &'a str,
    pub time_start: Option<DateTime<Utc>>,
    pub time_end: Option<DateTime<Utc>>,
    pub actual_hours: Option<f64>,
    pub billable_hours: Option<f64>,
}

const NOTE: &str = "SELECT id, ticket_id, body, is_internal, author_kind, author_id, author_name, time_start, time_end,
    actual_hours::float8 AS actual_hours, billable_hours::float8 AS billable_hours, created_at FROM ticket_notes";

/// Adds a note and marks the ticket changed.
pub async fn insert_note(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    n: &NewNote<'_>,
) -> Result<NoteRow, sqlx::Error> {
    let id = ids::next_id(conn, tenant, "ticket_note").await?;
    sqlx::query(
        "INSERT INTO ticket_notes (tenant_id, id, ticket_id, body, is_internal, author_kind, author_id, author_name,
             time_start, time_end, actual_hours, billable_hours)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(tenant)
    .bind(id)
    .bind(ticket)
    .bind(n.body)
    .bind(n.is_internal)
    .bind(n.author_kind)
    .bind(n.author_id)
    .bind(n.author_name)
    .bind(n.time_start)
    .bind(n.time_end)
    .bind(n.actual_hours)
    .bind(n.billable_hours)
    .execute(&mut *conn)
    .await?;
    touch(&mut *conn, tenant, ticket).await?;
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{NOTE} WHERE tenant_id = $1 AND id = $2"
    )))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Archives (soft-deletes) or restores a ticket; true when it exists.
pub async fn set_archived(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE tickets SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END,
             version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

// ---- finding ----

/// Whom a ticket must be assigned to.
#[derive(Clone, Debug, Default)]
pub enum Assigned {
    #[default]
    Any,
    Unassigned,
    /// Assigned to someone.
    Anyone,
    /// Assigned to one of these members.
    Members(Vec<i32>),
}

/// Every filter of the staff ticket search; empty lists and `None` filter nothing.
#[derive(Clone, Debug, Default)]
pub struct TicketFilter {
    pub closed: Option<bool>,
    pub status_ids: Vec<i32>,
    pub queue_ids: Vec<i32>,
    pub priority_ids: Vec<i32>,
    pub request_type_ids: Vec<i32>,
    pub source_ids: Vec<i32>,
    pub category_ids: Vec<i32>,
    pub tags: Vec<String>,
    pub assigned: Assigned,
    pub contact_ids: Vec<i32>,
    pub company_ids: Vec<i32>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Words to find in the summary, the description or any note.
    pub text: Option<String>,
    /// Only tickets whose latest public note is the contact's (they wait for an answer).
    pub last_message_from_contact: Option<bool>,
    pub include_archived: bool,
}

impl TicketFilter {
    /// Live tickets filtered by nothing but open/closed, queues and statuses: what `ticket_counts`
    /// can total.
    fn is_queue_view(&self) -> bool {
        let TicketFilter {
            closed: _,
            status_ids: _,
            queue_ids: _,
            priority_ids,
            request_type_ids,
            source_ids,
            category_ids,
            tags,
            assigned,
            contact_ids,
            company_ids,
            created_after,
            created_before,
            updated_after,
            updated_before,
            text,
            last_message_from_contact,
            include_archived,
        } = self;
        priority_ids.is_empty()
            && request_type_ids.is_empty()
            && source_ids.is_empty()
            && category_ids.is_empty()
            && tags.is_empty()
            && matches!(assigned, Assigned::Any)
            && contact_ids.is_empty()
            && company_ids.is_empty()
            && created_after.is_none()
            && created_before.is_none()
            && updated_after.is_none()
            && updated_before.is_none()
            && text.is_none()
            && last_message_from_contact.is_none()
            && !include_archived
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketOrder {
    Updated,
    Created,
    Id,
}

/// The tickets matching `filter`, in `order`, and how many match in all. The page's ids are found
/// on `tickets` alone (by index), and only those rows are joined to the names they show.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &TicketFilter,
    order: TicketOrder,
    descending: bool,
    skip: i64,
    take: i64,
) -> Result<(Vec<TicketRow>, i64), sqlx::Error> {
    let column = match order {
        TicketOrder::Updated => "updated_at",
        TicketOrder::Created => "created_at",
        TicketOrder::Id => "id",
    };
    let direction = if descending { "DESC" } else { "ASC" };
    // A word search counts its matches in the same pass that pages them; other filters page by
    // index and count separately (queue views from the kept counts).
    let mut page = sqlx::QueryBuilder::new("SELECT m.id, ");
    page.push(if filter.text.is_some() {
        "count(*) OVER ()"
    } else {
        "NULL::bigint"
    });
    page.push(" FROM (");
    push_matches(&mut page, tenant, filter);
    page.push(format!(
        ") m ORDER BY m.{column} {direction}, m.id {direction} OFFSET "
    ));
    page.push_bind(skip);
    page.push(" LIMIT ");
    page.push_bind(take);
    let found: Vec<(i32, Option<i64>)> = page.build_query_as().fetch_all(&mut *conn).await?;
    let ids: Vec<i32> = found.iter().map(|(id, _)| *id).collect();
    let mut rows: Vec<TicketRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE t.tenant_id = $1 AND t.id = ANY($2)"
    )))
    .bind(tenant)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    let total = match found.first().and_then(|(_, total)| *total) {
        Some(total) => total,
        None if filter.is_queue_view() => {
            sqlx::query_scalar(
                "SELECT coalesce(sum(live), 0)::bigint FROM ticket_counts
                 WHERE tenant_id = $1 AND ($2::boolean IS NULL OR is_closed = $2)
                   AND (cardinality($3::int[]) = 0 OR queue_id = ANY($3))
                   AND (cardinality($4::int[]) = 0 OR status_id = ANY($4))",
            )
            .bind(tenant)
            .bind(filter.closed)
            .bind(&filter.queue_ids)
            .bind(&filter.status_ids)
            .fetch_one(conn)
            .await?
        }
        None => {
            let mut count = sqlx::QueryBuilder::new("SELECT count(*) FROM (");
            push_matches(&mut count, tenant, filter);
            count.push(") m");
            count.build_query_scalar().fetch_one(conn).await?
        }
    };
    Ok((rows, total))
}

/// `SELECT id, updated_at, created_at` of every matching ticket. Words are looked for with two
/// index searches joined by UNION (tickets, then notes), each under the other filters: an OR
/// across the two tables would visit every ticket of the tenant.
fn push_matches(q: &mut sqlx::QueryBuilder<sqlx::Postgres>, tenant: TenantId, f: &TicketFilter) {
    q.push("SELECT t.id, t.updated_at, t.created_at FROM tickets t");
    push_filter(q, tenant, f);
    if let Some(text) = &f.text {
        q.push(" AND t.search @@ websearch_to_tsquery('english', ")
            .push_bind(text.clone())
            .push(") UNION SELECT t.id, t.updated_at, t.created_at FROM ticket_notes n")
            .push(" JOIN tickets t ON t.tenant_id = n.tenant_id AND t.id = n.ticket_id");
        push_filter(q, tenant, f);
        q.push(" AND n.tenant_id = ")
            .push_bind(tenant)
            .push(" AND n.search @@ websearch_to_tsquery('english', ")
            .push_bind(text.clone())
            .push(")");
    }
}

fn push_filter(q: &mut sqlx::QueryBuilder<sqlx::Postgres>, tenant: TenantId, f: &TicketFilter) {
    q.push(" WHERE t.tenant_id = ").push_bind(tenant);
    if !f.include_archived {
        q.push(" AND t.archived_at IS NULL");
    }
    if let Some(closed) = f.closed {
        q.push(" AND t.is_closed = ").push_bind(closed);
    }
    for (column, ids) in [
        ("t.status_id", &f.status_ids),
        ("t.queue_id", &f.queue_ids),
        ("t.priority_id", &f.priority_ids),
        ("t.request_type_id", &f.request_type_ids),
        ("t.source_id", &f.source_ids),
        ("t.contact_id", &f.contact_ids),
        ("t.company_id", &f.company_ids),
    ] {
        // One id as `=`, so an index on the column can also give the order.
        match ids.as_slice() {
            [] => {}
            [id] => {
                q.push(format!(" AND {column} = ")).push_bind(*id);
            }
            _ => {
                q.push(format!(" AND {column} = ANY("))
                    .push_bind(ids.clone())
                    .push(")");
            }
        }
    }
    if !f.category_ids.is_empty() {
        q.push(" AND t.category_ids && ")
            .push_bind(f.category_ids.clone());
    }
    if !f.tags.is_empty() {
        q.push(" AND t.tags && ").push_bind(f.tags.clone());
    }
    let assignees = " EXISTS (SELECT 1 FROM ticket_assignees a WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id";
    match &f.assigned {
        Assigned::Any => {}
        Assigned::Unassigned => {
            q.push(format!(" AND NOT{assignees})"));
        }
        Assigned::Anyone => {
            q.push(format!(" AND{assignees})"));
        }
        Assigned::Members(members) => {
            q.push(format!(" AND{assignees} AND a.member_id = ANY("))
                .push_bind(members.clone())
                .push("))");
        }
    }
    for (column, op, at) in [
        ("t.created_at", ">=", f.created_after),
        ("t.created_at", "<", f.created_before),
        ("t.updated_at", ">=", f.updated_after),
        ("t.updated_at", "<", f.updated_before),
    ] {
        if let Some(at) = at {
            q.push(format!(" AND {column} {op} ")).push_bind(at);
        }
    }
    if let Some(from_contact) = f.last_message_from_contact {
        q.push(
            " AND (SELECT n.author_kind = 'contact' FROM ticket_notes n
                   WHERE n.tenant_id = t.tenant_id AND n.ticket_id = t.id AND NOT n.is_internal
                   ORDER BY n.id DESC LIMIT 1) IS ",
        )
        .push(if from_contact { "TRUE" } else { "NOT TRUE" });
    }
}

/// The latest note of each of the given tickets.
pub async fn latest_notes(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
) -> Result<Vec<NoteRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (ticket_id) * FROM ({NOTE} WHERE tenant_id = $1 AND ticket_id = ANY($2)) n
         ORDER BY ticket_id, id DESC"
    )))
    .bind(tenant)
    .bind(tickets)
    .fetch_all(conn)
    .await
}

/// A member's time entries (notes with time) logged between two instants, newest first, with
/// the summary of their ticket.
pub async fn time_entries_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    member: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(NoteRow, String)>, sqlx::Error> {
    let notes: Vec<NoteRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{NOTE} WHERE tenant_id = $1 AND author_kind = 'member' AND author_id = $2 AND actual_hours IS NOT NULL
           AND coalesce(time_start, created_at) >= $3 AND coalesce(time_start, created_at) < $4
         ORDER BY coalesce(time_start, created_at) DESC, id DESC"
    )))
    .bind(tenant)
    .bind(member.to_string())
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let ticket_ids: Vec<i32> = notes.iter().map(|n| n.ticket_id).collect();
    let summaries: Vec<(i32, String)> =
        sqlx::query_as("SELECT id, summary FROM tickets WHERE tenant_id = $1 AND id = ANY($2)")
            .bind(tenant)
            .bind(&ticket_ids)
            .fetch_all(conn)
            .await?;
    Ok(notes
        .into_iter()
        .map(|n| {
            let summary = summaries
                .iter()
                .find(|(id, _)| *id == n.ticket_id)
                .map(|(_, s)| s.clone())
                .unwrap_or_default();
            (n, summary)
        })
        .collect())
}

/// Locks the ticket's row until the transaction ends, so concurrent changes apply one after another.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM tickets WHERE tenant_id = $1 AND id = $2 FOR UPDATE")
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Sets a ticket's approval state (`pending`, `granted`, `declined`).
pub async fn set_approval(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    approval: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET approval = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(id)
        .bind(approval)
        .execute(conn)
        .await?;
    Ok(())
}

/// Tickets of the company awaiting approval, oldest first: those without a group, and those of
/// the groups listed (the approver manages them).
pub async fn pending_approval(
    conn: &mut PgConnection,
    tenant: TenantId,
    company: i32,
    groups: &[i32],
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE t.tenant_id = $1 AND t.company_id = $2 AND t.approval = 'pending' AND t.archived_at IS NULL
           AND (t.contact_group_id IS NULL OR t.contact_group_id = ANY($3))
         ORDER BY t.created_at, t.id"
    )))
    .bind(tenant)
    .bind(company)
    .bind(groups)
    .fetch_all(conn)
    .await
}

/// Moves every note and task list of `from` to `into`, and marks `from` as merged into `into`.
pub async fn merge(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: i32,
    into: i32,
) -> Result<(), sqlx::Error> {
    for table in ["ticket_notes", "ticket_task_lists"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET ticket_id = $3 WHERE tenant_id = $1 AND ticket_id = $2"
        )))
        .bind(tenant)
        .bind(from)
        .bind(into)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("UPDATE tickets SET merged_into = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(from)
        .bind(into)
        .execute(&mut *conn)
        .await?;
    touch(conn, tenant, into).await
}

/// A new version of a ticket whose conversation or task lists changed.
pub async fn touch(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE tickets SET version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant)
        .bind(ticket)
        .execute(conn)
        .await?;
    Ok(())
}
