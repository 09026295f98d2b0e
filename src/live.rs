//! Live event streams that work across instances. Every change that a stream carries is a row of
//! `live_events`, written in the transaction that made the change; its insert NOTIFYs
//! `deskd_live`. Each instance keeps one LISTEN connection and, per tenant with subscribers here,
//! one feed: a cursor into `live_events` and a bounded broadcast channel. When woken (or once a
//! second, in case a notice was lost) the instance reads what is new once per tenant and hands it
//! to every subscriber, who keeps what they may see. A subscriber too slow to keep up overflows the
//! channel and is dropped; it resumes from its last event id, read back from the table.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

use crate::{
    domain::TenantId,
    repo::live::{self as repo, LiveRow},
};

const CHANNEL: &str = "deskd_live";
/// Events one read takes from the table.
const BATCH: i64 = 512;
/// Events a tenant's feed holds for subscribers that have not taken them yet.
const FEED_CAPACITY: usize = 1024;
/// How often every feed is read even without a notice.
const SAFETY_POLL: Duration = Duration::from_secs(1);
/// How soon to look again when an event waits on an earlier, still open transaction.
const UNSTABLE_RETRY: Duration = Duration::from_millis(10);
/// How long the table keeps events (a stream can resume from within this window).
pub const RETENTION_SECS: i64 = 24 * 3600;
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// One event as streams send it.
#[derive(Debug)]
pub struct LiveEvent {
    pub cursor: (i64, i64),
    /// The SSE `event` field: `chat.session`, `chat.message`, `ticket.updated`, `notification`, …
    pub kind: String,
    /// The SSE `data` field: JSON.
    pub data: String,
    all_members: bool,
    member_ids: Vec<i32>,
    contact_ids: Vec<i32>,
    company_id: Option<i32>,
    contact_group_id: Option<i32>,
}

impl LiveEvent {
    /// The SSE `id` field, which a client sends back as `Last-Event-ID`.
    pub fn id(&self) -> String {
        format_cursor(self.cursor)
    }
}

impl From<LiveRow> for LiveEvent {
    fn from(r: LiveRow) -> Self {
        Self {
            cursor: (r.xid, r.seq),
            kind: r.kind,
            data: r.payload.0.to_string(),
            all_members: r.all_members,
            member_ids: r.member_ids,
            contact_ids: r.contact_ids,
            company_id: r.company_id,
            contact_group_id: r.contact_group_id,
        }
    }
}

pub fn format_cursor(cursor: (i64, i64)) -> String {
    format!("{}-{}", cursor.0, cursor.1)
}

/// `{xid}-{seq}` as the stream wrote it; anything else is not an event id of ours.
pub fn parse_cursor(id: &str) -> Option<(i64, i64)> {
    let (xid, seq) = id.trim().split_once('-')?;
    Some((xid.parse().ok()?, seq.parse().ok()?))
}

/// Who is listening, and so which events they get.
#[derive(Clone, Debug)]
pub enum Listener {
    Member(i32),
    Contact {
        id: i32,
        company_id: i32,
        /// Sees every ticket of their company.
        company_wide: bool,
        /// The contact groups they manage.
        managed: Vec<i32>,
    },
}

impl Listener {
    pub fn may_see(&self, e: &LiveEvent) -> bool {
        match self {
            Listener::Member(id) => e.all_members || e.member_ids.contains(id),
            Listener::Contact {
                id,
                company_id,
                company_wide,
                managed,
            } => {
                e.contact_ids.contains(id)
                    || (*company_wide && e.company_id == Some(*company_id))
                    || e.contact_group_id.is_some_and(|g| managed.contains(&g))
            }
        }
    }
}

#[derive(Clone)]
pub struct LiveHub(Arc<Hub>);

struct Hub {
    pool: PgPool,
    feeds: tokio::sync::Mutex<HashMap<TenantId, Feed>>,
    /// Tenants with news since their feed was last read.
    dirty: Mutex<HashSet<TenantId>>,
    wake: Notify,
    started: OnceLock<()>,
    /// Cancelled when the server stops: every stream ends.
    closing: CancellationToken,
}

struct Feed {
    sender: broadcast::Sender<Arc<LiveEvent>>,
    cursor: (i64, i64),
}

impl LiveHub {
    pub fn new(pool: PgPool) -> Self {
        Self(Arc::new(Hub {
            pool,
            feeds: tokio::sync::Mutex::new(HashMap::new()),
            dirty: Mutex::new(HashSet::new()),
            wake: Notify::new(),
            started: OnceLock::new(),
            closing: CancellationToken::new(),
        }))
    }

    /// Ends every stream (the server is stopping; clients reconnect elsewhere and resume).
    pub fn close_streams(&self) {
        self.0.closing.cancel();
    }

    /// Resolves when the server is stopping.
    pub fn closing(&self) -> CancellationToken {
        self.0.closing.clone()
    }

