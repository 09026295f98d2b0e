//! Every static statement deskd runs (each one written with `sql!`) prepares against the migrated
//! schema, so a typo, a renamed column or a wrong parameter type fails here rather than in use.

use std::path::Path;

use deskd::{
    domain::tenants::NewTenant,
    secrets::ServerKey,
    service::{
        seed::{SeedPlan, seed},
        tenants::provision,
    },
    state::AppState,
};
use sqlx::{Executor, SqlSafeStr, postgres::PgPoolOptions};

use crate::support::{PASSWORD, fresh_database, test_config};

#[tokio::test]
async fn every_static_statement_prepares_against_the_migrated_schema() {
    let (_, options, _) = fresh_database().await;
    // One connection: the temporary table and function a seed makes stay for the checks below,
    // so the seed's own statements prepare too.
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let state = AppState::new(
        test_config(),
        pool.clone(),
        ServerKey::from_bytes(&[7u8; 32]),
    );
    let tenant = NewTenant {
        slug: "seeded".into(),
        name: "Seeded IT".into(),
        admin_email: "admin@seeded.test".into(),
        admin_password: PASSWORD.into(),
        admin_first_name: None,
        custom_domains: vec![],
    };
    let (details, _) = provision(&state, tenant).await.unwrap();
    let plan = SeedPlan {
        companies: 2,
        contacts: 4,
        technicians: 2,
        tickets: 5,
        comments_per_ticket: 1,
        days: 30,
        batch: 5,
    };
    seed(&state, &details.tenant, &plan, |_| {}).await.unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let statements = deskd::db::sql::STATEMENTS;
    let mut failures = Vec::new();
    for statement in statements.iter() {
        if let Err(e) = conn.prepare(statement.into_sql_str()).await {
            failures.push(format!("{e}\n    in: {statement}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements do not prepare:\n{}",
        failures.len(),
        statements.len(),
        failures.join("\n")
    );
}

/// Each `sql!` in the source is one recorded statement (`sql_by!` records one per table), so none
/// can go unchecked because the linker dropped it.
#[test]
fn every_sql_macro_in_the_source_is_recorded() {
    let mut written = 0;
    count_in(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path(),
        &mut written,
    );
    assert!(written > 0);
    assert!(
        deskd::db::sql::STATEMENTS.len() >= written,
        "{} statements recorded, {written} `sql!(` written",
        deskd::db::sql::STATEMENTS.len()
    );
}

fn count_in(dir: &Path, written: &mut usize) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            count_in(&path, written);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("db/sql.rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            *written += text.matches("sql!(").count() - text.matches("sql_by!(").count();
        }
    }
}

/// Text given to the database is either a `sql!` constant or built by `QueryBuilder`: no
/// statement is assembled by formatting strings. (`db/` is the exception: it creates the
/// database itself, whose name PostgreSQL takes only as an identifier, quoted there.)
#[test]
fn no_statement_is_formatted_at_run_time() {
    let mut offenders = Vec::new();
    find_formatted(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path(),
        &mut offenders,
    );
    assert!(
        offenders.is_empty(),
        "statements built by formatting: {offenders:?}"
    );
}

fn find_formatted(dir: &Path, offenders: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("src/db") {
            find_formatted(&path, offenders);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if line.contains("AssertSqlSafe") || line.contains("replacen(") {
                    offenders.push(format!("{}:{}", path.display(), n + 1));
                }
            }
            // A literal handed straight to sqlx is static but escapes the check above.
            for call in ["query(", "query_as(", "query_scalar("] {
                for (at, _) in text.match_indices(call) {
                    if text[at + call.len()..].trim_start().starts_with('"') {
                        let line = text[..at].lines().count();
                        offenders.push(format!("{}:{line} (unchecked literal)", path.display()));
                    }
                }
            }
        }
    }
}
