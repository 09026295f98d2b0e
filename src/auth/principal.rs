//! Who a request acts as: its tenant, its actor (a contact, a member with a role, an API key with a scope),
//! how it authenticated, and the families it may call.

use axum::http::Method;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::{KeyScope, MemberRole, TenantId},
    error::Error,
};

/// Who is calling, resolved once per request.
#[derive(Clone, Debug)]
pub struct Principal {
    pub tenant_id: TenantId,
    pub actor: Actor,
    pub via: AuthMethod,
    /// The personal access token's id, when one was used (it has a rate limit of its own).
    pub credential: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Actor {
    Contact { id: i32, company_id: i32 },
    Member { id: i32, role: MemberRole },
    ApiKey { id: String, scope: KeyScope },
}

impl Principal {
    /// The member acting, if a member is.
    pub fn member_id(&self) -> Option<i32> {
        match self.actor {
            Actor::Member { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The rate-limit policy that applies and the bucket this caller's requests count against:
    /// each API key and personal access token alone, a person across their sessions and tokens.
    pub fn limit_bucket(&self) -> (LimitPolicy, String) {
        match (&self.actor, &self.credential) {
            (Actor::ApiKey { id, .. }, _) => (LimitPolicy::Key, format!("key:{id}")),
            (_, Some(token)) => (LimitPolicy::Key, format!("pat:{token}")),
            (Actor::Member { id, .. }, None) => (LimitPolicy::User, format!("member:{id}")),
            (Actor::Contact { id, .. }, None) => (LimitPolicy::User, format!("contact:{id}")),
        }
    }

    /// How this caller is named where an action records its author: `api_key:{id}`,
    /// `member:{id}` or `contact:{id}`.
    pub fn label(&self) -> String {
        match &self.actor {
            Actor::ApiKey { id, .. } => format!("api_key:{id}"),
            Actor::Member { id, .. } => format!("member:{id}"),
            Actor::Contact { id, .. } => format!("contact:{id}"),
        }
    }

    pub fn is_master_admin(&self) -> bool {
        matches!(
            self.actor,
            Actor::Member {
                role: MemberRole::MasterAdmin,
                ..
            }
        )
    }

    pub fn is_read_only_key(&self) -> bool {
        matches!(
            self.actor,
            Actor::ApiKey {
                scope: KeyScope::Read,
                ..
            }
        )
    }
}

/// Which of a tenant's limits a request counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LimitPolicy {
    /// An API key or a personal access token.
    Key,
    /// A signed-in person.
    User,
    /// A client address, for requests without credentials.
    Address,
    /// Every request to the tenant.
    Tenant,
}

impl LimitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitPolicy::Key => "key",
            LimitPolicy::User => "user",
            LimitPolicy::Address => "address",
            LimitPolicy::Tenant => "tenant",
        }
    }
}

/// How the caller authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    ApiKey,
    AccessToken,
    PersonalAccessToken,
    Cookie,
}

/// The outcome of reading a request's credentials. A bad credential is remembered, not raised:
/// routes that need no credentials still answer.
#[derive(Clone, Debug)]
pub enum Authentication {
    Anonymous,
    Authenticated(Principal),
    Rejected(Error),
}

/// The API families, and who may call each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Tenant information and queries: an API key or an admin member.
    Public,
    /// Administration: an API key or an admin member.
    Admin,
    /// The client portal: a contact.
    Portal,
    /// The tech portal: a member.
    Tech,
    /// The Power Automate connector: an API key.
    Connector,
}

impl Family {
    /// The principal, when it may call this family with `method` on `path`.
    pub fn admit<'a>(
        self,
        auth: &'a Authentication,
        method: &Method,
        path: &str,
    ) -> Result<&'a Principal, Error> {
        let principal = match auth {
            Authentication::Anonymous => {
                return Err(Error::unauthorized(format!(
                    "this API needs credentials: {}",
                    self.accepted()
                )));
            }
            Authentication::Rejected(error) => return Err(error.clone()),
            Authentication::Authenticated(principal) => principal,
        };
        let allowed = match (self, &principal.actor) {
            (Family::Public | Family::Admin, Actor::ApiKey { .. }) => true,
            (Family::Public | Family::Admin, Actor::Member { role, .. }) => role.is_admin(),
            (Family::Portal, Actor::Contact { .. }) => true,
            (Family::Tech, Actor::Member { .. }) => true,
            (Family::Connector, Actor::ApiKey { .. }) => true,
            _ => false,
        };
        if !allowed {
            return Err(Error::forbidden(format!(
                "these credentials may not call this API; it accepts {}",
                self.accepted()
            )));
        }
        if self == Family::Public && !is_read(method, path) {
            return Err(Error::new(
                crate::error::Kind::MethodNotAllowed,
                "MethodNotAllowed",
                "the Public API only reads and queries (GET, POST …/find); write through the Admin API",
            ));
        }
        if principal.is_read_only_key() && !is_read(method, path) {
            return Err(Error::forbidden("this API key is read-only"));
        }
        Ok(principal)
    }

    fn accepted(self) -> &'static str {
        match self {
            Family::Public | Family::Admin => "an API key (DdApi) or an admin member's credentials",
            Family::Portal => "a contact's session cookie or portal access token (DdAccessToken)",
            Family::Tech => {
                "a member's session cookie, tech access token (DdAccessToken) or personal access token (Basic)"
            }
            Family::Connector => "an API key (DdApi)",
        }
    }

    /// The OpenAPI security schemes that reach this family.
    pub fn security_schemes(self) -> &'static [&'static str] {
        match self {
            Family::Public | Family::Admin => &["DdApi", "DdAccessToken", "Basic", "cookie"],
            Family::Portal => &["DdAccessToken", "cookie"],
            Family::Tech => &["DdAccessToken", "Basic", "cookie"],
            Family::Connector => &["DdApi"],
        }
    }
}

/// A request that changes nothing: a safe method, or one of DeskDirector's `POST …/find` searches.
pub fn is_read(method: &Method, path: &str) -> bool {
    is_safe(method) || (*method == Method::POST && path.ends_with("/find"))
}

pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
