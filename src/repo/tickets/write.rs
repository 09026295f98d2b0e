//! Writing tickets: insert, update, assignees, approval, archive, merge, and the row lock every
//! change takes first.

use sqlx::{PgConnection, types::Json};

use super::TicketFields;
use crate::{domain::TenantId, sql};

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &TicketFields,
) -> Result<i32, sqlx::Error> {
    // The number comes from the tenant's own sequence (migration 0032), so no creation waits for
    // another to commit.
    sqlx::query_scalar(sql!("INSERT INTO tickets (tenant_id, id, summary, description, request_type_id, queue_id, status_id, priority_id,
             source_id, category_ids, tags, custom_fields, contact_id, company_id, contact_group_id, is_closed, closed_at)
         VALUES ($1, nextval(format('ids_ticket_%s', $1::bigint)::regclass), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                 $15, CASE WHEN $15 THEN now() END)
         RETURNING id"))
    .bind(tenant)
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
    .fetch_one(conn)
    .await
}

/// Writes the fields and bumps the version; `closed_at` is set when the ticket closes, cleared when it reopens.
pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &TicketFields,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("UPDATE tickets SET summary = $3, description = $4, request_type_id = $5, queue_id = $6, status_id = $7,
             priority_id = $8, source_id = $9, category_ids = $10, tags = $11, custom_fields = $12, contact_id = $13,
             company_id = $14, contact_group_id = $15,
             closed_at = CASE WHEN $16 AND NOT is_closed THEN now() WHEN $16 THEN closed_at END,
             is_closed = $16, version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"))
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

/// Locks the ticket's row until the transaction ends, so concurrent changes apply one after another.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT version FROM tickets WHERE tenant_id = $1 AND id = $2 FOR UPDATE"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Makes the ticket's assignees exactly `members`, keeping the assignment time of those who stay.
pub async fn set_assignees(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    members: &[i32],
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("DELETE FROM ticket_assignees WHERE tenant_id = $1 AND ticket_id = $2 AND NOT (member_id = ANY($3))"))
        .bind(tenant)
        .bind(ticket)
        .bind(members)
        .execute(&mut *conn)
        .await?;
    sqlx::query(sql!("INSERT INTO ticket_assignees (tenant_id, ticket_id, member_id) SELECT $1, $2, unnest($3::int[])
         ON CONFLICT DO NOTHING"))
    .bind(tenant)
    .bind(ticket)
    .bind(members)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a ticket's approval state (`pending`, `granted`, `declined`).
pub async fn set_approval(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    approval: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("UPDATE tickets SET approval = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .bind(approval)
        .execute(conn)
        .await?;
    Ok(())
}

/// Archives (soft-deletes) or restores a ticket; true when it exists.
pub async fn set_archived(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    archived: bool,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "UPDATE tickets SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, now()) END,
             version = version + 1, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(archived)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A new version of a ticket whose conversation or task lists changed.
pub async fn touch(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("UPDATE tickets SET version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(ticket)
        .execute(conn)
        .await?;
    Ok(())
}

/// Moves every note and task list of `from` to `into`, and marks `from` as merged into `into`.
pub async fn merge(
    conn: &mut PgConnection,
    tenant: TenantId,
    from: i32,
    into: i32,
) -> Result<(), sqlx::Error> {
    for statement in [
        sql!("UPDATE ticket_notes SET ticket_id = $3 WHERE tenant_id = $1 AND ticket_id = $2"),
        sql!("UPDATE ticket_task_lists SET ticket_id = $3 WHERE tenant_id = $1 AND ticket_id = $2"),
    ] {
        sqlx::query(statement)
            .bind(tenant)
            .bind(from)
            .bind(into)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(sql!("UPDATE tickets SET merged_into = $3, version = version + 1, updated_at = now() WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(from)
        .bind(into)
        .execute(&mut *conn)
        .await?;
    touch(conn, tenant, into).await
}
