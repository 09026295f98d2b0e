//! What a contact (an end user of a customer company) is created, replaced and patched with.

use serde::Deserialize;
use utoipa::ToSchema;

use super::patch::Patch;

/// A contact as created (`POST`) or replaced (`PUT`); `password` as for members.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactInput {
    pub company_id: i32,
    #[schema(pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$")]
    pub email: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(min_length = 8, max_length = 256)]
    pub password: Option<String>,
    /// May approve tickets that need approval (default false).
    #[serde(default)]
    pub is_approver: bool,
    #[serde(default)]
    pub is_vip: bool,
    /// Sees every ticket of their company, not only their own and their groups' (default false).
    #[serde(default)]
    pub sees_company_tickets: bool,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactPatch {
    #[schema(value_type = i32)]
    #[serde(default)]
    pub company_id: Patch<i32>,
    #[schema(value_type = String, pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$")]
    #[serde(default)]
    pub email: Patch<String>,
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    #[serde(default)]
    pub first_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub last_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub phone: Patch<String>,
    #[schema(value_type = String, min_length = 8, max_length = 256)]
    #[serde(default)]
    pub password: Patch<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub is_approver: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub is_vip: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub sees_company_tickets: Patch<bool>,
}
