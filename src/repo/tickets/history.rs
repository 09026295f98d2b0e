//! A ticket's history: every change, who made it, from what, to what.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, types::Json};

use crate::{domain::TenantId, sql};

pub struct NewActivity<'a> {
    pub kind: &'a str,
    pub field: Option<&'a str>,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub actor_kind: &'a str,
    pub actor_id: &'a str,
    pub actor_name: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct ActivityRow {
    pub id: i64,
    pub kind: String,
    pub field: Option<String>,
    pub old_value: Option<Json<Value>>,
    pub new_value: Option<Json<Value>>,
    pub actor_kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_activity(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    a: &NewActivity<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!("INSERT INTO ticket_activities (tenant_id, ticket_id, kind, field, old_value, new_value, actor_kind, actor_id, actor_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
    .bind(tenant)
    .bind(ticket)
    .bind(a.kind)
    .bind(a.field)
    .bind(a.old_value.as_ref().map(Json))
    .bind(a.new_value.as_ref().map(Json))
    .bind(a.actor_kind)
    .bind(a.actor_id)
    .bind(a.actor_name)
    .execute(conn)
    .await?;
    Ok(())
}
