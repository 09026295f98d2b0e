use sqlx::{PgConnection, PgPool};

use crate::domain::{RateLimitPlan, Tenant, TenantId, TenantStatus};

const COLUMNS: &str = "id, slug, name, status, cors_origins, rate_limits, created_at, updated_at";

pub async fn find_by_slug(pool: &PgPool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tenants WHERE slug = $1"
    )))
    .bind(slug)
    .fetch_optional(pool)
    .await
}

pub async fn find_by_id(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tenants WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn find_by_domain(pool: &PgPool, domain: &str) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM tenants t JOIN tenant_domains d ON d.tenant_id = t.id WHERE d.domain = $1",
        prefixed("t")
    )))
    .bind(domain)
    .fetch_optional(pool)
    .await
}

pub async fn list(pool: &PgPool) -> Result<Vec<Tenant>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tenants ORDER BY slug"
    )))
    .fetch_all(pool)
    .await
}

pub async fn insert(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
) -> Result<Tenant, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING {COLUMNS}"
    )))
    .bind(slug)
    .bind(name)
    .fetch_one(conn)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    id: TenantId,
    name: &str,
    status: TenantStatus,
    cors_origins: &[String],
) -> Result<Tenant, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE tenants SET name = $2, status = $3, cors_origins = $4, updated_at = now()
         WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(name)
    .bind(status)
    .bind(cors_origins)
    .fetch_one(conn)
    .await
}

pub async fn set_rate_limits(
    pool: &PgPool,
    id: TenantId,
    plan: &RateLimitPlan,
) -> Result<Tenant, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE tenants SET rate_limits = $2, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}"
    )))
    .bind(id)
    .bind(sqlx::types::Json(plan))
    .fetch_one(pool)
    .await
}

pub async fn domains(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT domain FROM tenant_domains WHERE tenant_id = $1 ORDER BY domain")
        .bind(tenant)
        .fetch_all(conn)
        .await
}

/// Replaces the tenant's custom domains with `domains`; answers a domain another tenant holds, if any.
pub async fn set_domains(
    conn: &mut PgConnection,
    tenant: TenantId,
    domains: &[String],
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("DELETE FROM tenant_domains WHERE tenant_id = $1 AND NOT (domain = ANY($2))")
        .bind(tenant)
        .bind(domains)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO tenant_domains (domain, tenant_id) SELECT unnest($2::text[]), $1
         ON CONFLICT (domain) DO NOTHING",
    )
    .bind(tenant)
    .bind(domains)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "SELECT domain FROM tenant_domains WHERE domain = ANY($2) AND tenant_id <> $1 LIMIT 1",
    )
    .bind(tenant)
    .bind(domains)
    .fetch_optional(conn)
    .await
}

fn prefixed(alias: &str) -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}
