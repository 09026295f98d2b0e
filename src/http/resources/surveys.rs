//! Satisfaction surveys: definitions (Admin API v3), responses for staff (Admin and Tech), the
//! contact's own surveys in the portal, and the signed link that answers without signing in.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, CurrentTenant, PortalUser, Staff},
    domain::surveys::{PortalSurveyAnswer, SurveyAnswer, SurveyInput, SurveyKind},
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
    },
    repo::surveys::{ResponseFilter, ResponseRow, SurveyRow, TicketSurvey},
    service::surveys::{self, answers},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyView {
    pub id: i32,
    pub name: String,
    pub question: String,
    pub kind: SurveyKind,
    pub ask_comment: bool,
    pub position: i32,
    pub enabled: bool,
    pub queue_ids: Vec<i32>,
    pub request_type_ids: Vec<i32>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<SurveyRow> for SurveyView {
    fn from(s: SurveyRow) -> Self {
        Self {
            id: s.id,
            name: s.name,
            question: s.question,
            kind: s.kind,
            ask_comment: s.ask_comment,
            position: s.position,
            enabled: s.enabled,
            queue_ids: s.queue_ids,
            request_type_ids: s.request_type_ids,
            created_on: s.created_at,
            modified_on: s.updated_at,
        }
    }
}

/// A ticket's survey: the question as it was sent and, once given, the contact's answer. This is
/// the public shape of a survey response (Desk365's `/surveys` reads the same data).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyResponseView {
    pub ticket_id: i32,
    pub ticket_summary: String,
    /// `null` once the survey has been deleted.
    pub survey_id: Option<i32>,
    pub survey_name: String,
    pub kind: SurveyKind,
    pub question: String,
    pub ask_comment: bool,
    pub contact_id: i32,
    pub contact_name: String,
    pub company_id: i32,
    pub queue_id: i32,
    pub request_type_id: Option<i32>,
    /// The ticket's first assignee when it closed.
    pub member_id: Option<i32>,
    pub sent_on: DateTime<Utc>,
    /// Answers are taken (and may be changed) until then.
    pub answer_until: DateTime<Utc>,
    /// On the survey's scale: five_star 1–5, csat -1–1, nps 0–10, thumbs 0–1; `null` until
    /// answered.
    pub rating: Option<i16>,
    /// The rating on a 0–100 scale.
    pub score: Option<i16>,
    /// 4–5 stars, good, a promoter (9–10) or thumbs up.
    pub is_satisfied: Option<bool>,
    pub comment: Option<String>,
    pub answered_on: Option<DateTime<Utc>>,
}

impl From<ResponseRow> for SurveyResponseView {
    fn from(r: ResponseRow) -> Self {
        Self {
            ticket_id: r.ticket_id,
            ticket_summary: r.ticket_summary,
            survey_id: r.survey_id,
            survey_name: r.survey_name,
            kind: r.kind,
            question: r.question,
            ask_comment: r.ask_comment,
            contact_id: r.contact_id,
            contact_name: r.contact_name,
            company_id: r.company_id,
            queue_id: r.queue_id,
            request_type_id: r.request_type_id,
            member_id: r.member_id,
            sent_on: r.sent_at,
            answer_until: r.answer_until,
            rating: r.rating,
            score: r.score,
            is_satisfied: r.satisfied,
            comment: r.comment,
            answered_on: r.answered_at,
        }
    }
}

/// What a survey link shows before it is answered: no one's name or company.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyLinkView {
    pub ticket_id: i32,
    pub ticket_summary: String,
    pub kind: SurveyKind,
    pub question: String,
    pub ask_comment: bool,
    pub answer_until: DateTime<Utc>,
    pub rating: Option<i16>,
    pub comment: Option<String>,
    pub answered_on: Option<DateTime<Utc>>,
}

impl From<ResponseRow> for SurveyLinkView {
    fn from(r: ResponseRow) -> Self {
        Self {
            ticket_id: r.ticket_id,
            ticket_summary: r.ticket_summary,
            kind: r.kind,
            question: r.question,
            ask_comment: r.ask_comment,
            answer_until: r.answer_until,
            rating: r.rating,
            comment: r.comment,
            answered_on: r.answered_at,
        }
    }
}

/// The answer a ticket shows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketSurveyView {
    pub kind: SurveyKind,
    pub rating: i16,
    pub score: i16,
    pub is_satisfied: bool,
    pub comment: Option<String>,
    pub answered_on: DateTime<Utc>,
}

impl From<&TicketSurvey> for TicketSurveyView {
    fn from(s: &TicketSurvey) -> Self {
        Self {
            kind: s.kind,
            rating: s.rating,
            score: s.score,
            is_satisfied: s.satisfied,
            comment: s.comment.clone(),
            answered_on: s.answered_at,
        }
    }
}

/// Which responses to list; every filter is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ResponseQuery {
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
    /// Sent (with `answered=true`: answered) on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// … and before the end of this day (UTC).
    pub to: Option<NaiveDate>,
    /// Only answered (`true`) or unanswered (`false`) surveys.
    pub answered: Option<bool>,
    #[param(minimum = 1)]
    pub member_id: Option<i32>,
    #[param(minimum = 1)]
    pub company_id: Option<i32>,
    #[param(minimum = 1)]
    pub queue_id: Option<i32>,
    #[param(minimum = 1)]
    pub contact_id: Option<i32>,
    #[param(minimum = -1, maximum = 10)]
    pub rating: Option<i16>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct LinkPath {
    /// The token the survey mail's link carries.
    pub token: String,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_surveys, create_survey))
        .routes(routes!(get_survey, replace_survey, delete_survey))
}

