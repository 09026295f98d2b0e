//! Per-tenant integer ids, as DeskDirector numbers its entities.

use sqlx::PgConnection;

use crate::{domain::TenantId, sql};

/// The next integer id of `entity` in this tenant (DeskDirector numbers entities per site).
pub async fn next_id(
    conn: &mut PgConnection,
    tenant: TenantId,
    entity: &str,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "INSERT INTO id_counters (tenant_id, entity, last_value) VALUES ($1, $2, 1)
         ON CONFLICT (tenant_id, entity) DO UPDATE SET last_value = id_counters.last_value + 1
         RETURNING last_value"
    ))
    .bind(tenant)
    .bind(entity)
    .fetch_one(conn)
    .await
}
