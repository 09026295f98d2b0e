//! The Learning Center: categories and their sections (here), and articles (`articles`).

pub mod articles;

use crate::{
    domain::{
        Tenant,
        learning::{CategoryInput, SectionInput},
    },
    error::{Error, Result},
    repo::{
        self,
        learning::{CategoryRow, SectionRow},
    },
    service::validate,
    state::AppState,
};

pub async fn categories(state: &AppState, tenant: &Tenant) -> Result<Vec<CategoryRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::learning::categories(&mut conn, tenant.id).await?)
}

/// The categories where this contact can read something.
pub async fn categories_for_contact(
    state: &AppState,
    tenant: &Tenant,
    (contact, company): (i32, i32),
) -> Result<Vec<CategoryRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::learning::categories_for_contact(&mut conn, tenant.id, contact, company).await?)
}

pub async fn category(state: &AppState, tenant: &Tenant, id: i32) -> Result<CategoryRow> {
    let mut conn = state.pool.acquire().await?;
    repo::learning::category(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("category"))
}

/// Whether a category exists (`contact` none) or holds something this contact can read.
pub async fn category_visible(
    state: &AppState,
    tenant: &Tenant,
    id: i32,
    contact: Option<(i32, i32)>,
) -> Result<bool> {
    Ok(match contact {
        None => category(state, tenant, id).await.is_ok(),
        Some(who) => categories_for_contact(state, tenant, who)
            .await?
            .iter()
            .any(|c| c.id == id),
    })
}

pub async fn save_category(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: CategoryInput,
) -> Result<CategoryRow> {
    let name = validate::required_text("name", &input.name, 100)?;
    let description = validate::optional_text("description", &input.description, 2000)?;
    let mut tx = state.pool.begin().await?;
    let id = match id {
        Some(id) => {
            repo::learning::category(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("category"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "learning_categories").await?,
    };
    repo::learning::save_category(
        &mut tx,
        tenant.id,
        id,
        (&name, &description, input.position),
    )
    .await?;
    tx.commit().await?;
    category(state, tenant, id).await
}

/// Deletes an empty category; one with sections is a 409.
pub async fn delete_category(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    if repo::learning::has_children(&mut tx, tenant.id, Some(id), None).await? {
        return Err(Error::conflict("id", "move or delete its sections first"));
    }
    let menus = repo::menus::list(&mut tx, tenant.id).await?;
    if menus.iter().any(|m| {
        m.kind == crate::domain::portal::MenuItemKind::LearningCategory && m.target_id == Some(id)
    }) {
        return Err(Error::conflict("id", "a menu item opens this category"));
    }
    if !repo::learning::delete_category(&mut tx, tenant.id, id).await? {
        return Err(Error::not_found("category"));
    }
    tx.commit().await?;
    Ok(())
}

pub async fn sections(
    state: &AppState,
    tenant: &Tenant,
    category: Option<i32>,
) -> Result<Vec<SectionRow>> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::learning::sections(&mut conn, tenant.id, category).await?)
}

pub async fn section(state: &AppState, tenant: &Tenant, id: i32) -> Result<SectionRow> {
    let mut conn = state.pool.acquire().await?;
    repo::learning::section(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("section"))
}

pub async fn save_section(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: SectionInput,
) -> Result<SectionRow> {
    let name = validate::required_text("name", &input.name, 100)?;
    let mut tx = state.pool.begin().await?;
    if repo::learning::category(&mut tx, tenant.id, input.category_id)
        .await?
        .is_none()
    {
        return Err(Error::validation("categoryId", "no such category"));
    }
    let id = match id {
        Some(id) => {
            repo::learning::section(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("section"))?;
            id
        }
        None => repo::ids::next_id(&mut tx, tenant.id, "learning_sections").await?,
    };
    repo::learning::save_section(
        &mut tx,
        tenant.id,
        id,
        (input.category_id, &name, input.position),
    )
    .await?;
    tx.commit().await?;
    section(state, tenant, id).await
}

/// Deletes an empty section; one with articles is a 409.
pub async fn delete_section(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    if repo::learning::has_children(&mut tx, tenant.id, None, Some(id)).await? {
        return Err(Error::conflict("id", "move or delete its articles first"));
    }
    if !repo::learning::delete_section(&mut tx, tenant.id, id).await? {
        return Err(Error::not_found("section"));
    }
    tx.commit().await?;
    Ok(())
}
