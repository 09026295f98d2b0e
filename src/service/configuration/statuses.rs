//! The statuses of a queue. A queue always keeps one open default status, and at most one status
//! per approval role: marking another status takes the mark over.

use sqlx::PgConnection;

use super::rules::{in_use, live, name_conflict};
use crate::{
    domain::{
        Tenant, TenantId,
        configuration::{StatusInput, StatusPatch},
        patch::Patch,
    },
    error::{Error, Result},
    repo::{
        self,
        configuration::{
            Table, queues,
            statuses::{self, Status, StatusFields},
        },
    },
    service::validate,
    state::AppState,
};

pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    input: StatusInput,
) -> Result<Status> {
    let mut tx = state.pool.begin().await?;
    live(
        queues::get(&mut tx, tenant.id, queue).await?,
        |q| q.archived_at,
        Table::Queues,
    )?;
    let name = validate::required_text("name", &input.name, 100)?;
    let fields = StatusFields {
        name: &name,
        is_closed: input.is_closed,
        is_default: input.is_default,
        approval_role: input.approval_role,
        sort_order: input.order.unwrap_or(0),
    };
    check(&fields, false)?;
    // No status has id 0: every other status gives up the marks this one takes.
    statuses::release_marks(
        &mut tx,
        tenant.id,
        queue,
        0,
        fields.is_default,
        fields.approval_role,
    )
    .await?;
    let status = statuses::insert(&mut tx, tenant.id, queue, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::Statuses))?;
    tx.commit().await?;
    Ok(status)
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    id: i32,
    input: StatusInput,
) -> Result<Status> {
    let whole = StatusPatch {
        name: Patch::Value(input.name),
        is_closed: Patch::Value(input.is_closed),
        is_default: Patch::Value(input.is_default),
        approval_role: input.approval_role.map_or(Patch::Null, Patch::Value),
        order: Patch::Value(input.order.unwrap_or(0)),
    };
    patch(state, tenant, queue, id, whole).await
}

pub async fn patch(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    id: i32,
    patch: StatusPatch,
) -> Result<Status> {
    let mut tx = state.pool.begin().await?;
    let current = of_queue(&mut tx, tenant.id, queue, id).await?;
    let current = live(Some(current), |s| s.archived_at, Table::Statuses)?;
    let name = validate::required_text(
        "name",
        &validate::not_cleared(patch.name, current.name, "name")?,
        100,
    )?;
    let fields = StatusFields {
        name: &name,
        is_closed: validate::not_cleared(patch.is_closed, current.is_closed, "isClosed")?,
        is_default: validate::not_cleared(patch.is_default, current.is_default, "isDefault")?,
        approval_role: patch.approval_role.apply(current.approval_role),
        sort_order: validate::not_cleared(patch.order, current.sort_order, "order")?,
    };
    check(&fields, current.is_default)?;
    statuses::release_marks(
        &mut tx,
        tenant.id,
        queue,
        id,
        fields.is_default,
        fields.approval_role,
    )
    .await?;
    statuses::update(&mut tx, tenant.id, id, &fields)
        .await
        .map_err(|e| name_conflict(e, Table::Statuses))?;
    let status = of_queue(&mut tx, tenant.id, queue, id).await?;
    tx.commit().await?;
    Ok(status)
}

/// The queue's default status cannot be archived (409 `InUse`).
pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    queue: i32,
    id: i32,
    archived: bool,
) -> Result<Status> {
    let mut tx = state.pool.begin().await?;
    let current = of_queue(&mut tx, tenant.id, queue, id).await?;
    if archived && current.is_default && current.archived_at.is_none() {
        return Err(in_use(
            "the queue's default status cannot be archived; make another status the default first",
        ));
    }
    repo::configuration::set_archived(&mut tx, Table::Statuses, tenant.id, id, archived)
        .await
        .map_err(|e| name_conflict(e, Table::Statuses))?;
    let status = of_queue(&mut tx, tenant.id, queue, id).await?;
    tx.commit().await?;
    Ok(status)
}

/// A status of this queue; one of another queue is not found.
async fn of_queue(
    conn: &mut PgConnection,
    tenant: TenantId,
    queue: i32,
    id: i32,
) -> Result<Status> {
    statuses::get(conn, tenant, id)
        .await?
        .filter(|s| s.queue_id == queue)
        .ok_or_else(|| Error::not_found("status"))
}

fn check(fields: &StatusFields<'_>, was_default: bool) -> Result<()> {
    if fields.is_default && fields.is_closed {
        return Err(Error::validation(
            "isDefault",
            "the default status must be open: new tickets start there",
        ));
    }
    if was_default && !fields.is_default {
        return Err(Error::validation(
            "isDefault",
            "a queue needs a default status: make another status the default instead",
        ));
    }
    Ok(())
}
