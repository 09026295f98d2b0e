//! The test harness: a real PostgreSQL (the one at `DATABASE_URL`, else a private cluster under
//! `target/tmp`), a fresh database per test cloned from a migrated template, and requests driven
//! through the real router.

use std::{
    net::SocketAddr,
    sync::{Mutex, OnceLock},
    time::Duration,
};

use axum::{
    Router,
    body::Body,
    extract::ConnectInfo,
    http::{HeaderMap, Method, Request, StatusCode},
};
use deskd::{
    config::{Config, Secret},
    db::{Durability, ManagedPostgres},
    domain::tenants::NewTenant,
    secrets::ServerKey,
    service::tenants::provision,
    state::AppState,
};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{
    ConnectOptions, Connection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use tower::ServiceExt;

pub const PLATFORM_TOKEN: &str = "test-platform-token";
pub const PASSWORD: &str = "correct horse battery";

static SERVER: OnceLock<PgConnectOptions> = OnceLock::new();
static CLUSTER: Mutex<Option<ManagedPostgres>> = Mutex::new(None);
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

extern "C" fn stop_cluster() {
    if let Ok(mut cluster) = CLUSTER.lock()
        && let Some(mut c) = cluster.take()
    {
        c.stop();
    }
}

/// Connection options for the server's maintenance database.
fn server() -> PgConnectOptions {
    SERVER
        .get_or_init(|| match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => url
                .parse::<PgConnectOptions>()
                .expect("DATABASE_URL parses"),
            _ => {
                let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("deskd-test-pg");
                let cluster = ManagedPostgres::start(&dir, Durability::Disposable)
                    .unwrap_or_else(|e| panic!("{e:#}"));
                let options = cluster.connect_options("postgres");
                *CLUSTER.lock().unwrap() = Some(cluster);
                // The test binary ends with exit(), which runs atexit handlers, not destructors.
                unsafe { libc::atexit(stop_cluster) };
                options
            }
        })
        .clone()
}

/// A migrated database that each test's database is cloned from, made once per migration set.
async fn template() -> String {
    TEMPLATE
        .get_or_init(|| async {
            let mut digest = String::new();
            for m in deskd::db::MIGRATOR.iter() {
                digest.push_str(&hex(&m.checksum));
            }
            let name = format!("deskd_tmpl_{}", &sha(&digest)[..16]);
            let mut admin = server().connect().await.expect("connect to PostgreSQL");
            sqlx::query("SELECT pg_advisory_lock(727170002)")
                .execute(&mut admin)
                .await
                .unwrap();
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
            if !exists {
                let building = format!("{name}_building");
                exec(&mut admin, &format!("DROP DATABASE IF EXISTS {building}")).await;
                exec(&mut admin, &format!("CREATE DATABASE {building}")).await;
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(server().database(&building))
                    .await
                    .unwrap();
                deskd::db::migrate(&pool).await.unwrap();
                pool.close().await;
                exec(
                    &mut admin,
                    &format!("ALTER DATABASE {building} RENAME TO {name}"),
                )
                .await;
            }
            sweep_stale(&mut admin).await;
            sqlx::query("SELECT pg_advisory_unlock(727170002)")
                .execute(&mut admin)
                .await
                .unwrap();
            admin.close().await.unwrap();
            name
        })
        .await
        .clone()
}

