//! What authentication keeps in memory: resolved principals, and the profiles of signed-in
//! people. Both are short-lived and dropped at once, on every instance, when a credential, person
//! or company of the tenant changes (see `state::AppState::invalidate`).

use std::{future::Future, time::Duration};

use chrono::{DateTime, Utc};

use super::Principal;
use crate::{
    cache::TtlCache,
    domain::TenantId,
    error::Result,
    repo::{contacts::Contact, members::Member},
};

const PRINCIPAL_TTL: Duration = Duration::from_secs(30);

/// `last_used_at` is written at most this often per credential.
const TOUCH_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum CacheKey {
    /// An API key, personal access token or session, by the hash of its secret.
    Secret(TenantId, [u8; 32]),
}

pub struct AuthCache {
    pub(super) principals: TtlCache<CacheKey, Principal>,
    touched: TtlCache<String, ()>,
}

impl Default for AuthCache {
    fn default() -> Self {
        Self {
            principals: TtlCache::new(100_000),
            touched: TtlCache::new(100_000),
        }
    }
}

impl AuthCache {
    pub fn evict_tenant(&self, tenant: TenantId) {
        self.principals.retain(|_, p| p.tenant_id != tenant);
    }

    /// Caches a principal read at `generation` (see `TtlCache::insert_unless_evicted`), never
    /// beyond the credential's expiry.
    pub(super) fn remember(
        &self,
        key: CacheKey,
        principal: &Principal,
        expires_at: Option<DateTime<Utc>>,
        generation: u64,
    ) {
        let mut ttl = PRINCIPAL_TTL;
        if let Some(expires_at) = expires_at {
            match (expires_at - Utc::now()).to_std() {
                Ok(left) => ttl = ttl.min(left),
                Err(_) => return,
            }
        }
        self.principals
            .insert_unless_evicted(key, principal.clone(), ttl, generation);
    }

    /// True at most once per interval for each credential.
    pub(super) fn due_for_touch(&self, credential: String) -> bool {
        if self.touched.get(&credential).is_some() {
            return false;
        }
        self.touched.insert(credential, (), TOUCH_INTERVAL);
        true
    }
}

/// The profiles of signed-in people, which the portals read on every page load (`me`).
pub struct ProfileCache {
    members: TtlCache<(TenantId, i32), Member>,
    contacts: TtlCache<(TenantId, i32), Contact>,
}

const PROFILE_TTL: Duration = Duration::from_secs(30);

impl Default for ProfileCache {
    fn default() -> Self {
        Self {
            members: TtlCache::new(100_000),
            contacts: TtlCache::new(100_000),
        }
    }
}

impl ProfileCache {
    pub fn evict_tenant(&self, tenant: TenantId) {
        self.members.retain(|(t, _), _| *t != tenant);
        self.contacts.retain(|(t, _), _| *t != tenant);
    }

    /// The member from the cache, else from `load` (and cached unless a change came in meanwhile).
    pub async fn member(
        &self,
        tenant: TenantId,
        id: i32,
        load: impl Future<Output = Result<Member>>,
    ) -> Result<Member> {
        cached(&self.members, (tenant, id), load).await
    }

    /// The contact from the cache, else from `load` (and cached unless a change came in meanwhile).
    pub async fn contact(
        &self,
        tenant: TenantId,
        id: i32,
        load: impl Future<Output = Result<Contact>>,
    ) -> Result<Contact> {
        cached(&self.contacts, (tenant, id), load).await
    }
}

async fn cached<V: Clone>(
    cache: &TtlCache<(TenantId, i32), V>,
    key: (TenantId, i32),
    load: impl Future<Output = Result<V>>,
) -> Result<V> {
    if let Some(value) = cache.get(&key) {
        return Ok(value);
    }
    let generation = cache.generation();
    let value = load.await?;
    cache.insert_unless_evicted(key, value.clone(), PROFILE_TTL, generation);
    Ok(value)
}
