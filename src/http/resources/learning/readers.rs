//! Reading the Learning Center: contacts (Portal API v2) see the published articles their audience
//! may read — by category, by search, or suggested for a ticket summary they are typing — and vote
//! on them; staff (Tech API v2) search and read every published article.

use axum::{Json, extract::State, response::Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{ArticleSummaryView, ArticleView, CategoryView, PortalArticleView};
use crate::{
    auth::extractors::{PortalUser, Staff},
    domain::learning::VoteInput,
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::{ListQuery, Page},
        resources::attachments::send_kept,
    },
    service::{learning, learning::articles},
    state::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Words to find; `"exact phrase"`, `or` and `-word` work as in web search.
    #[param(min_length = 1, max_length = 200)]
    pub q: String,
    #[param(minimum = 0)]
    pub skip: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub take: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// The ticket summary typed so far.
    #[param(min_length = 1, max_length = 200)]
    pub summary: String,
    /// At most this many (5 unless set).
    #[param(minimum = 1, maximum = 20)]
    pub take: Option<i64>,
}

/// A category with what I can read in it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryArticles {
    pub category: CategoryView,
    pub articles: Vec<ArticleSummaryView>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VoteCounts {
    pub helpful_count: i32,
    pub unhelpful_count: i32,
}

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_categories))
        .routes(routes!(read_category))
        .routes(routes!(read_article))
        .routes(routes!(vote_on_article))
        .routes(routes!(search_articles))
        .routes(routes!(suggest_articles))
        .routes(routes!(read_article_file))
}

pub fn staff_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(staff_search_articles))
        .routes(routes!(staff_read_article))
        .routes(routes!(staff_read_article_file))
}

fn me(user: &PortalUser) -> (i32, i32) {
    (user.contact_id, user.company_id)
}

fn window(skip: Option<i64>, take: Option<i64>) -> Result<(i64, i64)> {
    ListQuery {
        skip,
        take,
        ..Default::default()
    }
    .window()
}

/// The categories where I can read something.
#[utoipa::path(get, path = "/learning/categories", responses((status = 200, body = Page<CategoryView>)))]
pub async fn list_my_categories(
    State(state): State<AppState>,
    user: PortalUser,
) -> Result<Json<Page<CategoryView>>> {
    let rows = learning::categories_for_contact(&state, &user.tenant, me(&user)).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// A category and the articles in it I can read (a category with none for me is a 404).
#[utoipa::path(get, path = "/learning/categories/{categoryId}", params(("categoryId" = i32, Path)), responses((status = 200, body = CategoryArticles)))]
pub async fn read_category(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CategoryArticles>> {
    let articles = articles::list_for_contact(&state, &user.tenant, me(&user), id).await?;
    let category = learning::category(&state, &user.tenant, id).await?;
    Ok(Json(CategoryArticles {
        category: category.into(),
        articles: articles.into_iter().map(Into::into).collect(),
    }))
}

/// Read an article (its view is counted). Drafts, members-only articles and those for other
/// companies or groups are 404s.
#[utoipa::path(get, path = "/learning/articles/{articleId}", params(("articleId" = i32, Path)), responses((status = 200, body = PortalArticleView)))]
pub async fn read_article(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<PortalArticleView>> {
    Ok(Json(
        articles::read_for_contact(&state, &user.tenant, me(&user), id)
            .await?
            .into(),
    ))
}

/// Say whether an article helped; voting again changes my vote.
#[utoipa::path(post, path = "/learning/articles/{articleId}/vote", params(("articleId" = i32, Path)), request_body = VoteInput, responses((status = 200, body = VoteCounts)))]
pub async fn vote_on_article(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<VoteInput>,
) -> Result<Json<VoteCounts>> {
    let (helpful_count, unhelpful_count) =
        articles::vote(&state, &user.tenant, me(&user), id, input.helpful).await?;
    Ok(Json(VoteCounts {
        helpful_count,
        unhelpful_count,
    }))
}

/// Search the articles I can read, best match first.
#[utoipa::path(get, path = "/learning/search", params(SearchQuery), responses((status = 200, body = Page<ArticleSummaryView>)))]
pub async fn search_articles(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Page<ArticleSummaryView>>> {
    let (skip, take) = window(q.skip, q.take)?;
    let (rows, total) =
        articles::search(&state, &user.tenant, Some(me(&user)), &q.q, (skip, take)).await?;
    Ok(Json(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        skip,
    )))
}

/// Articles that may answer a ticket before it is raised: those sharing words with the summary
/// typed so far, best first.
#[utoipa::path(get, path = "/learning/suggestions", params(SuggestionQuery), responses((status = 200, body = Page<ArticleSummaryView>)))]
pub async fn suggest_articles(
    State(state): State<AppState>,
    user: PortalUser,
    ApiQuery(q): ApiQuery<SuggestionQuery>,
) -> Result<Json<Page<ArticleSummaryView>>> {
    let take = q.take.unwrap_or(5).clamp(1, 20);
    let rows = articles::suggest(&state, &user.tenant, me(&user), &q.summary, take).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

#[utoipa::path(get, path = "/learning/articles/{articleId}/files/{fileId}", params(("articleId" = i32, Path), ("fileId" = Uuid, Path)), responses((status = 200, description = "The file", content_type = "*/*")))]
pub async fn read_article_file(
    State(state): State<AppState>,
    user: PortalUser,
    ApiPath((id, file)): ApiPath<(i32, Uuid)>,
) -> Result<Response> {
    let kept = articles::file(&state, &user.tenant, Some(me(&user)), id, file).await?;
    send_kept(&state, user.tenant.id, kept, 300).await
}

/// Search every published article, whatever its audience.
#[utoipa::path(get, path = "/learning/search", params(SearchQuery), responses((status = 200, body = Page<ArticleSummaryView>)))]
pub async fn staff_search_articles(
    State(state): State<AppState>,
    staff: Staff,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Page<ArticleSummaryView>>> {
    let (skip, take) = window(q.skip, q.take)?;
    let (rows, total) = articles::search(&state, &staff.tenant, None, &q.q, (skip, take)).await?;
    Ok(Json(Page::new(
        rows.into_iter().map(Into::into).collect(),
        total,
        skip,
    )))
}

#[utoipa::path(get, path = "/learning/articles/{articleId}", params(("articleId" = i32, Path)), responses((status = 200, body = ArticleView)))]
pub async fn staff_read_article(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ArticleView>> {
    Ok(Json(
        articles::get_published(&state, &staff.tenant, id)
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/learning/articles/{articleId}/files/{fileId}", params(("articleId" = i32, Path), ("fileId" = Uuid, Path)), responses((status = 200, description = "The file", content_type = "*/*")))]
pub async fn staff_read_article_file(
    State(state): State<AppState>,
    staff: Staff,
    ApiPath((id, file)): ApiPath<(i32, Uuid)>,
) -> Result<Response> {
    articles::get_published(&state, &staff.tenant, id).await?;
    let kept = articles::file(&state, &staff.tenant, None, id, file).await?;
    send_kept(&state, staff.tenant.id, kept, 300).await
}
