//! Forms: definitions and publishing (Admin API v3), results for staff (Admin and Tech), and the
//! portal's side — the published forms a contact may fill, their choices, and submitting.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser, Staff},
    domain::forms::{Choice, FormAnswers, FormDefinition, FormInput, Section},
    error::{Error, Result},
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ArchivedQuery, ListQuery, Page},
    },
    repo::forms::{FormRow, ResultFilter, ResultRow},
    service::forms::{self, choices, render, results},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FormView {
    pub id: i32,
    pub name: String,
    pub standalone: bool,
    /// The version contacts fill in; `null` until the form is first published.
    pub published_version: Option<i32>,
    /// The draft differs from the published version.
    pub has_unpublished_changes: bool,
    /// The definition being edited.
    pub draft: FormDefinition,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl TryFrom<FormRow> for FormView {
    type Error = Error;
    fn try_from(f: FormRow) -> Result<Self> {
        Ok(Self {
            id: f.id,
            has_unpublished_changes: f.published.as_ref() != Some(&f.draft),
            draft: forms::parse(&f.draft)?,
            name: f.name,
            standalone: f.standalone,
            published_version: f.published_version,
            is_archived: f.archived_at.is_some(),
            created_on: f.created_at,
            modified_on: f.updated_at,
        })
    }
}

/// A published version, as the portal shows it to be filled in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishedFormView {
    pub id: i32,
    pub version: i32,
    pub name: String,
    pub description: String,
    pub standalone: bool,
    pub sections: Vec<Section>,
}

impl PublishedFormView {
    /// `choicesUrl` is left out: it may carry the tenant's key; contacts load choices through
    /// `…/questions/{identifier}/choices`.
    fn new(form: &FormRow, version: i32, mut definition: FormDefinition) -> Self {
        for section in &mut definition.sections {
            for question in &mut section.questions {
                question.choices_url = None;
            }
        }
        Self {
            id: form.id,
            version,
            name: definition.name,
            description: definition.description,
            standalone: form.standalone,
            sections: definition.sections,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultContact {
    pub id: i32,
    pub name: String,
    pub email: String,
}

/// A submitted form: typed `answers` and the same answers as text (`fields`), by question
/// identifier; hidden and unanswered questions are absent.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FormResultView {
    pub id: i64,
    pub form_id: i32,
    pub form_name: String,
    pub version: i32,
    pub submitted_on: DateTime<Utc>,
    pub ticket_id: Option<i32>,
    /// The contact who filled it in; `null` when staff did.
    pub contact: Option<ResultContact>,
    #[schema(value_type = Object)]
    pub answers: Value,
    #[schema(value_type = Object)]
    pub fields: Value,
}

impl From<ResultRow> for FormResultView {
    fn from(r: ResultRow) -> Self {
        Self {
            id: r.id,
            form_id: r.form_id,
            form_name: r.form_name,
            version: r.version,
            submitted_on: r.submitted_at,
            ticket_id: r.ticket_id,
            contact: r.contact_id.map(|id| ResultContact {
                id,
                name: r.contact_name.unwrap_or_default(),
                email: r.contact_email.unwrap_or_default(),
            }),
            answers: r.answers,
            fields: r.display,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoicesView {
    pub results: Vec<Choice>,
    pub total_results: i64,
    /// Why dynamic choices could not be loaded (the question may then be skipped unless required).
    pub error: Option<String>,
}

/// Which results to list; every filter is optional.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ResultQuery {
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
    /// Submitted on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// … and before the end of this day (UTC).
    pub to: Option<NaiveDate>,
    #[param(minimum = 1)]
    pub ticket_id: Option<i32>,
    #[param(minimum = 1)]
    pub contact_id: Option<i32>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TermQuery {
    /// Only choices whose name or identifier contains this (case-insensitive).
    #[param(max_length = 100)]
    pub term: Option<String>,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_forms, create_form))
        .routes(routes!(get_form, replace_form, archive_form))
        .routes(routes!(restore_form))
        .routes(routes!(publish_form))
        .routes(routes!(get_form_version))
        .routes(routes!(get_form_version_schema))
}

/// Results, for staff (Admin and Tech).
pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_form_results))
        .routes(routes!(get_form_result))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_portal_forms))
        .routes(routes!(get_portal_form))
        .routes(routes!(list_question_choices))
        .routes(routes!(submit_form))
        .routes(routes!(get_my_form_result))
}

