//! Keeping each ticket's analytics facts as its history grows, in the change's transaction: its
//! dimensions, when it was first answered and closed, how much working time each took, and which
//! SLA targets it met in time.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::{
    domain::{TenantId, office_hours::Schedule, sla::SlaTarget},
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
            if let Some(at) = first
                && let Some((created, schedule)) =
                    repo::analytics::timing(conn, tenant, ticket).await?
            {
                let secs = working_secs(schedule.as_ref(), created, at);
                repo::analytics::set_first_response_secs(conn, tenant, ticket, secs).await?;
            }
        }
        (_, Some(Happening::Closed)) => {
            let Some((created, schedule)) = repo::analytics::timing(conn, tenant, ticket).await?
            else {
                return Ok(());
            };
            let now = Utc::now();
            let secs = working_secs(schedule.as_ref(), created, now);
            let met = outcome(SlaTarget::Resolution);
            repo::analytics::closed(conn, tenant, ticket, now, secs, met).await?;
        }
        (_, Some(Happening::Reopened)) => repo::analytics::reopened(conn, tenant, ticket).await?,
        _ => {}
    }
    Ok(())
}

/// Working seconds between two times on these office hours; every second without them.
fn working_secs(schedule: Option<&Schedule>, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    match schedule.and_then(Hours::of) {
        Some(hours) => hours.between(from, to),
        None => (to - from).num_seconds().max(0),
    }
}
