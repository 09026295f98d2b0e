//! What the client portal shows: its branding, content pages and menu, each page and menu item for
//! an audience.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::patch::Patch;

/// Who sees a page, menu item or article.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum AudienceKind {
    #[default]
    Everyone,
    /// Contacts of `companyIds`.
    Companies,
    /// Members of `contactGroupIds`.
    ContactGroups,
    /// Staff only (Learning Center articles).
    Members,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentAudience {
    #[serde(default)]
    pub kind: AudienceKind,
    #[serde(default)]
    pub company_ids: Vec<i32>,
    #[serde(default)]
    pub contact_group_ids: Vec<i32>,
}

/// How contacts may sign in, as the sign-in page offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInOption {
    Password,
    /// A one-time code by mail (passwordless).
    LoginCode,
}

impl SignInOption {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInOption::Password => "password",
            SignInOption::LoginCode => "login_code",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "password" => Some(SignInOption::Password),
            "login_code" => Some(SignInOption::LoginCode),
            _ => None,
        }
    }
}

/// Changes to the branding (JSON merge patch: absent unchanged, `null` cleared).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BrandingPatch {
    /// Shown instead of the tenant's name (at most 100 characters).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub portal_name: Patch<String>,
    /// An image uploaded with `POST /attachments` (PNG, JPEG, GIF or WebP, at most 512 KB).
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub logo_id: Patch<Uuid>,
    /// An image uploaded with `POST /attachments` (PNG, ICO or GIF, at most 64 KB).
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub favicon_id: Patch<Uuid>,
    /// `#rrggbb`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub primary_color: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub accent_color: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub support_email: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub support_phone: Patch<String>,
    /// An https URL where the portal's pages live; deep links redirect there.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub portal_base_url: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<Vec<SignInOption>>)]
    pub sign_in_options: Patch<Vec<SignInOption>>,
}

/// A content page: Markdown, rendered to sanitised HTML when saved.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContentPageInput {
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub audience: ContentAudience,
}

/// What a menu item opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum MenuItemKind {
    /// `url`, perhaps with the contact's access token.
    ExternalSite,
    ContentPage,
    RequestType,
    Form,
    LearningCategory,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MenuItemInput {
    pub label: String,
    /// An icon name for the portal to draw (at most 50 characters).
    #[serde(default)]
    pub icon: String,
    /// Items are shown by position, then id.
    #[serde(default)]
    pub position: i32,
    pub kind: MenuItemKind,
    /// For `external_site`: an http(s) URL.
    #[serde(default)]
    pub url: Option<String>,
    /// For `external_site`: add the contact's access token as `access_token` to the URL.
    #[serde(default)]
    pub pass_access_token: bool,
    #[serde(default)]
    pub open_in_new_tab: bool,
    /// For the other kinds: the page, request type, form or Learning Center category.
    #[serde(default)]
    pub target_id: Option<i32>,
    #[serde(default)]
    pub audience: ContentAudience,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}
