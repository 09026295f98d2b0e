//! The connector's forms: the published forms and a question's choices as pickers, a result (v1:
//! each answer as text in `fields`; v2: typed `answers`), and the schemas of both, generated from
//! the form's published version.

use axum::{Json, extract::State};
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{email_templates::WindowQuery, lists::DynamicList};
use crate::{
    auth::extractors::ConnectorCaller,
    domain::{Reference, TextReference},
    error::{Error, Result},
    http::{
        extract::{ApiPath, ApiQuery},
        pagination::ListQuery,
    },
    repo::forms::ResultRow,
    service::forms::{self, choices, render, results},
    state::AppState,
};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_forms))
        .routes(routes!(list_form_field_choices))
        .routes(routes!(get_form_result))
        .routes(routes!(get_form_result_v2))
        .routes(routes!(form_result_schema))
        .routes(routes!(form_result_schema_v2))
}

/// Published forms.
#[utoipa::path(get, path = "/forms", operation_id = "ListForms", params(WindowQuery), responses((status = 200, body = DynamicList<Reference>)))]
pub async fn list_forms(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<WindowQuery>,
) -> Result<Json<DynamicList<Reference>>> {
    let (skip, take) = ListQuery {
        skip: query.skip,
        take: query.take,
        ..Default::default()
    }
    .window()?;
    let rows = forms::list(&state, &caller.tenant, false, true).await?;
    Ok(Json(DynamicList {
        total_results: rows.len() as i64,
        results: rows
            .into_iter()
            .skip(skip as usize)
            .take(take as usize)
            .map(|f| Reference {
                id: f.id,
                name: f.name,
            })
            .collect(),
    }))
}

/// A question's choices (`fieldId` is its identifier): its own, or those its URL loads.
#[utoipa::path(get, path = "/forms/{formId}/fields/{fieldId}/choices", operation_id = "ListFormFiledChoices", params(("formId" = i32, Path), ("fieldId" = String, Path)), responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_form_field_choices(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath((form, field)): ApiPath<(i32, String)>,
) -> Result<Json<DynamicList<TextReference>>> {
    let (_, definition) = forms::published(&forms::get(&state, &caller.tenant, form).await?)?;
    let question = definition
        .question(&field)
        .filter(|q| q.kind.has_static_choices() || q.kind.has_dynamic_choices())
        .ok_or_else(|| Error::not_found("form field with choices"))?;
    let loaded = choices::load(&state, &caller.tenant, question, "")
        .await
        .map_err(|why| Error::validation("fieldId", why))?;
    Ok(DynamicList::whole(
        loaded
            .iter()
            .map(|c| TextReference::new(&c.identifier, c.name.clone()))
            .collect(),
    ))
}

fn envelope(r: &ResultRow) -> Value {
    json!({
        "id": r.id, "formId": r.form_id, "formName": r.form_name, "version": r.version,
        "submittedOn": r.submitted_at, "ticketId": r.ticket_id,
        "contact": r.contact_id.map(|id| json!({
            "id": id, "name": r.contact_name, "email": r.contact_email,
        })),
    })
}

/// A form result with each answer as text (entries of a list joined with `; `).
#[utoipa::path(get, path = "/forms/{formId}/results/{resultId}", operation_id = "GetFormResult", params(("formId" = i32, Path), ("resultId" = i64, Path)), responses((status = 200, body = Object)))]
pub async fn get_form_result(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath((form, id)): ApiPath<(i32, i64)>,
) -> Result<Json<Value>> {
    let row = results::get(&state, &caller.tenant, form, id).await?;
    let mut body = envelope(&row);
    body["fields"] = row.display;
    Ok(Json(body))
}

/// A form result with typed answers.
#[utoipa::path(get, path = "/v2/forms/{formId}/results/{resultId}", operation_id = "GetFormResult_V2", params(("formId" = i32, Path), ("resultId" = i64, Path)), responses((status = 200, body = Object)))]
pub async fn get_form_result_v2(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath((form, id)): ApiPath<(i32, i64)>,
) -> Result<Json<Value>> {
    let row = results::get(&state, &caller.tenant, form, id).await?;
    let mut body = envelope(&row);
    body["answers"] = row.answers;
    Ok(Json(body))
}

/// What "Get a form result" answers for this form (its published version's questions).
#[utoipa::path(get, path = "/schema/form/{formId}/$result-response", operation_id = "GetFormResultSchema", params(("formId" = i32, Path)), responses((status = 200, body = Object)))]
pub async fn form_result_schema(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(form): ApiPath<i32>,
) -> Result<Json<Value>> {
    let (_, definition) = forms::published(&forms::get(&state, &caller.tenant, form).await?)?;
    Ok(Json(render::text_result_schema(&definition)))
}

/// What "Get a form result V2" answers for this form.
#[utoipa::path(get, path = "/schema/v2/form/{formId}/$result-response", operation_id = "GetFormResultSchemaV2", params(("formId" = i32, Path)), responses((status = 200, body = Object)))]
pub async fn form_result_schema_v2(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(form): ApiPath<i32>,
) -> Result<Json<Value>> {
    let (_, definition) = forms::published(&forms::get(&state, &caller.tenant, form).await?)?;
    Ok(Json(render::result_schema(&definition)))
}
