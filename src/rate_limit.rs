//! Rate limits: fixed windows counted per bucket — in this process, or in Redis so that every
//! instance shares one count. When Redis cannot be reached deskd keeps serving with the counts of
//! this process, says so once in its log, counts the fallbacks in its metrics, and tries Redis
//! again a few seconds later.

use std::{
    collections::HashMap,
    hash::{BuildHasherDefault, Hash, Hasher},
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use redis::{Client, Script, aio::ConnectionManager};

use crate::{auth::principal::LimitPolicy, config::RateLimitDefaults, metrics::Metrics};

/// How long one Redis round trip may take before this request falls back.
const REDIS_TIMEOUT: Duration = Duration::from_millis(100);
/// How long to leave Redis alone after it failed.
const REDIS_REST: Duration = Duration::from_secs(5);
const SHARDS: usize = 64;
/// The dearest operation costs this many units, so no limit may be lower.
pub const MAX_COST: u32 = 10;

/// One count to make: whose bucket, under which policy, with what limit.
#[derive(Clone, Debug)]
pub struct Bucket {
    pub policy: LimitPolicy,
    pub key: String,
    pub limit: u32,
}

/// The answer for one request, about the bucket that binds it (the one with least room).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub policy: LimitPolicy,
    pub limit: u32,
    pub remaining: u32,
    /// Unix seconds at which the window resets.
    pub reset_at: u64,
    pub window_secs: u64,
}

impl Verdict {
    pub fn reset_in(&self) -> u64 {
        self.reset_at.saturating_sub(unix_now()).max(1)
    }
}

pub struct RateLimiter {
    window_secs: u64,
    local: Local,
    shared: Option<Shared>,
}

impl RateLimiter {
    pub fn new(
        defaults: &RateLimitDefaults,
        redis_url: Option<&str>,
        redis_prefix: &str,
    ) -> anyhow::Result<Self> {
        let shared = match redis_url {
            Some(url) => Some(Shared::new(url, redis_prefix)?),
            None => None,
        };
        Ok(Self {
            window_secs: defaults.window_secs.max(1),
            local: Local::default(),
            shared,
        })
    }

    /// Counts a request of `cost` units against `subject` and then `tenant`. A request refused
    /// by its own bucket does not reach the tenant's (one client over its limit cannot use up
    /// the tenant's), and one the tenant's refuses is taken back from both.
    pub async fn check(
        &self,
        subject: &Bucket,
        tenant: Option<&Bucket>,
        cost: u32,
        metrics: &Metrics,
    ) -> Verdict {
        let now = unix_now();
        let window = now / self.window_secs;
        let counts = match &self.shared {
            Some(shared) if !shared.resting() => {
                match shared
                    .count(window, self.window_secs, subject, tenant, cost)
                    .await
                {
                    Ok(counts) => Some(counts),
                    Err(e) => {
                        shared.rest(&e);
                        metrics.rate_limit_fallbacks.inc();
                        None
                    }
                }
            }
            _ => None,
        };
        let (subject_count, tenant_count) =
            counts.unwrap_or_else(|| self.local.count(window, subject, tenant, cost));
        let reset_at = (window + 1) * self.window_secs;
        let verdict = |policy, limit: u32, count: u64, allowed| Verdict {
            allowed,
            policy,
            limit,
            remaining: u64::from(limit).saturating_sub(count) as u32,
            reset_at,
            window_secs: self.window_secs,
        };
        if subject_count > u64::from(subject.limit) {
            return verdict(subject.policy, subject.limit, subject_count, false);
        }
        let Some(tenant) = tenant else {
            return verdict(subject.policy, subject.limit, subject_count, true);
        };
        let tenant_count = tenant_count.unwrap_or(0);
        if tenant_count > u64::from(tenant.limit) {
            return verdict(tenant.policy, tenant.limit, tenant_count, false);
        }
        let subject_room = u64::from(subject.limit) - subject_count;
        let tenant_room = u64::from(tenant.limit) - tenant_count;
        if tenant_room < subject_room {
            verdict(tenant.policy, tenant.limit, tenant_count, true)
        } else {
            verdict(subject.policy, subject.limit, subject_count, true)
        }
    }

