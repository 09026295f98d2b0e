//! Office hours: admins keep calendars (Admin API v3); anyone signed in asks whether theirs is open.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser},
    domain::office_hours::{CalendarInput, ExceptionDay, Holiday, WeeklyHours},
    error::Result,
    http::extract::{ApiJson, ApiPath},
    http::pagination::Page,
    repo::office_hours::CalendarRow,
    service::office_hours::{self, OpenState},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalendarView {
    pub id: i32,
    pub name: String,
    pub time_zone: String,
    pub week: Vec<WeeklyHours>,
    pub holidays: Vec<Holiday>,
    pub exceptions: Vec<ExceptionDay>,
    pub is_default: bool,
    pub company_ids: Vec<i32>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<CalendarRow> for CalendarView {
    fn from(c: CalendarRow) -> Self {
        let s = c.schedule.0;
        Self {
            id: c.id,
            name: c.name,
            time_zone: s.time_zone,
            week: s.week,
            holidays: s.holidays,
            exceptions: s.exceptions,
            is_default: c.is_default,
            company_ids: c.company_ids,
            created_on: c.created_at,
            modified_on: c.updated_at,
        }
    }
}

/// Whether a calendar is open now, and when that changes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenNowView {
    pub calendar_id: i32,
    pub name: String,
    pub time_zone: String,
    /// Now, in the calendar's time zone (RFC 3339 with its offset).
    pub local_time: Option<String>,
    pub is_open: bool,
    /// When it closes, while open (`null`: not within three years).
    pub closes_at: Option<DateTime<Utc>>,
    /// When it next opens, while closed (`null`: not within three years).
    pub opens_at: Option<DateTime<Utc>>,
}

impl From<OpenState> for OpenNowView {
    fn from(o: OpenState) -> Self {
        let zone = o.calendar.schedule.0.time_zone.clone();
        Self {
            calendar_id: o.calendar.id,
            name: o.calendar.name,
            local_time: office_hours::local_time(&zone, o.at),
            time_zone: zone,
            is_open: o.is_open,
            closes_at: o.changes_at.filter(|_| o.is_open),
            opens_at: o.changes_at.filter(|_| !o.is_open),
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calendars, create_calendar))
        .routes(routes!(get_calendar, replace_calendar, delete_calendar))
        .routes(routes!(calendar_now))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_office_hours_now))
}

/// Every office-hours calendar.
#[utoipa::path(get, path = "/office-hours", responses((status = 200, body = Page<CalendarView>)))]
pub async fn list_calendars(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<CalendarView>>> {
    let rows = office_hours::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Create a calendar: a time zone, weekly hours (several a day), holidays and exceptions.
#[utoipa::path(post, path = "/office-hours", request_body = CalendarInput, responses((status = 201, body = CalendarView)))]
pub async fn create_calendar(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<CalendarInput>,
) -> Result<(StatusCode, Json<CalendarView>)> {
    let row = office_hours::save(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/office-hours/{calendarId}", params(("calendarId" = i32, Path)), responses((status = 200, body = CalendarView)))]
pub async fn get_calendar(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CalendarView>> {
    Ok(Json(
        office_hours::get(&state, &caller.tenant, id).await?.into(),
    ))
}

/// Replace a calendar (its companies are the ones listed now).
#[utoipa::path(put, path = "/office-hours/{calendarId}", params(("calendarId" = i32, Path)), request_body = CalendarInput, responses((status = 200, body = CalendarView)))]
pub async fn replace_calendar(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<CalendarInput>,
) -> Result<Json<CalendarView>> {
    Ok(Json(
        office_hours::save(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

/// Delete a calendar no SLA policy counts on; its companies fall back to the default.
#[utoipa::path(delete, path = "/office-hours/{calendarId}", params(("calendarId" = i32, Path)), responses((status = 204)))]
pub async fn delete_calendar(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    office_hours::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a calendar is open now, and when it next closes or opens.
#[utoipa::path(get, path = "/office-hours/{calendarId}/now", params(("calendarId" = i32, Path)), responses((status = 200, body = OpenNowView)))]
pub async fn calendar_now(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<OpenNowView>> {
    Ok(Json(
        office_hours::now(&state, &caller.tenant, id).await?.into(),
    ))
}

/// Whether my service desk is open now (my company's calendar, else the default), and when it
/// next closes or opens: shown beside chat and phone. 404 when none is kept.
#[utoipa::path(get, path = "/office-hours/now", responses((status = 200, body = OpenNowView)))]
pub async fn my_office_hours_now(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<OpenNowView>> {
    Ok(Json(
        office_hours::now_for_company(&state, &user.tenant, user.company_id)
            .await?
            .into(),
    ))
}
