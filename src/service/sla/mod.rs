//! Service levels: admins keep ordered policies (conditions, targets per priority, business or
//! calendar time, pausing statuses); each ticket keeps clocks against the first policy that
//! matches it (`tickets`), and the sweeper tells warnings and breaches (`sweeper`).

pub mod clock;
pub mod sweeper;
pub mod tickets;

pub use sweeper::spawn_sweeper;
pub use tickets::{Happening, Met, on_entry};

use super::validate;
use crate::{
    domain::{
        Tenant, TenantId,
        sla::{SlaConditions, SlaPolicyInput},
    },
    error::{Error, Result},
    repo::{
        self,
        configuration::Table,
        sla::{PolicyFields, PolicyRow},
    },
    state::AppState,
};

/// The longest target: a year of minutes.
const MAX_MINUTES: i64 = 366 * 24 * 60;

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<PolicyRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::sla::policies(&mut conn, tenant.id).await?)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<PolicyRow> {
    let mut conn = state.pool.acquire().await?;
    repo::sla::policy(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("SLA policy"))
}

/// Creates (`id` none) or replaces a policy. Tickets already measured keep their clocks until
/// something that decides their policy changes.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: SlaPolicyInput,
) -> Result<PolicyRow> {
    let name = validate::required_text("name", &input.name, 200)?;
    let mut tx = state.pool.begin().await?;
    check(&mut tx, tenant.id, &input).await?;
    let id = match id {
        Some(id) => {
            repo::sla::policy(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("SLA policy"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "sla_policy").await?,
    };
    let fields = PolicyFields {
        name: &name,
        position: input.position,
        enabled: input.enabled,
        conditions: &input.conditions,
        targets: &input.targets,
        business_hours: input.business_hours,
        calendar_id: input.calendar_id,
        pause_status_ids: &input.pause_status_ids,
        warn_before_secs: (input.warn_before_minutes * 60) as i32,
    };
    let row = repo::sla::save_policy(&mut tx, tenant.id, id, &fields).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    if !repo::sla::delete_policy(&mut tx, tenant.id, id).await? {
        return Err(Error::not_found("SLA policy"));
    }
    tx.commit().await?;
    Ok(())
}

/// Every target positive and within a year, every reference of this tenant; the first problem is
/// a 422 naming its field.
async fn check(conn: &mut sqlx::PgConnection, tenant: TenantId, p: &SlaPolicyInput) -> Result<()> {
    if p.targets.is_empty() {
        return Err(Error::validation(
            "targets",
            "give the targets of at least one priority",
        ));
    }
    if p.targets.len() > 50 {
        return Err(Error::validation("targets", "at most 50"));
    }
    for (i, t) in p.targets.iter().enumerate() {
        for (name, minutes) in [
            ("firstResponseMinutes", t.first_response_minutes),
            ("nextResponseMinutes", t.next_response_minutes),
            ("resolutionMinutes", t.resolution_minutes),
        ] {
            if minutes.is_some_and(|m| !(1..=MAX_MINUTES).contains(&m)) {
                return Err(Error::validation(
                    &format!("targets[{i}].{name}"),
                    format!("a target is between 1 and {MAX_MINUTES} minutes"),
                ));
            }
        }
        if p.targets[..i]
            .iter()
            .any(|o| o.priority_id == t.priority_id)
        {
            return Err(Error::validation(
                &format!("targets[{i}].priorityId"),
                "each priority has one set of targets",
            ));
        }
        if let Some(priority) = t.priority_id {
            live(
                conn,
                tenant,
                Table::Priorities,
                priority,
                &format!("targets[{i}].priorityId"),
            )
            .await?;
        }
    }
    if !(0..=30 * 24 * 60).contains(&p.warn_before_minutes) {
        return Err(Error::validation(
            "warnBeforeMinutes",
            "between 0 and 43200 minutes (30 days)",
        ));
    }
    if p.position < 0 {
        return Err(Error::validation("position", "position is 0 or more"));
    }
    let SlaConditions {
        priority_ids,
        queue_ids,
        request_type_ids,
        company_ids,
        contact_vip: _,
    } = &p.conditions;
    for (field, table, ids) in [
        ("conditions.priorityIds", Table::Priorities, priority_ids),
        ("conditions.queueIds", Table::Queues, queue_ids),
        (
            "conditions.requestTypeIds",
            Table::RequestTypes,
            request_type_ids,
        ),
        ("pauseStatusIds", Table::Statuses, &p.pause_status_ids),
    ] {
        if ids.len() > 200 {
            return Err(Error::validation(field, "at most 200"));
        }
        for id in ids {
            live(conn, tenant, table, *id, field).await?;
        }
    }
    if company_ids.len() > 200 {
        return Err(Error::validation("conditions.companyIds", "at most 200"));
    }
    for id in company_ids {
        if repo::companies::get(&mut *conn, tenant, *id)
            .await?
            .is_none()
        {
            return Err(Error::validation(
                "conditions.companyIds",
                format!("no such company: {id}"),
            ));
        }
    }
    if let Some(calendar) = p.calendar_id
        && repo::office_hours::get(conn, tenant, calendar)
            .await?
            .is_none()
    {
        return Err(Error::validation(
            "calendarId",
            format!("no such calendar: {calendar}"),
        ));
    }
    Ok(())
}

async fn live(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    table: Table,
    id: i32,
    field: &str,
) -> Result<()> {
    if repo::configuration::is_live(conn, table, tenant, id).await? {
        Ok(())
    } else {
        Err(Error::validation(field, format!("no such item: {id}")))
    }
}
