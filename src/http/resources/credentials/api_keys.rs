//! Tenant API keys (`DdApi`): Admin API. The secret is in the creation answer only.

use axum::{Extension, Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::AdminCaller,
    domain::{KeyScope, credentials::NewApiKeyInput},
    error::Result,
    http::extract::{ApiJson, ApiPath},
    http::idempotency::{OneTimeSecret, one_time_secret},
    http::pagination::Page,
    repo::credentials::ApiKey,
    service::credentials,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to recognise it; the key itself is never shown again.
    pub prefix: String,
    pub scope: KeyScope,
    /// Who made it: `member:{id}`, `api_key:{id}` or `cli`.
    pub created_by: String,
    pub created_on: DateTime<Utc>,
    pub last_used_on: Option<DateTime<Utc>>,
    pub expires_on: Option<DateTime<Utc>>,
    pub revoked_on: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id,
            name: k.name,
            prefix: k.key_prefix,
            scope: k.scope,
            created_by: k.created_by,
            created_on: k.created_at,
            last_used_on: k.last_used_at,
            expires_on: k.expires_at,
            revoked_on: k.revoked_at,
        }
    }
}

/// The creation answer: the key's record and, this once, the key.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    /// Send as `Authorization: DdApi <key>`. Store it now: it cannot be shown again.
    pub key: String,
    pub api_key: ApiKeyView,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(get_api_key, revoke_api_key))
}

/// List the tenant's API keys (without their secrets).
#[utoipa::path(get, path = "/api-keys", responses((status = 200, body = Page<ApiKeyView>)))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<ApiKeyView>>> {
    let keys = credentials::list_api_keys(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        keys.into_iter().map(Into::into).collect(),
    )))
}

/// Create an API key. The answer holds the key; it is stored only as a hash.
#[utoipa::path(post, path = "/api-keys", request_body = NewApiKeyInput, responses((status = 201, body = CreatedApiKey)))]
pub async fn create_api_key(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<NewApiKeyInput>,
) -> Result<(StatusCode, Extension<OneTimeSecret>, Json<CreatedApiKey>)> {
    let created =
        credentials::create_api_key(&state, &caller.tenant, input, &caller.label()).await?;
    Ok((
        StatusCode::CREATED,
        one_time_secret(),
        Json(CreatedApiKey {
            key: created.secret,
            api_key: created.record.into(),
        }),
    ))
}

/// Get an API key's record.
#[utoipa::path(get, path = "/api-keys/{keyId}", params(("keyId" = String, Path)), responses((status = 200, body = ApiKeyView)))]
pub async fn get_api_key(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiKeyView>> {
    Ok(Json(
        credentials::get_api_key(&state, &caller.tenant, &id)
            .await?
            .into(),
    ))
}

/// Revoke an API key; it stops working at once, on every instance. Answers the revoked key.
#[utoipa::path(delete, path = "/api-keys/{keyId}", params(("keyId" = String, Path)), responses((status = 200, body = ApiKeyView)))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiKeyView>> {
    Ok(Json(
        credentials::revoke_api_key(&state, &caller.tenant, &id)
            .await?
            .into(),
    ))
}
