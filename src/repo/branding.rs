//! A tenant's portal branding, and the images it keeps from the attachment store.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct BrandingRow {
    pub portal_name: String,
    pub logo_id: Option<Uuid>,
    pub favicon_id: Option<Uuid>,
    pub primary_color: Option<String>,
    pub accent_color: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
    pub portal_base_url: Option<String>,
    pub sign_in_options: Vec<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<BrandingRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT portal_name, logo_id, favicon_id, primary_color, accent_color, support_email,
                support_phone, portal_base_url, sign_in_options, updated_at
         FROM portal_branding WHERE tenant_id = $1"
    ))
    .bind(tenant)
    .fetch_optional(conn)
    .await
}

pub async fn save(
    conn: &mut PgConnection,
    tenant: TenantId,
    b: &BrandingRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "INSERT INTO portal_branding (tenant_id, portal_name, logo_id, favicon_id, primary_color,
             accent_color, support_email, support_phone, portal_base_url, sign_in_options)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (tenant_id) DO UPDATE SET
             portal_name = EXCLUDED.portal_name, logo_id = EXCLUDED.logo_id,
             favicon_id = EXCLUDED.favicon_id, primary_color = EXCLUDED.primary_color,
             accent_color = EXCLUDED.accent_color, support_email = EXCLUDED.support_email,
             support_phone = EXCLUDED.support_phone, portal_base_url = EXCLUDED.portal_base_url,
             sign_in_options = EXCLUDED.sign_in_options, updated_at = now()"
    ))
    .bind(tenant)
    .bind(&b.portal_name)
    .bind(b.logo_id)
    .bind(b.favicon_id)
    .bind(&b.primary_color)
    .bind(&b.accent_color)
    .bind(&b.support_email)
    .bind(&b.support_phone)
    .bind(&b.portal_base_url)
    .bind(&b.sign_in_options)
    .execute(conn)
    .await?;
    Ok(())
}
