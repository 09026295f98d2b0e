//! Learning Center articles: reading (for admins, staff or a contact's audience), full-text search
//! and suggestions, saving with revisions, kept files, views and votes.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    domain::{TenantId, learning::ArticleState, portal::AudienceKind},
    seen_by_contact, sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ArticleRow {
    pub id: i32,
    pub section_id: i32,
    pub category_id: i32,
    pub title: String,
    pub body: String,
    pub body_html: String,
    pub state: ArticleState,
    pub audience: AudienceKind,
    pub company_ids: Vec<i32>,
    pub contact_group_ids: Vec<i32>,
    pub position: i32,
    pub revision: i32,
    pub view_count: i64,
    pub helpful_count: i32,
    pub unhelpful_count: i32,
    pub file_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

/// An article in a list or a search: its title and the start of its text.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ArticleSummary {
    pub id: i32,
    pub section_id: i32,
    pub category_id: i32,
    pub title: String,
    pub excerpt: String,
    pub state: ArticleState,
    pub audience: AudienceKind,
    pub updated_at: DateTime<Utc>,
}

macro_rules! full {
    () => {
        "SELECT x.id, x.section_id, s.category_id, x.title, x.body, x.body_html, x.state, x.audience,
                x.company_ids, x.contact_group_ids, x.position, x.revision, x.view_count,
                x.helpful_count, x.unhelpful_count,
                array(SELECT f.attachment_id FROM learning_article_files f
                      WHERE f.tenant_id = x.tenant_id AND f.article_id = x.id
                      ORDER BY f.attachment_id) AS file_ids,
                x.created_at, x.updated_at, x.published_at
         FROM learning_articles x
         JOIN learning_sections s ON s.tenant_id = x.tenant_id AND s.id = x.section_id"
    };
}

