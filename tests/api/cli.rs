//! The `deskd` binary itself: provisioning from the command line, and a server that stops cleanly.

use std::{
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use axum::http::StatusCode;

use crate::support::{PASSWORD, TestApp};

/// A `postgres://` URL for the test's own database (TCP or the private cluster's socket).
fn database_url(app: &TestApp) -> String {
    let o = &app.database_url_options;
    match o.get_socket() {
        Some(socket) => format!(
            "postgres://{}@localhost:{}/{}?host={}",
            o.get_username(),
            o.get_port(),
            app.database_name,
            socket.display()
        ),
        None => {
            let url =
                std::env::var("DATABASE_URL").expect("a TCP test database comes from DATABASE_URL");
            let (base, _) = url.rsplit_once('/').unwrap();
            format!("{base}/{}", app.database_name)
        }
    }
}

pub fn deskd(app: &TestApp, data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_deskd"));
    command
        .env("DATABASE_URL", database_url(app))
        .env("DESKD_DATA_DIR", data_dir)
        .env("DESKD_BASE_DOMAIN", "localhost")
        .env("RUST_LOG", "warn");
    command
}

#[tokio::test]
async fn the_cli_provisions_a_tenant_and_prints_a_working_api_key_last() {
    let app = TestApp::new().await;
    let data = tempdir();
    let out = deskd(&app, &data)
        .args([
            "tenant",
            "create",
            "--slug",
            "cli",
            "--name",
            "CLI IT",
            "--admin-email",
            "root@cli.test",
            "--admin-password",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = deskd(&app, &data)
        .args(["api-key", "create", "--tenant", "cli", "--name", "ci"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let key = stdout.lines().last().unwrap().trim();
    assert!(key.starts_with("ddk_"), "{stdout}");
    let r = app
        .get("cli.localhost", "/api/v3/admin/members")
        .auth(&format!("DdApi {key}"))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["results"][0]["email"], "root@cli.test");

    let listed = deskd(&app, &data)
        .args(["api-key", "list", "--tenant", "cli"])
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("\tci\t") && !listed.contains(key),
        "{listed}"
    );
    let id = listed.split('\t').next().unwrap();
    let revoked = deskd(&app, &data)
        .args(["api-key", "revoke", "--tenant", "cli", "--id", id])
        .output()
        .unwrap();
    assert!(revoked.status.success());
    // The key was cached by this instance; the CLI's revocation reaches it through LISTEN/NOTIFY.
    let started = Instant::now();
    loop {
        let r = app
            .get("cli.localhost", "/api/v3/admin/members")
            .auth(&format!("DdApi {key}"))
            .send()
            .await;
        if r.status == StatusCode::UNAUTHORIZED {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the revocation never reached this instance"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let tenants = deskd(&app, &data)
        .args(["tenant", "list"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(tenants.stdout)
            .unwrap()
            .starts_with("cli\tactive\tCLI IT")
    );
    let bad = deskd(&app, &data)
        .args([
            "tenant",
            "create",
            "--slug",
            "cli",
            "--name",
            "Again",
            "--admin-email",
            "x@cli.test",
            "--admin-password",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("taken"));
}

#[tokio::test]
async fn the_server_finishes_in_flight_requests_when_told_to_stop() {
    let app = TestApp::new().await;
    let (mut server, addr) = spawn_server(&app, &[("DESKD_PLATFORM_TOKEN", "platform-secret")]);
    // Start a request, stop the server half-way through its body, then finish the body.
    let body = format!(
        r#"{{"slug":"late","name":"Late IT","adminEmail":"a@late.test","adminPassword":"{PASSWORD}"}}"#
    );
    let mut stream = TcpStream::connect(addr).unwrap();
    // A first answer on the connection proves the server has accepted it (a connection still in
    // the listen queue when the server stops would be refused, whatever the load on the machine).
    write!(stream, "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    read_one_response(&mut stream);
    write!(
        stream,
        "POST /api/v3/platform/tenants HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer platform-secret\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    std::thread::sleep(Duration::from_millis(300));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let status = wait(&mut server, Duration::from_secs(20));
    assert!(status.success(), "deskd exited with {status}");
    // New connections are refused once it has stopped.
    assert!(TcpStream::connect(addr).is_err());
    let tenant = deskd::repo::tenants::find_by_slug(&app.pool, "late")
        .await
        .unwrap();
    assert!(tenant.is_some());
}

/// Reads one HTTP/1.1 response with a `Content-Length` body off the stream.
fn read_one_response(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
}

fn wait(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("deskd did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("deskd-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn seed_fills_a_tenant_with_consistent_realistic_tickets_in_batches() {
    let app = TestApp::new().await;
    let t = app.tenant("bulk").await;
    let key = app.api_key(&t, "read_write").await;
    let data = tempdir();
    let out = deskd(&app, &data)
        .args([
            "seed",
            "--tenant",
            "bulk",
            "--companies",
            "20",
            "--contacts",
            "300",
            "--technicians",
            "5",
            "--tickets",
            "1200",
            "--batch",
            "500",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1200 tickets"));
    let count = |sql: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT count(*) FROM tickets").await, 1200);
    assert_eq!(count("SELECT count(*) FROM contacts").await, 300);
    // Every ticket's company is its contact's, and its status belongs to its queue.
    assert_eq!(
        count(
            "SELECT count(*) FROM tickets t JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.contact_id
             JOIN statuses s ON s.tenant_id = t.tenant_id AND s.id = t.status_id
             WHERE c.company_id = t.company_id AND s.queue_id = t.queue_id AND s.is_closed = t.is_closed"
        )
        .await,
        1200
    );
    // Batches differ from each other: the data is spread over queues, contacts and time.
    assert!(count("SELECT count(DISTINCT queue_id) FROM tickets").await >= 4);
    assert!(count("SELECT count(DISTINCT contact_id) FROM tickets WHERE id > 1000").await > 100);
    let notes = count("SELECT count(*) FROM ticket_notes").await;
    assert!((2400..=4800).contains(&notes), "{notes} notes");
    let closed = count("SELECT count(*) FROM tickets WHERE is_closed").await;
    assert!((800..=1100).contains(&closed), "{closed} closed");
    assert_eq!(
        count("SELECT count(*) FROM tickets WHERE created_at > now() OR updated_at < created_at")
            .await,
        0
    );
    // The API sees them, search finds words in summaries, and new ids continue after the seed.
    let found = app
        .get(&t.host, "/api/v3/admin/tickets?q=outlook&take=1")
        .auth(&format!("DdApi {key}"))
        .send()
        .await;
    let total = found.json["totalResults"].as_i64().unwrap();
    assert!((2..=40).contains(&total), "{total} tickets mention Outlook");
    let one = app
        .get(&t.host, "/api/v3/admin/tickets/1200")
        .auth(&format!("DdApi {key}"))
        .send()
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.json["activities"][0]["type"], "created");
    let created = app
        .post(&t.host, "/api/v3/admin/tickets")
        .auth(&format!("DdApi {key}"))
        .json(serde_json::json!({"summary": "After the seed", "contactId": 1, "requestTypeId": 1}))
        .send()
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["id"], 1201);
    let note = app
        .post(&t.host, "/api/v3/admin/tickets/1201/notes")
        .auth(&format!("DdApi {key}"))
        .json(serde_json::json!({"note": "first note after the seed"}))
        .send()
        .await;
    assert_eq!(note.json["id"].as_i64().unwrap(), notes + 1);
}

/// A free port on loopback, and a `deskd serve` on it (sharing the test's database and key), with
/// `env` set too.
fn spawn_server(app: &TestApp, env: &[(&str, &str)]) -> (std::process::Child, SocketAddr) {
    let port = free_port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let server = deskd(app, &tempdir())
        .args(["serve", "--bind", &addr.to_string()])
        // The key the test's own instance seals signing keys with ([7; 32]).
        .env("DESKD_SECRET_KEY", "07".repeat(32))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, addr)
}

/// Sends one request on a new connection and answers the status line and body.
async fn request(addr: SocketAddr, method: &str, path: &str, auth: &str, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: acme.localhost\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

/// An open event stream read as raw text.
struct RawStream(tokio::net::TcpStream, String);

impl RawStream {
    async fn open(addr: SocketAddr, family: &str, auth: &str) -> Self {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET /api/v2/{family}/events/stream HTTP/1.1\r\nHost: acme.localhost\r\nAuthorization: {auth}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut s = RawStream(stream, String::new());
        s.until("connected").await;
        assert!(s.1.starts_with("HTTP/1.1 200"), "{}", s.1);
        s
    }

    /// Reads until `needle` has arrived (within ten seconds).
    async fn until(&mut self, needle: &str) {
        use tokio::io::AsyncReadExt;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut buf = [0u8; 4096];
        while !self.1.contains(needle) {
            let n = tokio::time::timeout_at(deadline, self.0.read(&mut buf))
                .await
                .unwrap_or_else(|_| panic!("`{needle}` did not arrive; got {}", self.1))
                .unwrap();
            assert!(n > 0, "the stream ended: {}", self.1);
            self.1.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
}

#[tokio::test]
async fn two_server_processes_on_one_database_deliver_live_events_to_subscribers_of_both() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let key = app.api_key(&t, "read_write").await;
    let admin = |path: &str| app.post(&t.host, path).auth(&format!("DdApi {key}"));
    let company = admin("/api/v3/admin/companies")
        .json(serde_json::json!({"name": "Customer"}))
        .send()
        .await;
    let contact = admin("/api/v3/admin/contacts")
        .json(serde_json::json!({"companyId": company.json["id"], "email": "ann@customer.test", "firstName": "Ann"}))
        .send()
        .await;
    assert_eq!(contact.status, StatusCode::CREATED, "{}", contact.text);
    let token = |path: String| {
        let app = &app;
        let t = &t;
        let key = &key;
        async move {
            let r = app
                .get(&t.host, &path)
                .auth(&format!("DdApi {key}"))
                .send()
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            format!("DdAccessToken {}", r.json["userKey"].as_str().unwrap())
        }
    };
    let ann = token(format!(
        "/api/v2/user/contact/{}/userkey",
        contact.json["id"]
    ))
    .await;
    let member = admin("/api/v3/admin/members")
        .json(serde_json::json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech"}))
        .send()
        .await;
    assert_eq!(member.status, StatusCode::CREATED, "{}", member.text);
    let member_id = member.json["id"].clone();
    let tech = token(format!("/api/v2/user/member/{member_id}/userkey")).await;

    let (mut one, first) = spawn_server(&app, &[]);
    let (mut two, second) = spawn_server(&app, &[]);
    let mut ann_on_one = RawStream::open(first, "portal", &ann).await;
    let mut tech_on_two = RawStream::open(second, "tech", &tech).await;

    // Ann starts a chat through process one; the technician on process two sees it.
    let started = request(
        first,
        "POST",
        "/api/v2/portal/chats",
        &ann,
        r#"{"message":"Hello from process one"}"#,
    )
    .await;
    assert!(started.starts_with("HTTP/1.1 201"), "{started}");
    let body = started.split("\r\n\r\n").nth(1).unwrap();
    let id = serde_json::from_str::<serde_json::Value>(body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    tech_on_two.until(&format!("\"id\":\"{id}\"")).await;
    // The technician answers through process two; Ann, on process one, reads it.
    let handled = request(
        second,
        "POST",
        &format!("/api/v2/tech/chats/{id}/handle"),
        &tech,
        "",
    )
    .await;
    assert!(handled.starts_with("HTTP/1.1 200"), "{handled}");
    let sent = request(
        second,
        "POST",
        &format!("/api/v2/tech/chats/{id}/messages"),
        &tech,
        r#"{"message":"Hello from process two"}"#,
    )
    .await;
    assert!(sent.starts_with("HTTP/1.1 201"), "{sent}");
    ann_on_one.until("Hello from process two").await;
    assert!(ann_on_one.1.contains("Hello from process one"));

    for server in [&mut one, &mut two] {
        unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
        // Open streams end at shutdown, so the servers stop promptly.
        assert!(wait(server, Duration::from_secs(20)).success());
    }
}

/// `deskd serve --demo` on `data`, until it has written its demo.env; answers the process, its
/// address and the file's text.
// The child is handed to the caller, who stops and waits for it (see `stop`).
#[allow(clippy::zombie_processes)]
fn serve_demo(app: &TestApp, data: &std::path::Path) -> (std::process::Child, SocketAddr, String) {
    let port = free_port();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    // The previous run's file stays (it carries the key over); wait for the one this run writes.
    let before = std::fs::metadata(data.join("demo.env"))
        .and_then(|m| m.modified())
        .ok();
    let server = deskd(app, data)
        .args(["serve", "--demo", "--bind", &addr.to_string()])
        .env_remove("DESKD_PLATFORM_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let written = std::fs::metadata(data.join("demo.env"))
            .and_then(|m| m.modified())
            .ok();
        if written.is_some()
            && written != before
            && let Ok(text) = std::fs::read_to_string(data.join("demo.env"))
            && TcpStream::connect(addr).is_ok()
        {
            return (server, addr, text);
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no demo");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn env_value(text: &str, name: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {text}"))
        .trim_matches('\'')
        .to_string()
}

/// Stops a server with SIGTERM; answers what it wrote to stdout and stderr.
fn stop(mut server: std::process::Child) -> (String, String) {
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let status = server.wait().unwrap();
    assert!(
        status.success(),
        "the server did not stop cleanly: {status}"
    );
    let (mut out, mut err) = (String::new(), String::new());
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (out, err)
}

#[tokio::test]
async fn the_demo_keeps_its_api_key_across_restarts_writes_it_for_the_readme_and_stops_quietly() {
    let app = TestApp::new().await;
    let data = tempdir();
    let (server, addr, first) = serve_demo(&app, &data);
    let key = env_value(&first, "KEY");
    assert!(key.starts_with("ddk_"), "{first}");
    assert_eq!(env_value(&first, "H"), "Host: demo.localhost");
    assert_eq!(env_value(&first, "B"), format!("http://{addr}"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(data.join("demo.env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "demo.env is the owner's alone");
    let members = |addr: SocketAddr, key: String| async move {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "GET /api/v3/admin/members HTTP/1.1\r\nHost: demo.localhost\r\nAuthorization: DdApi {key}\r\nConnection: close\r\n\r\n"
        );
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream.write_all(head.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    };
    assert!(members(addr, key.clone()).await.starts_with("HTTP/1.1 200"));
    let (out, err) = stop(server);
    assert!(out.contains(&key) && out.contains("new"), "{out}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");

    let (server, addr, second) = serve_demo(&app, &data);
    assert_eq!(
        env_value(&second, "KEY"),
        key,
        "the same key after a restart"
    );
    assert_eq!(
        env_value(&second, "PLATFORM"),
        env_value(&first, "PLATFORM")
    );
    assert!(members(addr, key.clone()).await.starts_with("HTTP/1.1 200"));
    let (out, err) = stop(server);
    assert!(out.contains("the same as last run"), "{out}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
}

/// What the Dockerfile and docker-compose.yml run: `deskd serve`, configured by environment
/// variables only, listening on all addresses; the image's HEALTHCHECK asks for `/ready` on the
/// loopback address, with that address as its host name.
#[tokio::test]
async fn the_container_command_runs_from_the_environment_alone_and_passes_its_health_check() {
    let app = TestApp::new().await;
    let data = tempdir();
    let port = free_port();
    let server = deskd(&app, &data)
        .arg("serve")
        .env("DESKD_BIND", format!("0.0.0.0:{port}"))
        .env("DESKD_DEMO", "true")
        .env("DESKD_COOKIE_SECURE", "false")
        .env_remove("DESKD_PLATFORM_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while !(TcpStream::connect(addr).is_ok() && data.join("demo.env").exists()) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "deskd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head =
        format!("GET /ready HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // demo.env points local clients at loopback, not at 0.0.0.0.
    let env = std::fs::read_to_string(data.join("demo.env")).unwrap();
    assert_eq!(env_value(&env, "B"), format!("http://127.0.0.1:{port}"));
    let (out, _) = stop(server);
    assert!(out.contains("Demo helpdesk ready"), "{out}");
}
