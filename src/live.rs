//! Live event streams that work across instances. Every change that a stream carries is a row of
//! `live_events`, written in the transaction that made the change; its insert NOTIFYs
//! `deskd_live`. Each instance keeps one LISTEN connection and, per tenant with subscribers here,
//! one feed: a cursor into `live_events` and a bounded broadcast channel. When woken (or once a
//! second, in case a notice was lost) the instance reads what is new once per tenant and hands it
//! to every subscriber, who keeps what they may see. A subscriber too slow to keep up overflows the
//! channel and is dropped; it resumes from its last event id, read back from the table.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use crate::{
    domain::TenantId,
    repo::{self, live::LiveRow},
};

const CHANNEL: &str = "deskd_live";
/// Events one read takes from the table.
const BATCH: i64 = 512;
/// Events a subscriber's queue holds; one that falls this far behind is dropped.
const QUEUE_CAPACITY: usize = 256;
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
    approval: bool,
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
            approval: r.approval,
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
        /// Approves their company's tickets (of groups they manage, for grouped tickets).
        approver: bool,
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
                approver,
            } => {
                let own_company = e.company_id == Some(*company_id);
                let managed_group = e.contact_group_id.is_some_and(|g| managed.contains(&g));
                e.contact_ids.contains(id)
                    || (*company_wide && own_company)
                    || managed_group
                    || (*approver
                        && e.approval
                        && own_company
                        && (e.contact_group_id.is_none() || managed_group))
            }
        }
    }
}

#[derive(Clone)]
pub struct LiveHub(Arc<Hub>);

struct Hub {
    pool: PgPool,
    /// Held only for moments (never across an await).
    feeds: Mutex<HashMap<TenantId, Feed>>,
    next_subscriber: AtomicU64,
    /// Tenants with news since their feed was last read.
    dirty: Mutex<HashSet<TenantId>>,
    wake: Notify,
    started: OnceLock<()>,
    /// Cancelled when the server stops: every stream ends.
    closing: CancellationToken,
}

struct Feed {
    /// The last event handed out: every one up to it is in the queues of those who may see it.
    cursor: (i64, i64),
    subscribers: HashMap<u64, Subscriber>,
}

struct Subscriber {
    listener: Listener,
    queue: mpsc::Sender<Arc<LiveEvent>>,
}

impl Feed {
    /// Hands an event to each subscriber who may see it; drops those whose queue is full (too
    /// slow) or gone.
    fn hand_out(&mut self, event: LiveEvent) {
        self.cursor = event.cursor;
        let event = Arc::new(event);
        self.subscribers
            .retain(|_, s| !s.listener.may_see(&event) || s.queue.try_send(event.clone()).is_ok());
    }
}

/// One stream's place in its tenant's feed: the events it may see arrive on `events`. Dropping it
/// leaves the feed.
pub struct Subscription {
    pub events: mpsc::Receiver<Arc<LiveEvent>>,
    hub: Arc<Hub>,
    tenant: TenantId,
    id: u64,
}

impl Subscription {
    /// The feed's position: every event up to it that this subscriber may see is in `events`.
    /// None once the feed has dropped it (too slow): then events after what it holds are lost
    /// to it, and it must not claim any further position.
    pub fn handed_out(&self) -> Option<(i64, i64)> {
        let feeds = self.hub.feeds.lock().unwrap();
        feeds
            .get(&self.tenant)
            .filter(|f| f.subscribers.contains_key(&self.id))
            .map(|f| f.cursor)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut feeds = self.hub.feeds.lock().unwrap();
        if let Some(feed) = feeds.get_mut(&self.tenant) {
            feed.subscribers.remove(&self.id);
            if feed.subscribers.is_empty() {
                feeds.remove(&self.tenant);
            }
        }
    }
}

