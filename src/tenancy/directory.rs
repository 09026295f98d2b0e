//! Host name → tenant, cached: subdomains of the base domain and custom domains, case-insensitive,
//! port ignored. A tenant's change evicts it on every instance.

use std::{sync::Arc, time::Duration};

use sqlx::PgPool;

use crate::{
    cache::TtlCache,
    domain::{Tenant, TenantId},
    repo::tenants,
};

const FOUND_TTL: Duration = Duration::from_secs(60);

/// Unknown hosts are remembered briefly so a flood of them does not reach the database.
const MISSING_TTL: Duration = Duration::from_secs(5);

/// Which site a request is for.
#[derive(Clone, Debug)]
pub enum Site {
    /// The bare base domain: health, Swagger, the platform (provisioning) API.
    Platform,
    Tenant(Arc<Tenant>),
}

pub struct TenantDirectory {
    base_domain: String,
    by_host: TtlCache<String, Arc<Tenant>>,
    /// Unknown hosts, kept apart so a flood of them cannot push real tenants out of `by_host`.
    missing: TtlCache<String, ()>,
}

impl TenantDirectory {
    pub fn new(base_domain: &str) -> Self {
        Self {
            base_domain: base_domain.to_ascii_lowercase(),
            by_host: TtlCache::new(50_000),
            missing: TtlCache::new(10_000),
        }
    }

    pub fn base_domain(&self) -> &str {
        &self.base_domain
    }

    /// The site for a `Host` header value, or `None` when no tenant has that host.
    pub async fn site_for(&self, pool: &PgPool, host: &str) -> Result<Option<Site>, sqlx::Error> {
        let host = normalize_host(host);
        if host == self.base_domain {
            return Ok(Some(Site::Platform));
        }
        if let Some(tenant) = self.by_host.get(&host) {
            return Ok(Some(Site::Tenant(tenant)));
        }
        if self.missing.get(&host).is_some() || !plausible_host(&host) {
            return Ok(None);
        }
        let (generation, missing_generation) =
            (self.by_host.generation(), self.missing.generation());
        let found = match host
            .strip_suffix(&self.base_domain)
            .and_then(|rest| rest.strip_suffix('.'))
        {
            Some(slug) if !slug.is_empty() && !slug.contains('.') => {
                tenants::find_by_slug(pool, slug).await?
            }
            _ => tenants::find_by_domain(pool, &host).await?,
        };
        match found {
            Some(tenant) => {
                let tenant = Arc::new(tenant);
                self.by_host.insert_unless_evicted(
                    host,
                    Arc::clone(&tenant),
                    FOUND_TTL,
                    generation,
                );
                Ok(Some(Site::Tenant(tenant)))
            }
            None => {
                self.missing
                    .insert_unless_evicted(host, (), MISSING_TTL, missing_generation);
                Ok(None)
            }
        }
    }

    pub fn evict_tenant(&self, tenant: TenantId) {
        self.by_host.retain(|_, t| t.id != tenant);
        // The change may have added a host that was unknown until now.
        self.missing.retain(|_, ()| false);
    }
}

/// Only a syntactically possible host name is worth a database lookup.
fn plausible_host(host: &str) -> bool {
    (1..=253).contains(&host.len())
        && host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// Lowercase, without port or trailing dot.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let without_port = if host.starts_with('[') {
        host.split(']')
            .next()
            .map(|h| format!("{h}]"))
            .unwrap_or_default()
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name.to_string(),
            _ => host.to_string(),
        }
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}
