//! The portal menu: admins arrange it (Admin API v3); a signed-in contact gets what their
//! audience may see, each item with where it leads (Portal API v2).

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{AdminCaller, PortalUser},
    domain::portal::{ContentAudience, MenuItemInput, MenuItemKind},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath},
        pagination::Page,
    },
    repo::menus::MenuItemRow,
    service::menus,
    state::AppState,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MenuItemView {
    pub id: i32,
    pub label: String,
    pub icon: String,
    pub position: i32,
    pub kind: MenuItemKind,
    pub url: Option<String>,
    pub pass_access_token: bool,
    pub open_in_new_tab: bool,
    pub target_id: Option<i32>,
    pub audience: ContentAudience,
    pub enabled: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
}

impl From<MenuItemRow> for MenuItemView {
    fn from(m: MenuItemRow) -> Self {
        Self {
            id: m.id,
            label: m.label,
            icon: m.icon,
            position: m.position,
            kind: m.kind,
            url: m.url,
            pass_access_token: m.pass_access_token,
            open_in_new_tab: m.open_in_new_tab,
            target_id: m.target_id,
            audience: ContentAudience {
                kind: m.audience,
                company_ids: m.company_ids,
                contact_group_ids: m.contact_group_ids,
            },
            enabled: m.enabled,
            created_on: m.created_at,
            modified_on: m.updated_at,
        }
    }
}

/// A menu item as the signed-in contact gets it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalMenuItem {
    pub id: i32,
    pub label: String,
    pub icon: String,
    pub kind: MenuItemKind,
    pub target_id: Option<i32>,
    /// Where it leads: the external URL (with `access_token` when the item passes it), or the
    /// portal page under the tenant's portal base URL.
    pub href: String,
    pub open_in_new_tab: bool,
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_menu_items, create_menu_item))
        .routes(routes!(get_menu_item, replace_menu_item, delete_menu_item))
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_menu))
}

#[utoipa::path(get, path = "/menu-items", responses((status = 200, body = Page<MenuItemView>)))]
pub async fn list_menu_items(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<MenuItemView>>> {
    let rows = menus::list(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Add a menu item: an external site (http or https; `passAccessToken` adds the contact's access
/// token to its URL), or a content page, request type, stand-alone form or Learning Center
/// category by `targetId`.
#[utoipa::path(post, path = "/menu-items", request_body = MenuItemInput, responses((status = 201, body = MenuItemView)))]
pub async fn create_menu_item(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<MenuItemInput>,
) -> Result<(StatusCode, Json<MenuItemView>)> {
    let row = menus::save(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/menu-items/{menuItemId}", params(("menuItemId" = i32, Path)), responses((status = 200, body = MenuItemView)))]
pub async fn get_menu_item(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<MenuItemView>> {
    Ok(Json(menus::get(&state, &caller.tenant, id).await?.into()))
}

#[utoipa::path(put, path = "/menu-items/{menuItemId}", params(("menuItemId" = i32, Path)), request_body = MenuItemInput, responses((status = 200, body = MenuItemView)))]
pub async fn replace_menu_item(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<MenuItemInput>,
) -> Result<Json<MenuItemView>> {
    Ok(Json(
        menus::save(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

#[utoipa::path(delete, path = "/menu-items/{menuItemId}", params(("menuItemId" = i32, Path)), responses((status = 204)))]
pub async fn delete_menu_item(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    menus::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The menu I may see, in order; items whose page, request type, form or category is gone (or
/// not for me) are left out.
#[utoipa::path(get, path = "/menu", responses((status = 200, body = Page<PortalMenuItem>)))]
pub async fn get_menu(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<(
    [(header::HeaderName, &'static str); 1],
    Json<Page<PortalMenuItem>>,
)> {
    let items =
        menus::for_contact(&state, &user.tenant, (user.contact_id, user.company_id)).await?;
    // An href may carry the contact's access token.
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok((
        no_store,
        Json(Page::whole(
            items
                .into_iter()
                .map(|i| PortalMenuItem {
                    id: i.row.id,
                    label: i.row.label,
                    icon: i.row.icon,
                    kind: i.row.kind,
                    target_id: i.row.target_id,
                    href: i.href,
                    open_in_new_tab: i.row.open_in_new_tab,
                })
                .collect(),
        )),
    ))
}
