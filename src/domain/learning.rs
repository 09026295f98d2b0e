//! The Learning Center: categories, their sections, and the articles in them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::portal::ContentAudience;

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CategoryInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Categories are shown by position, then id.
    #[serde(default)]
    pub position: i32,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SectionInput {
    pub category_id: i32,
    pub name: String,
    #[serde(default)]
    pub position: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum ArticleState {
    /// Only admins see it.
    Draft,
    /// Its audience sees it.
    Published,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArticleInput {
    pub section_id: i32,
    pub title: String,
    /// Markdown; scripts, event handlers and `javascript:` links are dropped when it is rendered.
    pub body: String,
    pub state: ArticleState,
    /// Who may read it once published (`members`: staff only).
    #[serde(default)]
    pub audience: ContentAudience,
    #[serde(default)]
    pub position: i32,
    /// Files it keeps (your own uploads from `POST /attachments`, or files it already keeps);
    /// Markdown links to them as `files/{id}`. Files left out are let go.
    #[serde(default)]
    pub attachment_ids: Vec<Uuid>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VoteInput {
    /// Whether the article helped.
    pub helpful: bool,
}
