//! Tenants, their custom domains and their rate-limit plans.

use sqlx::{PgConnection, PgPool};

use crate::{
    domain::{RateLimitPlan, Tenant, TenantId, TenantStatus},
    sql,
};

macro_rules! columns {
    () => {
        "id, slug, name, status, cors_origins, rate_limits, created_at, updated_at"
    };
}

pub async fn find_by_slug(pool: &PgPool, slug: &str) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT ", columns!(), " FROM tenants WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(pool)
        .await
}

pub async fn find_by_id(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT ", columns!(), " FROM tenants WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_domain(pool: &PgPool, domain: &str) -> Result<Option<Tenant>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT t.id, t.slug, t.name, t.status, t.cors_origins, t.rate_limits, t.created_at, t.updated_at
         FROM tenants t JOIN tenant_domains d ON d.tenant_id = t.id WHERE d.domain = $1"
    ))
    .bind(domain)
    .fetch_optional(pool)
    .await
}

pub async fn list(pool: &PgPool) -> Result<Vec<Tenant>, sqlx::Error> {
    sqlx::query_as(sql!("SELECT ", columns!(), " FROM tenants ORDER BY slug"))
        .fetch_all(pool)
        .await
}

pub async fn insert(
    conn: &mut PgConnection,
    slug: &str,
    name: &str,
) -> Result<Tenant, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING ",
        columns!()
    ))
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
    sqlx::query_as(sql!(
        "UPDATE tenants SET name = $2, status = $3, cors_origins = $4, updated_at = now()
         WHERE id = $1 RETURNING ",
        columns!()
    ))
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
    sqlx::query_as(sql!(
        "UPDATE tenants SET rate_limits = $2, updated_at = now() WHERE id = $1 RETURNING ",
        columns!()
    ))
    .bind(id)
    .bind(sqlx::types::Json(plan))
    .fetch_one(pool)
    .await
}

pub async fn domains(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT domain FROM tenant_domains WHERE tenant_id = $1 ORDER BY domain"
    ))
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
    sqlx::query(sql!(
        "DELETE FROM tenant_domains WHERE tenant_id = $1 AND NOT (domain = ANY($2))"
    ))
    .bind(tenant)
    .bind(domains)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "INSERT INTO tenant_domains (domain, tenant_id) SELECT unnest($2::text[]), $1
         ON CONFLICT (domain) DO NOTHING"
    ))
    .bind(tenant)
    .bind(domains)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(sql!(
        "SELECT domain FROM tenant_domains WHERE domain = ANY($2) AND tenant_id <> $1 LIMIT 1"
    ))
    .bind(tenant)
    .bind(domains)
    .fetch_optional(conn)
    .await
}
