//! Reading tickets: one whole, a contact's lists, pending approvals, and the names lists show.

use sqlx::PgConnection;

use super::{TicketRow, WholeTicket, columns};
use crate::{domain::TenantId, sql};

/// A ticket with everything a single-ticket answer shows, read in one round trip.
pub async fn get_whole(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<WholeTicket>, sqlx::Error> {
    let statement = sql!(
        "SELECT ",
        columns!(),
        ",
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
             WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id) x) AS attachments
        FROM tickets t WHERE t.tenant_id = $1 AND t.id = $2"
    );
    sqlx::query_as(statement)
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
    /// The page and the count of a contact's tickets whose `$column` is one of `$2`.
    macro_rules! by {
        ($column:literal) => {
            (
                sql!(
                    "SELECT ",
                    columns!(),
                    " FROM tickets t WHERE t.tenant_id = $1 AND ",
                    $column,
                    " = ANY($2) AND t.archived_at IS NULL AND ($3::boolean IS NULL OR t.is_closed = $3)
                      AND (NOT $4 OR t.approval = 'pending')
                    ORDER BY t.updated_at DESC, t.id DESC OFFSET $5 LIMIT $6"
                ),
                sql!(
                    "SELECT count(*) FROM tickets t WHERE t.tenant_id = $1 AND ",
                    $column,
                    " = ANY($2) AND t.archived_at IS NULL AND ($3::boolean IS NULL OR t.is_closed = $3)
                      AND (NOT $4 OR t.approval = 'pending')"
                ),
            )
        };
    }
    let ((page, count), ids) = match scope {
        ContactScope::Personal(contact) => (by!("t.contact_id"), vec![contact]),
        ContactScope::Groups(groups) => (by!("t.contact_group_id"), groups.to_vec()),
        ContactScope::Company(company) => (by!("t.company_id"), vec![company]),
    };
    let rows = sqlx::query_as(page)
        .bind(tenant)
        .bind(&ids)
        .bind(closed)
        .bind(pending_approval_only)
        .bind(skip)
        .bind(take)
        .fetch_all(&mut *conn)
        .await?;
    let total = sqlx::query_scalar(count)
        .bind(tenant)
        .bind(&ids)
        .bind(closed)
        .bind(pending_approval_only)
        .fetch_one(conn)
        .await?;
    Ok((rows, total))
}

/// Tickets of the company awaiting approval, oldest first: those without a group, and those of
/// the groups listed (the approver manages them).
pub async fn pending_approval(
    conn: &mut PgConnection,
    tenant: TenantId,
    company: i32,
    groups: &[i32],
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM tickets t WHERE t.tenant_id = $1 AND t.company_id = $2 AND t.approval = 'pending'
           AND t.archived_at IS NULL AND (t.contact_group_id IS NULL OR t.contact_group_id = ANY($3))
         ORDER BY t.created_at, t.id"
    ))
    .bind(tenant)
    .bind(company)
    .bind(groups)
    .fetch_all(conn)
    .await
}

/// (ticket id, member id, member name) for the given tickets.
pub async fn assignees(
    conn: &mut PgConnection,
    tenant: TenantId,
    tickets: &[i32],
) -> Result<Vec<(i32, i32, String)>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT a.ticket_id, a.member_id, trim(m.first_name || ' ' || m.last_name)
         FROM ticket_assignees a JOIN members m ON m.tenant_id = a.tenant_id AND m.id = a.member_id
         WHERE a.tenant_id = $1 AND a.ticket_id = ANY($2) ORDER BY a.ticket_id, a.assigned_at, a.member_id"))
    .bind(tenant)
    .bind(tickets)
    .fetch_all(conn)
    .await
}

/// (id, name) of the tenant's categories among `ids`.
pub async fn category_names(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, name FROM categories WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// What a contact may see beyond their own tickets: whether all of their company's, and the
/// groups they manage.
pub async fn contact_reach(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
) -> Result<(bool, Vec<i32>), sqlx::Error> {
    let company_wide: bool = sqlx::query_scalar(sql!(
        "SELECT sees_company_tickets FROM contacts WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(contact)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(false);
    let managed = sqlx::query_scalar(sql!("SELECT m.group_id FROM contact_group_members m
         JOIN contact_groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id AND g.archived_at IS NULL
         WHERE m.tenant_id = $1 AND m.contact_id = $2 AND m.role = 'manager' ORDER BY m.group_id"))
    .bind(tenant)
    .bind(contact)
    .fetch_all(conn)
    .await?;
    Ok((company_wide, managed))
}

/// The tickets with these ids, in no particular order.
pub async fn rows(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<Vec<TicketRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM tickets t WHERE t.tenant_id = $1 AND t.id = ANY($2)"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_all(conn)
    .await
}
