//! Desk365's survey endpoints: every survey, one by name, and every rating (oldest first).

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::shape::{Desk365SurveyRating, cs_scale, date, survey_type};
use crate::{
    auth::extractors::AdminCaller,
    error::{Error, Result},
    http::extract::ApiQuery,
    repo::surveys::{ResponseFilter, SurveyRow},
    service::surveys::{self, answers},
    state::AppState,
};

/// Ratings come 100 a call.
const PAGE: i64 = 100;

/// A survey as Desk365 lists it.
#[derive(Serialize, ToSchema)]
pub struct Desk365Survey {
    pub survey_name: String,
    /// 1 customer satisfaction, 2 five-star, 3 net promoter score.
    pub survey_type: i32,
    pub question: String,
    pub cs_scale: Option<i32>,
    /// 2: bad to good (deskd's scales run from the lowest rating).
    pub cs_rating_order: Option<i32>,
    /// 2: "neither satisfied nor dissatisfied" counts as neutral.
    pub cs_neutral_type: Option<i32>,
    /// 8: sent when a ticket closes.
    pub notify_type: i32,
    pub additional_comments: bool,
    pub active: bool,
    pub created_on: String,
    pub updated_on: String,
}

impl From<SurveyRow> for Desk365Survey {
    fn from(s: SurveyRow) -> Self {
        let scale = cs_scale(s.kind);
        Self {
            survey_name: s.name,
            survey_type: survey_type(s.kind),
            question: s.question,
            cs_scale: scale,
            cs_rating_order: scale.map(|_| 2),
            cs_neutral_type: scale.map(|_| 2),
            notify_type: 8,
            additional_comments: s.ask_comment,
            active: s.enabled,
            created_on: date(s.created_at),
            updated_on: date(s.updated_at),
        }
    }
}

/// Every survey, oldest first.
#[utoipa::path(get, path = "/surveys", responses((status = 200, body = Vec<Desk365Survey>)))]
pub async fn surveys(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Vec<Desk365Survey>>> {
    let mut rows = surveys::list(&state, &caller.tenant).await?;
    rows.sort_by_key(|s| (s.created_at, s.id));
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyDetailsQuery {
    pub survey_name: Option<String>,
}

/// One survey by name (deleted surveys are not found).
#[utoipa::path(get, path = "/surveys/details", params(SurveyDetailsQuery), responses((status = 200, body = Desk365Survey)))]
pub async fn survey_details(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<SurveyDetailsQuery>,
) -> Result<Json<Desk365Survey>> {
    let name = q
        .survey_name
        .ok_or_else(|| Error::bad_request("survey_name", "survey_name is required"))?;
    let survey = surveys::list(&state, &caller.tenant)
        .await?
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(&name))
        .ok_or_else(|| Error::not_found("survey"))?;
    Ok(Json(survey.into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingsQuery {
    pub offset: Option<i64>,
}

/// A rating given on a ticket's survey.
#[derive(Serialize, ToSchema)]
pub struct Desk365Rating {
    pub ticket_number: i32,
    pub contact_name: String,
    #[serde(flatten)]
    pub survey: Desk365SurveyRating,
}

#[derive(Serialize, ToSchema)]
pub struct Desk365RatingList {
    pub count: i64,
    pub ratings: Vec<Desk365Rating>,
}

/// Every rating, oldest first, 100 at a time from `offset`.
#[utoipa::path(get, path = "/surveys/ratings", params(RatingsQuery), responses((status = 200, body = Desk365RatingList)))]
pub async fn survey_ratings(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<RatingsQuery>,
) -> Result<Json<Desk365RatingList>> {
    let skip = q.offset.unwrap_or(0);
    if skip < 0 {
        return Err(Error::bad_request("offset", "offset is ≥ 0"));
    }
    let filter = ResponseFilter {
        answered: Some(true),
        oldest_first: true,
        ..Default::default()
    };
    let (rows, count) = answers::list(&state, &caller.tenant, &filter, skip, PAGE).await?;
    let ratings = rows
        .iter()
        .map(|r| Desk365Rating {
            ticket_number: r.ticket_id,
            contact_name: r.contact_name.clone(),
            survey: Desk365SurveyRating::of(r),
        })
        .collect();
    Ok(Json(Desk365RatingList { count, ratings }))
}
