//! Configuration, read once from the environment. Every variable is listed in the README.

use std::{fmt, net::IpAddr, net::SocketAddr, path::PathBuf, time::Duration};

/// A configuration value that must never be printed (tokens, keys).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`; when unset a private cluster is run under `data_dir`.
    pub database_url: Option<Secret>,
    pub data_dir: PathBuf,
    pub bind: SocketAddr,
    /// Tenants live at `{slug}.{base_domain}`; the bare domain serves the platform endpoints.
    pub base_domain: String,
    pub platform_token: Option<Secret>,
    /// 32-byte key (hex or base64) that encrypts secrets at rest; generated into `data_dir` when unset.
    pub secret_key: Option<Secret>,
    pub log_format: LogFormat,
    pub request_timeout: Duration,
    /// How long a client may take to send a request's head, and the longest a kept-alive
    /// connection may sit idle between requests.
    pub header_timeout: Duration,
    /// The largest request head (line and headers) read; a larger one is refused with 431.
    pub max_header_bytes: usize,
    /// Connections the kernel queues before deskd accepts them.
    pub listen_backlog: u32,
    /// How long the retention job keeps what would otherwise grow without bound.
    pub retention: Retention,
    pub max_body_bytes: usize,
    /// The most bytes of files one upload request may carry.
    pub max_attachment_bytes: usize,
    pub access_token_ttl: Duration,
    pub signing_key_rotation: Duration,
    pub session_ttl: Duration,
    pub cookie_secure: bool,
    pub db_max_connections: u32,
    /// Peers whose `X-Forwarded-For` is believed when working out a client's address.
    pub trusted_proxies: Vec<IpAddr>,
    /// Whether webhooks may call private, loopback and link-local addresses (off: SSRF guard).
    pub webhooks_allow_private: bool,
    /// Certificates (PEM) trusted for SMTP and IMAP TLS beside the public roots: a private CA of an
    /// on-premises mail server.
    pub mail_ca_pem: Option<Vec<u8>>,
    pub rate_limits: RateLimitDefaults,
    /// Shares rate-limit counters between instances; without it each instance counts alone.
    pub redis_url: Option<Secret>,
    /// Prefix of deskd's Redis keys, so several deployments (or test runs) can share one Redis.
    pub redis_prefix: String,
    /// Whether requests are counted for `/metrics` (on by default).
    pub metrics_enabled: bool,
    /// When set, `/metrics` needs `Authorization: Bearer <token>`.
    pub metrics_token: Option<Secret>,
    /// Tenants (by slug) whose requests are labelled by tenant in the metrics; the rest are `other`.
    pub metrics_tenants: Vec<String>,
    /// How often an idle live event stream sends a heartbeat comment.
    pub stream_heartbeat: Duration,
    /// How long a live event stream lasts before the client must reconnect (and be checked again).
    pub stream_lifetime: Duration,
}

/// The limits every tenant gets unless the platform API sets others, per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitDefaults {
    pub enabled: bool,
    pub window_secs: u64,
    /// Each API key and each personal access token.
    pub per_key: u32,
    /// Each signed-in person (session cookie or access token).
    pub per_user: u32,
    /// Each client address, for requests without credentials.
    pub per_address: u32,
    /// All requests to one tenant together.
    pub per_tenant: u32,
}

impl Default for RateLimitDefaults {
    fn default() -> Self {
        Self {
            enabled: true,
            window_secs: 60,
            per_key: 1200,
            per_user: 600,
            per_address: 300,
            per_tenant: 12_000,
        }
    }
}

/// Days the retention job keeps each kind of record (see `service::retention`).
#[derive(Clone, Debug)]
pub struct Retention {
    /// Events: the change feed and ticket event history (90).
    pub events_days: u32,
    /// Finished webhook deliveries and their attempts (30).
    pub deliveries_days: u32,
    /// Sent or failed mail, and the log of received mail (90).
    pub mail_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            events_days: 90,
            deliveries_days: 30,
            mail_days: 90,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: None,
            data_dir: PathBuf::from(".deskd"),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            base_domain: "localhost".into(),
            platform_token: None,
            secret_key: None,
            log_format: LogFormat::Text,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            listen_backlog: 1024,
            retention: Retention::default(),
            max_body_bytes: 1024 * 1024,
            max_attachment_bytes: 25 * 1024 * 1024,
            access_token_ttl: Duration::from_secs(3600),
            signing_key_rotation: Duration::from_secs(30 * 24 * 3600),
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            cookie_secure: true,
            db_max_connections: 20,
            trusted_proxies: Vec::new(),
            webhooks_allow_private: false,
            mail_ca_pem: None,
            rate_limits: RateLimitDefaults::default(),
            redis_url: None,
            redis_prefix: "deskd".into(),
            metrics_enabled: true,
            metrics_token: None,
            metrics_tenants: Vec::new(),
            stream_heartbeat: Duration::from_secs(15),
            stream_lifetime: Duration::from_secs(300),
        }
    }
}

