//! Plain types shared by every layer; no I/O here.

pub mod analytics;
pub mod broadcasts;
pub mod chats;
pub mod companies;
pub mod configuration;
pub mod contact_groups;
pub mod contacts;
pub mod credentials;
pub mod email;
pub mod flows;
pub mod forms;
pub mod learning;
pub mod members;
pub mod notifications;
pub mod office_hours;
pub mod patch;
pub mod portal;
pub mod sla;
pub mod surveys;
pub mod tenants;
pub mod tickets;
pub mod webhooks;
pub mod workflows;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub type TenantId = i64;

/// A person's name as shown: first and last, without stray spaces when one is empty.
pub fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

/// A technician's role. `admin` and `master_admin` may use the Admin and Public APIs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum MemberRole {
    Tech,
    Admin,
    MasterAdmin,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Tech => "tech",
            MemberRole::Admin => "admin",
            MemberRole::MasterAdmin => "master_admin",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "tech" => Some(MemberRole::Tech),
            "admin" => Some(MemberRole::Admin),
            "master_admin" => Some(MemberRole::MasterAdmin),
            _ => None,
        }
    }

    pub fn is_admin(self) -> bool {
        matches!(self, MemberRole::Admin | MemberRole::MasterAdmin)
    }
}

/// What an API key may do: `read` keys are refused on unsafe methods.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum KeyScope {
    Read,
    #[default]
    ReadWrite,
}

impl KeyScope {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyScope::Read => "read",
            KeyScope::ReadWrite => "read_write",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "read" => Some(KeyScope::Read),
            "read_write" => Some(KeyScope::ReadWrite),
            _ => None,
        }
    }
}

/// The two kinds of people who sign in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum UserKind {
    Contact,
    Member,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::Contact => "contact",
            UserKind::Member => "member",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "contact" => Some(UserKind::Contact),
            "member" => Some(UserKind::Member),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "active" => Some(TenantStatus::Active),
            "suspended" => Some(TenantStatus::Suspended),
            _ => None,
        }
    }
}

/// `{ "id": …, "name": … }`, the shape of every reference field.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Reference {
    pub id: i32,
    pub name: String,
}

impl Reference {
    pub fn new(id: i32, name: String) -> Self {
        Self { id, name }
    }

    /// A reference when both parts are there (optional reference fields).
    pub fn maybe(id: Option<i32>, name: Option<String>) -> Option<Self> {
        id.zip(name).map(|(id, name)| Self { id, name })
    }
}

/// A tenant: an IT service provider with its own host name(s).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    pub cors_origins: Vec<String>,
    pub rate_limits: sqlx::types::Json<RateLimitPlan>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A tenant's plan: the limits (per window) that differ from the server's defaults; `null` or
/// absent keeps the default.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitPlan {
    /// Each API key and each personal access token.
    pub per_key: Option<u32>,
    /// Each signed-in person.
    pub per_user: Option<u32>,
    /// Each client address, for requests without credentials.
    pub per_address: Option<u32>,
    /// All of the tenant's requests together.
    pub per_tenant: Option<u32>,
}

/// A reference whose id is a string, as DeskDirector shapes contact groups and categories.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct TextReference {
    pub id: String,
    pub name: String,
}

impl TextReference {
    pub fn new(id: impl ToString, name: String) -> Self {
        Self {
            id: id.to_string(),
            name,
        }
    }
}
