//! Service configuration: queues and their statuses, priorities, the named lists (categories,
//! tags, sources, service groups), request types and custom ticket fields. Every tenant starts
//! with a working set (`defaults`). Each resource implements [`Resource`], the operations the
//! Admin API serves for all of them; statuses belong to their queue and have their own functions.

pub mod custom_fields;
pub mod defaults;
pub mod named;
pub mod priorities;
pub mod queues;
pub mod request_types;
mod rules;
pub mod statuses;

use std::future::Future;

pub use custom_fields::CustomFields;
pub use named::{Categories, Listed, ServiceGroups, Sources, Tags};
pub use priorities::Priorities;
pub use queues::{QueueDetails, Queues};
pub use request_types::RequestTypes;

use crate::{domain::Tenant, error::Result, state::AppState};

/// A configuration resource: listed whole, created, read, replaced (`PUT`), merge-patched, and
/// archived or restored. Every change is validated and written in one transaction.
pub trait Resource: Send + Sync + 'static {
    /// What is stored and answered.
    type Row: Send + 'static;
    /// What `create` and `replace` take.
    type Input: Send + 'static;
    /// What `patch` takes: a JSON merge patch.
    type Patch: Send + 'static;

    fn list(
        state: &AppState,
        tenant: &Tenant,
        include_archived: bool,
    ) -> impl Future<Output = Result<Vec<Self::Row>>> + Send;

    fn get(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
    ) -> impl Future<Output = Result<Self::Row>> + Send;

    fn create(
        state: &AppState,
        tenant: &Tenant,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Row>> + Send;

    fn replace(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        input: Self::Input,
    ) -> impl Future<Output = Result<Self::Row>> + Send;

    fn patch(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        patch: Self::Patch,
    ) -> impl Future<Output = Result<Self::Row>> + Send;

    /// Archives (soft-deletes) or restores; answers the row as it now is.
    fn set_archived(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        archived: bool,
    ) -> impl Future<Output = Result<Self::Row>> + Send;
}
