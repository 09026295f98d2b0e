//! Keeping each ticket's analytics facts as its history grows, in the change's transaction: its
//! dimensions, when it was first answered and closed, how much working time each took, and which
//! SLA targets it met in time.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{
    domain::{TenantId, sla::SlaTarget},
    error::Result,
    repo::{self, analytics::Outcome},
    service::{
        office_hours::Hours,
        sla::{Happening, Met},
    },
};

pub async fn on_entry(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    kind: &str,
    happening: Option<Happening>,
    met: &[Met],
) -> Result<()> {
    let outcome = |target| met.iter().find(|(t, _)| *t == target).map(|(_, ok)| *ok);
    match (kind, happening) {
        ("created", _) => repo::analytics::insert_facts(conn, tenant, ticket).await?,
        (_, Some(Happening::Rematch)) | ("assigned" | "unassigned", _) => {
            repo::analytics::refresh_dimensions(conn, tenant, ticket).await?
        }
        (_, Some(Happening::StaffReplied)) => {
            let next = outcome(SlaTarget::NextResponse);
            let o = Outcome {
                first_response_met: outcome(SlaTarget::FirstResponse),
                next_response_met: i32::from(next == Some(true)),
                next_response_missed: i32::from(next == Some(false)),
            };
            let first = repo::analytics::responded(conn, tenant, ticket, &o).await?;
            if let Some((created, at)) = first {
                let secs = working_secs(conn, tenant, ticket, created, at).await?;
                repo::analytics::set_first_response_secs(conn, tenant, ticket, secs).await?;
            }
        }
        (_, Some(Happening::Closed)) => {
            let Some(created) = repo::analytics::created_at(conn, tenant, ticket).await? else {
                return Ok(());
            };
            let now = Utc::now();
            let secs = working_secs(conn, tenant, ticket, created, now).await?;
            let met = outcome(SlaTarget::Resolution);
            repo::analytics::closed(conn, tenant, ticket, now, secs, met).await?;
        }
        (_, Some(Happening::Reopened)) => repo::analytics::reopened(conn, tenant, ticket).await?,
        _ => {}
    }
    Ok(())
}

/// Working seconds between two times on the office hours of the ticket's company (else the
/// tenant's default calendar); every second when there are none.
async fn working_secs(
    conn: &mut PgConnection,
    tenant: TenantId,
    ticket: i32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<i64> {
    let schedule = repo::analytics::schedule_of(conn, tenant, ticket).await?;
    Ok(match schedule.as_ref().and_then(Hours::of) {
        Some(hours) => hours.between(from, to),
        None => (to - from).num_seconds().max(0),
    })
}
