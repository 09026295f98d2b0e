//! The staff ticket search: every filter, any order, words in summaries, descriptions and notes.
//! Its statement depends on the filters given, so it is built with `QueryBuilder`.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{
    TicketRow, listed,
    words::{self, EXACT_UP_TO, Words},
};
use crate::{domain::TenantId, sql};

/// Whom a ticket must be assigned to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Assigned {
    #[default]
    Any,
    Unassigned,
    /// Assigned to someone.
    Anyone,
    /// Assigned to one of these members.
    Members(Vec<i32>),
}

/// Every filter of the staff ticket search; empty lists and `None` filter nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketFilter {
    pub closed: Option<bool>,
    pub status_ids: Vec<i32>,
    pub queue_ids: Vec<i32>,
    pub priority_ids: Vec<i32>,
    pub request_type_ids: Vec<i32>,
    pub source_ids: Vec<i32>,
    pub category_ids: Vec<i32>,
    pub tags: Vec<String>,
    pub assigned: Assigned,
    pub contact_ids: Vec<i32>,
    pub company_ids: Vec<i32>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    /// Words to find in the summary, the description or any note.
    pub text: Option<String>,
    /// Only tickets whose latest public note is the contact's (they wait for an answer).
    pub last_message_from_contact: Option<bool>,
    /// Only tickets with (`true`) or without (`false`) a task not yet done.
    pub tasks_open: Option<bool>,
    /// Only tickets with an SLA target running and due before this time.
    pub due_before: Option<DateTime<Utc>>,
    /// Only tickets whose SLA target (any, or this one) is breached.
    pub breached: Option<Breached>,
    pub include_archived: bool,
}

/// Which SLA target a breach filter looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breached {
    Any,
    FirstResponse,
    NextResponse,
    Resolution,
}

impl Breached {
    fn column(self) -> &'static str {
        match self {
            Breached::Any => "s.breach_at",
            Breached::FirstResponse => "s.first_response_breach_at",
            Breached::NextResponse => "s.next_response_breach_at",
            Breached::Resolution => "s.resolution_breach_at",
        }
    }
}

impl TicketFilter {
    /// Words, and nothing else but perhaps archived tickets: what the word index can total.
    fn has_only_words(&self) -> bool {
        let others = TicketFilter {
            text: None,
            include_archived: false,
            ..self.clone()
        };
        self.text.is_some() && others == TicketFilter::default()
    }

