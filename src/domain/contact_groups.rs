//! What contact groups ("teams") and their memberships are written with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MembershipInput {
    /// `manager` or `member` (DeskDirector's `guest` means `member`).
    pub role: GroupRole,
}

/// A contact's role in a group. DeskDirector's `guest` is taken as `member`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum GroupRole {
    /// Sees and acts on the group's tickets.
    Manager,
    #[serde(alias = "guest")]
    Member,
}