    /// Whether counts are shared through Redis right now (for the metrics).
    pub fn shared_now(&self) -> bool {
        self.shared.as_ref().is_some_and(|s| !s.resting())
    }
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Entries one shard holds at most (64 shards): bounded memory whatever addresses call.
const SHARD_CAP: usize = 8192;

/// Keeps a shard bounded before it takes a new key: entries of finished windows go first, and
/// should the current window alone fill it (a flood of addresses), the shard starts over.
fn bound<V>(map: &mut HashMap<String, V, BuildHasherDefault<Fnv>>, live: impl Fn(&V) -> bool) {
    if map.len() < SHARD_CAP {
        return;
    }
    map.retain(|_, v| live(v));
    if map.len() >= SHARD_CAP / 2 {
        map.clear();
    }
}

/// FNV-1a: bucket keys are short, and this runs on every request (SipHash costs more here, and
/// the keys come from credentials already checked, not from whatever a client sends).
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Counts = HashMap<String, (u64, u64), BuildHasherDefault<Fnv>>;

/// Counts kept in this process, sharded to keep locks short.
struct Local {
    shards: Vec<Mutex<Counts>>,
}

impl Default for Local {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::new(Counts::default())).collect(),
        }
    }
}

impl Local {
    fn shard(&self, key: &str) -> std::sync::MutexGuard<'_, Counts> {
        let mut hasher = Fnv::default();
        key.hash(&mut hasher);
        self.shards[(hasher.finish() as usize) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Adds `cost` (negative: takes it back) to `key`'s count in `window`; answers the count.
    fn add(&self, window: u64, key: &str, cost: i64) -> u64 {
        let mut shard = self.shard(key);
        if let Some(entry) = shard.get_mut(key) {
            if entry.0 != window {
                *entry = (window, 0);
            }
            entry.1 = entry.1.saturating_add_signed(cost);
            return entry.1;
        }
        bound(&mut shard, |(w, _)| *w >= window);
        let count = 0u64.saturating_add_signed(cost);
        shard.insert(key.to_string(), (window, count));
        count
    }

    fn count(
        &self,
        window: u64,
        subject: &Bucket,
        tenant: Option<&Bucket>,
        cost: u32,
    ) -> (u64, Option<u64>) {
        let cost = i64::from(cost);
        let s = self.add(window, &subject.key, cost);
        let Some(tenant) = tenant else {
            return (s, None);
        };
        if s > u64::from(subject.limit) {
            return (s, None);
        }
        let t = self.add(window, &tenant.key, cost);
        if t > u64::from(tenant.limit) {
            self.add(window, &subject.key, -cost);
            self.add(window, &tenant.key, -cost);
        }
        (s, Some(t))
    }
}

/// Takes up to `want` units of a bucket in Redis, never past its limit: answers what it got and
/// the bucket's count after.
const RESERVE_SCRIPT: &str = r#"
local want, ttl, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('INCRBY', KEYS[1], want)
if v == want then redis.call('EXPIRE', KEYS[1], ttl) end
local over = v - limit
if over > 0 then
  if over > want then over = want end
  redis.call('DECRBY', KEYS[1], over)
  return {want - over, v - over}
end
return {want, v}
"#;

/// Units of one bucket this instance took from Redis and has not used yet, in one window.
#[derive(Clone, Copy, Default)]
struct Lease {
    window: u64,
    left: u64,
    /// The bucket's count in Redis when this instance last took units.
    total: u64,
}

/// Shared counts. Each instance takes units from Redis a few at a time (a fiftieth of the limit,
/// at most 100; exactly what a request needs for small limits) and spends them locally, so most
/// requests need no round trip. Together the instances never pass a limit; units one instance
/// holds when the window ends are lost to the others.
struct Shared {
    connection: ConnectionManager,
    prefix: String,
    script: Script,
    leases: Vec<Mutex<HashMap<String, Lease, BuildHasherDefault<Fnv>>>>,
    /// Unix milliseconds until which Redis is left alone.
    resting_until: AtomicU64,
}

impl Shared {
    fn new(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self {
            connection,
            prefix: prefix.to_string(),
            script: Script::new(RESERVE_SCRIPT),
            leases: (0..SHARDS)
                .map(|_| Mutex::new(HashMap::default()))
                .collect(),
            resting_until: AtomicU64::new(0),
        })
    }

    fn resting(&self) -> bool {
        unix_millis() < self.resting_until.load(Ordering::Relaxed)
    }

    fn rest(&self, error: &anyhow::Error) {
        let until = unix_millis() + REDIS_REST.as_millis() as u64;
        let before = self.resting_until.swap(until, Ordering::Relaxed);
        // Said once per outage, not once per request.
        if before + 2 * REDIS_REST.as_millis() as u64 <= until {
            tracing::warn!(error = %error, "Redis is unreachable; rate limits are counted in this process until it is back");
        }
    }

    fn lease(
        &self,
        key: &str,
    ) -> std::sync::MutexGuard<'_, HashMap<String, Lease, BuildHasherDefault<Fnv>>> {
        let mut hasher = Fnv::default();
        key.hash(&mut hasher);
        self.leases[(hasher.finish() as usize) % SHARDS]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Spends `cost` units of the bucket from this instance's lease: the bucket's count as far as
    /// this instance knows, or `None` when the lease cannot cover it.
    fn spend(&self, window: u64, key: &str, cost: u64) -> Option<u64> {
        let mut leases = self.lease(key);
        let lease = leases.get_mut(key)?;
        if lease.window != window || lease.left < cost {
            return None;
        }
        lease.left -= cost;
        Some(lease.total.saturating_sub(lease.left))
    }

