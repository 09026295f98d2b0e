//! Content pages: Markdown rendered to sanitised HTML when saved, each shown to its audience.

use crate::{
    domain::{Tenant, portal::ContentPageInput},
    error::{Error, Result},
    markdown,
    repo::{
        self,
        content_pages::{PageFields, PageRow},
    },
    service::{audiences, validate},
    state::AppState,
};

pub const MAX_BODY: usize = 100_000;

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<PageRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::content_pages::list(&mut conn, tenant.id).await?)
}

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<PageRow> {
    let mut conn = state.pool.acquire().await?;
    repo::content_pages::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("content page"))
}

/// A page the contact's audience includes; any other is a 404.
pub async fn for_contact(
    state: &AppState,
    tenant: &Tenant,
    (contact, company): (i32, i32),
    id: i32,
) -> Result<PageRow> {
    let mut conn = state.pool.acquire().await?;
    repo::content_pages::get_for_contact(&mut conn, tenant.id, contact, company, id)
        .await?
        .ok_or_else(|| Error::not_found("content page"))
}

/// Creates (`id` none) or replaces a page.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: ContentPageInput,
) -> Result<PageRow> {
    let title = validate::required_text("title", &input.title, 200)?;
    if input.body.chars().count() > MAX_BODY {
        return Err(Error::validation(
            "body",
            format!("at most {MAX_BODY} characters"),
        ));
    }
    let html = markdown::to_html(&input.body);
    let mut tx = state.pool.begin().await?;
    let audience = audiences::check(&mut tx, tenant.id, input.audience, false).await?;
    let id = match id {
        Some(id) => {
            repo::content_pages::get(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("content page"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "content_pages").await?,
    };
    let fields = PageFields {
        title: &title,
        body: &input.body,
        body_html: &html,
        audience: audience.kind,
        company_ids: &audience.company_ids,
        contact_group_ids: &audience.contact_group_ids,
    };
    repo::content_pages::save(&mut tx, tenant.id, id, &fields).await?;
    let row = repo::content_pages::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("content page"))?;
    tx.commit().await?;
    Ok(row)
}

/// Deletes a page; refused (409) while a menu item opens it.
pub async fn delete(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    let used = repo::menus::list(&mut tx, tenant.id)
        .await?
        .into_iter()
        .filter(|m| {
            m.kind == crate::domain::portal::MenuItemKind::ContentPage && m.target_id == Some(id)
        })
        .map(|m| m.id)
        .collect::<Vec<_>>();
    if !used.is_empty() {
        return Err(Error::conflict(
            "id",
            format!("menu items {used:?} open this page"),
        ));
    }
    if !repo::content_pages::delete(&mut tx, tenant.id, id).await? {
        return Err(Error::not_found("content page"));
    }
    tx.commit().await?;
    Ok(())
}
