//! What the configuration resources share: a live row to change, a name that must be unique among
//! live rows, and archiving that refuses what live request types still use.

use chrono::{DateTime, Utc};

use crate::{
    domain::Tenant,
    error::{Error, Result},
    repo::{
        self,
        configuration::{NamedList, Table},
    },
    service::lookups,
    state::AppState,
};

/// Names the kind of row in messages.
pub fn what(table: Table) -> &'static str {
    match table {
        Table::Queues => "queue",
        Table::Statuses => "status",
        Table::Priorities => "priority",
        Table::RequestTypes => "request type",
        Table::CustomFields => "custom field",
        Table::Named(NamedList::Categories) => "category",
        Table::Named(NamedList::Tags) => "tag",
        Table::Named(NamedList::Sources) => "source",
        Table::Named(NamedList::ServiceGroups) => "service group",
    }
}

/// The row, if it exists and is not archived: not found, or 409 `Archived`.
pub fn live<T>(
    row: Option<T>,
    archived_at: impl Fn(&T) -> Option<DateTime<Utc>>,
    table: Table,
) -> Result<T> {
    let row = row.ok_or_else(|| Error::not_found(what(table)))?;
    if archived_at(&row).is_some() {
        return Err(Error::archived(what(table)));
    }
    Ok(row)
}

/// A unique violation of the table's live-name index as the 409 it is.
pub fn name_conflict(error: sqlx::Error, table: Table) -> Error {
    if repo::is_unique_violation(&error, table.name_index()) {
        Error::conflict(
            "name",
            format!("another active {} has this name", what(table)),
        )
    } else {
        error.into()
    }
}

pub fn in_use(message: &str) -> Error {
    Error::state("InUse", message)
}

/// Archives or restores; a queue, priority or service group that live request types use cannot
/// be archived.
pub async fn set_archived(
    state: &AppState,
    tenant: &Tenant,
    table: Table,
    id: i32,
    archived: bool,
) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    if archived {
        let users = repo::configuration::request_types_using(&mut tx, tenant.id, table, id).await?;
        if users > 0 {
            return Err(in_use(&format!(
                "{users} request type(s) use this {}; point them elsewhere first",
                what(table)
            )));
        }
    }
    let found = repo::configuration::set_archived(&mut tx, table, tenant.id, id, archived)
        .await
        .map_err(|e| name_conflict(e, table))?;
    if !found {
        return Err(Error::not_found(what(table)));
    }
    tx.commit().await?;
    lookups::configuration_changed(state, tenant).await;
    Ok(())
}
