//! Task templates, and the task lists (checklists) on tickets.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{ListOptions, Slice};
use crate::{domain::TenantId, sql};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub tasks: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

macro_rules! template {
    () => {
        "SELECT id, name, tasks, created_at, updated_at FROM task_templates"
    };
}

pub async fn insert_template(
    pool: &PgPool,
    tenant: TenantId,
    name: &str,
    tasks: &[String],
) -> Result<TemplateRow, sqlx::Error> {
    sqlx::query_as(sql!(
        "INSERT INTO task_templates (tenant_id, id, name, tasks) VALUES ($1, $2, $3, $4)
         RETURNING id, name, tasks, created_at, updated_at"
    ))
    .bind(tenant)
    .bind(Uuid::now_v7())
    .bind(name)
    .bind(tasks)
    .fetch_one(pool)
    .await
}

pub async fn update_template(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
    name: &str,
    tasks: &[String],
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "UPDATE task_templates SET name = $3, tasks = $4, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 RETURNING id, name, tasks, created_at, updated_at"
    ))
    .bind(tenant)
    .bind(id)
    .bind(name)
    .bind(tasks)
    .fetch_optional(pool)
    .await
}

pub async fn get_template(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sql!(template!(), " WHERE tenant_id = $1 AND id = $2"))
        .bind(tenant)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// By name, narrowed by `search`, with the total that matches.
pub async fn list_templates(
    pool: &PgPool,
    tenant: TenantId,
    options: &ListOptions<'_>,
) -> Result<Slice<TemplateRow>, sqlx::Error> {
    let pattern = options.pattern();
    let rows = sqlx::query_as(sql!(
        template!(),
        " WHERE tenant_id = $1 AND ($2::text IS NULL OR name ILIKE $2)
         ORDER BY lower(name), id OFFSET $3 LIMIT $4"
    ))
    .bind(tenant)
    .bind(&pattern)
    .bind(options.skip)
    .bind(options.take)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar(sql!("SELECT count(*) FROM task_templates WHERE tenant_id = $1 AND ($2::text IS NULL OR name ILIKE $2)"))
    .bind(tenant)
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    Ok(Slice { rows, total })
}

pub async fn delete_template(
    pool: &PgPool,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(sql!(
        "DELETE FROM task_templates WHERE tenant_id = $1 AND id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TaskListRow {
    pub id: Uuid,
    pub ticket_id: i32,
    pub name: String,
    pub template_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// `[{id, text, completedAt}]`, in order.
    pub tasks: sqlx::types::Json<Vec<TaskRow>>,
}

#[derive(Clone, Debug, serde::Deserialize)]
pub struct TaskRow {
    pub id: Uuid,
    pub text: String,
    pub completed_at: Option<DateTime<Utc>>,
}

/// A ticket's task lists, oldest first, each with its tasks.
pub async fn lists_of(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
) -> Result<Vec<TaskListRow>, sqlx::Error> {
    sqlx::query_as(sql!(
        "SELECT l.id, l.ticket_id, l.name, l.template_id, l.created_at,
                coalesce((SELECT jsonb_agg(jsonb_build_object('id', t.id, 'text', t.text,
                                                              'completed_at', t.completed_at)
                                           ORDER BY t.position)
                          FROM ticket_tasks t
                          WHERE t.tenant_id = l.tenant_id AND t.list_id = l.id), '[]') AS tasks
         FROM ticket_task_lists l
         WHERE l.tenant_id = $1 AND l.ticket_id = $2
         ORDER BY l.created_at, l.id"
    ))
    .bind(tenant)
    .bind(ticket)
    .fetch_all(conn)
    .await
}

pub async fn insert_list(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    name: &str,
    template: Option<Uuid>,
    tasks: &[String],
) -> Result<Uuid, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query(sql!(
        "INSERT INTO ticket_task_lists (tenant_id, id, ticket_id, name, template_id)
         VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(tenant)
    .bind(id)
    .bind(ticket)
    .bind(name)
    .bind(template)
    .execute(&mut *conn)
    .await?;
    sqlx::query(sql!(
        "INSERT INTO ticket_tasks (tenant_id, id, list_id, position, text)
         SELECT $1, gen_random_uuid(), $2, position::int, text
         FROM unnest($3::text[]) WITH ORDINALITY AS t (text, position)"
    ))
    .bind(tenant)
    .bind(id)
    .bind(tasks)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Marks a task of a ticket done or not; answers its text, or `None` when no such task is on
/// that ticket.
pub async fn set_completed(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    task: Uuid,
    completed: bool,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "UPDATE ticket_tasks t
         SET completed_at = CASE WHEN $4 THEN coalesce(t.completed_at, now()) END
         FROM ticket_task_lists l
         WHERE t.tenant_id = $1 AND t.id = $3
           AND l.tenant_id = t.tenant_id AND l.id = t.list_id AND l.ticket_id = $2
         RETURNING t.text"
    ))
    .bind(tenant)
    .bind(ticket)
    .bind(task)
    .bind(completed)
    .fetch_optional(conn)
    .await
}
