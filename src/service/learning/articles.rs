//! Learning Center articles: saved with a revision each time (Markdown rendered and sanitised
//! then), files kept from the attachment store, read by their audience (views counted), voted
//! helpful or not, searched, and suggested while a contact types a ticket's summary.

use uuid::Uuid;

use crate::{
    domain::{
        Tenant,
        learning::{ArticleInput, ArticleState},
    },
    error::{Error, Result},
    markdown,
    repo::{
        self,
        attachments::KeptFile,
        learning::articles::{ArticleFields, ArticleRow, ArticleSummary, RevisionRow},
    },
    service::{audiences, validate},
    state::AppState,
};

pub const MAX_BODY: usize = 200_000;
const MAX_FILES: usize = 50;
/// The longest query searched; longer ones are cut.
const MAX_QUERY: usize = 200;

pub async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<ArticleRow> {
    let mut conn = state.pool.acquire().await?;
    repo::learning::articles::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("article"))
}

/// A published article staff may read (any audience).
pub async fn get_published(state: &AppState, tenant: &Tenant, id: i32) -> Result<ArticleRow> {
    let article = get(state, tenant, id).await?;
    if article.state != ArticleState::Published {
        return Err(Error::not_found("article"));
    }
    Ok(article)
}

/// An article this contact's audience includes, its view counted; any other is a 404.
pub async fn read_for_contact(
    state: &AppState,
    tenant: &Tenant,
    (contact, company): (i32, i32),
    id: i32,
) -> Result<ArticleRow> {
    let mut conn = state.pool.acquire().await?;
    repo::learning::articles::read_for_contact(&mut conn, tenant.id, contact, company, id)
        .await?
        .ok_or_else(|| Error::not_found("article"))
}

pub async fn list(
    state: &AppState,
    tenant: &Tenant,
    section: Option<i32>,
    category: Option<i32>,
    article_state: Option<ArticleState>,
) -> Result<Vec<ArticleSummary>> {
    let mut conn = state.pool.acquire().await?;
    Ok(
        repo::learning::articles::list(&mut conn, tenant.id, section, category, article_state)
            .await?,
    )
}

/// What a contact can read in a category; a category with nothing for them is a 404.
pub async fn list_for_contact(
    state: &AppState,
    tenant: &Tenant,
    (contact, company): (i32, i32),
    category: i32,
) -> Result<Vec<ArticleSummary>> {
    let mut conn = state.pool.acquire().await?;
    let rows = repo::learning::articles::list_for_contact(
        &mut conn, tenant.id, contact, company, category,
    )
    .await?;
    if rows.is_empty() {
        return Err(Error::not_found("category"));
    }
    Ok(rows)
}

fn query_text(field: &str, q: &str) -> Result<String> {
    let q: String = q.trim().chars().take(MAX_QUERY).collect();
    if q.is_empty() {
        return Err(Error::validation(
            field,
            format!("{field} must not be empty"),
        ));
    }
    Ok(q)
}

/// Full-text search: for a contact (`Some`), what their audience allows; for staff, every
/// published article.
pub async fn search(
    state: &AppState,
    tenant: &Tenant,
    contact: Option<(i32, i32)>,
    q: &str,
    window: (i64, i64),
) -> Result<(Vec<ArticleSummary>, i64)> {
    let q = query_text("q", q)?;
    let mut conn = state.pool.acquire().await?;
    Ok(match contact {
        Some(who) => {
            repo::learning::articles::search_for_contact(&mut conn, tenant.id, who, &q, window)
                .await?
        }
        None => {
            repo::learning::articles::search_for_staff(&mut conn, tenant.id, &q, window).await?
        }
    })
}

/// Up to `take` articles for a ticket summary still being typed.
pub async fn suggest(
    state: &AppState,
    tenant: &Tenant,
    who: (i32, i32),
    summary: &str,
    take: i64,
) -> Result<Vec<ArticleSummary>> {
    let summary = query_text("summary", summary)?;
    let mut conn = state.pool.acquire().await?;
    Ok(
        repo::learning::articles::suggest_for_contact(&mut conn, tenant.id, who, &summary, take)
            .await?,
    )
}

