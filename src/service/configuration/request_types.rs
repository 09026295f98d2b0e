//! Request types (service types): what contacts can ask for, in which queue and at which priority
//! those tickets start, and whether they wait for an approver.

use sqlx::PgConnection;

use super::{
    Resource,
    rules::{live, name_conflict, set_archived, what},
};
use crate::{
    domain::{
        Tenant, TenantId,
        configuration::{RequestTypeInput, RequestTypePatch},
        patch::Patch,
    },
    error::{Error, Result},
    repo::{
        self,
        configuration::{
            NamedList, Table,
            request_types::{self, RequestType, RequestTypeFields},
        },
    },
    service::validate,
    state::AppState,
};

pub struct RequestTypes;

impl Resource for RequestTypes {
    type Row = RequestType;
    type Input = RequestTypeInput;
    type Patch = RequestTypePatch;

    async fn list(
        state: &AppState,
        tenant: &Tenant,
        include_archived: bool,
    ) -> Result<Vec<RequestType>> {
        Ok(request_types::list(&state.pool, tenant.id, include_archived).await?)
    }

    async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<RequestType> {
        let mut conn = state.pool.acquire().await?;
        request_types::get(&mut conn, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found("request type"))
    }

    /// Its queue, priority and service group must be live ones of this tenant.
    async fn create(
        state: &AppState,
        tenant: &Tenant,
        input: RequestTypeInput,
    ) -> Result<RequestType> {
        let mut tx = state.pool.begin().await?;
        let name = validate::required_text("name", &input.name, 100)?;
        let description = validate::optional_text(
            "description",
            input.description.as_deref().unwrap_or(""),
            2000,
        )?;
        let fields = RequestTypeFields {
            name: &name,
            description: &description,
            service_group_id: input.service_group_id,
            default_queue_id: input.default_queue_id,
            default_priority_id: input.default_priority_id,
            requires_approval: input.requires_approval,
            form_id: input.form_id,
            form_placement: input.form_placement,
        };
        check_references(&mut tx, tenant.id, &fields).await?;
        let created = request_types::insert(&mut tx, tenant.id, &fields)
            .await
            .map_err(|e| name_conflict(e, Table::RequestTypes))?;
        tx.commit().await?;
        Ok(created)
    }

    async fn replace(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        input: RequestTypeInput,
    ) -> Result<RequestType> {
        let patch = RequestTypePatch {
            name: Patch::Value(input.name),
            description: Patch::Value(input.description.unwrap_or_default()),
            service_group_id: input.service_group_id.map_or(Patch::Null, Patch::Value),
            default_queue_id: Patch::Value(input.default_queue_id),
            default_priority_id: Patch::Value(input.default_priority_id),
            requires_approval: Patch::Value(input.requires_approval),
            form_id: input.form_id.map_or(Patch::Null, Patch::Value),
            form_placement: Patch::Value(input.form_placement),
        };
        Self::patch(state, tenant, id, patch).await
    }

    async fn patch(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        patch: RequestTypePatch,
    ) -> Result<RequestType> {
        let mut tx = state.pool.begin().await?;
        let current = live(
            request_types::get(&mut tx, tenant.id, id).await?,
            |r| r.archived_at,
            Table::RequestTypes,
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
        let fields = RequestTypeFields {
            name: &name,
            description: &description,
            service_group_id: patch.service_group_id.apply(current.service_group_id),
            default_queue_id: validate::not_cleared(
                patch.default_queue_id,
                current.default_queue_id,
                "defaultQueueId",
            )?,
            default_priority_id: validate::not_cleared(
                patch.default_priority_id,
                current.default_priority_id,
                "defaultPriorityId",
            )?,
            requires_approval: validate::not_cleared(
                patch.requires_approval,
                current.requires_approval,
                "requiresApproval",
            )?,
            form_id: patch.form_id.apply(current.form_id),
            form_placement: patch
                .form_placement
                .apply(Some(current.form_placement))
                .unwrap_or_default(),
        };
        check_references(&mut tx, tenant.id, &fields).await?;
        request_types::update(&mut tx, tenant.id, id, &fields)
            .await
            .map_err(|e| name_conflict(e, Table::RequestTypes))?;
        let updated = request_types::get(&mut tx, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found("request type"))?;
        tx.commit().await?;
        Ok(updated)
    }

    /// An archived request type can no longer be chosen by contacts.
    async fn set_archived(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        archived: bool,
    ) -> Result<RequestType> {
        set_archived(state, tenant, Table::RequestTypes, id, archived).await?;
        Self::get(state, tenant, id).await
    }
}

/// What a request type points at must be live and of this tenant; the field at fault is named.
async fn check_references(
    conn: &mut PgConnection,
    tenant: TenantId,
    fields: &RequestTypeFields<'_>,
) -> Result<()> {
    let checks = [
        (
            Table::Queues,
            Some(fields.default_queue_id),
            "defaultQueueId",
        ),
        (
            Table::Priorities,
            Some(fields.default_priority_id),
            "defaultPriorityId",
        ),
        (
            Table::Named(NamedList::ServiceGroups),
            fields.service_group_id,
            "serviceGroupId",
        ),
    ];
    if let Some(form) = fields.form_id {
        let usable = repo::forms::get(conn, tenant, form)
            .await?
            .is_some_and(|f| f.archived_at.is_none() && f.published_version.is_some());
        if !usable {
            return Err(Error::validation(
                "formId",
                "no such published form (publish it before a request type carries it)",
            ));
        }
    }
    for (table, id, field) in checks {
        if let Some(id) = id
            && !repo::configuration::is_live(conn, table, tenant, id).await?
        {
            return Err(Error::validation(field, format!("no such {}", what(table))));
        }
    }
    Ok(())
}
