//! A small bounded map with per-entry expiry, for lookups that sit on every request's path.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

pub struct TtlCache<K, V> {
    entries: RwLock<HashMap<K, (V, Instant)>>,
    capacity: usize,
    /// Bumped by every eviction, so a value read from the database before an eviction is not
    /// cached after it (see [`TtlCache::insert_unless_evicted`]).
    generation: AtomicU64,
}

impl<K: Eq + Hash + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            capacity,
            generation: AtomicU64::new(0),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((value, expires)) if *expires > Instant::now() => Some(value.clone()),
            _ => None,
        }
    }

    /// Take this before reading what will be cached; pass it to `insert_unless_evicted`.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Caches `value` unless an eviction happened since `generation` was taken: the value may
    /// predate the change that eviction announced.
    pub fn insert_unless_evicted(&self, key: K, value: V, ttl: Duration, generation: u64) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if self.generation.load(Ordering::Acquire) == generation {
            Self::insert_locked(&mut entries, self.capacity, key, value, ttl);
        }
    }

    pub fn insert(&self, key: K, value: V, ttl: Duration) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        Self::insert_locked(&mut entries, self.capacity, key, value, ttl);
    }

    fn insert_locked(
        entries: &mut HashMap<K, (V, Instant)>,
        capacity: usize,
        key: K,
        value: V,
        ttl: Duration,
    ) {
        let now = Instant::now();
        if entries.len() >= capacity {
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= capacity {
                // Still full of live entries: start over rather than grow without bound.
                entries.clear();
            }
        }
        entries.insert(key, (value, now + ttl));
    }

    /// Drops every entry for which `keep` answers false.
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.retain(|k, (v, _)| keep(k, v));
    }
}