    /// Live tickets filtered by nothing but open/closed, queues and statuses: what `ticket_counts`
    /// can total.
    fn is_queue_view(&self) -> bool {
        let TicketFilter {
            closed: _,
            status_ids: _,
            queue_ids: _,
            priority_ids,
            request_type_ids,
            source_ids,
            category_ids,
            tags,
            assigned,
            contact_ids,
            company_ids,
            created_after,
            created_before,
            updated_after,
            updated_before,
            text,
            last_message_from_contact,
            tasks_open,
            due_before,
            breached,
            include_archived,
        } = self;
        priority_ids.is_empty()
            && request_type_ids.is_empty()
            && source_ids.is_empty()
            && category_ids.is_empty()
            && tags.is_empty()
            && matches!(assigned, Assigned::Any)
            && contact_ids.is_empty()
            && company_ids.is_empty()
            && created_after.is_none()
            && created_before.is_none()
            && updated_after.is_none()
            && updated_before.is_none()
            && text.is_none()
            && last_message_from_contact.is_none()
            && tasks_open.is_none()
            && due_before.is_none()
            && breached.is_none()
            && !include_archived
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketOrder {
    Updated,
    Created,
    Id,
    /// The earliest due time of a running SLA target; tickets without one come last.
    DueAt,
    /// How well the summary and description match the words, best first.
    Relevance,
}

/// How many tickets match: exact, or (`capped`) at least `count`, when a word search matches
/// more than [`words::EXACT_UP_TO`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Total {
    pub count: i64,
    pub capped: bool,
}

/// How a word search narrows the tickets: to the listed ids, or by checking each ticket.
enum WordMatch {
    Ids(Vec<i32>),
    Check(Words),
}

/// The tickets matching `filter`, in `order`, and how many match in all. The page's ids are found
/// on `tickets` alone (by index), and only those rows are joined to the names they show.
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &TicketFilter,
    order: TicketOrder,
    descending: bool,
    skip: i64,
    take: i64,
) -> Result<(Vec<TicketRow>, Total), sqlx::Error> {
    let words = match &filter.text {
        Some(text) => {
            let words = words::stem(&mut *conn, words::parse(text)).await?;
            if words.is_empty() {
                return Ok((Vec::new(), Total::default()));
            }
            Some(words)
        }
        None => None,
    };
    let ranked = match &words {
        Some(words) if order == TicketOrder::Relevance => Some(words.ranking_query()),
        _ => None,
    };
    let matched = match words {
        Some(words) if words.has_list() => {
            let ids = listed::ids(&mut *conn, tenant, &words, filter.include_archived).await?;
            Some(if ids.len() as i64 <= EXACT_UP_TO {
                WordMatch::Ids(ids)
            } else {
                WordMatch::Check(words)
            })
        }
        Some(words) => Some(WordMatch::Check(words)),
        None => None,
    };
    let column = match order {
        TicketOrder::Updated => "updated_at",
        TicketOrder::Created => "created_at",
        TicketOrder::Id => "id",
        TicketOrder::DueAt => "due_at",
        TicketOrder::Relevance => "rank",
    };
    // The best match first, whichever way round `sort` was written.
    let descending = descending || order == TicketOrder::Relevance;
    let direction = if descending { "DESC" } else { "ASC" };
    let nulls = if order == TicketOrder::DueAt {
        " NULLS LAST"
    } else {
        ""
    };
    let only_words = filter.has_only_words();
    // The listed ids total themselves when nothing else filters; other listed searches count in
    // the pass that pages them (at most EXACT_UP_TO rows); the rest count apart.
    let count_in_page = matches!(matched, Some(WordMatch::Ids(_))) && !only_words;
    let (ids, counted) = if order == TicketOrder::DueAt && matched.is_none() {
        let ids = page_by_due(&mut *conn, tenant, filter, direction, skip, take).await?;
        (ids, None)
    } else if let Some(WordMatch::Ids(ids)) = &matched
        && only_words
        && !filter.include_archived
        && listed::can_page(order)
    {
        let ids = listed::page(&mut *conn, tenant, ids, order, descending, skip, take).await?;
        (ids, None)
    } else {
        let mut page = QueryBuilder::new("SELECT m.id, ");
        page.push(if count_in_page {
            "count(*) OVER ()"
        } else {
            "NULL::bigint"
        });
        page.push(" FROM (");
        let with_sla = order == TicketOrder::DueAt;
        push_matches(
            &mut page,
            tenant,
            filter,
            matched.as_ref(),
            with_sla,
            ranked.as_deref(),
        );
        page.push(format!(
            ") m ORDER BY m.{column} {direction}{nulls}, m.id {direction} OFFSET "
        ));
        page.push_bind(skip);
        page.push(" LIMIT ");
        page.push_bind(take);
        // Planned with the ids in sight (an unnamed statement), the planner can tell whether to
        // walk an ordered index checking each ticket against them or to sort them.
        let found: Vec<(i32, Option<i64>)> = page
            .build_query_as()
            .persistent(matched.is_none())
            .fetch_all(&mut *conn)
            .await?;
        let counted = found.first().and_then(|(_, total)| *total);
        (found.into_iter().map(|(id, _)| id).collect(), counted)
    };
    let rows = rows_in_order(&mut *conn, tenant, ids).await?;
    let exact = |count| Total {
        count,
        capped: false,
    };
    let total = match &matched {
        _ if let Some(count) = counted => exact(count),
        Some(WordMatch::Ids(ids)) if only_words => exact(ids.len() as i64),
        Some(WordMatch::Check(words)) if only_words && words.has_list() => Total {
            count: EXACT_UP_TO,
            capped: true,
        },
        None if filter.is_queue_view() => exact(
            live_count(
                &mut *conn,
                tenant,
                filter.closed,
                &filter.queue_ids,
                &filter.status_ids,
            )
            .await?,
        ),
        _ => count_matches(&mut *conn, tenant, filter, matched.as_ref()).await?,
    };
    Ok((rows, total))
}

/// The live tickets `ticket_counts` keeps, open or closed (or both), of some queues and statuses
/// (or all).
pub(super) async fn live_count(
    conn: &mut PgConnection,
    tenant: TenantId,
    closed: Option<bool>,
    queue_ids: &[i32],
    status_ids: &[i32],
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sql!(
        "SELECT coalesce(sum(live), 0)::bigint FROM ticket_counts
         WHERE tenant_id = $1 AND ($2::boolean IS NULL OR is_closed = $2)
           AND (cardinality($3::int[]) = 0 OR queue_id = ANY($3))
           AND (cardinality($4::int[]) = 0 OR status_id = ANY($4))"
    ))
    .bind(tenant)
    .bind(closed)
    .bind(queue_ids)
    .bind(status_ids)
    .fetch_one(conn)
    .await
}

