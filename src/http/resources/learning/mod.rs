//! The Learning Center: admins write categories, sections and articles (`admin`); contacts read
//! what their audience may, search and are offered articles while typing a ticket, and staff
//! search every published article (`readers`).

pub mod admin;
pub mod readers;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    domain::{
        learning::ArticleState,
        portal::{AudienceKind, ContentAudience},
    },
    repo::learning::{
        CategoryRow, SectionRow,
        articles::{ArticleRow, ArticleSummary},
    },
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub position: i32,
    pub modified_on: DateTime<Utc>,
}

impl From<CategoryRow> for CategoryView {
    fn from(c: CategoryRow) -> Self {
        Self {
            id: c.id,
            name: c.name,
            description: c.description,
            position: c.position,
            modified_on: c.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SectionView {
    pub id: i32,
    pub category_id: i32,
    pub name: String,
    pub position: i32,
    pub modified_on: DateTime<Utc>,
}

impl From<SectionRow> for SectionView {
    fn from(s: SectionRow) -> Self {
        Self {
            id: s.id,
            category_id: s.category_id,
            name: s.name,
            position: s.position,
            modified_on: s.updated_at,
        }
    }
}

/// An article in a list or search: its title and the start of its text.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleSummaryView {
    pub id: i32,
    pub section_id: i32,
    pub category_id: i32,
    pub title: String,
    pub excerpt: String,
    pub state: ArticleState,
    pub audience: AudienceKind,
    pub modified_on: DateTime<Utc>,
}

impl From<ArticleSummary> for ArticleSummaryView {
    fn from(a: ArticleSummary) -> Self {
        Self {
            id: a.id,
            section_id: a.section_id,
            category_id: a.category_id,
            title: a.title,
            excerpt: a.excerpt,
            state: a.state,
            audience: a.audience,
            modified_on: a.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ArticleView {
    pub id: i32,
    pub section_id: i32,
    pub category_id: i32,
    pub title: String,
    /// The Markdown as written.
    pub body: String,
    /// The body rendered, scripts and unsafe links removed.
    pub body_html: String,
    pub state: ArticleState,
    pub audience: ContentAudience,
    pub position: i32,
    /// How many times it has been saved.
    pub revision: i32,
    pub view_count: i64,
    pub helpful_count: i32,
    pub unhelpful_count: i32,
    /// Files it keeps; fetch them at `…/articles/{id}/files/{fileId}`.
    pub attachment_ids: Vec<Uuid>,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub published_on: Option<DateTime<Utc>>,
}

impl From<ArticleRow> for ArticleView {
    fn from(a: ArticleRow) -> Self {
        Self {
            id: a.id,
            section_id: a.section_id,
            category_id: a.category_id,
            title: a.title,
            body: a.body,
            body_html: a.body_html,
            state: a.state,
            audience: ContentAudience {
                kind: a.audience,
                company_ids: a.company_ids,
                contact_group_ids: a.contact_group_ids,
            },
            position: a.position,
            revision: a.revision,
            view_count: a.view_count,
            helpful_count: a.helpful_count,
            unhelpful_count: a.unhelpful_count,
            attachment_ids: a.file_ids,
            created_on: a.created_at,
            modified_on: a.updated_at,
            published_on: a.published_at,
        }
    }
}

/// An article as a contact reads it: no audience lists, Markdown source or editing details.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalArticleView {
    pub id: i32,
    pub section_id: i32,
    pub category_id: i32,
    pub title: String,
    pub body_html: String,
    pub helpful_count: i32,
    pub unhelpful_count: i32,
    /// Files it keeps: `…/articles/{id}/files/{fileId}`.
    pub attachment_ids: Vec<Uuid>,
    pub modified_on: DateTime<Utc>,
    pub published_on: Option<DateTime<Utc>>,
}

impl From<ArticleRow> for PortalArticleView {
    fn from(a: ArticleRow) -> Self {
        Self {
            id: a.id,
            section_id: a.section_id,
            category_id: a.category_id,
            title: a.title,
            body_html: a.body_html,
            helpful_count: a.helpful_count,
            unhelpful_count: a.unhelpful_count,
            attachment_ids: a.file_ids,
            modified_on: a.updated_at,
            published_on: a.published_at,
        }
    }
}
