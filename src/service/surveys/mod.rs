//! Satisfaction surveys: admins define them (a question on one of four scales, for all closing
//! tickets or some queues and request types); a ticket's first close sends the first that matches
//! (`answers`), and its contact answers in the portal or through a signed link (`link`).

pub mod answers;
pub mod link;

pub use answers::send_on_close;

use super::validate;
use crate::{
    domain::{Tenant, TenantId, surveys::SurveyInput},
    error::{Error, Result},
    repo::{
        self,
        configuration::Table,
        surveys::{SurveyFields, SurveyRow},
    },
    state::AppState,
};

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<SurveyRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::surveys::list(&mut conn, tenant.id).await?)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<SurveyRow> {
    let mut conn = state.pool.acquire().await?;
    repo::surveys::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("survey"))
}

/// Creates (`id` none) or replaces a survey. What was sent keeps the question as it was.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: SurveyInput,
) -> Result<SurveyRow> {
    let name = validate::required_text("name", &input.name, 200)?;
    let question = validate::required_text("question", &input.question, 1000)?;
    if input.position < 0 {
        return Err(Error::validation("position", "position is 0 or more"));
    }
    let mut tx = state.pool.begin().await?;
    check_references(&mut tx, tenant.id, &input).await?;
    let id = match id {
        Some(id) => {
            repo::surveys::get(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("survey"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "survey").await?,
    };
    let fields = SurveyFields {
        name: &name,
        question: &question,
        kind: input.kind,
        ask_comment: input.ask_comment,
        position: input.position,
        enabled: input.enabled,
        queue_ids: &input.queue_ids,
        request_type_ids: &input.request_type_ids,
    };
    let row = repo::surveys::save(&mut tx, tenant.id, id, &fields).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    if !repo::surveys::delete(&mut tx, tenant.id, id).await? {
        return Err(Error::not_found("survey"));
    }
    tx.commit().await?;
    Ok(())
}

/// Every queue and request type named is this tenant's.
async fn check_references(
    conn: &mut sqlx::PgConnection,
    tenant: TenantId,
    s: &SurveyInput,
) -> Result<()> {
    for (field, table, ids) in [
        ("queueIds", Table::Queues, &s.queue_ids),
        ("requestTypeIds", Table::RequestTypes, &s.request_type_ids),
    ] {
        if ids.len() > 200 {
            return Err(Error::validation(field, "at most 200"));
        }
        for id in ids {
            if !repo::configuration::is_live(conn, table, tenant, *id).await? {
                return Err(Error::validation(field, format!("no such item: {id}")));
            }
        }
    }
    Ok(())
}