/// Creates (`id` none) or replaces an article as a new revision.
pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    id: Option<i32>,
    input: ArticleInput,
    (owner, edited_by): ((&str, &str), &str),
) -> Result<ArticleRow> {
    let title = validate::required_text("title", &input.title, 200)?;
    if input.body.chars().count() > MAX_BODY {
        return Err(Error::validation(
            "body",
            format!("at most {MAX_BODY} characters"),
        ));
    }
    let mut files = input.attachment_ids.clone();
    files.sort_unstable();
    files.dedup();
    if files.len() > MAX_FILES {
        return Err(Error::validation(
            "attachmentIds",
            format!("at most {MAX_FILES} files"),
        ));
    }
    let html = markdown::to_html(&input.body);
    let text = markdown::to_text(&input.body);
    let mut tx = state.pool.begin().await?;
    if repo::learning::section(&mut tx, tenant.id, input.section_id)
        .await?
        .is_none()
    {
        return Err(Error::validation("sectionId", "no such section"));
    }
    let audience = audiences::check(&mut tx, tenant.id, input.audience, true).await?;
    let (id, kept) = match id {
        Some(id) => {
            let current = repo::learning::articles::get(&mut tx, tenant.id, id)
                .await?
                .ok_or_else(|| Error::not_found("article"))?;
            (id, current.file_ids)
        }
        None => (
            repo::ids::next_id(&mut tx, tenant.id, "learning_articles").await?,
            vec![],
        ),
    };
    // New files must be the editor's own pending uploads; kept ones stay.
    for file in files.iter().filter(|f| !kept.contains(f)) {
        repo::attachments::pending_upload(&mut tx, tenant.id, *file, owner)
            .await?
            .ok_or_else(|| {
                Error::validation(
                    "attachmentIds",
                    "every id must be one of your own uploads not yet used, or a file the article keeps",
                )
            })?;
    }
    let fields = ArticleFields {
        section_id: input.section_id,
        title: &title,
        body: &input.body,
        body_html: &html,
        body_text: &text,
        state: input.state,
        audience: audience.kind,
        company_ids: &audience.company_ids,
        contact_group_ids: &audience.contact_group_ids,
        position: input.position,
    };
    repo::learning::articles::save(&mut tx, tenant.id, id, &fields, edited_by).await?;
    let dropped = repo::learning::articles::set_files(&mut tx, tenant.id, id, &files).await?;
    repo::attachments::set_kept(&mut tx, tenant.id, &files, true).await?;
    repo::attachments::set_kept(&mut tx, tenant.id, &dropped, false).await?;
    tx.commit().await?;
    get(state, tenant, id).await
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: i32) -> Result<()> {
    let mut tx = state.pool.begin().await?;
    repo::learning::articles::get(&mut tx, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("article"))?;
    let files = repo::learning::articles::delete(&mut tx, tenant.id, id).await?;
    repo::attachments::set_kept(&mut tx, tenant.id, &files, false).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn revisions(state: &AppState, tenant: &Tenant, id: i32) -> Result<Vec<RevisionRow>> {
    get(state, tenant, id).await?;
    let mut conn = state.pool.acquire().await?;
    Ok(repo::learning::articles::revisions(&mut conn, tenant.id, id).await?)
}

/// A contact's vote on an article they may read; answers (helpful, unhelpful) counts.
pub async fn vote(
    state: &AppState,
    tenant: &Tenant,
    (contact, company): (i32, i32),
    id: i32,
    helpful: bool,
) -> Result<(i32, i32)> {
    let mut tx = state.pool.begin().await?;
    if !repo::learning::articles::visible_to_contact(&mut tx, tenant.id, contact, company, id)
        .await?
    {
        return Err(Error::not_found("article"));
    }
    let voter = contact.to_string();
    let counts =
        repo::learning::articles::vote(&mut tx, tenant.id, id, ("contact", &voter), helpful)
            .await?;
    tx.commit().await?;
    Ok(counts)
}

/// One of the article's files, when the reader may read the article (`contact` none: staff).
pub async fn file(
    state: &AppState,
    tenant: &Tenant,
    contact: Option<(i32, i32)>,
    id: i32,
    file: Uuid,
) -> Result<KeptFile> {
    let article = get(state, tenant, id).await?;
    if let Some((contact, company)) = contact {
        let mut conn = state.pool.acquire().await?;
        if !repo::learning::articles::visible_to_contact(&mut conn, tenant.id, contact, company, id)
            .await?
        {
            return Err(Error::not_found("file"));
        }
    }
    if !article.file_ids.contains(&file) {
        return Err(Error::not_found("file"));
    }
    let mut conn = state.pool.acquire().await?;
    repo::attachments::kept_file(&mut conn, tenant.id, file)
        .await?
        .ok_or_else(|| Error::not_found("file"))
}