    /// Gives `cost` units back to this instance's lease (the tenant refused the request).
    fn refund(&self, window: u64, key: &str, cost: u64) {
        if let Some(lease) = self.lease(key).get_mut(key)
            && lease.window == window
        {
            lease.left += cost;
        }
    }

    /// Spends `cost` units, taking more from Redis when the lease runs short. A count past the
    /// limit means refused.
    async fn take(
        &self,
        window: u64,
        window_secs: u64,
        bucket: &Bucket,
        cost: u64,
    ) -> anyhow::Result<u64> {
        if let Some(count) = self.spend(window, &bucket.key, cost) {
            return Ok(count);
        }
        let limit = u64::from(bucket.limit);
        let held = {
            let leases = self.lease(&bucket.key);
            leases
                .get(&bucket.key)
                .filter(|l| l.window == window)
                .map_or(0, |l| l.left)
        };
        let want = cost.saturating_sub(held) + (limit / 50).min(100);
        let mut invocation = self
            .script
            .key(format!("{}:rl:{window}:{}", self.prefix, bucket.key));
        invocation.arg(want).arg(window_secs + 5).arg(limit);
        let mut connection = self.connection.clone();
        let (granted, total): (u64, u64) =
            tokio::time::timeout(REDIS_TIMEOUT, invocation.invoke_async(&mut connection))
                .await
                .map_err(|_| anyhow::anyhow!("Redis took longer than {REDIS_TIMEOUT:?}"))??;
        let mut leases = self.lease(&bucket.key);
        bound(&mut leases, |l| l.window >= window);
        let lease = leases.entry(bucket.key.clone()).or_default();
        if lease.window != window {
            *lease = Lease {
                window,
                ..Lease::default()
            };
        }
        lease.left += granted;
        lease.total = lease.total.max(total);
        if lease.left >= cost {
            lease.left -= cost;
            Ok(lease.total.saturating_sub(lease.left))
        } else {
            Ok(limit + cost)
        }
    }

    async fn count(
        &self,
        window: u64,
        window_secs: u64,
        subject: &Bucket,
        tenant: Option<&Bucket>,
        cost: u32,
    ) -> anyhow::Result<(u64, Option<u64>)> {
        let cost = u64::from(cost);
        let s = self.take(window, window_secs, subject, cost).await?;
        let Some(tenant) = tenant else {
            return Ok((s, None));
        };
        if s > u64::from(subject.limit) {
            return Ok((s, None));
        }
        let t = self.take(window, window_secs, tenant, cost).await?;
        if t > u64::from(tenant.limit) {
            self.refund(window, &subject.key, cost);
        }
        Ok((s, Some(t)))
    }
}

fn unix_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(policy: LimitPolicy, key: &str, limit: u32) -> Bucket {
        Bucket {
            policy,
            key: key.into(),
            limit,
        }
    }

    #[tokio::test]
    async fn a_client_over_its_limit_does_not_use_up_its_tenants() {
        let limiter = RateLimiter::new(&RateLimitDefaults::default(), None, "test").unwrap();
        let metrics = Metrics::default();
        let key = bucket(LimitPolicy::Key, "key:a", 3);
        let other = bucket(LimitPolicy::Key, "key:b", 100);
        let tenant = bucket(LimitPolicy::Tenant, "tenant:1", 5);
        let mut allowed = 0;
        for _ in 0..10 {
            if limiter
                .check(&key, Some(&tenant), 1, &metrics)
                .await
                .allowed
            {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 3);
        // Two units of the tenant's five are left for the other key, then the tenant refuses.
        let v = limiter.check(&other, Some(&tenant), 1, &metrics).await;
        assert!(v.allowed);
        assert_eq!((v.policy, v.remaining), (LimitPolicy::Tenant, 1));
        assert!(
            limiter
                .check(&other, Some(&tenant), 1, &metrics)
                .await
                .allowed
        );
        let refused = limiter.check(&other, Some(&tenant), 1, &metrics).await;
        assert!(!refused.allowed);
        assert_eq!(
            (refused.policy, refused.remaining),
            (LimitPolicy::Tenant, 0)
        );
        // A costly request counts its cost.
        let big = bucket(LimitPolicy::Key, "key:c", 10);
        let v = limiter.check(&big, None, 4, &metrics).await;
        assert_eq!(v.remaining, 6);
    }
}