    /// Subscribes to a tenant's events. Everything committed after the stable position `tail`
    /// answers arrives on the receiver; the caller reads what came before from the table.
    pub async fn subscribe(
        &self,
        tenant: TenantId,
    ) -> Result<broadcast::Receiver<Arc<LiveEvent>>, sqlx::Error> {
        self.start();
        if let Some(feed) = self.0.feeds.lock().await.get(&tenant) {
            return Ok(feed.sender.subscribe());
        }
        // Read before taking the lock, so other tenants' streams and the pump never wait on it.
        let cursor = repo::tail(&self.0.pool, tenant).await?;
        let mut feeds = self.0.feeds.lock().await;
        let feed = feeds.entry(tenant).or_insert_with(|| Feed {
            sender: broadcast::channel(FEED_CAPACITY).0,
            cursor,
        });
        Ok(feed.sender.subscribe())
    }

    fn start(&self) {
        self.0.started.get_or_init(|| {
            tokio::spawn(listen(self.0.clone()));
            tokio::spawn(pump(self.0.clone()));
            tokio::spawn(prune(self.0.pool.clone()));
        });
    }
}

/// Wakes the pump for each tenant a notice names; after a lost connection, for every tenant.
async fn listen(hub: Arc<Hub>) {
    loop {
        let mut listener = match PgListener::connect_with(&hub.pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "live events: cannot listen; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "live events: LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        // Notices sent while nobody listened are lost: read every feed once.
        wake_all(&hub).await;
        loop {
            match listener.try_recv().await {
                Ok(Some(notice)) => {
                    if let Ok(tenant) = notice.payload().parse::<TenantId>() {
                        hub.dirty.lock().unwrap().insert(tenant);
                        hub.wake.notify_one();
                    }
                }
                // The connection dropped; the next call reconnects (and LISTENs again).
                Ok(None) => wake_all(&hub).await,
                Err(e) => {
                    tracing::warn!(error = %e, "live events: listener failed; reconnecting");
                    break;
                }
            }
        }
    }
}

async fn wake_all(hub: &Hub) {
    let tenants: Vec<TenantId> = hub.feeds.lock().await.keys().copied().collect();
    hub.dirty.lock().unwrap().extend(tenants);
    hub.wake.notify_one();
}

/// Reads each woken tenant's new events once and hands them to its subscribers.
async fn pump(hub: Arc<Hub>) {
    let mut last_full = Instant::now();
    let mut waiting: HashSet<TenantId> = HashSet::new();
    loop {
        let pause = if waiting.is_empty() {
            SAFETY_POLL
        } else {
            UNSTABLE_RETRY
        };
        let _ = tokio::time::timeout(pause, hub.wake.notified()).await;
        let mut tenants: HashSet<TenantId> = std::mem::take(&mut *hub.dirty.lock().unwrap());
        tenants.extend(waiting.drain());
        // However busy, every feed is read at least once a second (a notice may have been lost).
        if last_full.elapsed() >= SAFETY_POLL {
            last_full = Instant::now();
            tenants.extend(hub.feeds.lock().await.keys().copied());
        }
        for tenant in tenants {
            match pump_tenant(&hub, tenant).await {
                Ok(true) => {
                    waiting.insert(tenant);
                }
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %e, tenant, "live events: read failed");
                    waiting.insert(tenant);
                }
            }
        }
    }
}

/// Forgets old events, away from the pump so streams never wait on it.
async fn prune(pool: PgPool) {
    loop {
        if let Err(e) = repo::prune(&pool, RETENTION_SECS).await {
            tracing::warn!(error = %e, "live events: pruning failed");
        }
        tokio::time::sleep(PRUNE_EVERY).await;
    }
}

/// Hands out a tenant's stable new events; answers whether some are still waiting to become
/// stable. A feed nobody listens to any more is dropped.
async fn pump_tenant(hub: &Hub, tenant: TenantId) -> Result<bool, sqlx::Error> {
    let (sender, mut cursor) = {
        let mut feeds = hub.feeds.lock().await;
        let Some(feed) = feeds.get(&tenant) else {
            return Ok(false);
        };
        if feed.sender.receiver_count() == 0 {
            feeds.remove(&tenant);
            return Ok(false);
        }
        (feed.sender.clone(), feed.cursor)
    };
    let unstable = loop {
        let rows = repo::after(&hub.pool, tenant, cursor, BATCH).await?;
        let full = rows.len() as i64 == BATCH;
        let mut unstable = false;
        for row in rows {
            if !row.stable {
                unstable = true;
                break;
            }
            cursor = (row.xid, row.seq);
            // No receivers right now is fine: the feed is dropped on the next pass.
            let _ = sender.send(Arc::new(LiveEvent::from(row)));
        }
        if unstable || !full {
            break unstable;
        }
    };
    if let Some(feed) = hub.feeds.lock().await.get_mut(&tenant) {
        feed.cursor = feed.cursor.max(cursor);
    }
    Ok(unstable)
}

/// Reads stable events after `cursor` straight from the table (a stream catching up).
pub async fn read_after(
    pool: &PgPool,
    tenant: TenantId,
    cursor: (i64, i64),
) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let rows = repo::after(pool, tenant, cursor, BATCH).await?;
    Ok(rows
        .into_iter()
        .take_while(|r| r.stable)
        .map(LiveEvent::from)
        .collect())
}
