//! Service-level policies (Admin API v3), and the `sla` a ticket shows.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    domain::sla::{Clock, SlaConditions, SlaPolicyInput, SlaTargets},
    error::Result,
    http::extract::{ApiJson, ApiPath},
    http::pagination::Page,
    repo::sla::{PolicyRow, TicketSla},
    service::sla,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlaPolicyView {
    pub id: i32,
    pub name: String,
    pub position: i32,
    pub enabled: bool,
    pub conditions: SlaConditions,
    pub targets: Vec<SlaTargets>,
    pub business_hours: bool,
    pub calendar_id: Option<i32>,
    pub pause_status_ids: Vec<i32>,
    pub warn_before_minutes: i64,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<PolicyRow> for SlaPolicyView {
    fn from(p: PolicyRow) -> Self {
        Self {
            id: p.id,
            name: p.name,
            position: p.position,
            enabled: p.enabled,
            conditions: p.conditions.0,
            targets: p.targets.0,
            business_hours: p.business_hours,
            calendar_id: p.calendar_id,
            pause_status_ids: p.pause_status_ids,
            warn_before_minutes: i64::from(p.warn_before_secs) / 60,
            created_on: p.created_at,
            modified_on: p.updated_at,
        }
    }
}

/// A ticket's service level: its policy, and for each target when it is due, when it was met and
/// whether it is breached. A due time is `null` while the clocks are paused or the target is not
/// running (the next response runs from a contact's reply to staff's answer).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketSlaView {
    /// `null` when the policy has since been deleted.
    pub policy_id: Option<i32>,
    pub policy_name: String,
    /// Counted in office hours (`true`) or every hour.
    pub business_hours: bool,
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub first_response_met_at: Option<DateTime<Utc>>,
    pub first_response_breached: bool,
    pub next_response_due_at: Option<DateTime<Utc>>,
    pub next_response_met_at: Option<DateTime<Utc>>,
    pub next_response_breached: bool,
    pub resolution_due_at: Option<DateTime<Utc>>,
    pub resolution_met_at: Option<DateTime<Utc>>,
    pub resolution_breached: bool,
    pub is_paused: bool,
    /// Seconds the clocks stood still in pausing statuses, this pause included.
    pub paused_seconds: i64,
}

impl From<&TicketSla> for TicketSlaView {
    fn from(s: &TicketSla) -> Self {
        let now = Utc::now();
        let due = |c: &Option<Clock>| {
            c.as_ref()
                .filter(|c| c.is_running() || c.is_done() || c.is_breached(now))
                .and_then(|c| c.due_at)
        };
        let met = |c: &Option<Clock>| c.as_ref().and_then(|c| c.met_at);
        let breached = |c: &Option<Clock>| c.as_ref().is_some_and(|c| c.is_breached(now));
        let pausing = s
            .paused_since
            .map_or(0, |since| (now - since).num_seconds().max(0));
        Self {
            policy_id: s.policy_id,
            policy_name: s.policy_name.clone(),
            business_hours: s.business_hours,
            first_response_due_at: due(&s.first_response),
            first_response_met_at: met(&s.first_response),
            first_response_breached: breached(&s.first_response),
            next_response_due_at: due(&s.next_response),
            next_response_met_at: met(&s.next_response),
            next_response_breached: breached(&s.next_response),
            resolution_due_at: due(&s.resolution),
            resolution_met_at: met(&s.resolution),
            resolution_breached: breached(&s.resolution),
            is_paused: s.paused_since.is_some(),
            paused_seconds: s.paused_secs + pausing,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_sla_policies, create_sla_policy))
        .routes(routes!(
            get_sla_policy,
            replace_sla_policy,
            delete_sla_policy
        ))
}

/// Every SLA policy, in the order they are tried.
#[utoipa::path(get, path = "/sla-policies", responses((status = 200, body = Page<SlaPolicyView>)))]
pub async fn list_sla_policies(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<SlaPolicyView>>> {
    let rows = sla::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Create a policy: which tickets it covers, the targets per priority, how time counts, and the
/// statuses that pause the clocks. New tickets that match get its clocks.
#[utoipa::path(post, path = "/sla-policies", request_body = SlaPolicyInput, responses((status = 201, body = SlaPolicyView)))]
pub async fn create_sla_policy(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<SlaPolicyInput>,
) -> Result<(StatusCode, Json<SlaPolicyView>)> {
    let row = sla::save(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/sla-policies/{policyId}", params(("policyId" = i32, Path)), responses((status = 200, body = SlaPolicyView)))]
pub async fn get_sla_policy(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SlaPolicyView>> {
    Ok(Json(sla::get(&state, &caller.tenant, id).await?.into()))
}

/// Replace a policy. Tickets already measured keep their clocks until a change of their priority,
/// queue, request type or contact matches them again.
#[utoipa::path(put, path = "/sla-policies/{policyId}", params(("policyId" = i32, Path)), request_body = SlaPolicyInput, responses((status = 200, body = SlaPolicyView)))]
pub async fn replace_sla_policy(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<SlaPolicyInput>,
) -> Result<Json<SlaPolicyView>> {
    Ok(Json(
        sla::save(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

/// Delete a policy; tickets keep their clocks under its name.
#[utoipa::path(delete, path = "/sla-policies/{policyId}", params(("policyId" = i32, Path)), responses((status = 204)))]
pub async fn delete_sla_policy(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    sla::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