/// The named rows of `ids`, in that order.
async fn rows_in_order(
    conn: &mut PgConnection,
    tenant: TenantId,
    ids: Vec<i32>,
) -> Result<Vec<TicketRow>, sqlx::Error> {
    let mut rows = super::read::rows(&mut *conn, tenant, &ids).await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// How many tickets match; a word search counts up to one beyond [`EXACT_UP_TO`], and says so.
async fn count_matches(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &TicketFilter,
    matched: Option<&WordMatch>,
) -> Result<Total, sqlx::Error> {
    let mut count = QueryBuilder::new("SELECT count(*) FROM (");
    push_matches(&mut count, tenant, filter, matched, false, None);
    if matched.is_some() {
        count.push(" LIMIT ").push_bind(EXACT_UP_TO + 1);
    }
    count.push(") m");
    let count: i64 = count
        .build_query_scalar()
        .persistent(matched.is_none())
        .fetch_one(conn)
        .await?;
    let capped = matched.is_some() && count > EXACT_UP_TO;
    Ok(Total {
        count: if capped { EXACT_UP_TO } else { count },
        capped,
    })
}

/// A page in SLA due order: the tickets with a running target walked in due order from
/// `ticket_slas`'s due index, stopping at the page (never sorting every match); after them, the
/// others by id.
async fn page_by_due(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &TicketFilter,
    direction: &str,
    skip: i64,
    take: i64,
) -> Result<Vec<i32>, sqlx::Error> {
    let timed = |q: &mut QueryBuilder<Postgres>| {
        q.push(
            " FROM ticket_slas s JOIN tickets t ON t.tenant_id = s.tenant_id AND t.id = s.ticket_id",
        );
        push_filter(q, tenant, filter);
        q.push(" AND s.tenant_id = ")
            .push_bind(tenant)
            .push(" AND s.due_at IS NOT NULL");
    };
    let mut page = QueryBuilder::new("SELECT t.id");
    timed(&mut page);
    page.push(format!(
        " ORDER BY s.due_at {direction}, s.ticket_id {direction} OFFSET "
    ))
    .push_bind(skip)
    .push(" LIMIT ")
    .push_bind(take);
    let mut ids: Vec<i32> = page.build_query_scalar().fetch_all(&mut *conn).await?;
    if ids.len() as i64 == take {
        return Ok(ids);
    }
    // Fewer timed matches than the page holds: the untimed ones follow.
    let timed_total = if ids.is_empty() && skip > 0 {
        let mut count = QueryBuilder::new("SELECT count(*)");
        timed(&mut count);
        count.build_query_scalar().fetch_one(&mut *conn).await?
    } else {
        skip + ids.len() as i64
    };
    let mut rest = QueryBuilder::new(
        "SELECT t.id FROM tickets t
         LEFT JOIN ticket_slas s ON s.tenant_id = t.tenant_id AND s.ticket_id = t.id",
    );
    push_filter(&mut rest, tenant, filter);
    rest.push(format!(
        " AND s.due_at IS NULL ORDER BY t.id {direction} OFFSET "
    ))
    .push_bind((skip - timed_total).max(0))
    .push(" LIMIT ")
    .push_bind(take - ids.len() as i64);
    let untimed: Vec<i32> = rest.build_query_scalar().fetch_all(conn).await?;
    ids.extend(untimed);
    Ok(ids)
}

/// `SELECT id, updated_at, created_at, due_at, rank` of every matching ticket (`due_at` read
/// only when sorting by it or filtering by SLA, `rank` only when ranking by `ranked`).
fn push_matches(
    q: &mut QueryBuilder<Postgres>,
    tenant: TenantId,
    f: &TicketFilter,
    words: Option<&WordMatch>,
    with_sla: bool,
    ranked: Option<&str>,
) {
    let with_sla = with_sla || f.due_before.is_some() || f.breached.is_some();
    let (due, sla) = if with_sla {
        (
            "s.due_at",
            " LEFT JOIN ticket_slas s ON s.tenant_id = t.tenant_id AND s.ticket_id = t.id",
        )
    } else {
        ("NULL::timestamptz AS due_at", "")
    };
    q.push(format!("SELECT t.id, t.updated_at, t.created_at, {due}, "));
    match ranked {
        Some(query) => {
            q.push("ts_rank(t.search, to_tsquery('english', ")
                .push_bind(query.to_string())
                .push(")) AS rank");
        }
        None => {
            q.push("NULL::real AS rank");
        }
    }
    match words {
        // With other filters, every listed ticket is looked up (to count them): from the ids.
        Some(WordMatch::Ids(ids)) if !f.has_only_words() => {
            q.push(" FROM unnest(")
                .push_bind(ids.clone())
                .push(") AS listed(id) JOIN tickets t ON t.tenant_id = ")
                .push_bind(tenant)
                .push(format!(" AND t.id = listed.id{sla}"));
        }
        _ => {
            q.push(format!(" FROM tickets t{sla}"));
        }
    }
    push_filter(q, tenant, f);
    match words {
        Some(WordMatch::Ids(ids)) if f.has_only_words() => {
            q.push(" AND t.id = ANY(").push_bind(ids.clone()).push(")");
        }
        Some(WordMatch::Ids(_)) => {}
        Some(WordMatch::Check(words)) => {
            q.push(" AND ");
            words.push_check(q, tenant, "t.id", true);
        }
        None => {}
    }
}

fn push_filter(q: &mut QueryBuilder<Postgres>, tenant: TenantId, f: &TicketFilter) {
    q.push(" WHERE t.tenant_id = ").push_bind(tenant);
    if !f.include_archived {
        q.push(" AND t.archived_at IS NULL");
    }
    if let Some(closed) = f.closed {
        q.push(" AND t.is_closed = ").push_bind(closed);
    }
    push_ids(q, f);
    if !f.category_ids.is_empty() {
        q.push(" AND t.category_ids && ")
            .push_bind(f.category_ids.clone());
    }
    if !f.tags.is_empty() {
        q.push(" AND t.tags && ").push_bind(f.tags.clone());
    }
    push_assigned(q, &f.assigned);
    for (column, op, at) in [
        ("t.created_at", ">=", f.created_after),
        ("t.created_at", "<", f.created_before),
        ("t.updated_at", ">=", f.updated_after),
        ("t.updated_at", "<", f.updated_before),
    ] {
        if let Some(at) = at {
            q.push(format!(" AND {column} {op} ")).push_bind(at);
        }
    }
    if let Some(from_contact) = f.last_message_from_contact {
        q.push(
            " AND (SELECT n.author_kind = 'contact' FROM ticket_notes n
                   WHERE n.tenant_id = t.tenant_id AND n.ticket_id = t.id AND NOT n.is_internal
                   ORDER BY n.id DESC LIMIT 1) IS ",
        )
        .push(if from_contact { "TRUE" } else { "NOT TRUE" });
    }
    if let Some(before) = f.due_before {
        q.push(" AND s.due_at < ").push_bind(before);
    }
    if let Some(breached) = f.breached {
        q.push(format!(" AND {} < now()", breached.column()));
    }
    if let Some(open) = f.tasks_open {
        q.push(if open { " AND" } else { " AND NOT" }).push(
            " EXISTS (SELECT 1 FROM ticket_task_lists l JOIN ticket_tasks k
                ON k.tenant_id = l.tenant_id AND k.list_id = l.id
              WHERE l.tenant_id = t.tenant_id AND l.ticket_id = t.id AND k.completed_at IS NULL)",
        );
    }
}

