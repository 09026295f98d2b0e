//! What a member (technician) is created, replaced and patched with.

use serde::Deserialize;
use utoipa::ToSchema;

use super::{MemberRole, patch::Patch};

/// A member as created (`POST`) or replaced (`PUT`). `password`, when given, sets the sign-in
/// password; a `PUT` without it leaves the password as it was.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberInput {
    #[schema(pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$")]
    pub email: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    pub role: MemberRole,
    #[serde(default)]
    #[schema(min_length = 8, max_length = 256)]
    pub password: Option<String>,
}

/// JSON merge patch of a member: absent = unchanged, `null` = cleared, value = set.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberPatch {
    #[schema(value_type = String, pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$")]
    #[serde(default)]
    pub email: Patch<String>,
    #[schema(value_type = String, min_length = 1, pattern = r"\S")]
    #[serde(default)]
    pub first_name: Patch<String>,
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub last_name: Patch<String>,
    #[schema(value_type = MemberRole)]
    #[serde(default)]
    pub role: Patch<MemberRole>,
    #[schema(value_type = String, min_length = 8, max_length = 256)]
    #[serde(default)]
    pub password: Patch<String>,
}
