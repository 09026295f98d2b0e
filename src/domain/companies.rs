//! What a company (account) is created, replaced and patched with.

use serde::Deserialize;
use utoipa::ToSchema;

use super::patch::Patch;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Short unique code, e.g. `AcmeLtd`; made from the name when absent.
    #[serde(default)]
    pub identifier: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompanyPatch {
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    #[serde(default)]
    pub name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub identifier: Patch<String>,
}