impl Config {
    /// The configuration the environment gives; unset or blank variables keep their defaults.
    pub fn from_env() -> anyhow::Result<Self> {
        let mut c = Self::default();
        c.read_server()?;
        c.read_security()?;
        c.read_limits()?;
        c.read_observability()?;
        Ok(c)
    }

    fn read_server(&mut self) -> anyhow::Result<()> {
        self.database_url = var("DATABASE_URL").map(Secret::new);
        if let Some(v) = var("DESKD_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        set(&mut self.bind, "DESKD_BIND")?;
        if let Some(v) = var("DESKD_BASE_DOMAIN") {
            self.base_domain = v.trim().trim_end_matches('.').to_ascii_lowercase();
        }
        if let Some(secs) = parsed::<u64>("DESKD_REQUEST_TIMEOUT_SECS")? {
            self.request_timeout = Duration::from_secs(secs);
        }
        if let Some(secs) = parsed::<u64>("DESKD_HEADER_TIMEOUT_SECS")? {
            anyhow::ensure!(secs >= 1, "DESKD_HEADER_TIMEOUT_SECS must be at least 1");
            self.header_timeout = Duration::from_secs(secs);
        }
        set(&mut self.max_header_bytes, "DESKD_MAX_HEADER_BYTES")?;
        anyhow::ensure!(
            self.max_header_bytes >= 8192,
            "DESKD_MAX_HEADER_BYTES must be at least 8192"
        );
        set(&mut self.listen_backlog, "DESKD_LISTEN_BACKLOG")?;
        set(&mut self.retention.events_days, "DESKD_RETAIN_EVENTS_DAYS")?;
        set(
            &mut self.retention.deliveries_days,
            "DESKD_RETAIN_DELIVERIES_DAYS",
        )?;
        set(&mut self.retention.mail_days, "DESKD_RETAIN_MAIL_DAYS")?;
        set(&mut self.max_body_bytes, "DESKD_MAX_BODY_BYTES")?;
        set(&mut self.max_attachment_bytes, "DESKD_MAX_ATTACHMENT_BYTES")?;
        set(&mut self.db_max_connections, "DESKD_DB_MAX_CONNECTIONS")?;
        if let Some(secs) = parsed::<u64>("DESKD_STREAM_HEARTBEAT_SECS")? {
            anyhow::ensure!(secs >= 1, "DESKD_STREAM_HEARTBEAT_SECS must be at least 1");
            self.stream_heartbeat = Duration::from_secs(secs);
        }
        if let Some(secs) = parsed::<u64>("DESKD_STREAM_LIFETIME_SECS")? {
            anyhow::ensure!(secs >= 10, "DESKD_STREAM_LIFETIME_SECS must be at least 10");
            self.stream_lifetime = Duration::from_secs(secs);
        }
        Ok(())
    }

    fn read_security(&mut self) -> anyhow::Result<()> {
        self.platform_token = var("DESKD_PLATFORM_TOKEN").map(Secret::new);
        self.secret_key = var("DESKD_SECRET_KEY").map(Secret::new);
        if let Some(secs) = parsed::<u64>("DESKD_ACCESS_TOKEN_TTL_SECS")? {
            self.access_token_ttl = Duration::from_secs(secs);
        }
        if let Some(days) = parsed::<u64>("DESKD_SIGNING_KEY_ROTATION_DAYS")? {
            self.signing_key_rotation = Duration::from_secs(days * 24 * 3600);
        }
        if let Some(hours) = parsed::<u64>("DESKD_SESSION_TTL_HOURS")? {
            self.session_ttl = Duration::from_secs(hours * 3600);
        }
        set(&mut self.cookie_secure, "DESKD_COOKIE_SECURE")?;
        set(
            &mut self.webhooks_allow_private,
            "DESKD_WEBHOOKS_ALLOW_PRIVATE",
        )?;
        if let Some(path) = var("DESKD_MAIL_CA_FILE") {
            let pem = std::fs::read(&path)
                .map_err(|e| anyhow::anyhow!("DESKD_MAIL_CA_FILE `{path}` cannot be read: {e}"))?;
            anyhow::ensure!(
                crate::outbound::mail_roots(&pem).is_ok_and(|c| !c.is_empty()),
                "DESKD_MAIL_CA_FILE `{path}` holds no PEM certificate"
            );
            self.mail_ca_pem = Some(pem);
        }
        if let Some(v) = var("DESKD_TRUSTED_PROXIES") {
            self.trusted_proxies = list(&v)
                .map(|s| parse("DESKD_TRUSTED_PROXIES", &s))
                .collect::<anyhow::Result<_>>()?;
        }
        Ok(())
    }

    fn read_limits(&mut self) -> anyhow::Result<()> {
        let limits = &mut self.rate_limits;
        if let Some(on) = switch("DESKD_RATE_LIMITS")? {
            limits.enabled = on;
        }
        set(&mut limits.per_key, "DESKD_RATE_LIMIT_PER_KEY")?;
        set(&mut limits.per_user, "DESKD_RATE_LIMIT_PER_USER")?;
        set(&mut limits.per_address, "DESKD_RATE_LIMIT_PER_ADDRESS")?;
        set(&mut limits.per_tenant, "DESKD_RATE_LIMIT_PER_TENANT")?;
        set(&mut limits.window_secs, "DESKD_RATE_LIMIT_WINDOW_SECS")?;
        anyhow::ensure!(
            (1..=86_400).contains(&limits.window_secs),
            "DESKD_RATE_LIMIT_WINDOW_SECS must be 1 to 86400"
        );
        self.redis_url = var("DESKD_REDIS_URL").map(Secret::new);
        if let Some(url) = &self.redis_url {
            redis::Client::open(url.expose())
                .map_err(|e| anyhow::anyhow!("DESKD_REDIS_URL is not a Redis URL: {e}"))?;
        }
        if let Some(v) = var("DESKD_REDIS_PREFIX") {
            self.redis_prefix = v.trim().to_string();
        }
        Ok(())
    }

    fn read_observability(&mut self) -> anyhow::Result<()> {
        if let Some(v) = var("DESKD_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => anyhow::bail!("DESKD_LOG_FORMAT must be `text` or `json`, not `{other}`"),
            };
        }
        if let Some(on) = switch("DESKD_METRICS")? {
            self.metrics_enabled = on;
        }
        self.metrics_token = var("DESKD_METRICS_TOKEN").map(Secret::new);
        if let Some(v) = var("DESKD_METRICS_TENANTS") {
            self.metrics_tenants = list(&v).map(|s| s.to_ascii_lowercase()).collect();
        }
        Ok(())
    }
}

