//! The named lists: categories and service groups (a name and a description), tags and sources
//! (a name). One implementation serves all four, told apart by their [`NamedKind`].

use std::marker::PhantomData;

use super::{
    Resource,
    rules::{live, name_conflict, set_archived, what},
};
use crate::{
    domain::{
        Tenant,
        configuration::{DescribedItemInput, NamedPatch, SimpleItemInput, SimpleItemPatch},
        patch::Patch,
    },
    error::{Error, Result},
    repo::configuration::{
        NamedList, Table,
        named::{self, Named},
    },
    service::{lookups, validate},
    state::AppState,
};

/// One of the four lists: its table, and what its items are written with.
pub trait NamedKind: Send + Sync + 'static {
    const LIST: NamedList;
    type Input: Into<NamedPatch> + Send + 'static;
    type Patch: Into<NamedPatch> + Send + 'static;
}

/// The resource of a named list.
pub struct Listed<K>(PhantomData<K>);

pub struct Categories;
pub struct Tags;
pub struct Sources;
pub struct ServiceGroups;

impl NamedKind for Categories {
    const LIST: NamedList = NamedList::Categories;
    type Input = DescribedItemInput;
    type Patch = NamedPatch;
}

impl NamedKind for ServiceGroups {
    const LIST: NamedList = NamedList::ServiceGroups;
    type Input = DescribedItemInput;
    type Patch = NamedPatch;
}

impl NamedKind for Tags {
    const LIST: NamedList = NamedList::Tags;
    type Input = SimpleItemInput;
    type Patch = SimpleItemPatch;
}

impl NamedKind for Sources {
    const LIST: NamedList = NamedList::Sources;
    type Input = SimpleItemInput;
    type Patch = SimpleItemPatch;
}

/// Replacing a described item clears an absent description.
impl From<DescribedItemInput> for NamedPatch {
    fn from(input: DescribedItemInput) -> Self {
        NamedPatch {
            name: Patch::Value(input.name),
            description: Patch::Value(input.description.unwrap_or_default()),
        }
    }
}

impl From<SimpleItemInput> for NamedPatch {
    fn from(input: SimpleItemInput) -> Self {
        NamedPatch {
            name: Patch::Value(input.name),
            description: Patch::Absent,
        }
    }
}

impl From<SimpleItemPatch> for NamedPatch {
    fn from(patch: SimpleItemPatch) -> Self {
        NamedPatch {
            name: patch.name,
            description: Patch::Absent,
        }
    }
}

impl<K: NamedKind> Resource for Listed<K> {
    type Row = Named;
    type Input = K::Input;
    type Patch = K::Patch;

    async fn list(state: &AppState, tenant: &Tenant, include_archived: bool) -> Result<Vec<Named>> {
        Ok(named::list(&state.pool, K::LIST, tenant.id, include_archived).await?)
    }

    async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<Named> {
        let mut conn = state.pool.acquire().await?;
        named::get(&mut conn, K::LIST, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found(what(Table::Named(K::LIST))))
    }

    async fn create(state: &AppState, tenant: &Tenant, input: K::Input) -> Result<Named> {
        let NamedPatch { name, description } = input.into();
        let name = validate::required_text("name", &name.apply(None).unwrap_or_default(), 100)?;
        let description = description.apply(None).unwrap_or_default();
        let description = validate::optional_text("description", &description, 2000)?;
        let mut conn = state.pool.acquire().await?;
        let named = named::insert(&mut conn, K::LIST, tenant.id, &name, &description)
            .await
            .map_err(|e| name_conflict(e, Table::Named(K::LIST)))?;
        drop(conn);
        lookups::configuration_changed(state, tenant).await;
        Ok(named)
    }

    async fn replace(state: &AppState, tenant: &Tenant, id: i32, input: K::Input) -> Result<Named> {
        write(state, tenant, K::LIST, id, input.into()).await
    }

    async fn patch(state: &AppState, tenant: &Tenant, id: i32, patch: K::Patch) -> Result<Named> {
        write(state, tenant, K::LIST, id, patch.into()).await
    }

    async fn set_archived(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        archived: bool,
    ) -> Result<Named> {
        set_archived(state, tenant, Table::Named(K::LIST), id, archived).await?;
        Self::get(state, tenant, id).await
    }
}

async fn write(
    state: &AppState,
    tenant: &Tenant,
    list: NamedList,
    id: i32,
    patch: NamedPatch,
) -> Result<Named> {
    let table = Table::Named(list);
    let mut tx = state.pool.begin().await?;
    let current = live(
        named::get(&mut tx, list, tenant.id, id).await?,
        |n| n.archived_at,
        table,
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
    named::update(&mut tx, list, tenant.id, id, &name, &description)
        .await
        .map_err(|e| name_conflict(e, table))?;
    let named = named::get(&mut tx, list, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found(what(table)))?;
    tx.commit().await?;
    lookups::configuration_changed(state, tenant).await;
    Ok(named)
}
