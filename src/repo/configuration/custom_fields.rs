//! Custom ticket field definitions. A field's `key` and type are fixed once it exists.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::{Table, next_id};
use crate::{
    domain::{TenantId, configuration::FieldType},
    sql,
};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomField {
    pub id: i32,
    pub key: String,
    pub label: String,
    pub field_type: FieldType,
    pub required: bool,
    pub choices: Vec<String>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub max_length: Option<i32>,
    pub sort_order: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

/// What an admin sets; `key` and `field_type` are fixed once a field exists.
pub struct CustomFieldRules<'a> {
    pub label: &'a str,
    pub required: bool,
    pub choices: &'a [String],
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub max_length: Option<i32>,
    pub sort_order: i32,
}

macro_rules! columns {
    () => {
        "id, key, label, field_type, required, choices, min_value, max_value, max_length, sort_order,
         created_at, updated_at, archived_at"
    };
}

pub async fn insert(
    conn: &mut PgConnection,
    tenant: TenantId,
    key: &str,
    field_type: FieldType,
    rules: &CustomFieldRules<'_>,
) -> Result<CustomField, sqlx::Error> {
    let id = next_id(conn, Table::CustomFields, tenant).await?;
    sqlx::query_as(sql!(
        "INSERT INTO custom_fields (tenant_id, id, key, label, field_type, required, choices, min_value,
             max_value, max_length, sort_order) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING ",
        columns!()
    ))
    .bind(tenant)
    .bind(id)
    .bind(key)
    .bind(rules.label)
    .bind(field_type)
    .bind(rules.required)
    .bind(rules.choices)
    .bind(rules.min_value)
    .bind(rules.max_value)
    .bind(rules.max_length)
    .bind(rules.sort_order)
    .fetch_one(conn)
    .await
}

pub async fn get(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
) -> Result<Option<CustomField>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM custom_fields WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn list(
    db: impl PgExecutor<'_>,
    tenant: TenantId,
    include_archived: bool,
) -> Result<Vec<CustomField>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT ",
        columns!(),
        " FROM custom_fields WHERE tenant_id = $1 AND ($2 OR archived_at IS NULL)
         ORDER BY sort_order, id"
    ))
    .bind(tenant)
    .bind(include_archived)
    .fetch_all(db)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    tenant: TenantId,
    id: i32,
    rules: &CustomFieldRules<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(sql!(
        "UPDATE custom_fields SET label = $3, required = $4, choices = $5, min_value = $6, max_value = $7,
             max_length = $8, sort_order = $9, updated_at = now()
         WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .bind(rules.label)
    .bind(rules.required)
    .bind(rules.choices)
    .bind(rules.min_value)
    .bind(rules.max_value)
    .bind(rules.max_length)
    .bind(rules.sort_order)
    .execute(conn)
    .await?;
    Ok(())
}