/// A variable's value; unset and blank are the same.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A variable parsed as `T`, if set.
fn parsed<T: std::str::FromStr>(name: &str) -> anyhow::Result<Option<T>>
where
    T::Err: fmt::Display,
{
    var(name).map(|v| parse(name, &v)).transpose()
}

/// Overwrites `field` with the variable, if set.
fn set<T: std::str::FromStr>(field: &mut T, name: &str) -> anyhow::Result<()>
where
    T::Err: fmt::Display,
{
    if let Some(value) = parsed(name)? {
        *field = value;
    }
    Ok(())
}

/// `on`/`true` or `off`/`false`, if set.
fn switch(name: &str) -> anyhow::Result<Option<bool>> {
    match var(name).as_deref().map(str::trim) {
        None => Ok(None),
        Some("on" | "true") => Ok(Some(true)),
        Some("off" | "false") => Ok(Some(false)),
        Some(other) => anyhow::bail!("{name} must be `on` or `off`, not `{other}`"),
    }
}

/// The non-empty items of a comma-separated list, trimmed.
fn list(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn parse<T: std::str::FromStr>(name: &str, value: &str) -> anyhow::Result<T>
where
    T::Err: fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e| anyhow::anyhow!("{name}: cannot parse `{value}`: {e}"))
}
