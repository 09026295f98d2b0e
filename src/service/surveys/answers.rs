//! Sending a ticket's survey when it first closes, and the contact's answer: given in the portal
//! or through the signed link, changeable until the survey's window closes.

use serde_json::json;
use sqlx::PgConnection;

use super::link;
use crate::{
    domain::{
        Tenant, TenantId, full_name,
        surveys::{PortalSurveyAnswer, SurveyAnswer},
    },
    error::{Error, Result},
    repo::{
        self,
        surveys::{ResponseFilter, ResponseRow, SentSurvey},
    },
    service::tickets::{Actor, history},
    state::AppState,
};

/// How long a contact may answer (and change the answer) after the survey is sent.
pub const ANSWER_WINDOW_SECS: i64 = 7 * 24 * 3600;

const MAX_COMMENT: usize = 4000;

/// Sends the first matching survey when the ticket has never had one; in the close's transaction.
pub async fn send_on_close(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Option<SentSurvey>> {
    Ok(repo::surveys::send(conn, tenant, ticket, ANSWER_WINDOW_SECS).await?)
}

/// The survey of one of the contact's tickets.
pub async fn mine(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    ticket: i32,
) -> Result<ResponseRow> {
    let mut conn = state.pool.acquire().await?;
    repo::surveys::response(&mut conn, tenant.id, ticket, false)
        .await?
        .filter(|r| r.contact_id == contact)
        .ok_or_else(|| Error::not_found("survey"))
}

/// The surveys sent to the contact, newest first.
pub async fn list_mine(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    skip: i64,
    take: i64,
) -> Result<(Vec<ResponseRow>, i64)> {
    let filter = ResponseFilter {
        contact_id: Some(contact),
        ..Default::default()
    };
    list(state, tenant, &filter, skip, take).await
}

/// Responses for staff, newest first (a range that ends before it starts holds none).
pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    filter: &ResponseFilter,
    skip: i64,
    take: i64,
) -> Result<(Vec<ResponseRow>, i64)> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::surveys::responses(&mut conn, tenant.id, filter, skip, take).await?)
}

/// What the signed link shows; 404 for a token not of this tenant, 410 once its window closed.
pub async fn by_link(state: &AppState, tenant: &Tenant, token: &str) -> Result<ResponseRow> {
    let ticket = link::ticket_of(state, tenant, token)?;
    let mut conn = state.pool.acquire().await?;
    let row = repo::surveys::response(&mut conn, tenant.id, ticket, false)
        .await?
        .ok_or_else(|| Error::not_found("survey"))?;
    open(&row)?;
    Ok(row)
}

/// The contact answers through the signed link.
pub async fn answer_by_link(
    state: &AppState,
    tenant: &Tenant,
    token: &str,
    answer: SurveyAnswer,
) -> Result<ResponseRow> {
    let ticket = link::ticket_of(state, tenant, token)?;
    answer_for(state, tenant, ticket, None, answer, "rating").await
}

/// The signed-in contact answers the survey of one of their tickets.
pub async fn answer_in_portal(
    state: &AppState,
    tenant: &Tenant,
    contact: i32,
    answer: PortalSurveyAnswer,
) -> Result<ResponseRow> {
    let PortalSurveyAnswer {
        ticket_id,
        rating,
        comment,
    } = answer;
    let answer = SurveyAnswer { rating, comment };
    answer_for(state, tenant, ticket_id, Some(contact), answer, "ticketId").await
}

async fn answer_for(
    state: &AppState,
    tenant: &Tenant,
    ticket: i32,
    contact: Option<i32>,
    answer: SurveyAnswer,
    missing_field: &str,
) -> Result<ResponseRow> {
    let mut tx = state.pool.begin().await?;
    let row = repo::surveys::response(&mut tx, tenant.id, ticket, true)
        .await?
        .filter(|r| contact.is_none_or(|c| c == r.contact_id));
    let Some(row) = row else {
        // The link's ticket lost its survey (deleted ticket): as if there were none.
        if contact.is_none() {
            return Err(Error::not_found("survey"));
        }
        return Err(Error::validation(
            missing_field,
            format!("ticket {ticket} has no survey of yours to answer"),
        ));
    };
    open(&row)?;
    let kind = row.kind;
    let (low, high) = kind.range();
    if !(low..=high).contains(&answer.rating) {
        return Err(Error::validation(
            "rating",
            format!("a {} rating is between {low} and {high}", kind.as_str()),
        ));
    }
    let comment = match answer.comment.as_deref().map(str::trim) {
        Some(c) if c.chars().count() > MAX_COMMENT => {
            return Err(Error::validation(
                "comment",
                format!("at most {MAX_COMMENT} characters"),
            ));
        }
        Some(c) if !c.is_empty() && row.ask_comment => Some(c.to_string()),
        _ => None,
    };
    let score = kind.score(answer.rating);
    let satisfied = kind.is_satisfied(answer.rating);
    repo::surveys::answer(
        &mut tx,
        tenant.id,
        ticket,
        answer.rating,
        score,
        satisfied,
        comment.as_deref(),
    )
    .await?;
    let contact = repo::contacts::get(&mut *tx, tenant.id, row.contact_id).await?;
    let actor = Actor {
        kind: "contact",
        id: row.contact_id.to_string(),
        name: contact
            .map(|c| full_name(&c.first_name, &c.last_name))
            .unwrap_or_default(),
    };
    let told = json!({
        "surveyId": row.survey_id, "kind": row.kind, "rating": answer.rating, "score": score,
        "isSatisfied": satisfied, "comment": comment, "isChange": row.answered_at.is_some(),
    });
    history::record_survey_answer(&mut tx, tenant.id, ticket, &actor, told).await?;
    let row = repo::surveys::response(&mut tx, tenant.id, ticket, false)
        .await?
        .ok_or_else(|| Error::not_found("survey"))?;
    tx.commit().await?;
    Ok(row)
}

/// A survey takes answers until its window closes (410 after).
fn open(row: &ResponseRow) -> Result<()> {
    if chrono::Utc::now() > row.answer_until {
        return Err(Error::gone(
            "this survey closed; answers were taken for 7 days after it was sent",
        ));
    }
    Ok(())
}
