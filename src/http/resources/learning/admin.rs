//! Writing the Learning Center (Admin API v3): categories, sections, articles and their revisions.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{ArticleSummaryView, ArticleView, CategoryView, SectionView};
use crate::{
    auth::extractors::AdminCaller,
    domain::learning::{ArticleInput, ArticleState, CategoryInput, SectionInput},
    error::Result,
    http::{
        extract::{ApiJson, ApiPath, ApiQuery},
        pagination::Page,
        resources::attachments::send_kept,
    },
    repo::learning::articles::RevisionRow,
    service::{attachments::owner, learning, learning::articles},
    state::AppState,
};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ArticleFilter {
    #[param(minimum = 1)]
    pub section_id: Option<i32>,
    #[param(minimum = 1)]
    pub category_id: Option<i32>,
    #[param(inline)]
    pub state: Option<ArticleState>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SectionFilter {
    #[param(minimum = 1)]
    pub category_id: Option<i32>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RevisionView {
    pub revision: i32,
    pub title: String,
    pub body: String,
    pub state: ArticleState,
    /// Who saved it.
    pub edited_by: String,
    pub created_on: DateTime<Utc>,
}

impl From<RevisionRow> for RevisionView {
    fn from(r: RevisionRow) -> Self {
        Self {
            revision: r.revision,
            title: r.title,
            body: r.body,
            state: r.state,
            edited_by: r.edited_by,
            created_on: r.created_at,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_learning_categories, create_learning_category))
        .routes(routes!(
            get_learning_category,
            replace_learning_category,
            delete_learning_category
        ))
        .routes(routes!(list_learning_sections, create_learning_section))
        .routes(routes!(
            get_learning_section,
            replace_learning_section,
            delete_learning_section
        ))
        .routes(routes!(list_articles, create_article))
        .routes(routes!(get_article, replace_article, delete_article))
        .routes(routes!(list_revisions))
        .routes(routes!(get_article_file))
}

#[utoipa::path(get, path = "/learning/categories", responses((status = 200, body = Page<CategoryView>)))]
pub async fn list_learning_categories(
    State(state): State<AppState>,
    caller: AdminCaller,
) -> Result<Json<Page<CategoryView>>> {
    let rows = learning::categories(&state, &caller.tenant).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

#[utoipa::path(post, path = "/learning/categories", request_body = CategoryInput, responses((status = 201, body = CategoryView)))]
pub async fn create_learning_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<CategoryInput>,
) -> Result<(StatusCode, Json<CategoryView>)> {
    let row = learning::save_category(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/learning/categories/{categoryId}", params(("categoryId" = i32, Path)), responses((status = 200, body = CategoryView)))]
pub async fn get_learning_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<CategoryView>> {
    Ok(Json(
        learning::category(&state, &caller.tenant, id).await?.into(),
    ))
}

#[utoipa::path(put, path = "/learning/categories/{categoryId}", params(("categoryId" = i32, Path)), request_body = CategoryInput, responses((status = 200, body = CategoryView)))]
pub async fn replace_learning_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<CategoryInput>,
) -> Result<Json<CategoryView>> {
    Ok(Json(
        learning::save_category(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

/// Delete an empty category (409 while it has sections or a menu item opens it).
#[utoipa::path(delete, path = "/learning/categories/{categoryId}", params(("categoryId" = i32, Path)), responses((status = 204)))]
pub async fn delete_learning_category(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    learning::delete_category(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/learning/sections", params(SectionFilter), responses((status = 200, body = Page<SectionView>)))]
pub async fn list_learning_sections(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<SectionFilter>,
) -> Result<Json<Page<SectionView>>> {
    let rows = learning::sections(&state, &caller.tenant, q.category_id).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

#[utoipa::path(post, path = "/learning/sections", request_body = SectionInput, responses((status = 201, body = SectionView)))]
pub async fn create_learning_section(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<SectionInput>,
) -> Result<(StatusCode, Json<SectionView>)> {
    let row = learning::save_section(&state, &caller.tenant, None, input).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/learning/sections/{sectionId}", params(("sectionId" = i32, Path)), responses((status = 200, body = SectionView)))]
pub async fn get_learning_section(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<SectionView>> {
    Ok(Json(
        learning::section(&state, &caller.tenant, id).await?.into(),
    ))
}

#[utoipa::path(put, path = "/learning/sections/{sectionId}", params(("sectionId" = i32, Path)), request_body = SectionInput, responses((status = 200, body = SectionView)))]
pub async fn replace_learning_section(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<SectionInput>,
) -> Result<Json<SectionView>> {
    Ok(Json(
        learning::save_section(&state, &caller.tenant, Some(id), input)
            .await?
            .into(),
    ))
}

/// Delete an empty section (409 while it has articles).
#[utoipa::path(delete, path = "/learning/sections/{sectionId}", params(("sectionId" = i32, Path)), responses((status = 204)))]
pub async fn delete_learning_section(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    learning::delete_section(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every article, drafts too, filtered by section, category or state.
#[utoipa::path(get, path = "/learning/articles", params(ArticleFilter), responses((status = 200, body = Page<ArticleSummaryView>)))]
pub async fn list_articles(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiQuery(q): ApiQuery<ArticleFilter>,
) -> Result<Json<Page<ArticleSummaryView>>> {
    let rows = articles::list(&state, &caller.tenant, q.section_id, q.category_id, q.state).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

/// Write an article (revision 1). Markdown is rendered and sanitised: scripts, event handlers and
/// `javascript:` links are stripped.
#[utoipa::path(post, path = "/learning/articles", request_body = ArticleInput, responses((status = 201, body = ArticleView)))]
pub async fn create_article(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<(StatusCode, Json<ArticleView>)> {
    let (kind, id) = owner(&caller.principal);
    let row = articles::save(
        &state,
        &caller.tenant,
        None,
        input,
        ((kind, &id), &caller.label()),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[utoipa::path(get, path = "/learning/articles/{articleId}", params(("articleId" = i32, Path)), responses((status = 200, body = ArticleView)))]
pub async fn get_article(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<ArticleView>> {
    Ok(Json(
        articles::get(&state, &caller.tenant, id).await?.into(),
    ))
}

/// Save a new revision of an article.
#[utoipa::path(put, path = "/learning/articles/{articleId}", params(("articleId" = i32, Path)), request_body = ArticleInput, responses((status = 200, body = ArticleView)))]
pub async fn replace_article(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ArticleInput>,
) -> Result<Json<ArticleView>> {
    let (kind, key) = owner(&caller.principal);
    let row = articles::save(
        &state,
        &caller.tenant,
        Some(id),
        input,
        ((kind, &key), &caller.label()),
    )
    .await?;
    Ok(Json(row.into()))
}

#[utoipa::path(delete, path = "/learning/articles/{articleId}", params(("articleId" = i32, Path)), responses((status = 204)))]
pub async fn delete_article(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<StatusCode> {
    articles::delete(&state, &caller.tenant, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every saved revision, newest first.
#[utoipa::path(get, path = "/learning/articles/{articleId}/revisions", params(("articleId" = i32, Path)), responses((status = 200, body = Page<RevisionView>)))]
pub async fn list_revisions(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(id): ApiPath<i32>,
) -> Result<Json<Page<RevisionView>>> {
    let rows = articles::revisions(&state, &caller.tenant, id).await?;
    Ok(Json(Page::whole(
        rows.into_iter().map(Into::into).collect(),
    )))
}

#[utoipa::path(get, path = "/learning/articles/{articleId}/files/{fileId}", params(("articleId" = i32, Path), ("fileId" = Uuid, Path)), responses((status = 200, description = "The file", content_type = "*/*")))]
pub async fn get_article_file(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath((id, file)): ApiPath<(i32, Uuid)>,
) -> Result<Response> {
    let kept = articles::file(&state, &caller.tenant, None, id, file).await?;
    send_kept(&state, caller.tenant.id, kept, 300).await
}
