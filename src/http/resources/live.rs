//! Live event streams (Server-Sent Events) for the client portal and the tech portal: each caller
//! gets exactly the events they may see, resumes after a disconnect with `Last-Event-ID` (or
//! `?lastEventId=`, for `EventSource` reconnecting by hand), and hears a heartbeat comment while
//! idle. See [`crate::live`] for how events travel between instances.

use std::{convert::Infallible, time::Duration};

use axum::{
    extract::State,
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use sqlx::PgPool;
use tokio::sync::mpsc;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::{PortalUser, TechUser},
    domain::TenantId,
    error::{Error, Result},
    http::extract::ApiQuery,
    live::{self, Listener, LiveEvent, Subscription},
    metrics::GaugeHeld,
    repo::{self, tickets::contact_reach},
    service::contacts,
    state::AppState,
};

/// Events being written to a client; behind them its feed queue holds more (see `live`), and a
/// client slower than both is dropped and resumes from its last event id.
const CLIENT_BUFFER: usize = 64;
/// How long a reconnecting `EventSource` waits.
const RETRY: Duration = Duration::from_secs(2);

pub fn portal_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(portal_stream))
}

pub fn tech_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tech_stream))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct StreamQuery {
    /// The last event id received, when the `Last-Event-ID` header cannot be sent.
    pub last_event_id: Option<String>,
}

/// My live events: messages and status changes of my chats, updates of tickets I can see, and my
/// notifications. `text/event-stream`; each event's `id` resumes the stream.
#[utoipa::path(get, path = "/events/stream", params(StreamQuery, ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")), responses((status = 200, content_type = "text/event-stream", description = "Server-Sent Events: `chat.session`, `chat.message`, `ticket.*`, `notification`")))]
pub async fn portal_stream(
    State(state): State<AppState>,
    user: PortalUser,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let start = resume_point(&headers, query)?;
    let mut conn = state.pool.acquire().await?;
    let (company_wide, managed) = contact_reach(&mut conn, user.tenant.id, user.contact_id).await?;
    drop(conn);
    let approver = contacts::get(&state, &user.tenant, user.contact_id)
        .await?
        .is_approver;
    let listener = Listener::Contact {
        id: user.contact_id,
        company_id: user.company_id,
        company_wide,
        managed,
        approver,
    };
    open(state, user.tenant.id, listener, start).await
}

/// My live events: every chat's status changes (the queue), messages of chats I am in, every
/// ticket's updates, presence changes and my notifications. `text/event-stream`; each event's `id`
/// resumes the stream.
#[utoipa::path(get, path = "/events/stream", params(StreamQuery, ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")), responses((status = 200, content_type = "text/event-stream", description = "Server-Sent Events: `chat.session`, `chat.message`, `ticket.*`, `presence`, `notification`")))]
pub async fn tech_stream(
    State(state): State<AppState>,
    user: TechUser,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let start = resume_point(&headers, query)?;
    let listener = Listener::Member(user.member_id);
    open(state, user.tenant.id, listener, start).await
}

fn resume_point(headers: &HeaderMap, query: StreamQuery) -> Result<Option<(i64, i64)>> {
    let given = headers
        .get("last-event-id")
        .map(|v| v.to_str().unwrap_or("?").to_string())
        .or(query.last_event_id)
        .filter(|v| !v.trim().is_empty());
    given
        .map(|id| {
            live::parse_cursor(&id).ok_or_else(|| {
                Error::bad_request("Last-Event-ID", "not an event id this stream sent")
            })
        })
        .transpose()
}

/// Subscribes, then catches up from `start` (none: from now), then follows the live feed.
async fn open(
    state: AppState,
    tenant: TenantId,
    listener: Listener,
    start: Option<(i64, i64)>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    // Subscribing first means nothing falls between the catch-up read and the feed.
    let feed = state.live.subscribe(tenant, listener.clone()).await?;
    let (cursor, reset) = starting_point(&state.pool, tenant, start).await?;
    let (out, stream) = mpsc::channel::<Event>(CLIENT_BUFFER);
    if let Some(reset) = reset {
        // The channel is new and empty: this cannot fail.
        let _ = out.try_send(reset);
    }
    let follower = Follower {
        listener,
        out,
        cursor,
        told: cursor,
    };
    let heartbeat = state.config.stream_heartbeat;
    tokio::spawn(run(follower, feed, state, tenant));
    let hello = Event::default().retry(RETRY).comment("connected");
    let events = futures_util::stream::once(async move { Ok(hello) }).chain(
        futures_util::stream::unfold(stream, |mut stream| async move {
            stream.recv().await.map(|e| (Ok(e), stream))
        }),
    );
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat")))
}

