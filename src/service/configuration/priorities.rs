//! Ticket priorities: ordered, coloured, one of them the default for tickets filed without one.

use super::{
    Resource,
    rules::{in_use, live, name_conflict, set_archived},
};
use crate::{
    domain::{
        Tenant,
        configuration::{PriorityInput, PriorityPatch},
        patch::Patch,
    },
    error::{Error, Result},
    repo::configuration::{
        Table,
        priorities::{self, Priority, PriorityFields},
    },
    service::{lookups, validate},
    state::AppState,
};

pub struct Priorities;

impl Resource for Priorities {
    type Row = Priority;
    type Input = PriorityInput;
    type Patch = PriorityPatch;

    async fn list(
        state: &AppState,
        tenant: &Tenant,
        include_archived: bool,
    ) -> Result<Vec<Priority>> {
        Ok(priorities::list(&state.pool, tenant.id, include_archived).await?)
    }

    async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<Priority> {
        let mut conn = state.pool.acquire().await?;
        priorities::get(&mut conn, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found("priority"))
    }

    /// Making the new priority the default takes the mark from the previous default.
    async fn create(state: &AppState, tenant: &Tenant, input: PriorityInput) -> Result<Priority> {
        let name = validate::required_text("name", &input.name, 100)?;
        let colour = colour(&input.colour)?;
        let mut tx = state.pool.begin().await?;
        let fields = PriorityFields {
            name: &name,
            sort_order: input.order.unwrap_or(0),
            colour: &colour,
            is_default: false,
        };
        let created = priorities::insert(&mut tx, tenant.id, &fields)
            .await
            .map_err(|e| name_conflict(e, Table::Priorities))?;
        if input.is_default {
            let fields = PriorityFields {
                is_default: true,
                ..fields
            };
            priorities::update(&mut tx, tenant.id, created.id, &fields).await?;
        }
        let priority = priorities::get(&mut tx, tenant.id, created.id)
            .await?
            .ok_or_else(|| Error::not_found("priority"))?;
        tx.commit().await?;
        lookups::configuration_changed(state, tenant).await;
        Ok(priority)
    }

    async fn replace(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        input: PriorityInput,
    ) -> Result<Priority> {
        let patch = PriorityPatch {
            name: Patch::Value(input.name),
            order: Patch::Value(input.order.unwrap_or(0)),
            colour: Patch::Value(input.colour),
            is_default: Patch::Value(input.is_default),
        };
        Self::patch(state, tenant, id, patch).await
    }

    async fn patch(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        patch: PriorityPatch,
    ) -> Result<Priority> {
        let mut tx = state.pool.begin().await?;
        let current = live(
            priorities::get(&mut tx, tenant.id, id).await?,
            |p| p.archived_at,
            Table::Priorities,
        )?;
        let name = validate::required_text(
            "name",
            &validate::not_cleared(patch.name, current.name, "name")?,
            100,
        )?;
        let colour = colour(&validate::not_cleared(
            patch.colour,
            current.colour,
            "colour",
        )?)?;
        let is_default = validate::not_cleared(patch.is_default, current.is_default, "isDefault")?;
        if current.is_default && !is_default {
            return Err(Error::validation(
                "isDefault",
                "make another priority the default instead",
            ));
        }
        let fields = PriorityFields {
            name: &name,
            sort_order: validate::not_cleared(patch.order, current.sort_order, "order")?,
            colour: &colour,
            is_default,
        };
        priorities::update(&mut tx, tenant.id, id, &fields)
            .await
            .map_err(|e| name_conflict(e, Table::Priorities))?;
        let priority = priorities::get(&mut tx, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found("priority"))?;
        tx.commit().await?;
        lookups::configuration_changed(state, tenant).await;
        Ok(priority)
    }

    /// Refused (409 `InUse`) for the default priority, or one that request types use.
    async fn set_archived(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        archived: bool,
    ) -> Result<Priority> {
        let current = Self::get(state, tenant, id).await?;
        if archived && current.is_default && current.archived_at.is_none() {
            return Err(in_use(
                "the default priority cannot be archived; make another priority the default first",
            ));
        }
        set_archived(state, tenant, Table::Priorities, id, archived).await?;
        Self::get(state, tenant, id).await
    }
}

fn colour(value: &str) -> Result<String> {
    let value = value.trim().to_ascii_lowercase();
    let valid = value.len() == 7
        && value.starts_with('#')
        && value[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !valid {
        return Err(Error::validation("colour", "colour must look like #1e88e5"));
    }
    Ok(value)
}
