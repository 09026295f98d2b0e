//! DeskDirector's legacy `/api/v2/user` endpoints: minting a user's access token with an API key
//! (`userkey`), and the current client for a portal token.

use std::time::Duration;

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser},
    domain::{Reference, UserKind},
    error::{Error, Result},
    http::extract::{ApiPath, ApiQuery},
    service::{contacts, sessions},
    state::AppState,
};

pub const MIN_EXPIRES_IN: u64 = 3600;
pub const MAX_EXPIRES_IN: u64 = 86_400;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserKeyQuery {
    /// Lifetime in seconds, 3600 to 86400 (default 3600).
    #[serde(rename = "expiresIn")]
    #[param(minimum = 3600, maximum = 86400)]
    pub expires_in: Option<u64>,
}

/// DeskDirector's answer shape, `expires_in`/`expires_on` included as they spell them.
#[derive(Serialize, ToSchema)]
pub struct UserKey {
    /// The access token: send as `Authorization: DdAccessToken <userKey>`.
    #[serde(rename = "userKey")]
    pub user_key: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
    /// Expiry as unix seconds.
    pub expires_on: i64,
}

/// The current contact, as DeskDirector's `user/client` answers it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientUser {
    pub entity_id: i32,
    /// The contact's sign-in name (their email).
    pub user_name: String,
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub company: Reference,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_contact_user_key))
        .routes(routes!(get_member_user_key))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_client))
}

/// Mint a portal access token for a contact. Read-only API keys cannot mint.
#[utoipa::path(get, path = "/contact/{contactId}/userkey", params(("contactId" = i32, Path), UserKeyQuery), responses((status = 200, body = UserKey)))]
pub async fn get_contact_user_key(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(query): ApiQuery<UserKeyQuery>,
) -> Result<Json<UserKey>> {
    user_key(&state, &caller, UserKind::Contact, id, query).await
}

/// Mint a tech access token for a member. Read-only API keys cannot mint, and only a master
/// admin may mint a master admin's token.
#[utoipa::path(get, path = "/member/{memberId}/userkey", params(("memberId" = i32, Path), UserKeyQuery), responses((status = 200, body = UserKey)))]
pub async fn get_member_user_key(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(query): ApiQuery<UserKeyQuery>,
) -> Result<Json<UserKey>> {
    user_key(&state, &caller, UserKind::Member, id, query).await
}

async fn user_key(
    state: &AppState,
    caller: &AdminCaller,
    kind: UserKind,
    id: i32,
    query: UserKeyQuery,
) -> Result<Json<UserKey>> {
    let expires_in = query.expires_in.unwrap_or(MIN_EXPIRES_IN);
    if !(MIN_EXPIRES_IN..=MAX_EXPIRES_IN).contains(&expires_in) {
        return Err(Error::bad_request(
            "expiresIn",
            format!("expiresIn must be between {MIN_EXPIRES_IN} and {MAX_EXPIRES_IN} seconds"),
        ));
    }
    let minted = sessions::mint_on_behalf(
        state,
        &caller.tenant,
        &caller.principal,
        kind,
        id,
        Duration::from_secs(expires_in),
    )
    .await?;
    Ok(Json(UserKey {
        user_key: minted.token,
        expires_in,
        expires_on: minted.expires_at.timestamp(),
    }))
}

/// The contact a portal access token (or session) belongs to.
#[utoipa::path(get, path = "/client", responses((status = 200, body = ClientUser)))]
pub async fn get_client(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<ClientUser>> {
    let contact = contacts::signed_in(&state, &user.tenant, user.contact_id).await?;
    Ok(Json(ClientUser {
        entity_id: contact.id,
        user_name: contact.email.clone(),
        name: crate::domain::full_name(&contact.first_name, &contact.last_name),
        first_name: contact.first_name,
        last_name: contact.last_name,
        email: contact.email,
        company: Reference {
            id: contact.company_id,
            name: contact.company_name,
        },
    }))
}
