//! "Who am I": the Portal and Tech answers, for every scheme that reaches them.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{branding::SiteView, contacts::ContactView, members::MemberView};
use crate::{
    auth::{
        AuthMethod,
        extractors::{PortalUser, TechUser},
    },
    error::Result,
    service::{branding, contacts, members},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalMe {
    pub contact: ContactView,
    pub auth_method: AuthMethod,
    /// The portal's branding, as `/public/site` answers it.
    pub site: SiteView,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TechMe {
    pub member: MemberView,
    pub auth_method: AuthMethod,
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_portal_me))
}

pub fn tech_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_tech_me))
}

/// The signed-in contact.
#[utoipa::path(get, path = "/me", responses((status = 200, body = PortalMe)))]
pub async fn get_portal_me(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<PortalMe>> {
    let contact = contacts::signed_in(&state, &user.tenant, user.contact_id).await?;
    let site = SiteView::new(&user.tenant, branding::get(&state, &user.tenant).await?);
    Ok(Json(PortalMe {
        contact: contact.into(),
        auth_method: user.via,
        site,
    }))
}

/// The signed-in member.
#[utoipa::path(get, path = "/me", responses((status = 200, body = TechMe)))]
pub async fn get_tech_me(State(state): State<AppState>, user: TechUser) -> Result<Json<TechMe>> {
    let member = members::signed_in(&state, &user.tenant, user.member_id).await?;
    Ok(Json(TechMe {
        member: member.into(),
        auth_method: user.via,
    }))
}
