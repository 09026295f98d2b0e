//! Queues (boards), each answered with its statuses.

use sqlx::PgConnection;

use super::{
    Resource, defaults,
    rules::{live, name_conflict, set_archived},
};
use crate::{
    domain::{
        Tenant, TenantId,
        configuration::{QueueInput, QueuePatch},
        patch::Patch,
    },
    error::{Error, Result},
    repo::configuration::{
        Table,
        queues::{self, Queue},
        statuses::{self, Status},
    },
    service::validate,
    state::AppState,
};

pub struct Queues;

pub struct QueueDetails {
    pub queue: Queue,
    pub statuses: Vec<Status>,
}

impl Resource for Queues {
    type Row = QueueDetails;
    type Input = QueueInput;
    type Patch = QueuePatch;

    async fn list(
        state: &AppState,
        tenant: &Tenant,
        include_archived: bool,
    ) -> Result<Vec<QueueDetails>> {
        let queues = queues::list(&state.pool, tenant.id, include_archived).await?;
        let mut conn = state.pool.acquire().await?;
        let mut statuses = statuses::list(&mut conn, tenant.id, None, include_archived).await?;
        Ok(queues
            .into_iter()
            .map(|queue| {
                let (mine, rest): (Vec<Status>, Vec<Status>) =
                    statuses.drain(..).partition(|s| s.queue_id == queue.id);
                statuses = rest;
                QueueDetails {
                    queue,
                    statuses: mine,
                }
            })
            .collect())
    }

    async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<QueueDetails> {
        let mut conn = state.pool.acquire().await?;
        details(&mut conn, tenant.id, id).await
    }

    /// A new queue comes with the standard statuses, so tickets can be filed in it at once.
    async fn create(state: &AppState, tenant: &Tenant, input: QueueInput) -> Result<QueueDetails> {
        let name = validate::required_text("name", &input.name, 100)?;
        let description = validate::optional_text(
            "description",
            input.description.as_deref().unwrap_or(""),
            2000,
        )?;
        let mut tx = state.pool.begin().await?;
        let queue = queues::insert(&mut tx, tenant.id, &name, &description)
            .await
            .map_err(|e| name_conflict(e, Table::Queues))?;
        defaults::insert_statuses(&mut tx, tenant.id, queue.id).await?;
        let details = details(&mut tx, tenant.id, queue.id).await?;
        tx.commit().await?;
        Ok(details)
    }

    async fn replace(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        input: QueueInput,
    ) -> Result<QueueDetails> {
        let patch = QueuePatch {
            name: Patch::Value(input.name),
            description: Patch::Value(input.description.unwrap_or_default()),
        };
        Self::patch(state, tenant, id, patch).await
    }

    async fn patch(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        patch: QueuePatch,
    ) -> Result<QueueDetails> {
        let mut tx = state.pool.begin().await?;
        let current = live(
            queues::get(&mut tx, tenant.id, id).await?,
            |q| q.archived_at,
            Table::Queues,
        )?;
        let name = validate::required_text(
            "name",
            &validate::not_cleared(patch.name, current.name, "name")?,
            100,
        )?;
        let description = validate::optional_text(
            "description",
            &patch
                .description
                .apply(Some(current.description))
                .unwrap_or_default(),
            2000,
        )?;
        queues::update(&mut tx, tenant.id, id, &name, &description)
            .await
            .map_err(|e| name_conflict(e, Table::Queues))?;
        let details = details(&mut tx, tenant.id, id).await?;
        tx.commit().await?;
        Ok(details)
    }

    /// Refused (409 `InUse`) while request types start tickets in the queue.
    async fn set_archived(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        archived: bool,
    ) -> Result<QueueDetails> {
        set_archived(state, tenant, Table::Queues, id, archived).await?;
        Self::get(state, tenant, id).await
    }
}

/// A queue with all its statuses (archived ones too).
async fn details(conn: &mut PgConnection, tenant: TenantId, id: i32) -> Result<QueueDetails> {
    let queue = queues::get(conn, tenant, id)
        .await?
        .ok_or_else(|| Error::not_found("queue"))?;
    let statuses = statuses::list(conn, tenant, Some(&[id]), true).await?;
    Ok(QueueDetails { queue, statuses })
}
