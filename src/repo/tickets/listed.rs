//! The tickets a word search listed from the word index (at most `EXACT_UP_TO` ids), paged
//! without reading their rows: by id, the ids sorted; by last change or creation, the tenant's
//! live tickets walked in that order from their index, keeping the listed ones. The walk reads
//! about `live tickets × wanted ÷ listed` index entries, in chunks sized to that and then to the
//! share of listed tickets it met. Entries of recently changed tickets cost a heap visit each
//! (their pages are not yet all-visible), which is most of a walk's time.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use super::{
    TicketOrder,
    find::live_count,
    words::{EXACT_UP_TO, Words},
};
use crate::domain::TenantId;

/// The ids of the tickets with the words, from the word index: at most one more than
/// [`EXACT_UP_TO`], archived ones only when asked for.
pub async fn ids(
    conn: &mut PgConnection,
    tenant: TenantId,
    words: &Words,
    include_archived: bool,
) -> Result<Vec<i32>, sqlx::Error> {
    // One array, not a row per id: thousands of rows cost more to send and read.
    let mut q = QueryBuilder::new(
        "SELECT coalesce(array_agg(ticket_id), '{}') FROM (SELECT s.ticket_id FROM (",
    );
    words.push_list(&mut q, tenant);
    q.push(") s WHERE ");
    words.push_check(&mut q, tenant, "s.ticket_id", false);
    if !include_archived {
        q.push(" AND NOT EXISTS (SELECT 1 FROM tickets a WHERE a.tenant_id = ")
            .push_bind(tenant)
            .push(" AND a.id = s.ticket_id AND a.archived_at IS NOT NULL)");
    }
    q.push(" LIMIT ").push_bind(EXACT_UP_TO + 1).push(") found");
    q.build_query_scalar().fetch_one(conn).await
}

/// True for the orders [`page`] can take (the others need each ticket's row).
pub fn can_page(order: TicketOrder) -> bool {
    matches!(
        order,
        TicketOrder::Id | TicketOrder::Updated | TicketOrder::Created
    )
}

/// The page of the live `listed` tickets in `order` (one [`can_page`] takes).
pub async fn page(
    conn: &mut PgConnection,
    tenant: TenantId,
    listed: &[i32],
    order: TicketOrder,
    descending: bool,
    skip: i64,
    take: i64,
) -> Result<Vec<i32>, sqlx::Error> {
    let (skip, take) = (skip as usize, take as usize);
    if order == TicketOrder::Id {
        let mut ids = listed.to_vec();
        ids.sort_unstable();
        if descending {
            ids.reverse();
        }
        return Ok(ids.into_iter().skip(skip).take(take).collect());
    }
    let column = if order == TicketOrder::Created {
        "created_at"
    } else {
        "updated_at"
    };
    let (direction, beyond) = if descending {
        ("DESC", "<")
    } else {
        ("ASC", ">")
    };
    let wanted = skip + take;
    let listed_set: HashSet<i32> = listed.iter().copied().collect();
    let live = live_count(&mut *conn, tenant, None, &[], &[]).await?;
    // Enough for the page if the listed tickets are spread evenly, and a quarter more.
    let expected = live as f64 / listed.len().max(1) as f64 * wanted as f64 * 1.25;
    let mut chunk = (expected as i64).clamp(100, 50_000);
    let mut after: Option<(DateTime<Utc>, i32)> = None;
    let mut found = Vec::with_capacity(wanted);
    let mut walked = 0;
    loop {
        let mut walk = QueryBuilder::new(format!(
            "SELECT id, {column} FROM tickets WHERE tenant_id = "
        ));
        walk.push_bind(tenant).push(" AND archived_at IS NULL");
        if let Some((at, id)) = after {
            walk.push(format!(" AND ({column}, id) {beyond} ("))
                .push_bind(at)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        walk.push(format!(
            " ORDER BY {column} {direction}, id {direction} LIMIT "
        ))
        .push_bind(chunk);
        let rows: Vec<(i32, DateTime<Utc>)> = walk.build_query_as().fetch_all(&mut *conn).await?;
        walked += rows.len();
        found.extend(
            rows.iter()
                .map(|(id, _)| *id)
                .filter(|id| listed_set.contains(id))
                .take(wanted - found.len()),
        );
        if found.len() >= wanted || (rows.len() as i64) < chunk {
            break;
        }
        after = rows.last().map(|(id, at)| (*at, *id));
        // The rest at the density seen so far (the newest tickets may match less than the rest).
        let seen = found.len().max(1) as f64 / walked as f64;
        chunk = (((wanted - found.len()) as f64 / seen * 1.25) as i64).clamp(100, 50_000);
    }
    Ok(found.into_iter().skip(skip).collect())
}