/// Drops test databases left by runs more than two hours old (a crashed run leaves them).
async fn sweep_stale(admin: &mut sqlx::PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'deskd_test_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap();
    let now = unix_now();
    for name in names {
        let started: u64 = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(now);
        if now.saturating_sub(started) > 7200 {
            exec(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn exec(conn: &mut sqlx::PgConnection, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha(text: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(text.as_bytes()))
}

/// A fresh database for one test, cloned from the template.
pub async fn fresh_database() -> (PgPool, PgConnectOptions, String) {
    let template = template().await;
    let name = format!(
        "deskd_test_{}_{}",
        unix_now(),
        uuid::Uuid::new_v4().simple()
    );
    let mut admin = server().connect().await.expect("connect to PostgreSQL");
    // Cloning fails while another session uses the template; that is brief, so retry.
    for attempt in 0.. {
        match sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .execute(&mut admin)
        .await
        {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("creating the test database: {e}"),
        }
    }
    admin.close().await.unwrap();
    let options = server().database(&name);
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone())
        .await
        .expect("connect to the test database");
    (pool, options, name)
}

pub fn test_config() -> Config {
    Config {
        base_domain: "localhost".into(),
        platform_token: Some(Secret::new(PLATFORM_TOKEN)),
        data_dir: std::env::temp_dir().join("deskd-tests"),
        ..Config::default()
    }
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub pool: PgPool,
    pub database_url_options: PgConnectOptions,
    pub database_name: String,
}

pub struct TestTenant {
    pub tenant: deskd::domain::Tenant,
    pub host: String,
    pub admin_email: String,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        // Server logs go to the test's captured output (shown when it fails); RUST_LOG sets the level.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_test_writer()
            .try_init();
        let (pool, options, name) = fresh_database().await;
        let mut config = test_config();
        // Each test keeps its files apart, since tenant ids repeat across test databases.
        config.data_dir = config.data_dir.join(&name);
        adjust(&mut config);
        let state = AppState::new(config, pool.clone(), ServerKey::from_bytes(&[7u8; 32]));
        state.listen_for_signals().await;
        let router = deskd::build_app(state.clone());
        Self {
            state,
            router,
            pool,
            database_url_options: options,
            database_name: name,
        }
    }

    /// Another deskd instance on the same database, as a second server process would be.
    pub async fn sibling(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = self.state.config.clone();
        adjust(&mut config);
        let state = AppState::new(config, self.pool.clone(), ServerKey::from_bytes(&[7u8; 32]));
        state.listen_for_signals().await;
        TestApp {
            router: deskd::build_app(state.clone()),
            state,
            pool: self.pool.clone(),
            database_url_options: self.database_url_options.clone(),
            database_name: self.database_name.clone(),
        }
    }

    /// A tenant `slug` on `{slug}.localhost`, with a master admin `admin@{slug}.test`.
    pub async fn tenant(&self, slug: &str) -> TestTenant {
        let admin_email = format!("admin@{slug}.test");
        let (details, _) = provision(
            &self.state,
            NewTenant {
                slug: slug.into(),
                name: format!("{slug} IT"),
                admin_email: admin_email.clone(),
                admin_password: PASSWORD.into(),
                admin_first_name: None,
                custom_domains: vec![],
            },
        )
        .await
        .expect("provision a tenant");
        TestTenant {
            tenant: details.tenant,
            host: format!("{slug}.localhost"),
            admin_email,
        }
    }

    pub fn call(&self, method: Method, host: &str, path: &str) -> Call<'_> {
        Call {
            app: self,
            request: Request::builder()
                .method(method)
                .uri(path)
                .header("host", host),
            body: Body::empty(),
            client: SocketAddr::from(([192, 0, 2, 1], 40000)),
        }
    }

    pub fn get(&self, host: &str, path: &str) -> Call<'_> {
        self.call(Method::GET, host, path)
    }

    pub fn post(&self, host: &str, path: &str) -> Call<'_> {
        self.call(Method::POST, host, path)
    }

    /// An API key for the tenant, made through the admin API by its master admin.
    pub async fn api_key(&self, tenant: &TestTenant, scope: &str) -> String {
        let cookie = self
            .sign_in(tenant, "tech", &tenant.admin_email, PASSWORD)
            .await;
        let r = self
            .post(&tenant.host, "/api/v3/admin/api-keys")
            .cookie(&cookie)
            .same_origin(&tenant.host)
            .json(serde_json::json!({"name": "test", "scope": scope}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.json);
        r.json["key"].as_str().unwrap().to_string()
    }

    /// Signs in on the portal (`portal`) or tech (`tech`) API; answers the `Cookie` header value.
    pub async fn sign_in(
        &self,
        tenant: &TestTenant,
        family: &str,
        email: &str,
        password: &str,
    ) -> String {
        let r = self
            .post(&tenant.host, &format!("/api/v2/{family}/auth/login"))
            .json(serde_json::json!({"email": email, "password": password}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "sign-in failed: {}", r.json);
        let set_cookie = r.headers["set-cookie"].to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_string()
    }
}

pub struct Call<'a> {
    app: &'a TestApp,
    request: axum::http::request::Builder,
    body: Body,
    client: SocketAddr,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    pub fn auth(self, value: &str) -> Self {
        self.header("authorization", value)
    }

    pub fn cookie(self, value: &str) -> Self {
        self.header("cookie", value)
    }

    pub fn same_origin(self, host: &str) -> Self {
        self.header("origin", &format!("https://{host}"))
    }

    pub fn client_address(mut self, ip: [u8; 4]) -> Self {
        self.client = SocketAddr::from((ip, 40000));
        self
    }

    pub fn json(mut self, value: Value) -> Self {
        self.request = self.request.header("content-type", "application/json");
        self.body = Body::from(value.to_string());
        self
    }

    /// A `multipart/form-data` body of `(part name, file name, bytes)` parts.
    pub fn multipart(self, parts: &[(&str, Option<&str>, &[u8])]) -> Self {
        let boundary = "deskd-test-boundary-7f3a";
        let mut body = Vec::new();
        for (name, file_name, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match file_name {
                Some(f) => format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: text/html\r\n"
                ),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.raw_body(&format!("multipart/form-data; boundary={boundary}"), body)
    }

    pub fn raw_body(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.request = self.request.header("content-type", content_type);
        self.body = body.into();
        self
    }

    /// Opens a Server-Sent Events stream; a refusal comes back as the error response.
    pub async fn stream(self) -> Result<EventStream, TestResponse> {
        let mut request = self.request.body(self.body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.client));
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        if status != StatusCode::OK {
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            return Err(TestResponse {
                status,
                headers,
                json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                text: String::from_utf8_lossy(&bytes).into_owned(),
                bytes: bytes.to_vec(),
            });
        }
        assert_eq!(headers["content-type"], "text/event-stream");
        Ok(EventStream {
            body: response.into_body(),
            buffer: String::new(),
            comments: vec![],
            last_id: None,
            ended: false,
        })
    }

    pub async fn send(self) -> TestResponse {
        let mut request = self.request.body(self.body).unwrap();
        request.extensions_mut().insert(ConnectInfo(self.client));
        let response = self.app.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        TestResponse {
            status,
            headers,
            json,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl TestResponse {
    /// Asserts the standard error body and its code.
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json["errorCode"], code, "{}", self.text);
        assert_eq!(self.json["status"], status.as_u16(), "{}", self.text);
        assert!(
            self.json["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.text
        );
        let request_id = self.json["requestId"].as_str().expect("requestId");
        assert_eq!(self.headers["x-request-id"].to_str().unwrap(), request_id);
    }
}

/// One event of a stream.
#[derive(Clone, Debug)]
pub struct SseEvent {
    pub id: String,
    pub event: String,
    pub data: Value,
}

/// A Server-Sent Events response being read.
pub struct EventStream {
    body: Body,
    buffer: String,
    /// Comment lines seen so far (heartbeats).
    pub comments: Vec<String>,
    /// The last `id` the server sent, with or without an event: what a client resumes from.
    pub last_id: Option<String>,
    pub ended: bool,
}

impl EventStream {
    /// The next event within `wait`; None when none came or the stream ended.
    pub async fn next_within(&mut self, wait: Duration) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(event) = self.parse_one() {
                return Some(event);
            }
            if self.ended {
                return None;
            }
            let frame = tokio::time::timeout_at(deadline, self.body.frame()).await;
            match frame {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => self.ended = true,
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.buffer.push_str(&String::from_utf8_lossy(&data));
                    }
                }
            }
        }
    }

    /// The next event, which must come within five seconds.
    pub async fn next(&mut self) -> SseEvent {
        self.next_within(Duration::from_secs(5))
            .await
            .expect("an event within 5 s")
    }

    /// Events until `wait` passes with none (or the stream ends).
    pub async fn drain(&mut self, wait: Duration) -> Vec<SseEvent> {
        let mut out = vec![];
        while let Some(e) = self.next_within(wait).await {
            out.push(e);
        }
        out
    }

    fn parse_one(&mut self) -> Option<SseEvent> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer[..end].to_string();
            self.buffer.drain(..end + 2);
            let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
            for line in block.lines() {
                if let Some(comment) = line.strip_prefix(':') {
                    self.comments.push(comment.trim().to_string());
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().to_string();
                    self.last_id = Some(id.clone());
                } else if let Some(v) = line.strip_prefix("event:") {
                    event = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.strip_prefix(' ').unwrap_or(v));
                }
            }
            if !event.is_empty() {
                let data = serde_json::from_str(&data).expect("event data is JSON");
                return Some(SseEvent { id, event, data });
            }
        }
    }
}

/// An API key's calls to one tenant (the Admin API and any other path).
pub struct Admin<'a> {
    pub app: &'a TestApp,
    pub host: String,
    pub auth: String,
}

impl Admin<'_> {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut call = self.app.call(method, &self.host, path).auth(&self.auth);
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send().await
    }
}

/// A new tenant `slug` and a read-write API key of it.
pub async fn admin<'a>(app: &'a TestApp, slug: &str) -> Admin<'a> {
    let t = app.tenant(slug).await;
    let key = app.api_key(&t, "read_write").await;
    Admin {
        app,
        host: t.host,
        auth: format!("DdApi {key}"),
    }
}

/// Waits (up to 5 s) until a server started by a test accepts connections on this local port.
pub fn wait_for_port(port: u16) {
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}