fn views(rows: Vec<FormRow>) -> Result<Vec<FormView>> {
    rows.into_iter().map(FormView::try_from).collect()
}

/// Every form, with its draft and which version is published.
#[utoipa::path(get, path = "/forms", params(ArchivedQuery), responses((status = 200, body = Page<FormView>)))]
pub async fn list_forms(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<FormView>>> {
    let rows = forms::list(&state, &caller.tenant, q.include(), false).await?;
    Ok(Json(Page::whole(views(rows)?)))
}

/// Create a form as a draft: sections of questions of DeskDirector's types, with validation,
/// defaults and conditions. Publish it to let people fill it in.
#[utoipa::path(post, path = "/forms", request_body = FormInput, responses((status = 201, body = FormView)))]
pub async fn create_form(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<FormInput>,
) -> Result<(StatusCode, Json<FormView>)> {
    let row = forms::save(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.try_into()?)))
}

#[utoipa::path(get, path = "/forms/{formId}", params(("formId" = i32, Path)), responses((status = 200, body = FormView)))]
pub async fn get_form(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<FormView>> {
    Ok(Json(
        forms::get(&state, &caller.tenant, id).await?.try_into()?,
    ))
}

/// Replace the draft; the published version (and every result) stays as it was until the next
/// publish.
#[utoipa::path(put, path = "/forms/{formId}", params(("formId" = i32, Path)), request_body = FormInput, responses((status = 200, body = FormView)))]
pub async fn replace_form(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<FormInput>,
) -> Result<Json<FormView>> {
    let row = forms::save(&state, &caller.tenant, Some(id), input).await?;
    Ok(Json(row.try_into()?))
}

/// Archive a form: no one can fill it in; its results stay. Refused (409) while a request type
/// carries it.
#[utoipa::path(delete, path = "/forms/{formId}", params(("formId" = i32, Path)), responses((status = 200, body = FormView)))]
pub async fn archive_form(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<FormView>> {
    let row = forms::set_archived(&state, &caller.tenant, id, true).await?;
    Ok(Json(row.try_into()?))
}

#[utoipa::path(post, path = "/forms/{formId}/restore", params(("formId" = i32, Path)), responses((status = 200, body = FormView)))]
pub async fn restore_form(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<FormView>> {
    let row = forms::set_archived(&state, &caller.tenant, id, false).await?;
    Ok(Json(row.try_into()?))
}

/// Publish the draft as the next version (201); when it equals the published version nothing is
/// made (200).
#[utoipa::path(post, path = "/forms/{formId}/publish", params(("formId" = i32, Path)), responses((status = 201, body = FormView), (status = 200, body = FormView)))]
pub async fn publish_form(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<(StatusCode, Json<FormView>)> {
    let (row, made) = forms::publish(&state, &caller.tenant, id).await?;
    let status = if made {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(row.try_into()?)))
}

/// One published version, as it was published.
#[utoipa::path(get, path = "/forms/{formId}/versions/{version}", params(("formId" = i32, Path), ("version" = i32, Path)), responses((status = 200, body = FormDefinition)))]
pub async fn get_form_version(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((id, version)): ApiPath<(i32, i32)>,
) -> Result<Json<FormDefinition>> {
    Ok(Json(
        forms::version(&state, &caller.tenant, id, version).await?,
    ))
}

/// The JSON Schema of a result of this version (typed `answers`), generated from its questions.
#[utoipa::path(get, path = "/forms/{formId}/versions/{version}/schema", params(("formId" = i32, Path), ("version" = i32, Path)), responses((status = 200, body = Object)))]
pub async fn get_form_version_schema(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((id, version)): ApiPath<(i32, i32)>,
) -> Result<Json<Value>> {
    let definition = forms::version(&state, &caller.tenant, id, version).await?;
    Ok(Json(render::result_schema(&definition)))
}

/// A form's results, newest first, filtered by period, ticket or contact.
#[utoipa::path(get, path = "/forms/{formId}/results", params(("formId" = i32, Path), ResultQuery), responses((status = 200, body = Page<FormResultView>)))]
pub async fn list_form_results(
    State(state): State<AppState>,
    caller: Staff,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(q): ApiQuery<ResultQuery>,
) -> Result<Json<Page<FormResultView>>> {
    let (skip, take) = ListQuery {
        skip: q.skip,
        take: q.take,
        search: None,
        include_archived: None,
    }
    .window()?;
    let day_start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let filter = ResultFilter {
        from: q.from.and_then(day_start),
        to: q.to.and_then(|d| d.succ_opt()).and_then(day_start),
        ticket_id: q.ticket_id,
        contact_id: q.contact_id,
    };
    let (rows, total) = results::list(&state, &caller.tenant, id, &filter, skip, take).await?;
    Ok(Json(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        skip,
    )))
}

#[utoipa::path(get, path = "/forms/{formId}/results/{resultId}", params(("formId" = i32, Path), ("resultId" = i64, Path)), responses((status = 200, body = FormResultView)))]
pub async fn get_form_result(
    State(state): State<AppState>,
    caller: Staff,
    ApiPath((form, id)): ApiPath<(i32, i64)>,
) -> Result<Json<FormResultView>> {
    Ok(Json(
        results::get(&state, &caller.tenant, form, id).await?.into(),
    ))
}

/// The forms I may fill in on their own (published, stand-alone).
#[utoipa::path(get, path = "/forms", responses((status = 200, body = Page<PublishedFormView>)))]
pub async fn list_portal_forms(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<Page<PublishedFormView>>> {
    let rows = forms::list(&state, &user.tenant, false, true).await?;
    let mut views = Vec::new();
    for form in rows.iter().filter(|f| f.standalone) {
        let (version, definition) = forms::published(form)?;
        views.push(PublishedFormView::new(form, version, definition));
    }
    Ok(Json(Page::whole(views)))
}

/// A published form to fill in: stand-alone ones, and those a request type carries.
#[utoipa::path(get, path = "/forms/{formId}", params(("formId" = i32, Path)), responses((status = 200, body = PublishedFormView)))]
pub async fn get_portal_form(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<PublishedFormView>> {
    let (form, version, definition) = forms::for_contact(&state, &user.tenant, id).await?;
    Ok(Json(PublishedFormView::new(&form, version, definition)))
}

/// A question's choices: its own, or those loaded from its URL (for dynamic ones), filtered by
/// `term`. When the URL fails, `error` says why and the list is empty.
#[utoipa::path(get, path = "/forms/{formId}/questions/{identifier}/choices", params(("formId" = i32, Path), ("identifier" = String, Path), TermQuery), responses((status = 200, body = ChoicesView)))]
pub async fn list_question_choices(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath((id, identifier)): ApiPath<(i32, String)>,
    ApiQuery(q): ApiQuery<TermQuery>,
) -> Result<Json<ChoicesView>> {
    let (_, _, definition) = forms::for_contact(&state, &user.tenant, id).await?;
    let question = definition
        .question(&identifier)
        .filter(|q| q.kind.has_static_choices() || q.kind.has_dynamic_choices())
        .ok_or_else(|| Error::not_found("question with choices"))?;
    let term = q.term.unwrap_or_default();
    Ok(Json(
        match choices::load(&state, &user.tenant, question, &term).await {
            Ok(list) => ChoicesView {
                total_results: list.len() as i64,
                results: list.to_vec(),
                error: None,
            },
            Err(why) => ChoicesView {
                results: vec![],
                total_results: 0,
                error: Some(why),
            },
        },
    ))
}

/// Fill in a stand-alone form. Answers are checked against the published version: each as its
/// question's type, required visible questions answered, hidden ones left out (422 naming
/// `answers.{identifier}` otherwise).
#[utoipa::path(post, path = "/forms/{formId}/results", params(("formId" = i32, Path)), request_body = FormAnswers, responses((status = 201, body = FormResultView)))]
pub async fn submit_form(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<FormAnswers>,
) -> Result<(StatusCode, Json<FormResultView>)> {
    let submitter =
        results::Submitter::contact(&state, &user.tenant, user.contact_id, user.company_id).await?;
    let row = results::submit(&state, &user.tenant, id, &input.answers, &submitter).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One of my own results.
#[utoipa::path(get, path = "/forms/{formId}/results/{resultId}", params(("formId" = i32, Path), ("resultId" = i64, Path)), responses((status = 200, body = FormResultView)))]
pub async fn get_my_form_result(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath((form, id)): ApiPath<(i32, i64)>,
) -> Result<Json<FormResultView>> {
    let row = results::get(&state, &user.tenant, form, id).await?;
    if row.contact_id != Some(user.contact_id) {
        return Err(Error::not_found("form result"));
    }
    Ok(Json(row.into()))
}
