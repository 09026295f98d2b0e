//! The connector's email templates: the tenant's templates as a picker, the variables each takes
//! (the designer's body schema), and "Create an email from template", which renders one.

use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::lists::DynamicList;
use crate::{
    auth::extractors::ConnectorCaller,
    domain::TextReference,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::ListQuery,
        resources::email::RenderedEmail,
    },
    service::{
        email,
        email::templates::{self, KINDS},
    },
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

/// `ticket_created` → `Ticket created`.
fn title(kind: &str) -> String {
    let words = kind.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The tenant's email templates, by kind.
#[utoipa::path(get, path = "/email-templates", operation_id = "ListEmailTemplates", params(WindowQuery), responses((status = 200, body = DynamicList<TextReference>)))]
pub async fn list_email_templates(
    _caller: ConnectorCaller,
    ApiQuery(query): ApiQuery<WindowQuery>,
) -> Result<Json<DynamicList<TextReference>>> {
    let (skip, take) = ListQuery {
        skip: query.skip,
        take: query.take,
        ..Default::default()
    }
    .window()?;
    Ok(Json(DynamicList {
        results: KINDS
            .iter()
            .skip(skip as usize)
            .take(take as usize)
            .map(|k| TextReference::new(k.name, title(k.name)))
            .collect(),
        total_results: KINDS.len() as i64,
    }))
}

/// The body "Create an email from template" takes for this template: `ticketId` (fills the
/// ticket's variables) and the template's variables.
#[utoipa::path(get, path = "/schema/email-templates/{emailTemplateId}/$render-request", operation_id = "GetEmailTemplateProperties", params(("emailTemplateId" = String, Path)), responses((status = 200, body = Object)))]
pub async fn email_template_schema(
    _caller: ConnectorCaller,
    ApiPath(kind): ApiPath<String>,
) -> Result<Json<Value>> {
    let kind = templates::kind(&kind)?;
    let mut schema = templates::variables_schema(&kind.sample());
    if let Some(properties) = schema["properties"].as_object_mut() {
        properties.remove("tenant");
        if properties.contains_key("ticket") {
            properties.insert(
                "ticketId".into(),
                json!({"type": "integer", "minimum": 1, "x-ms-summary": "Ticket",
                       "description": "Fills the ticket, contact and company variables from this ticket."}),
            );
        }
    }
    Ok(Json(schema))
}

/// Render the tenant's template with the values given.
#[utoipa::path(post, path = "/email-templates/{emailTemplateId}/render", operation_id = "GenerateEmailFromTemplate", params(("emailTemplateId" = String, Path)), request_body = Object, responses((status = 200, body = RenderedEmail)))]
pub async fn render_email_template(
    State(state): State<AppState>,
    caller: ConnectorCaller,
    ApiPath(kind): ApiPath<String>,
    ApiJson(values): ApiJson<Value>,
) -> Result<Json<RenderedEmail>> {
    let rendered = email::render_with(&state, &caller.tenant, &kind, &values).await?;
    Ok(Json(rendered.into()))
}

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_email_templates))
        .routes(routes!(email_template_schema))
        .routes(routes!(render_email_template))
}
