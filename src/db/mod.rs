//! The PostgreSQL store: where it is, its pool, and its embedded migrations.

pub mod health;
pub mod managed;
pub mod notify;
pub mod sql;

use std::time::Duration;

use anyhow::Context;
use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

pub use managed::{Durability, ManagedPostgres};

use crate::config::Config;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// The pool, plus the private cluster behind it when deskd runs one (stopped when this is dropped).
pub struct Database {
    pub pool: PgPool,
    pub connect_options: PgConnectOptions,
    pub managed: Option<ManagedPostgres>,
}

/// Connects to `DATABASE_URL`, or runs the private cluster under `data_dir/pg`.
pub async fn open(config: &Config) -> anyhow::Result<Database> {
    let (connect_options, managed) = match &config.database_url {
        Some(url) => (
            url.expose()
                .parse::<PgConnectOptions>()
                .context("DATABASE_URL is not a valid PostgreSQL URL")?,
            None,
        ),
        None => {
            let dir = config.data_dir.join("pg");
            let cluster = tokio::task::spawn_blocking(move || {
                ManagedPostgres::start(&dir, Durability::Durable)
            })
            .await??;
            let admin = cluster.connect_options("postgres");
            ensure_database(&admin, "deskd").await?;
            (cluster.connect_options("deskd"), Some(cluster))
        }
    };
    // JIT compiles a plan when its estimated cost is high, which misjudged estimates (a report's
    // grid of periods × groups) make it; compiling costs more than these queries take. Off.
    let connect_options = connect_options.options([("jit", "off")]);
    let pool = pool_options(config.db_max_connections)
        .connect_with(connect_options.clone())
        .await
        .with_context(|| {
            format!(
                "cannot connect to PostgreSQL{}",
                if managed.is_some() {
                    " (private cluster)"
                } else {
                    " at DATABASE_URL"
                }
            )
        })?;
    Ok(Database {
        pool,
        connect_options,
        managed,
    })
}

/// sqlx pings every idle connection before lending it, which doubles the round trips of a simple
/// read; ping only connections that sat idle long enough to have been dropped by the server or a proxy.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(30) {
                    use sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// True when the database answers: what `/ready` reports.
pub async fn ping(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(crate::sql!("SELECT 1")).execute(pool).await?;
    Ok(())
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await.context("applying migrations")?;
    Ok(())
}

/// Creates `name` on the server behind `admin` unless it exists.
pub async fn ensure_database(admin: &PgConnectOptions, name: &str) -> anyhow::Result<()> {
    use sqlx::{ConnectOptions, Connection};
    let mut conn = admin
        .connect()
        .await
        .context("connecting to the maintenance database")?;
    let exists: bool = sqlx::query_scalar(crate::sql!(
        "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)"
    ))
    .bind(name)
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
        {
            // Lost a race with another process creating it: fine.
            let raced = e
                .as_database_error()
                .and_then(|d| d.code())
                .is_some_and(|c| c == "42P04");
            if !raced {
                return Err(e.into());
            }
        }
    }
    conn.close().await?;
    Ok(())
}
