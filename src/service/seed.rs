//! `deskd seed`: fills a tenant with realistic companies, contacts, technicians, tickets and their
//! conversations, in batches, for benchmarks and demos.

use std::time::Instant;

use anyhow::Context;
use sqlx::PgConnection;

use super::configuration::{Queues, Resource};
use crate::domain::configuration::QueueInput;
use crate::{domain::Tenant, repo, state::AppState};

/// Queues a seeded helpdesk has besides the default one.
const EXTRA_QUEUES: [&str; 3] = ["Projects", "Onboarding", "Billing"];

#[derive(Clone, Debug, clap::Args)]
pub struct SeedPlan {
    #[arg(long, default_value_t = 0)]
    pub companies: i64,
    #[arg(long, default_value_t = 0)]
    pub contacts: i64,
    /// Technicians (without passwords) to assign tickets to.
    #[arg(long, default_value_t = 10)]
    pub technicians: i64,
    #[arg(long, default_value_t = 0)]
    pub tickets: i64,
    /// Average notes per ticket (between none and twice this many each).
    #[arg(long, default_value_t = 3)]
    pub comments_per_ticket: i64,
    /// Tickets are spread over this many days before now.
    #[arg(long, default_value_t = 730)]
    pub days: i64,
    /// Tickets written per transaction.
    #[arg(long, default_value_t = 50_000, hide = true)]
    pub batch: i64,
}

pub async fn seed(
    state: &AppState,
    tenant: &Tenant,
    plan: &SeedPlan,
    progress: impl Fn(String),
) -> anyhow::Result<()> {
    extra_queues(state, tenant).await?;
    let mut conn = state.pool.acquire().await?;
    people(&mut conn, tenant, plan, &progress).await?;
    repo::seed::analyze_people(&mut conn).await?;
    tickets(&mut conn, tenant, plan, &progress).await?;
    repo::seed::vacuum(&mut conn).await?;
    Ok(())
}

/// The queues a seeded helpdesk has besides the default one, unless it has them already.
async fn extra_queues(state: &AppState, tenant: &Tenant) -> anyhow::Result<()> {
    let queues = Queues::list(state, tenant, false)
        .await
        .map_err(|e| anyhow::anyhow!(e.message))?;
    for name in EXTRA_QUEUES {
        if !queues
            .iter()
            .any(|q| q.queue.name.eq_ignore_ascii_case(name))
        {
            let input = QueueInput {
                name: name.into(),
                description: None,
            };
            Queues::create(state, tenant, input)
                .await
                .map_err(|e| anyhow::anyhow!(e.message))?;
        }
    }
    Ok(())
}

/// Companies, contacts and technicians, each kind in one transaction.
async fn people(
    conn: &mut PgConnection,
    tenant: &Tenant,
    plan: &SeedPlan,
    progress: &impl Fn(String),
) -> anyhow::Result<()> {
    for (entity, count, insert) in [
        ("company", plan.companies, Entity::Companies),
        ("contact", plan.contacts, Entity::Contacts),
        ("member", plan.technicians, Entity::Members),
    ] {
        if count <= 0 {
            continue;
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let first = repo::seed::reserve_ids(&mut tx, tenant.id, entity, count).await?;
        let written = match insert {
            Entity::Companies => repo::seed::companies(&mut tx, tenant.id, first, count).await?,
            Entity::Contacts => repo::seed::contacts(&mut tx, tenant.id, first, count).await?,
            Entity::Members => repo::seed::members(&mut tx, tenant.id, first, count).await?,
        };
        anyhow::ensure!(
            written == count as u64,
            "wrote {written} {entity} rows of {count}: does the tenant have companies?"
        );
        tx.commit().await?;
        progress(format!("{count} {entity} rows"));
    }
    Ok(())
}

/// Tickets in batches of `plan.batch`, one transaction each.
async fn tickets(
    conn: &mut PgConnection,
    tenant: &Tenant,
    plan: &SeedPlan,
    progress: &impl Fn(String),
) -> anyhow::Result<()> {
    let started = Instant::now();
    let sources = repo::seed::ticket_sources(&mut *conn, tenant.id).await?;
    anyhow::ensure!(
        plan.tickets == 0 || (sources.0 > 0 && sources.1 > 0),
        "tickets need contacts, and a queue with open and closed statuses"
    );
    let mut done = 0;
    while done < plan.tickets {
        let count = plan.batch.max(1).min(plan.tickets - done);
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let first = repo::seed::reserve_numbers(&mut tx, tenant.id, "ticket", count).await?;
        let notes =
            repo::seed::note_count(&mut tx, done + 1, count, plan.comments_per_ticket).await?;
        let first_note =
            repo::seed::reserve_numbers(&mut tx, tenant.id, "ticket_note", notes).await?;
        let batch = repo::seed::TicketBatch {
            first_id: first,
            count,
            position: done,
            total: plan.tickets,
            days: plan.days,
            comments: plan.comments_per_ticket,
            first_note_id: first_note,
            sources,
        };
        let written = repo::seed::tickets(&mut tx, tenant.id, &batch)
            .await
            .context("writing tickets (the tenant needs contacts, and queues with statuses)")?;
        anyhow::ensure!(
            written == count as u64,
            "wrote {written} tickets of {count}: does the tenant have contacts?"
        );
        tx.commit().await?;
        done += count;
        progress(format!(
            "{done} tickets ({:.0} s)",
            started.elapsed().as_secs_f64()
        ));
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Entity {
    Companies,
    Contacts,
    Members,
}