macro_rules! summary {
    () => {
        "SELECT x.id, x.section_id, s.category_id, x.title, left(x.body_text, 240) AS excerpt,
                x.state, x.audience, x.updated_at
         FROM learning_articles x
         JOIN learning_sections s ON s.tenant_id = x.tenant_id AND s.id = x.section_id"
    };
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<ArticleRow>, sqlx::Error> {
    sqlx::query_as(sql!(full!(), " WHERE x.tenant_id = $1 AND x.id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A published article contact `contact` of `company` may read, its view counted.
pub async fn read_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company: i32,
    id: i32,
) -> Result<Option<ArticleRow>, sqlx::Error> {
    let seen: Option<i32> = sqlx::query_scalar(sql!(
        "UPDATE learning_articles x SET view_count = view_count + 1
         WHERE x.tenant_id = $1 AND x.id = $4 AND x.state = 'published' AND ",
        seen_by_contact!(),
        " RETURNING x.id"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    match seen {
        Some(id) => get(conn, tenant, id).await,
        None => Ok(None),
    }
}

/// Whether contact `contact` of `company` may read a published article (no view counted).
pub async fn visible_to_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company: i32,
    id: i32,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT EXISTS (SELECT 1 FROM learning_articles x
         WHERE x.tenant_id = $1 AND x.id = $4 AND x.state = 'published' AND ",
        seen_by_contact!(),
        ")"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Every article (admins), filtered by section, category or state, in order.
pub async fn list(
    conn: &mut PgConnection,
    tenant: TenantId,
    section: Option<i32>,
    category: Option<i32>,
    state: Option<ArticleState>,
) -> Result<Vec<ArticleSummary>, sqlx::Error> {
    sqlx::query_as(sql!(
        summary!(),
        " WHERE x.tenant_id = $1 AND ($2::int IS NULL OR x.section_id = $2)
            AND ($3::int IS NULL OR s.category_id = $3) AND ($4::text IS NULL OR x.state = $4)
          ORDER BY s.category_id, s.position, x.section_id, x.position, x.id"
    ))
    .bind(tenant)
    .bind(section)
    .bind(category)
    .bind(state)
    .fetch_all(conn)
    .await
}

/// The published articles of a category that contact `contact` of `company` may read.
pub async fn list_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    contact: i32,
    company: i32,
    category: i32,
) -> Result<Vec<ArticleSummary>, sqlx::Error> {
    sqlx::query_as(sql!(
        summary!(),
        " WHERE x.tenant_id = $1 AND s.category_id = $4 AND x.state = 'published' AND ",
        seen_by_contact!(),
        " ORDER BY s.position, x.section_id, x.position, x.id"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(category)
    .fetch_all(conn)
    .await
}

/// Published articles matching a web-search style query (`"exact words"`, `or`, `-not`), best
/// first, for a contact; and how many match.
pub async fn search_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    (contact, company): (i32, i32),
    query: &str,
    (skip, take): (i64, i64),
) -> Result<(Vec<ArticleSummary>, i64), sqlx::Error> {
    let rows = sqlx::query_as(sql!(
        summary!(),
        " , websearch_to_tsquery('english', $4) q
          WHERE x.tenant_id = $1 AND x.search @@ q AND x.state = 'published' AND ",
        seen_by_contact!(),
        " ORDER BY ts_rank(x.search, q) DESC, x.id OFFSET $5 LIMIT $6"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(query)
    .bind(skip)
    .bind(take)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar(sql!(
        "SELECT count(*) FROM learning_articles x, websearch_to_tsquery('english', $4) q
         WHERE x.tenant_id = $1 AND x.search @@ q AND x.state = 'published' AND ",
        seen_by_contact!()
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(query)
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// The same for staff: published articles of every audience.
pub async fn search_for_staff(
    conn: &mut PgConnection,
    tenant: TenantId,
    query: &str,
    (skip, take): (i64, i64),
) -> Result<(Vec<ArticleSummary>, i64), sqlx::Error> {
    let rows = sqlx::query_as(sql!(
        summary!(),
        " , websearch_to_tsquery('english', $2) q
          WHERE x.tenant_id = $1 AND x.search @@ q AND x.state = 'published'
          ORDER BY ts_rank(x.search, q) DESC, x.id OFFSET $3 LIMIT $4"
    ))
    .bind(tenant)
    .bind(query)
    .bind(skip)
    .bind(take)
    .fetch_all(&mut *conn)
    .await?;
    let total = sqlx::query_scalar(sql!(
        "SELECT count(*) FROM learning_articles x, websearch_to_tsquery('english', $2) q
         WHERE x.tenant_id = $1 AND x.search @@ q AND x.state = 'published'"
    ))
    .bind(tenant)
    .bind(query)
    .fetch_one(conn)
    .await?;
    Ok((rows, total))
}

/// Articles sharing any word with a ticket summary being typed, best first.
pub async fn suggest_for_contact(
    conn: &mut PgConnection,
    tenant: TenantId,
    (contact, company): (i32, i32),
    summary: &str,
    take: i64,
) -> Result<Vec<ArticleSummary>, sqlx::Error> {
    sqlx::query_as(sql!(
        summary!(),
        " , LATERAL (SELECT nullif(replace(plainto_tsquery('english', $4)::text, ' & ', ' | '), '')
                              ::tsquery AS q) any_word
          WHERE x.tenant_id = $1 AND x.search @@ any_word.q AND x.state = 'published' AND ",
        seen_by_contact!(),
        " ORDER BY ts_rank(x.search, any_word.q) DESC, x.id LIMIT $5"
    ))
    .bind(tenant)
    .bind(contact)
    .bind(company)
    .bind(summary)
    .bind(take)
    .fetch_all(conn)
    .await
}

pub struct ArticleFields<'a> {
    pub section_id: i32,
    pub title: &'a str,
    pub body: &'a str,
    pub body_html: &'a str,
    pub body_text: &'a str,
    pub state: ArticleState,
    pub audience: AudienceKind,
    pub company_ids: &'a [i32],
    pub contact_group_ids: &'a [i32],
    pub position: i32,
}

/// Inserts (`id` new) or replaces an article, counting a new revision; answers the revision.
pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    f: &ArticleFields<'_>,
    edited_by: &str,
) -> Result<i32, sqlx::Error> {
    let revision: i32 = sqlx::query_scalar(sql!(
        "INSERT INTO learning_articles (tenant_id, id, section_id, title, body, body_html, body_text,
             state, audience, company_ids, contact_group_ids, position, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
                 CASE WHEN $8 = 'published' THEN now() END)
         ON CONFLICT (tenant_id, id) DO UPDATE SET section_id = EXCLUDED.section_id,
             title = EXCLUDED.title, body = EXCLUDED.body, body_html = EXCLUDED.body_html,
             body_text = EXCLUDED.body_text, state = EXCLUDED.state, audience = EXCLUDED.audience,
             company_ids = EXCLUDED.company_ids, contact_group_ids = EXCLUDED.contact_group_ids,
             position = EXCLUDED.position, revision = learning_articles.revision + 1,
             published_at = CASE WHEN EXCLUDED.state = 'published'
                                 THEN coalesce(learning_articles.published_at, now()) END,
             updated_at = now()
         RETURNING revision"
    ))
    .bind(tenant)
    .bind(id)
    .bind(f.section_id)
    .bind(f.title)
    .bind(f.body)
    .bind(f.body_html)
    .bind(f.body_text)
    .bind(f.state)
    .bind(f.audience)
    .bind(f.company_ids)
    .bind(f.contact_group_ids)
    .bind(f.position)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "INSERT INTO learning_article_revisions (tenant_id, article_id, revision, title, body, state,
             edited_by) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(tenant)
    .bind(id)
    .bind(revision)
    .bind(f.title)
    .bind(f.body)
    .bind(f.state)
    .bind(edited_by)
    .execute(conn)
    .await?;
    Ok(revision)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RevisionRow {
    pub revision: i32,
    pub title: String,
    pub body: String,
    pub state: ArticleState,
    pub edited_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn revisions(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Vec<RevisionRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT revision, title, body, state, edited_by, created_at FROM learning_article_revisions
         WHERE tenant_id = $1 AND article_id = $2 ORDER BY revision DESC"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_all(conn)
    .await
}

/// The article's kept files become exactly `ids`; answers the ids it no longer keeps.
pub async fn set_files(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, sqlx::Error> {
    let dropped: Vec<Uuid> = sqlx::query_scalar(sql!(
        "DELETE FROM learning_article_files
         WHERE tenant_id = $1 AND article_id = $2 AND NOT (attachment_id = ANY($3))
         RETURNING attachment_id"
    ))
    .bind(tenant)
    .bind(id)
    .bind(ids)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "INSERT INTO learning_article_files (tenant_id, article_id, attachment_id)
         SELECT $1, $2, unnest($3::uuid[]) ON CONFLICT DO NOTHING"
    ))
    .bind(tenant)
    .bind(id)
    .bind(ids)
    .execute(conn)
    .await?;
    Ok(dropped)
}

pub async fn delete(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Vec<Uuid>, sqlx::Error> {
    let files: Vec<Uuid> = sqlx::query_scalar(sql!(
        "DELETE FROM learning_article_files WHERE tenant_id = $1 AND article_id = $2
         RETURNING attachment_id"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "DELETE FROM learning_articles WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(files)
}

/// Records (or changes) one person's vote and recounts the article's.
pub async fn vote(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    voter: (&str, &str),
    helpful: bool,
) -> Result<(i32, i32), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO learning_votes (tenant_id, article_id, voter_kind, voter_id, helpful)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, article_id, voter_kind, voter_id)
         DO UPDATE SET helpful = EXCLUDED.helpful, created_at = now()"
    ))
    .bind(tenant)
    .bind(id)
    .bind(voter.0)
    .bind(voter.1)
    .bind(helpful)
    .execute(&mut *conn)
    .await?;
    sqlx::query_as(sql!(
        "UPDATE learning_articles a SET
             helpful_count = (SELECT count(*) FROM learning_votes v WHERE v.tenant_id = a.tenant_id
                                  AND v.article_id = a.id AND v.helpful),
             unhelpful_count = (SELECT count(*) FROM learning_votes v WHERE v.tenant_id = a.tenant_id
                                    AND v.article_id = a.id AND NOT v.helpful)
         WHERE a.tenant_id = $1 AND a.id = $2
         RETURNING a.helpful_count, a.unhelpful_count"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_one(conn)
    .await
}
