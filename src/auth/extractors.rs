//! Handler arguments that state who may call: the required role is visible in the signature.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use super::{Actor, AuthMethod, Authentication, Family, Principal};
use crate::{
    domain::{MemberRole, Tenant, UserKind},
    error::Error,
    state::AppState,
    tenancy::Site,
};

/// The tenant whose host the request came to.
pub struct CurrentTenant(pub Arc<Tenant>);

impl FromRequestParts<AppState> for CurrentTenant {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Site>() {
            Some(Site::Tenant(tenant)) => Ok(Self(Arc::clone(tenant))),
            _ => Err(crate::tenancy::tenant_not_found()),
        }
    }
}

fn admit(parts: &Parts, family: Family) -> Result<(Arc<Tenant>, Principal), Error> {
    let tenant = match parts.extensions.get::<Site>() {
        Some(Site::Tenant(tenant)) => Arc::clone(tenant),
        _ => return Err(crate::tenancy::tenant_not_found()),
    };
    let anonymous = Authentication::Anonymous;
    let authentication = parts
        .extensions
        .get::<Authentication>()
        .unwrap_or(&anonymous);
    let principal = family
        .admit(authentication, &parts.method, parts.uri.path())?
        .clone();
    Ok((tenant, principal))
}

/// An API key or an admin member: the Admin and Public APIs.
pub struct AdminCaller {
    pub tenant: Arc<Tenant>,
    pub principal: Principal,
}

impl AdminCaller {
    /// How this caller is named where an action records its author.
    pub fn label(&self) -> String {
        self.principal.label()
    }
}

impl FromRequestParts<AppState> for AdminCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let (tenant, principal) = admit(parts, Family::Admin)?;
        Ok(Self { tenant, principal })
    }
}

/// An API key: the Power Automate connector API.
pub struct ConnectorCaller {
    pub tenant: Arc<Tenant>,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for ConnectorCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let (tenant, principal) = admit(parts, Family::Connector)?;
        Ok(Self { tenant, principal })
    }
}

/// A signed-in contact: the Portal APIs.
pub struct PortalUser {
    pub tenant: Arc<Tenant>,
    pub contact_id: i32,
    pub company_id: i32,
    pub via: AuthMethod,
}

impl FromRequestParts<AppState> for PortalUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let (tenant, principal) = admit(parts, Family::Portal)?;
        match principal.actor {
            Actor::Contact { id, company_id } => Ok(Self {
                tenant,
                contact_id: id,
                company_id,
                via: principal.via,
            }),
            _ => Err(Error::forbidden("the Portal APIs are for contacts")),
        }
    }
}

/// A signed-in member: the Tech APIs.
pub struct TechUser {
    pub tenant: Arc<Tenant>,
    pub member_id: i32,
    pub role: MemberRole,
    pub via: AuthMethod,
}

impl FromRequestParts<AppState> for TechUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let (tenant, principal) = admit(parts, Family::Tech)?;
        match principal.actor {
            Actor::Member { id, role } => Ok(Self {
                tenant,
                member_id: id,
                role,
                via: principal.via,
            }),
            _ => Err(Error::forbidden("the Tech APIs are for members")),
        }
    }
}

/// The client's address: the peer, or the `X-Forwarded-For` entry nearest to us that is not a
/// trusted proxy, when the peer is one.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(
            &parts.extensions,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// The peer's address, or, when the peer is a trusted proxy, the `X-Forwarded-For` entry nearest
/// to us that is not one (a client cannot choose its address by sending the header).
pub fn client_address(
    extensions: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    trusted: &[IpAddr],
) -> IpAddr {
    // IPv4 clients of a dual-stack listener arrive as `::ffff:a.b.c.d`.
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_canonical())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if !trusted.contains(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From our side outwards: past trusted proxies to the first other address. An entry that is
    // not an address ends the walk (what lies beyond it cannot be trusted), and the peer answers.
    for entry in entries.into_iter().rev() {
        match entry.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            Err(_) => return peer,
        }
    }
    peer
}