impl LiveHub {
    pub fn new(pool: PgPool) -> Self {
        Self(Arc::new(Hub {
            pool,
            feeds: Mutex::new(HashMap::new()),
            next_subscriber: AtomicU64::new(1),
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

    /// Subscribes `listener` to a tenant's events. Every event after the feed's position (which
    /// is never past the table's stable tail when read after this) arrives on the subscription;
    /// the caller reads what came before from the table.
    pub async fn subscribe(
        &self,
        tenant: TenantId,
        listener: Listener,
    ) -> Result<Subscription, sqlx::Error> {
        self.start();
        let (queue, events) = mpsc::channel(QUEUE_CAPACITY);
        let id = self.0.next_subscriber.fetch_add(1, Ordering::Relaxed);
        let mut pending = Some(Subscriber { listener, queue });
        let mut tail = None;
        while pending.is_some() {
            {
                let mut feeds = self.0.feeds.lock().unwrap();
                if let Some(feed) = feeds.get_mut(&tenant) {
                    feed.subscribers.extend(pending.take().map(|s| (id, s)));
                } else if let Some(cursor) = tail {
                    let subscribers = pending.take().map(|s| (id, s)).into_iter().collect();
                    feeds.insert(
                        tenant,
                        Feed {
                            cursor,
                            subscribers,
                        },
                    );
                }
            }
            if pending.is_some() {
                // A new feed starts at the stable tail, read without holding the lock.
                tail = Some(repo::live::tail(&self.0.pool, tenant).await?);
            }
        }
        Ok(Subscription {
            events,
            hub: self.0.clone(),
            tenant,
            id,
        })
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
    let tenants: Vec<TenantId> = hub.feeds.lock().unwrap().keys().copied().collect();
    hub.dirty.lock().unwrap().extend(tenants);
    hub.wake.notify_one();
}

/// Reads each woken tenant's new events once and hands them to its subscribers.
async fn pump(hub: Arc<Hub>) {
    let mut last_full = Instant::now();
    let mut waiting: HashSet<TenantId> = HashSet::new();
    // Doubles (up to the safety poll) while events keep waiting on an open transaction or the
    // database keeps failing, so neither makes the pump spin.
    let mut retry = UNSTABLE_RETRY;
    loop {
        let pause = if waiting.is_empty() {
            retry = UNSTABLE_RETRY;
            SAFETY_POLL
        } else {
            let pause = retry;
            retry = (retry * 2).min(SAFETY_POLL);
            pause
        };
        let _ = tokio::time::timeout(pause, hub.wake.notified()).await;
        let mut tenants: HashSet<TenantId> = std::mem::take(&mut *hub.dirty.lock().unwrap());
        tenants.extend(waiting.drain());
        // However busy, every feed is read at least once a second (a notice may have been lost).
        if last_full.elapsed() >= SAFETY_POLL {
            last_full = Instant::now();
            tenants.extend(hub.feeds.lock().unwrap().keys().copied());
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
        if let Err(e) = repo::live::prune(&pool, RETENTION_SECS).await {
            tracing::warn!(error = %e, "live events: pruning failed");
        }
        tokio::time::sleep(PRUNE_EVERY).await;
    }
}

/// Hands out a tenant's stable new events; answers whether some are still waiting to become
/// stable.
async fn pump_tenant(hub: &Hub, tenant: TenantId) -> Result<bool, sqlx::Error> {
    let Some(mut cursor) = hub.feeds.lock().unwrap().get(&tenant).map(|f| f.cursor) else {
        return Ok(false);
    };
    loop {
        let rows = repo::live::after(&hub.pool, tenant, cursor, BATCH).await?;
        let full = rows.len() as i64 == BATCH;
        let unstable = rows.iter().any(|r| !r.stable);
        // Shaped before taking the lock, which every tenant's streams share.
        let events: Vec<LiveEvent> = rows
            .into_iter()
            .take_while(|r| r.stable)
            .map(LiveEvent::from)
            .collect();
        let mut feeds = hub.feeds.lock().unwrap();
        // Its last subscriber left meanwhile.
        let Some(feed) = feeds.get_mut(&tenant) else {
            return Ok(false);
        };
        for event in events {
            // A feed made again meanwhile may already be further on.
            if event.cursor > feed.cursor {
                feed.hand_out(event);
            }
        }
        cursor = feed.cursor;
        if unstable || !full {
            return Ok(unstable);
        }
    }
}

/// Reads stable events after `cursor` straight from the table (a stream catching up).
pub async fn read_after(
    pool: &PgPool,
    tenant: TenantId,
    cursor: (i64, i64),
) -> Result<Vec<LiveEvent>, sqlx::Error> {
    let rows = repo::live::after(pool, tenant, cursor, BATCH).await?;
    Ok(rows
        .into_iter()
        .take_while(|r| r.stable)
        .map(LiveEvent::from)
        .collect())
}
