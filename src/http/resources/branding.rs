//! The portal's branding: admins set it (Admin API v3); the portals read it before sign-in
//! (`/public/site`, with the logo and favicon) and after (`portal/me`).

use axum::{Json, extract::State, response::Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    auth::extractors::{AdminCaller, CurrentTenant},
    domain::{
        Tenant,
        portal::{BrandingPatch, SignInOption},
    },
    error::Result,
    http::{extract::ApiJson, resources::attachments::send_kept},
    repo::branding::BrandingRow,
    service::{attachments::owner, branding},
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BrandingView {
    pub portal_name: String,
    pub logo_id: Option<Uuid>,
    pub favicon_id: Option<Uuid>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
    pub portal_base_url: Option<String>,
    pub sign_in_options: Vec<SignInOption>,
    pub modified_on: Option<DateTime<Utc>>,
}

fn options(names: &[String]) -> Vec<SignInOption> {
    names
        .iter()
        .filter_map(|n| SignInOption::parse(n))
        .collect()
}

impl From<BrandingRow> for BrandingView {
    fn from(b: BrandingRow) -> Self {
        Self {
            portal_name: b.portal_name,
            logo_id: b.logo_id,
            favicon_id: b.favicon_id,
            primary_color: b.primary_color,
            accent_color: b.accent_color,
            support_email: b.support_email,
            support_phone: b.support_phone,
            portal_base_url: b.portal_base_url,
            sign_in_options: options(&b.sign_in_options),
            modified_on: b.updated_at,
        }
    }
}

/// The helpdesk as its portal presents it, to anyone (before sign-in too).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SiteView {
    pub slug: String,
    /// The portal's name, or the tenant's when none is set.
    pub name: String,
    /// Relative to this host; `null` without a logo.
    pub logo_url: Option<String>,
    pub favicon_url: Option<String>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
    /// Where the portal lives; `null`: this host's `/portal`.
    pub portal_base_url: Option<String>,
    pub sign_in_options: Vec<SignInOption>,
}

impl SiteView {
    pub fn new(tenant: &Tenant, b: BrandingRow) -> Self {
        let name = if b.portal_name.is_empty() {
            tenant.name.clone()
        } else {
            b.portal_name
        };
        let url = |id: Option<Uuid>, what: &str| {
            id.map(|id| {
                format!(
                    "/api/v2/public/site/{what}?v={}",
                    &id.simple().to_string()[..8]
                )
            })
        };
        Self {
            slug: tenant.slug.clone(),
            name,
            logo_url: url(b.logo_id, "logo"),
            favicon_url: url(b.favicon_id, "favicon"),
            primary_color: b.primary_color,
            accent_color: b.accent_color,
            support_email: b.support_email,
            support_phone: b.support_phone,
            portal_base_url: b.portal_base_url,
            sign_in_options: options(&b.sign_in_options),
        }
    }
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_branding, update_branding))
}

/// Needs no credentials: the sign-in page shows it.
pub fn site_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_site))
        .routes(routes!(get_site_logo))
        .routes(routes!(get_site_favicon))
}

#[utoipa::path(get, path = "/branding", responses((status = 200, body = BrandingView)))]
pub async fn get_branding(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<BrandingView>> {
    Ok(Json(branding::get(&state, &caller.tenant).await?.into()))
}

/// Change the branding (JSON merge patch). A logo or favicon is one of your own uploads
/// (`POST /attachments`): an image of an accepted type, within its size (413 otherwise).
#[utoipa::path(patch, path = "/branding", request_body = BrandingPatch, responses((status = 200, body = BrandingView)))]
pub async fn update_branding(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(patch): ApiJson<BrandingPatch>,
) -> Result<Json<BrandingView>> {
    let (kind, id) = owner(&caller.principal);
    let row = branding::update(&state, &caller.tenant, (kind, &id), patch).await?;
    Ok(Json(row.into()))
}

/// Describe this helpdesk's portal: name, images, colours, support contacts, sign-in options.
#[utoipa::path(get, path = "/site", responses((status = 200, body = SiteView)))]
pub async fn get_site(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
) -> Result<Json<SiteView>> {
    let b = branding::get(&state, &tenant).await?;
    Ok(Json(SiteView::new(&tenant, b)))
}

#[utoipa::path(get, path = "/site/logo", responses((status = 200, description = "The logo", content_type = "image/*")))]
pub async fn get_site_logo(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
) -> Result<Response> {
    image(&state, &tenant, false).await
}

#[utoipa::path(get, path = "/site/favicon", responses((status = 200, description = "The favicon", content_type = "image/*")))]
pub async fn get_site_favicon(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
) -> Result<Response> {
    image(&state, &tenant, true).await
}

/// A kept image, cached by browsers for five minutes.
async fn image(state: &AppState, tenant: &Tenant, favicon: bool) -> Result<Response> {
    let file = branding::image_file(state, tenant, favicon).await?;
    send_kept(state, tenant.id, file, 300).await
}
