//! The Learning Center's categories and sections; articles are in `articles`.

pub mod articles;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{domain::TenantId, seen_by_contact, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CategoryRow {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SectionRow {
    pub id: i32,
    pub category_id: i32,
    pub name: String,
    pub position: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn categories(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<CategoryRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, name, description, position, created_at, updated_at FROM learning_categories
         WHERE tenant_id = $1 ORDER BY position, id"
    ))
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// Categories holding at least one published article contact `$2` of company `$3` may read.
pub async fn categories_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company: i32,
) -> Result<Vec<CategoryRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT c.id, c.name, c.description, c.position, c.created_at, c.updated_at
         FROM learning_categories c
         WHERE c.tenant_id = $1 AND EXISTS (
             SELECT 1 FROM learning_sections s
             JOIN learning_articles x ON x.tenant_id = s.tenant_id AND x.section_id = s.id
             WHERE s.tenant_id = c.tenant_id AND s.category_id = c.id AND x.state = 'published'
               AND ",
        seen_by_contact!(),
        ")
         ORDER BY c.position, c.id"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .fetch_all(conn)
    .await
}

pub async fn category(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<CategoryRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, name, description, position, created_at, updated_at FROM learning_categories
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn save_category(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    (name, description, position): (&str, &str, i32),
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO learning_categories (tenant_id, id, name, description, position)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name,
             description = EXCLUDED.description, position = EXCLUDED.position, updated_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(description)
    .bind(position)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_category(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM learning_categories WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sections, of one category or all, in order.
pub async fn sections(
    conn: &mut PgConnection,
    tenant: TenantId,
    category: Option<i32>,
) -> Result<Vec<SectionRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, category_id, name, position, created_at, updated_at FROM learning_sections
         WHERE tenant_id = $1 AND ($2::int IS NULL OR category_id = $2)
         ORDER BY category_id, position, id"
    ))
    .bind(tenant)
    .bind(category)
    .fetch_all(conn)
    .await
}

pub async fn section(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<SectionRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT id, category_id, name, position, created_at, updated_at FROM learning_sections
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn save_section(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    (category, name, position): (i32, &str, i32),
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO learning_sections (tenant_id, id, category_id, name, position)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, id) DO UPDATE SET category_id = EXCLUDED.category_id,
             name = EXCLUDED.name, position = EXCLUDED.position, updated_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(category)
    .bind(name)
    .bind(position)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_section(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM learning_sections WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether anything still lives in a category (sections) or a section (articles).
pub async fn has_children(
    conn: &mut PgConnection,
    tenant: TenantId,
    category: Option<i32>,
    section: Option<i32>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM learning_sections WHERE tenant_id = $1 AND category_id = $2)
             OR EXISTS (SELECT 1 FROM learning_articles WHERE tenant_id = $1 AND section_id = $3)"
    ))
    .bind(tenant)
    .bind(category)
    .bind(section)
    .fetch_one(conn)
    .await
}
