//! A database that does not answer: requests get 503 `DatabaseUnavailable` with `Retry-After`
//! within a second (not a 500 after the pool's timeout), and `/ready` says so within a second.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use deskd::{secrets::ServerKey, state::AppState};
use sqlx::postgres::PgConnectOptions;

use crate::support::TestApp;

#[tokio::test]
async fn while_the_database_is_unreachable_requests_get_503_within_a_second() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    // A second instance whose database is at an address nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options: PgConnectOptions = format!("postgres://postgres@127.0.0.1:{dead}/deskd")
        .parse()
        .unwrap();
    let pool = deskd::db::pool_options(4).connect_lazy_with(options);
    let state = AppState::new(
        app.state.config.clone(),
        pool.clone(),
        ServerKey::from_bytes(&[7u8; 32]),
    );
    state.watch_database();
    let down = TestApp {
        router: deskd::build_app(state.clone()),
        state,
        pool,
        database_url_options: app.database_url_options.clone(),
        database_name: app.database_name.clone(),
    };

    for path in [
        "/api/v2/public/site",
        "/api/v3/admin/tickets",
        "/api/v1/companies",
    ] {
        let started = Instant::now();
        let r = down.get(&t.host, path).send().await;
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{path} took {:?}",
            started.elapsed()
        );
        assert_eq!(
            r.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            r.text
        );
        assert_eq!(r.headers["retry-after"], "1", "{path}");
        let code = if path.starts_with("/api/v1") {
            "ErrorCode"
        } else {
            "errorCode"
        };
        assert_eq!(r.json[code], "DatabaseUnavailable", "{path}: {}", r.text);
    }
    let started = Instant::now();
    let r = down.get(&t.host, "/ready").send().await;
    assert!(started.elapsed() < Duration::from_millis(1500));
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    assert_eq!(r.headers["retry-after"], "1");
    // Liveness needs no database.
    assert_eq!(
        down.get(&t.host, "/health").send().await.status,
        StatusCode::OK
    );
    // The instance whose database answers is ready.
    assert_eq!(
        app.get(&t.host, "/ready").send().await.status,
        StatusCode::OK
    );
}