/// The id filters; one id as `=`, so an index on the column can also give the order.
fn push_ids(q: &mut QueryBuilder<Postgres>, f: &TicketFilter) {
    for (column, ids) in [
        ("t.status_id", &f.status_ids),
        ("t.queue_id", &f.queue_ids),
        ("t.priority_id", &f.priority_ids),
        ("t.request_type_id", &f.request_type_ids),
        ("t.source_id", &f.source_ids),
        ("t.contact_id", &f.contact_ids),
        ("t.company_id", &f.company_ids),
    ] {
        match ids.as_slice() {
            [] => {}
            [id] => {
                q.push(format!(" AND {column} = ")).push_bind(*id);
            }
            _ => {
                q.push(format!(" AND {column} = ANY("))
                    .push_bind(ids.clone())
                    .push(")");
            }
        }
    }
}

fn push_assigned(q: &mut QueryBuilder<Postgres>, assigned: &Assigned) {
    let assignees = " EXISTS (SELECT 1 FROM ticket_assignees a WHERE a.tenant_id = t.tenant_id AND a.ticket_id = t.id";
    match assigned {
        Assigned::Any => {}
        Assigned::Unassigned => {
            q.push(format!(" AND NOT{assignees})"));
        }
        Assigned::Anyone => {
            q.push(format!(" AND{assignees})"));
        }
        Assigned::Members(members) => {
            q.push(format!(" AND{assignees} AND a.member_id = ANY("))
                .push_bind(members.clone())
                .push("))");
        }
    }
}
