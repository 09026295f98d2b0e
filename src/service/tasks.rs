//! Task lists on tickets (checklists), added from a template or written out, and the templates.

use serde_json::json;
use uuid::Uuid;

use super::{
    tickets::{self, Actor},
    validate,
};
use crate::{
    auth::Principal,
    domain::Tenant,
    error::{Error, Kind, Result},
    repo::{
        self, ListOptions, Slice,
        tasks::{TaskListRow, TemplateRow},
    },
    state::AppState,
};

/// The most tasks one list or template holds.
pub const MAX_TASKS: usize = 100;

fn task_texts(field: &str, tasks: &[String]) -> Result<Vec<String>> {
    if tasks.len() > MAX_TASKS {
        return Err(Error::validation(
            field,
            format!("at most {MAX_TASKS} tasks"),
        ));
    }
    tasks
        .iter()
        .map(|t| validate::required_text(field, t, 500))
        .collect()
}

/// A template holds 1 to 100 tasks.
fn template_tasks(tasks: &[String]) -> Result<Vec<String>> {
    if tasks.is_empty() {
        return Err(Error::validation(
            "tasks",
            "a template needs at least one task",
        ));
    }
    task_texts("tasks", tasks)
}

fn name_conflict(e: sqlx::Error) -> Error {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Error::conflict("name", "a task template with this name exists")
        }
        _ => e.into(),
    }
}

pub async fn create_template(
    state: &AppState,
    tenant: &Tenant,
    name: &str,
    tasks: &[String],
) -> Result<TemplateRow> {
    let name = validate::required_text("name", name, 100)?;
    let tasks = template_tasks(tasks)?;
    repo::tasks::insert_template(&state.pool, tenant.id, &name, &tasks)
        .await
        .map_err(name_conflict)
}

pub async fn replace_template(
    state: &AppState,
    tenant: &Tenant,
    id: Uuid,
    name: &str,
    tasks: &[String],
) -> Result<TemplateRow> {
    let name = validate::required_text("name", name, 100)?;
    let tasks = template_tasks(tasks)?;
    repo::tasks::update_template(&state.pool, tenant.id, id, &name, &tasks)
        .await
        .map_err(name_conflict)?
        .ok_or_else(|| Error::not_found("task template"))
}

pub async fn get_template(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<TemplateRow> {
    repo::tasks::get_template(&state.pool, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("task template"))
}

pub async fn list_templates(
    state: &AppState,
    tenant: &Tenant,
    options: &ListOptions<'_>,
) -> Result<Slice<TemplateRow>> {
    Ok(repo::tasks::list_templates(&state.pool, tenant.id, options).await?)
}

pub async fn delete_template(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<()> {
    if !repo::tasks::delete_template(&state.pool, tenant.id, id).await? {
        return Err(Error::not_found("task template"));
    }
    Ok(())
}

/// A ticket's task lists, oldest first.
pub async fn lists_of(state: &AppState, tenant: &Tenant, ticket: i32) -> Result<Vec<TaskListRow>> {
    tickets::get(state, tenant, tickets::Viewer::Staff, ticket).await?;
    let mut conn = state.pool.acquire().await?;
    Ok(repo::tasks::lists_of(&mut conn, tenant.id, ticket).await?)
}

/// What a new task list is made of: a template's tasks, tasks written out, or both (template first).
pub struct NewTaskList<'a> {
    pub template: Option<Uuid>,
    pub name: Option<&'a str>,
    pub tasks: &'a [String],
}

/// Adds a task list to a live ticket, as a change to the ticket by `by`.
pub async fn add_list(
    state: &AppState,
    tenant: &Tenant,
    by: &Principal,
    ticket: i32,
    new: NewTaskList<'_>,
) -> Result<TaskListRow> {
    let actor = Actor::of(state, tenant, by).await?;
    let mut tx = state.pool.begin().await?;
    // The ticket first: another tenant's ticket is a 404 whatever the body says.
    tickets::live_ticket(&mut tx, tenant.id, ticket).await?;
    let template = match new.template {
        Some(id) => Some(get_template(state, tenant, id).await.map_err(|e| {
            if e.is(Kind::NotFound) {
                Error::validation("templateId", "no such task template")
            } else {
                e
            }
        })?),
        None => None,
    };
    let (name, tasks) = list_contents(template.as_ref(), new.name, new.tasks)?;
    let template = template.map(|t| t.id);
    let id = repo::tasks::insert_list(&mut tx, tenant.id, ticket, &name, template, &tasks).await?;
    let change = json!({"taskList": name, "added": tasks.len()});
    tickets::record_change(&mut tx, tenant.id, ticket, &actor, "tasks", change).await?;
    let list = repo::tasks::lists_of(&mut tx, tenant.id, ticket)
        .await?
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| Error::internal("a task list vanished in its own transaction"))?;
    tx.commit().await?;
    Ok(list)
}

/// A new list's name and tasks: the template's tasks then those given (1 to 100 in all); the
/// name given, else the template's, else `Tasks`.
fn list_contents(
    template: Option<&TemplateRow>,
    name: Option<&str>,
    given: &[String],
) -> Result<(String, Vec<String>)> {
    let mut tasks = template.map(|t| t.tasks.clone()).unwrap_or_default();
    tasks.extend(task_texts("tasks", given)?);
    if tasks.is_empty() {
        return Err(Error::validation(
            "tasks",
            "name a template or at least one task",
        ));
    }
    if tasks.len() > MAX_TASKS {
        return Err(Error::validation(
            "tasks",
            format!("at most {MAX_TASKS} tasks"),
        ));
    }
    let name = match (name.map(str::trim).filter(|n| !n.is_empty()), template) {
        (Some(name), _) => validate::required_text("name", name, 100)?,
        (None, Some(t)) => t.name.clone(),
        (None, None) => "Tasks".to_string(),
    };
    Ok((name, tasks))
}

/// Ticks a task of a ticket, or unticks it, as a change to the ticket by `by`.
pub async fn set_completed(
    state: &AppState,
    tenant: &Tenant,
    by: &Principal,
    ticket: i32,
    task: Uuid,
    completed: bool,
) -> Result<()> {
    let actor = Actor::of(state, tenant, by).await?;
    let mut tx = state.pool.begin().await?;
    tickets::live_ticket(&mut tx, tenant.id, ticket).await?;
    let Some(text) =
        repo::tasks::set_completed(&mut tx, tenant.id, ticket, task, completed).await?
    else {
        return Err(Error::not_found("task"));
    };
    let change = json!({"task": text, "isCompleted": completed});
    tickets::record_change(&mut tx, tenant.id, ticket, &actor, "tasks", change).await?;
    tx.commit().await?;
    Ok(())
}