/// Any caller the route's family guard admitted: for read-only lists that several families share
/// (the family, not the handler, decides who may call).
pub struct SignedIn {
    pub tenant: Arc<Tenant>,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        let tenant = match parts.extensions.get::<Site>() {
            Some(Site::Tenant(tenant)) => Arc::clone(tenant),
            _ => return Err(crate::tenancy::tenant_not_found()),
        };
        match parts.extensions.get::<Authentication>() {
            Some(Authentication::Authenticated(principal)) => Ok(Self {
                tenant,
                principal: principal.clone(),
            }),
            Some(Authentication::Rejected(error)) => Err(error.clone()),
            _ => Err(Error::unauthorized("this API needs credentials")),
        }
    }
}

/// A signed-in person, contact or member (never an API key): for what each person has of their
/// own in whichever portal they use, such as their notifications.
pub struct Person {
    pub tenant: Arc<Tenant>,
    pub kind: UserKind,
    pub id: i32,
}

impl FromRequestParts<AppState> for Person {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn { tenant, principal } = SignedIn::from_request_parts(parts, state).await?;
        let (kind, id) = match principal.actor {
            Actor::Contact { id, .. } => (UserKind::Contact, id),
            Actor::Member { id, .. } => (UserKind::Member, id),
            Actor::ApiKey { .. } => {
                return Err(Error::forbidden("this is for people, not API keys"));
            }
        };
        Ok(Self { tenant, kind, id })
    }
}

/// A member (any role) or an API key: staff, who see every ticket of the tenant. Mounted under the
/// Tech family (members) and the Admin family (API keys and admins).
pub struct Staff {
    pub tenant: Arc<Tenant>,
    pub principal: Principal,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn { tenant, principal } = SignedIn::from_request_parts(parts, state).await?;
        // Families refuse read-only keys' writes before this; routes outside a family (the
        // Desk360 façade) rely on this check.
        if principal.is_read_only_key()
            && !super::principal::is_read(&parts.method, parts.uri.path())
        {
            return Err(Error::forbidden("this API key is read-only"));
        }
        match principal.actor {
            Actor::Member { .. } | Actor::ApiKey { .. } => Ok(Self { tenant, principal }),
            Actor::Contact { .. } => {
                Err(Error::forbidden("this API is for technicians and API keys"))
            }
        }
    }
}

/// The platform operator, proven by the platform token.
pub struct PlatformOperator;

impl FromRequestParts<AppState> for PlatformOperator {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !matches!(parts.extensions.get::<Site>(), Some(Site::Platform)) {
            return Err(Error::not_found("resource"));
        }
        let Some(expected) = &state.config.platform_token else {
            return Err(Error::unauthorized(
                "the platform API is disabled; set DESKD_PLATFORM_TOKEN to enable it",
            ));
        };
        let presented = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .unwrap_or("");
        if presented.is_empty() || !crate::secrets::secrets_equal(presented, expected.expose()) {
            return Err(Error::unauthorized("a valid platform token is required"));
        }
        Ok(PlatformOperator)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{Extensions, HeaderMap, HeaderValue};

    use super::*;

    fn from(peer: &str, forwarded: Option<&str>) -> IpAddr {
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 4000)));
        let mut headers = HeaderMap::new();
        if let Some(f) = forwarded {
            headers.insert("x-forwarded-for", HeaderValue::from_str(f).unwrap());
        }
        client_address(&extensions, &headers, &["10.0.0.1".parse().unwrap()])
    }

    #[test]
    fn only_trusted_proxies_are_believed_and_only_as_far_as_they_can_be() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            from("198.51.100.4", Some("203.0.113.5")),
            ip("198.51.100.4")
        );
        assert_eq!(from("10.0.0.1", Some("203.0.113.5")), ip("203.0.113.5"));
        assert_eq!(
            from("10.0.0.1", Some("1.2.3.4, 203.0.113.5, 10.0.0.1")),
            ip("203.0.113.5")
        );
        // An entry the proxy wrote that is no address: nothing beyond it is believed.
        assert_eq!(
            from("10.0.0.1", Some("1.2.3.4, 203.0.113.5:443")),
            ip("10.0.0.1")
        );
        // IPv4 through a dual-stack listener is still IPv4, and still the trusted proxy.
        assert_eq!(
            from("::ffff:10.0.0.1", Some("203.0.113.5")),
            ip("203.0.113.5")
        );
        assert_eq!(from("::ffff:198.51.100.4", None), ip("198.51.100.4"));
    }
}
