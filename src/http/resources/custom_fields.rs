//! Custom ticket field definitions: Admin API, and the read-only list for the portals.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::queues::{ArchivedQuery, whole};
use crate::{
    auth::extractors::{AdminCaller, SignedIn},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
    },
    repo::service_config::{CustomField, FieldType},
    service::configuration::{self, CustomFieldInput, CustomFieldPatch},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldView {
    pub id: i32,
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    pub choices: Vec<String>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub max_length: Option<i32>,
    pub order: i32,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<CustomField> for CustomFieldView {
    fn from(f: CustomField) -> Self {
        Self {
            id: f.id,
            key: f.key,
            label: f.label,
            field_type: f.field_type,
            required: f.required,
            choices: f.choices,
            min_value: f.min_value,
            max_value: f.max_value,
            max_length: f.max_length,
            order: f.sort_order,
            is_archived: f.archived_at.is_some(),
            created_on: f.created_at,
            modified_on: f.updated_at,
            archived_on: f.archived_at,
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_custom_fields, create_custom_field))
        .routes(routes!(
            get_custom_field,
            replace_custom_field,
            update_custom_field,
            archive_custom_field
        ))
        .routes(routes!(restore_custom_field))
}

pub fn read_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_custom_fields))
}

/// List custom ticket fields.
#[utoipa::path(get, path = "/custom-fields", params(ArchivedQuery), responses((status = 200, body = Page<CustomFieldView>)))]
pub async fn list_custom_fields(
    State(state): State<AppState>,
    caller: SignedIn,
    ApiQuery(query): ApiQuery<ArchivedQuery>,
) -> Result<Json<Page<CustomFieldView>>> {
    let fields = configuration::list_custom_fields(&state, &caller.tenant, query.include()).await?;
    Ok(Json(whole(fields.into_iter().map(Into::into).collect())))
}

/// Define a custom ticket field: text, number, date, boolean, single or multiple choice.
#[utoipa::path(post, path = "/custom-fields", request_body = CustomFieldInput, responses((status = 201, body = CustomFieldView)))]
pub async fn create_custom_field(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<CustomFieldInput>,
) -> Result<(StatusCode, Json<CustomFieldView>)> {
    let field = configuration::create_custom_field(&state, &caller.tenant, input).await?;
    Ok((StatusCode::CREATED, Json(field.into())))
}

/// Get a custom field definition.
#[utoipa::path(get, path = "/custom-fields/{fieldId}", params(("fieldId" = i32, Path)), responses((status = 200, body = CustomFieldView)))]
pub async fn get_custom_field(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CustomFieldView>> {
    Ok(Json(
        configuration::get_custom_field(&state, &caller.tenant, id)
            .await?
            .into(),
    ))
}

/// Replace a custom field's rules; `key` and `type` must stay as they are.
#[utoipa::path(put, path = "/custom-fields/{fieldId}", params(("fieldId" = i32, Path)), request_body = CustomFieldInput, responses((status = 200, body = CustomFieldView)))]
pub async fn replace_custom_field(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<CustomFieldInput>,
) -> Result<Json<CustomFieldView>> {
    Ok(Json(
        configuration::replace_custom_field(&state, &caller.tenant, id, input)
            .await?
            .into(),
    ))
}

/// Update a custom field's rules with a JSON merge patch.
#[utoipa::path(patch, path = "/custom-fields/{fieldId}", params(("fieldId" = i32, Path)), request_body = CustomFieldPatch, responses((status = 200, body = CustomFieldView)))]
pub async fn update_custom_field(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(patch): ApiJson<CustomFieldPatch>,
) -> Result<Json<CustomFieldView>> {
    Ok(Json(
        configuration::patch_custom_field(&state, &caller.tenant, id, patch)
            .await?
            .into(),
    ))
}

/// Archive a custom field: it is no longer asked for.
#[utoipa::path(delete, path = "/custom-fields/{fieldId}", params(("fieldId" = i32, Path)), responses((status = 200, body = CustomFieldView)))]
pub async fn archive_custom_field(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CustomFieldView>> {
    Ok(Json(
        configuration::set_custom_field_archived(&state, &caller.tenant, id, true)
            .await?
            .into(),
    ))
}

/// Restore an archived custom field.
#[utoipa::path(post, path = "/custom-fields/{fieldId}/restore", params(("fieldId" = i32, Path)), responses((status = 200, body = CustomFieldView)))]
pub async fn restore_custom_field(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CustomFieldView>> {
    Ok(Json(
        configuration::set_custom_field_archived(&state, &caller.tenant, id, false)
            .await?
            .into(),
    ))
}
