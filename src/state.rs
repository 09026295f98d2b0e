//! What every handler can reach: configuration, the pool, and the caches in front of it.

use std::{ops::Deref, sync::Arc};

use sqlx::PgPool;

use crate::{
    auth::{
        access_token::AccessTokens,
        cache::{AuthCache, ProfileCache},
    },
    cache::TtlCache,
    config::Config,
    db::{
        health::DbHealth,
        notify::{self, Signal},
    },
    domain::{TenantId, forms::Choice},
    files::FileStore,
    live::LiveHub,
    metrics::Metrics,
    rate_limit::RateLimiter,
    repo::{branding::BrandingRow, lookups::Ranked},
    secrets::ServerKey,
    tenancy::directory::TenantDirectory,
};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// A dynamic-choice URL's choices, or why they could not be loaded.
pub type LoadedChoices = Result<Arc<Vec<Choice>>, String>;

pub struct Inner {
    pub config: Config,
    pub pool: PgPool,
    /// Whether the database answers (probed once `watch_database` runs).
    pub db_health: Arc<DbHealth>,
    pub server_key: ServerKey,
    pub tenants: TenantDirectory,
    pub auth_cache: AuthCache,
    pub tokens: AccessTokens,
    pub profiles: ProfileCache,
    pub files: FileStore,
    /// Sends webhooks (one client, so connections are reused).
    pub webhook_client: reqwest::Client,
    pub limiter: RateLimiter,
    pub metrics: Arc<Metrics>,
    /// This instance's side of the live event streams.
    pub live: LiveHub,
    /// Each tenant's portal branding (read before every sign-in), dropped when it changes.
    pub branding: TtlCache<TenantId, BrandingRow>,
    /// Each tenant's priorities in order and sources (every façade page names them).
    pub ranked: TtlCache<TenantId, Arc<Ranked>>,
    /// Dynamic form choices by (tenant, URL), for a few minutes; a failure, for half a minute.
    pub form_choices: TtlCache<(TenantId, String), LoadedChoices>,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(config: Config, pool: PgPool, server_key: ServerKey) -> Self {
        let tenants = TenantDirectory::new(&config.base_domain);
        let tokens = AccessTokens::new(server_key.clone(), config.signing_key_rotation);
        let files = FileStore::new(&config.data_dir);
        let webhook_client = crate::outbound::client(config.webhooks_allow_private);
        let limiter = RateLimiter::new(
            &config.rate_limits,
            config.redis_url.as_ref().map(|u| u.expose()),
            &config.redis_prefix,
        )
        .expect("DESKD_REDIS_URL is checked when the configuration is read");
        let live = LiveHub::new(pool.clone());
        Self(Arc::new(Inner {
            config,
            pool,
            db_health: Arc::default(),
            server_key,
            tenants,
            auth_cache: AuthCache::default(),
            tokens,
            profiles: ProfileCache::default(),
            files,
            webhook_client,
            limiter,
            metrics: Arc::new(Metrics::default()),
            live,
            branding: TtlCache::new(10_000),
            ranked: TtlCache::new(10_000),
            form_choices: TtlCache::new(10_000),
        }))
    }

    /// Starts probing the database, so requests fail fast while it does not answer.
    pub fn watch_database(&self) {
        self.db_health.spawn_prober(&self.pool);
    }

    /// Starts listening for other instances' invalidation signals.
    pub async fn listen_for_signals(&self) {
        let state = self.clone();
        notify::spawn_listener(self.pool.clone(), move |signal| state.apply(signal)).await;
    }

    /// Drops what this instance cached about the change, then tells the other instances.
    pub async fn invalidate(&self, signal: Signal) {
        self.apply(signal);
        if let Err(e) = notify::publish(&self.pool, signal).await {
            tracing::warn!(error = %e, ?signal, "could not tell other instances about a change");
        }
    }

    fn apply(&self, signal: Signal) {
        match signal {
            Signal::Tenant(id) => {
                self.branding.retain(|tenant, _| *tenant != id);
                self.ranked.retain(|tenant, _| *tenant != id);
                self.tenants.evict_tenant(id);
                self.auth_cache.evict_tenant(id);
                self.profiles.evict_tenant(id);
            }
            Signal::Credentials(id) => {
                self.auth_cache.evict_tenant(id);
                self.profiles.evict_tenant(id);
            }
            Signal::Branding(id) => self.branding.retain(|tenant, _| *tenant != id),
            Signal::Configuration(id) => self.ranked.retain(|tenant, _| *tenant != id),
        }
    }
}
