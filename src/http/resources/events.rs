//! The change feed: a tenant's domain events in commit order, paged by cursor.

use axum::{Json, extract::State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    error::Result,
    http::extract::ApiQuery,
    repo::events::EventRow,
    service::events::{self, cursor_of, parse_cursor},
    state::AppState,
};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `cursor` of the previous page (or of the last event handled); absent for the start.
    #[param(pattern = r"^\s*(\d{1,18}-\d{1,18})?\s*$")]
    pub after: Option<String>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventEntity {
    /// `ticket`, `contact` or `company`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    pub id: String,
    /// `ticket.created`, `ticket.updated`, `ticket.status_changed`, `ticket.assigned`,
    /// `ticket.unassigned`, `ticket.closed`, `ticket.reopened`, `ticket.note_added`,
    /// `ticket.approval_requested`, `ticket.approval_granted`, `ticket.approval_declined`,
    /// `ticket.merged`, `ticket.archived`, `ticket.restored`, `contact.created`, `contact.updated`,
    /// `company.created`, `company.updated`.
    #[serde(rename = "type")]
    pub kind: String,
    pub entity: EventEntity,
    /// For tickets: `ticketId`, the `change` (`type`, `field`, `from`, `to`) and who made it (`by`);
    /// for contacts and companies: the entity as it now is.
    pub payload: Value,
    pub created_on: DateTime<Utc>,
    /// Resume after this event with `after=<cursor>`.
    pub cursor: String,
}

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        Self {
            cursor: cursor_of(&e),
            id: e.id.to_string(),
            kind: e.kind,
            entity: EventEntity {
                kind: e.entity_type,
                id: e.entity_id,
            },
            payload: e.payload.0,
            created_on: e.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub results: Vec<EventView>,
    /// Where the next page starts: the last event's cursor, or `after` again when there was none.
    pub cursor: String,
    /// True when no further event was ready; ask again later from `cursor`.
    pub end_reached: bool,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

/// The tenant's changes in commit order, so an integrator can sync without webhooks: keep the last
/// `cursor` and ask again from it. No event is skipped or repeated, even under concurrent writes: an
/// event appears once every transaction that began before it has ended.
#[utoipa::path(get, path = "/events", params(FeedQuery), responses((status = 200, body = EventPage)))]
pub async fn list_events(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> Result<Json<EventPage>> {
    let after = parse_cursor(query.after.as_deref())?;
    let (rows, more) =
        events::feed(&state, &caller.tenant, after, query.limit.unwrap_or(100)).await?;
    let cursor = rows
        .last()
        .map(cursor_of)
        .unwrap_or_else(|| format!("{}-{}", after.0, after.1));
    Ok(Json(EventPage {
        results: rows.into_iter().map(Into::into).collect(),
        cursor,
        end_reached: !more,
    }))
}
