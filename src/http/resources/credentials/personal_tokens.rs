//! A member's own personal access tokens (`Authorization: Basic <token>`): Tech API.

use axum::{Extension, Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{
        AuthMethod,
        extractors::{AdminCaller, TechUser},
    },
    domain::credentials::NewPersonalTokenInput,
    error::{Error, Result},
    http::extract::{ApiJson, ApiPath},
    http::idempotency::{OneTimeSecret, one_time_secret},
    http::pagination::Page,
    repo::credentials::PersonalToken,
    service::credentials,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalTokenView {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_on: DateTime<Utc>,
    pub last_used_on: Option<DateTime<Utc>>,
    pub expires_on: Option<DateTime<Utc>>,
    pub revoked_on: Option<DateTime<Utc>>,
}

impl From<PersonalToken> for PersonalTokenView {
    fn from(t: PersonalToken) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.token_prefix,
            created_on: t.created_at,
            last_used_on: t.last_used_at,
            expires_on: t.expires_at,
            revoked_on: t.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedPersonalToken {
    /// Send as `Authorization: Basic <token>`. Store it now: it cannot be shown again.
    pub token: String,
    pub personal_access_token: PersonalTokenView,
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_personal_tokens, create_personal_token))
        .routes(routes!(revoke_personal_token))
}

/// The Admin API's: a token made for a member (as Desk360's "Settings → API → create a token for
/// a user" does), for integrations that act as that member.
pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_member_token))
}

/// Create a personal access token that acts as this member (from a session or with an API key;
/// for a master admin only by one); 90 days unless `expiresAt` says otherwise, at most a year. The
/// token is shown only here.
#[utoipa::path(post, path = "/members/{memberId}/personal-access-tokens", params(("memberId" = i32, Path)), request_body = NewPersonalTokenInput, responses((status = 201, body = CreatedPersonalToken)))]
pub async fn create_member_token(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(member_id): ApiPath<i32>,
    ApiJson(input): ApiJson<NewPersonalTokenInput>,
) -> Result<(
    StatusCode,
    Extension<OneTimeSecret>,
    Json<CreatedPersonalToken>,
)> {
    let created = credentials::create_token_for_member(
        &state,
        &caller.tenant,
        &caller.principal,
        member_id,
        input,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        one_time_secret(),
        Json(CreatedPersonalToken {
            token: created.secret,
            personal_access_token: created.record.into(),
        }),
    ))
}

/// List my personal access tokens.
#[utoipa::path(get, path = "/personal-access-tokens", responses((status = 200, body = Page<PersonalTokenView>)))]
pub async fn list_personal_tokens(
    State(state): State<AppState>,
    user: TechUser,
) -> Result<Json<Page<PersonalTokenView>>> {
    let tokens = credentials::list_personal_tokens(&state, &user.tenant, user.member_id).await?;
    Ok(Json(Page::whole(
        tokens.into_iter().map(Into::into).collect(),
    )))
}

/// Create a personal access token that acts as me. Only from a signed-in session: a token must
/// not be able to outlive itself by minting a permanent one.
#[utoipa::path(post, path = "/personal-access-tokens", request_body = NewPersonalTokenInput, responses((status = 201, body = CreatedPersonalToken)))]
pub async fn create_personal_token(
    State(state): State<AppState>,
    user: TechUser,
    ApiJson(input): ApiJson<NewPersonalTokenInput>,
) -> Result<(
    StatusCode,
    Extension<OneTimeSecret>,
    Json<CreatedPersonalToken>,
)> {
    if user.via != AuthMethod::Cookie {
        return Err(Error::forbidden(
            "personal access tokens are created from a signed-in session (cookie)",
        ));
    }
    let created =
        credentials::create_personal_token(&state, &user.tenant, user.member_id, input).await?;
    Ok((
        StatusCode::CREATED,
        one_time_secret(),
        Json(CreatedPersonalToken {
            token: created.secret,
            personal_access_token: created.record.into(),
        }),
    ))
}

/// Revoke one of my personal access tokens; answers the revoked token.
#[utoipa::path(delete, path = "/personal-access-tokens/{tokenId}", params(("tokenId" = String, Path)), responses((status = 200, body = PersonalTokenView)))]
pub async fn revoke_personal_token(
    State(state): State<AppState>,
    user: TechUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PersonalTokenView>> {
    Ok(Json(
        credentials::revoke_personal_token(&state, &user.tenant, user.member_id, &id)
            .await?
            .into(),
    ))
}
