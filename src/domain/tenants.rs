//! What the platform provisions and changes tenants with.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::TenantStatus;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewTenant {
    /// Subdomain: lowercase letters, digits and hyphens, e.g. `acme` for `acme.{base domain}`.
    pub slug: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// The first master admin's sign-in email.
    pub admin_email: String,
    #[schema(min_length = 8, max_length = 256)]
    pub admin_password: String,
    #[serde(default)]
    pub admin_first_name: Option<String>,
    #[serde(default)]
    pub custom_domains: Vec<String>,
}

/// A tenant's settings change; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantChanges {
    pub name: Option<String>,
    pub status: Option<TenantStatus>,
    /// Origins (e.g. `https://tools.example.com`) whose pages may call this tenant's API from a browser.
    pub cors_origins: Option<Vec<String>>,
    pub custom_domains: Option<Vec<String>>,
}
