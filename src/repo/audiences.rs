//! Who may see a row that carries an audience (`audience`, `company_ids`, `contact_group_ids`).

/// The row aliased `x` is shown to contact `$2` of company `$3` (statements put them there).
#[macro_export]
macro_rules! seen_by_contact {
    () => {
        "(x.audience = 'everyone'
          OR (x.audience = 'companies' AND $3 = ANY (x.company_ids))
          OR (x.audience = 'contact_groups' AND EXISTS (
                SELECT 1 FROM contact_group_members m
                WHERE m.tenant_id = x.tenant_id AND m.contact_id = $2
                  AND m.group_id = ANY (x.contact_group_ids))))"
    };
}

use sqlx::PgConnection;

use crate::{domain::TenantId, sql};

/// How many of `ids` are live companies of the tenant.
pub async fn live_companies(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT count(*) FROM companies WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_one(conn)
    .await
}

/// How many of `ids` are live contact groups of the tenant.
pub async fn live_contact_groups(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: &[i32],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT count(*) FROM contact_groups
         WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL"
    ))
    .bind(tenant)
    .bind(ids)
    .fetch_one(conn)
    .await
}