/// Responses, for staff (Admin and Tech).
pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_survey_responses))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_surveys))
        .routes(routes!(answer_my_survey))
}

/// The signed link, which needs no sign-in (its token is the credential).
pub fn link_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_survey_link, answer_survey_link))
}

/// Every survey, in the order they are tried when a ticket closes.
#[utoipa::path(get, path = "/surveys", responses((status = 200, body = Page<SurveyView>)))]
pub async fn list_surveys(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<SurveyView>>> {
    let rows = surveys::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Create a survey: its question and scale, and which closing tickets it is sent for. A ticket is
/// sent at most one survey, at its first close.
#[utoipa::path(post, path = "/surveys", request_body = SurveyInput, responses((status = 201, body = SurveyView)))]
pub async fn create_survey(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<SurveyInput>,
) -> Result<(StatusCode, Json<SurveyView>)> {
    let row = surveys::save(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/surveys/{surveyId}", params(("surveyId" = i32, Path)), responses((status = 200, body = SurveyView)))]
pub async fn get_survey(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SurveyView>> {
    Ok(Json(surveys::get(&state, &caller.tenant, id).await?.into()))
}

/// Replace a survey; surveys already sent keep the question they were sent with.
#[utoipa::path(put, path = "/surveys/{surveyId}", params(("surveyId" = i32, Path)), request_body = SurveyInput, responses((status = 200, body = SurveyView)))]
pub async fn replace_survey(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<SurveyInput>,
) -> Result<Json<SurveyView>> {
    Ok(Json(
        surveys::save(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

/// Delete a survey; what was sent and answered stays.
#[utoipa::path(delete, path = "/surveys/{surveyId}", params(("surveyId" = i32, Path)), responses((status = 204)))]
pub async fn delete_survey(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    surveys::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Surveys sent and their answers, newest first, filtered by period, member, company, queue,
/// contact or rating.
#[utoipa::path(get, path = "/survey-responses", params(ResponseQuery), responses((status = 200, body = Page<SurveyResponseView>)))]
pub async fn list_survey_responses(
    State(state): State<AppState>,
    caller: Staff,
    ApiQuery(q): ApiQuery<ResponseQuery>,
) -> Result<Json<Page<SurveyResponseView>>> {
    let (skip, take) = window(q.skip, q.take)?;
    let day_start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let filter = ResponseFilter {
        from: q.from.and_then(day_start),
        to: q.to.and_then(|d| d.succ_opt()).and_then(day_start),
        answered: q.answered,
        contact_id: q.contact_id,
        member_id: q.member_id,
        company_id: q.company_id,
        queue_id: q.queue_id,
        rating: q.rating,
        oldest_first: false,
    };
    let (rows, total) = answers::list(&state, &caller.tenant, &filter, skip, take).await?;
    Ok(Json(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        skip,
    )))
}

fn window(skip: Option<i64>, take: Option<i64>) -> Result<(i64, i64)> {
    ListQuery {
        skip,
        take,
        search: None,
        include_archived: None,
    }
    .window()
}

/// The surveys I was sent, newest first, with my answers.
#[utoipa::path(get, path = "/surveys", params(ListQuery), responses((status = 200, body = Page<SurveyResponseView>)))]
pub async fn list_my_surveys(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<SurveyResponseView>>> {
    let (skip, take) = q.window()?;
    let (rows, total) =
        answers::list_mine(&state, &user.tenant, user.contact_id, skip, take).await?;
    Ok(Json(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        skip,
    )))
}

/// Answer (or, within its window, change the answer to) the survey of one of my tickets. A ticket
/// that has no survey of mine is a 422 naming `ticketId`; a closed window is a 410.
#[utoipa::path(post, path = "/surveys/answers", request_body = PortalSurveyAnswer, responses((status = 200, body = SurveyResponseView)))]
pub async fn answer_my_survey(
    State(state): State<AppState>,
    user: PortalUser,
    ApiJson(answer): ApiJson<PortalSurveyAnswer>,
) -> Result<Json<SurveyResponseView>> {
    let row = answers::answer_in_portal(&state, &user.tenant, user.contact_id, answer).await?;
    Ok(Json(row.into()))
}

/// What a survey link asks (reading it changes nothing). A token of another tenant is a 404; a
/// closed window a 410.
#[utoipa::path(get, path = "/surveys/{token}", params(LinkPath), responses((status = 200, body = SurveyLinkView)))]
pub async fn read_survey_link(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(path): ApiPath<LinkPath>,
) -> Result<Json<SurveyLinkView>> {
    check_token(&path.token)?;
    Ok(Json(
        answers::by_link(&state, &tenant, &path.token).await?.into(),
    ))
}

/// Answer through the link, without signing in; answering again within the window changes the
/// answer.
#[utoipa::path(post, path = "/surveys/{token}", params(LinkPath), request_body = SurveyAnswer, responses((status = 200, body = SurveyLinkView)))]
pub async fn answer_survey_link(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(path): ApiPath<LinkPath>,
    ApiJson(answer): ApiJson<SurveyAnswer>,
) -> Result<Json<SurveyLinkView>> {
    check_token(&path.token)?;
    let row = answers::answer_by_link(&state, &tenant, &path.token, answer).await?;
    Ok(Json(row.into()))
}

fn check_token(token: &str) -> Result<()> {
    if token.len() > 512 {
        return Err(Error::not_found("survey"));
    }
    Ok(())
}
