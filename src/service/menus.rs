//! The portal's menu: items that open an external site (perhaps passing the contact's access
//! token, as DeskDirector's menu system does), a content page, a request type, a form or a Learning
//! Center category, each shown to its audience and only while what it opens is there for them.

use crate::{
    auth::access_token::MintedToken,
    domain::{
        Tenant, UserKind,
        portal::{MenuItemInput, MenuItemKind},
    },
    error::{Error, Result},
    outbound,
    repo::{self, menus::MenuItemRow},
    service::{audiences, branding, content_pages, forms, learning, sessions, validate},
    state::AppState,
};

/// How long the access token an external site receives lasts.
const TOKEN_FOR: std::time::Duration = std::time::Duration::from_secs(3600);

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<MenuItemRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::menus::list(&mut conn, tenant.id).await?)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<MenuItemRow> {
    let mut conn = state.pool.acquire().await?;
    repo::menus::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("menu item"))
}

fn external_url(url: Option<String>) -> Result<String> {
    let invalid = || Error::validation("url", "a menu item links to an http or https URL");
    let url = url.map(|u| u.trim().to_string()).ok_or_else(invalid)?;
    let parsed = reqwest::Url::parse(&url).map_err(|_| invalid())?;
    if url.len() > outbound::MAX_URL
        || !matches!(parsed.scheme(), "http" | "https")
        || !parsed.has_host()
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(invalid());
    }
    Ok(parsed.to_string())
}

/// Whether what the item opens exists (for admins) and is there for this contact (for the menu).
async fn target_live(
    state: &AppState,
    tenant: &Tenant,
    kind: MenuItemKind,
    id: i32,
    contact: Option<(i32, i32)>,
) -> Result<bool> {
    // Each arm takes its own connection, never holding one while a service takes another.
    Ok(match kind {
        MenuItemKind::ExternalSite => true,
        MenuItemKind::ContentPage => match contact {
            Some(who) => Error::found(content_pages::for_contact(state, tenant, who, id).await)?,
            None => Error::found(content_pages::get(state, tenant, id).await)?,
        }
        .is_some(),
        MenuItemKind::RequestType => {
            let mut conn = state.pool.acquire().await?;
            repo::configuration::request_types::get(&mut conn, tenant.id, id)
                .await?
                .is_some_and(|r| r.archived_at.is_none())
        }
        MenuItemKind::Form => Error::found(forms::get(state, tenant, id).await)?
            .is_some_and(|f| f.standalone && forms::published(&f).is_ok()),
        MenuItemKind::LearningCategory => {
            learning::category_visible(state, tenant, id, contact).await?
        }
    })
}

/// Creates (`id` none) or replaces an item.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: MenuItemInput,
) -> Result<MenuItemRow> {
    let label = validate::required_text("label", &input.label, 100)?;
    let icon = validate::optional_text("icon", &input.icon, 50)?;
    let (url, target_id) = match input.kind {
        MenuItemKind::ExternalSite => {
            if input.target_id.is_some() {
                return Err(Error::validation(
                    "targetId",
                    "an external site has a url, not a target",
                ));
            }
            let url = external_url(input.url)?;
            if input.pass_access_token && !url.starts_with("https://") {
                return Err(Error::validation(
                    "passAccessToken",
                    "an access token goes only to an https URL",
                ));
            }
            (Some(url), None)
        }
        kind => {
            if input.url.is_some() {
                return Err(Error::validation("url", "only external sites have a url"));
            }
            if input.pass_access_token {
                return Err(Error::validation(
                    "passAccessToken",
                    "only external sites receive the access token",
                ));
            }
            let target = input
                .target_id
                .ok_or_else(|| Error::validation("targetId", "name what the item opens"))?;
            if !target_live(state, tenant, kind, target, None).await? {
                return Err(Error::validation(
                    "targetId",
                    "no such page, live request type, published stand-alone form or category",
                ));
            }
            (None, Some(target))
        }
    };
    let mut tx = state.pool.begin().await?;
    let audience = audiences::check(&mut tx, tenant.id, input.audience, false).await?;
    let id = match id {
        Some(id) => {
            repo::menus::get(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("menu item"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "menu_items").await?,
    };
    let row = MenuItemRow {
        id,
        label,
        icon,
        position: input.position,
        kind: input.kind,
        url,
        pass_access_token: input.pass_access_token,
        open_in_new_tab: input.open_in_new_tab,
        target_id,
        audience: audience.kind,
        company_ids: audience.company_ids,
        contact_group_ids: audience.contact_group_ids,
        enabled: input.enabled,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    };
    repo::menus::save(&mut tx, tenant.id, id, &row).await?;
    let row = repo::menus::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("menu item"))?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut conn = state.pool.acquire().await?;
    if !repo::menus::delete(&mut conn, tenant.id, id).await? {
        return Err(Error::not_found("menu item"));
    }
    Ok(())
}

/// A menu item as the signed-in contact gets it: where it leads, resolved.
pub struct ContactMenuItem {
    pub row: MenuItemRow,
    pub href: String,
}

/// The portal path (under the configured base URL) an item of `kind` opens.
pub fn portal_path(kind: MenuItemKind, id: i32) -> String {
    match kind {
        MenuItemKind::ExternalSite => String::new(),
        MenuItemKind::ContentPage => format!("pages/{id}"),
        MenuItemKind::RequestType => format!("request-types/{id}"),
        MenuItemKind::Form => format!("forms/{id}"),
        MenuItemKind::LearningCategory => format!("learning/categories/{id}"),
    }
}

/// The items this contact may see, in order, each with where it leads.
pub async fn for_contact(
    state: &AppState,
    tenant: &Tenant,
    (contact, company): (i32, i32),
) -> Result<Vec<ContactMenuItem>> {
    let rows = {
        let mut conn = state.pool.acquire().await?;
        repo::menus::list_for_contact(&mut conn, tenant.id, contact, company).await?
    };
    let base = branding::get(state, tenant).await?.portal_base_url;
    let mut token: Option<MintedToken> = None;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let href = match (row.kind, &row.url, row.target_id) {
            (MenuItemKind::ExternalSite, Some(url), _) => {
                let mut url = reqwest::Url::parse(url).map_err(Error::internal)?;
                if row.pass_access_token {
                    if token.is_none() {
                        token = Some(
                            sessions::mint_access_token(
                                state,
                                tenant,
                                UserKind::Contact,
                                contact,
                                TOKEN_FOR,
                            )
                            .await?,
                        );
                    }
                    let token = token.as_ref().map(|t| t.token.as_str()).unwrap_or_default();
                    url.query_pairs_mut().append_pair("access_token", token);
                }
                url.to_string()
            }
            (kind, _, Some(target)) => {
                if !target_live(state, tenant, kind, target, Some((contact, company))).await? {
                    continue;
                }
                branding::portal_url(base.as_deref(), &portal_path(kind, target))
            }
            _ => continue,
        };
        items.push(ContactMenuItem { row, href });
    }
    Ok(items)
}