/// Where a stream starts: after `start` while that event is kept; otherwise from now, with a
/// `reset` event when `start` was given (it cannot be resumed without a gap: the client reloads).
async fn starting_point(
    pool: &PgPool,
    tenant: TenantId,
    start: Option<(i64, i64)>,
) -> Result<((i64, i64), Option<Event>)> {
    if let Some(c) = start
        && repo::live::exists(pool, tenant, c).await?
    {
        return Ok((c, None));
    }
    let now = repo::live::tail(pool, tenant).await?;
    let reset = start.map(|_| {
        let reset = Event::default().event("reset").data(
            r#"{"reason":"the last event id is no longer kept; reload and go on from here"}"#,
        );
        // A tenant without any event yet has no position to give.
        if now == (0, 0) {
            reset
        } else {
            reset.id(live::format_cursor(now))
        }
    });
    Ok((now, reset))
}

/// Feeds one stream until its client goes, its lifetime ends or the server stops. Every stream
/// ends after its lifetime (give or take a tenth, so streams opened together do not all come
/// back at once): the client reconnects, its credentials and reach are checked again, and it
/// resumes from its last event id.
async fn run(mut follower: Follower, mut feed: Subscription, state: AppState, tenant: TenantId) {
    let _counted = GaugeHeld::enter(state.metrics.live_subscribers.clone());
    let lifetime = state
        .config
        .stream_lifetime
        .mul_f64(0.9 + rand::random::<f64>() * 0.2);
    let progress_every = state.config.stream_heartbeat;
    let closing = state.live.closing();
    tokio::select! {
        () = follower.follow(&mut feed, &state.pool, tenant, progress_every) => {}
        () = tokio::time::sleep(lifetime) => {}
        () = closing.cancelled() => {}
    }
}

fn sse_event(e: &LiveEvent) -> Event {
    Event::default().id(e.id()).event(&e.kind).data(&e.data)
}

/// One stream's position: what it has read, and what its client knows as its last event id.
struct Follower {
    listener: Listener,
    out: mpsc::Sender<Event>,
    cursor: (i64, i64),
    told: (i64, i64),
}

/// The client is gone (or the table could not be read): the stream ends.
struct Gone;

impl Follower {
    /// Catches up from the table, then follows the feed (skipping what the catch-up sent), and
    /// tells an idle client its position; returns when the client is gone or too slow.
    async fn follow(
        &mut self,
        feed: &mut Subscription,
        pool: &PgPool,
        tenant: TenantId,
        progress_every: Duration,
    ) {
        let mut progress = tokio::time::interval(progress_every);
        progress.reset();
        if self.catch_up(pool, tenant).await.is_err() {
            return;
        }
        loop {
            tokio::select! {
                received = feed.events.recv() => match received {
                    Some(event) => {
                        if self.offer(&event).await.is_err() {
                            return;
                        }
                    }
                    // Too slow: its queue filled and the feed dropped it. It resumes from its
                    // last event id, read back from the table.
                    None => return,
                },
                _ = progress.tick() => {
                    // Position first, then the queue: if the queue is empty, everything up to
                    // that position that this client may see has been sent.
                    if let Some(handed_out) = feed.handed_out()
                        && feed.events.is_empty()
                    {
                        self.cursor = self.cursor.max(handed_out);
                    }
                    if self.tell_progress().await.is_err() {
                        return;
                    }
                }
                () = self.out.closed() => return,
            }
        }
    }

    /// Sends the client what it may see of the stable events after its position in the table.
    async fn catch_up(&mut self, pool: &PgPool, tenant: TenantId) -> Result<(), Gone> {
        loop {
            let batch = live::read_after(pool, tenant, self.cursor)
                .await
                .map_err(|_| Gone)?;
            if batch.is_empty() {
                return Ok(());
            }
            for event in &batch {
                self.offer(event).await?;
            }
            // A long catch-up over events this client may not see still moves its last event
            // id, so if it is dropped it does not start over.
            self.tell_progress().await?;
        }
    }

    /// Sends an event from the feed or the table if it is new to this stream and the client may
    /// see it.
    async fn offer(&mut self, event: &LiveEvent) -> Result<(), Gone> {
        if event.cursor <= self.cursor {
            return Ok(());
        }
        self.cursor = event.cursor;
        if self.listener.may_see(event) {
            self.send(sse_event(event)).await?;
            self.told = event.cursor;
        }
        Ok(())
    }

    async fn send(&mut self, event: Event) -> Result<(), Gone> {
        self.out.send(event).await.map_err(|_| Gone)
    }

    /// Moves the client's last event id past events it may not see (an `id`-only message), so a
    /// reconnect does not read them again.
    async fn tell_progress(&mut self) -> Result<(), Gone> {
        if self.cursor > self.told {
            let id = live::format_cursor(self.cursor);
            self.send(Event::default().id(id)).await?;
            self.told = self.cursor;
        }
        Ok(())
    }
}
