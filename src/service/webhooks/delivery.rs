//! The delivery worker: claims due deliveries (any number of workers share them), keeps up to 32
//! sends in flight with at most 8 per subscription, signs each with DeskDirector's
//! `x-dd-signature` and the Standard Webhooks headers, and records the outcome: delivered,
//! retried with back-off and jitter for about a day, rested after repeated failures (a circuit
//! breaker that probes with one send, resting twice as long after each failed probe), or disabled.

use std::{collections::HashMap, sync::Arc, time::Duration};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

use crate::{
    metrics::OutcomeLabels,
    outbound,
    repo::{
        self,
        webhooks::{Attempt, Due, Outcome, Rest},
    },
    state::AppState,
};

/// When a subscription rests: after five failures in a row (sends that fail together count
/// once), for 10 s, then 20 s, 40 s… after each failed probe, at most 30 minutes.
pub const REST: Rest = Rest {
    after: 5,
    first_secs: 10.0,
    longest_secs: 30.0 * 60.0,
};

/// How long a claimed delivery is leased to its worker.
const LEASE: Duration = Duration::from_secs(120);

/// Seconds before each retry (about a day in all); jitter is added.
const BACKOFF: [f64; 9] = [
    10.0, 60.0, 300.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0, 43200.0,
];

/// Sends one worker keeps in flight at once.
const IN_FLIGHT: usize = 32;

/// Sends one subscription may hold of those, so a slow receiver cannot take them all.
const IN_FLIGHT_PER_WEBHOOK: usize = 8;

/// Delivers what is due, in rounds, until nothing is; returns how many attempts were made. (The
/// worker below overlaps its sends; this is for tests and one-off runs.)
pub async fn deliver_due(state: &AppState) -> anyhow::Result<usize> {
    let mut attempts = 0;
    loop {
        let due = repo::webhooks::claim(
            &state.pool,
            IN_FLIGHT as i64,
            IN_FLIGHT_PER_WEBHOOK as i64,
            &[],
            LEASE.as_secs_f64(),
            REST.after,
        )
        .await?;
        if due.is_empty() {
            return Ok(attempts);
        }
        attempts += due.len();
        let sends = due.into_iter().map(|d| deliver(state, d));
        for result in futures_util::future::join_all(sends).await {
            result?;
        }
    }
}

/// Which subscriptions this worker is sending to: how many sends each holds, and whether they
/// probe (a probed subscription has room for one).
#[derive(Default)]
struct Busy(std::sync::Mutex<HashMap<Uuid, (usize, bool)>>);

impl Busy {
    fn counts(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, (usize, bool)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Subscriptions with no room for another send.
    fn full(&self) -> Vec<Uuid> {
        self.counts()
            .iter()
            .filter(|(_, (n, probing))| *probing || *n >= IN_FLIGHT_PER_WEBHOOK)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Takes a place for a send to `webhook`, if it has room.
    fn enter(&self, webhook: Uuid, probing: bool) -> bool {
        let mut counts = self.counts();
        let (n, probed) = counts.entry(webhook).or_default();
        if *n >= IN_FLIGHT_PER_WEBHOOK || ((probing || *probed) && *n > 0) {
            return false;
        }
        *n += 1;
        *probed = probing;
        true
    }

    fn leave(&self, webhook: Uuid) {
        let mut counts = self.counts();
        if let Some((n, _)) = counts.get_mut(&webhook) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&webhook);
            }
        }
    }
}

/// Runs the delivery worker until the process ends (inside `serve`, or alone as `deskd worker`).
/// Sends overlap: a new one starts as soon as any finishes, so a slow receiver delays only its
/// own subscription's deliveries.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(IN_FLIGHT));
        let busy = Arc::new(Busy::default());
        // Signalled as each send ends: room for its subscription's next delivery.
        let ended = Arc::new(Notify::new());
        loop {
            // Wait for room, then claim as many as there is room for.
            drop(
                slots
                    .acquire()
                    .await
                    .expect("the semaphore is never closed"),
            );
            let room = slots.available_permits();
            let claimed = repo::webhooks::claim(
                &state.pool,
                room as i64,
                IN_FLIGHT_PER_WEBHOOK as i64,
                &busy.full(),
                LEASE.as_secs_f64(),
                REST.after,
            )
            .await;
            let due = match claimed {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if due.is_empty() {
                // Nothing due, or only for subscriptions at their share: wait for a send to end,
                // or look again shortly for new work.
                let _ = tokio::time::timeout(Duration::from_millis(250), ended.notified()).await;
                continue;
            }
            for d in due {
                start_send(&state, d, &slots, &busy, &ended).await;
            }
        }
    });
}

/// Sends one claimed delivery in a task of its own, holding a slot and a place in its
/// subscription's share until it ends; a delivery whose subscription has no room goes back.
async fn start_send(
    state: &AppState,
    due: Due,
    slots: &Arc<Semaphore>,
    busy: &Arc<Busy>,
    ended: &Arc<Notify>,
) {
    let webhook = due.webhook_id;
    if !busy.enter(webhook, due.probing) {
        if let Err(e) = repo::webhooks::release(&state.pool, &due).await {
            tracing::warn!(error = %e, "releasing a webhook delivery failed");
        }
        return;
    }
    let permit = Arc::clone(slots)
        .acquire_owned()
        .await
        .expect("the semaphore is never closed");
    let (state, busy, ended) = (state.clone(), Arc::clone(busy), Arc::clone(ended));
    tokio::spawn(async move {
        if let Err(e) = deliver(&state, due).await {
            tracing::warn!(error = %e, "recording a webhook attempt failed");
        }
        busy.leave(webhook);
        drop(permit);
        ended.notify_one();
    });
}

async fn deliver(state: &AppState, due: Due) -> anyhow::Result<()> {
    let (started, started_at) = (std::time::Instant::now(), chrono::Utc::now());
    let result = send(state, &due).await;
    let latency_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    let retry = |retry_after: Option<f64>| {
        let step = BACKOFF.get(due.attempts as usize - 1).copied();
        let secs = retry_after
            .unwrap_or_else(|| step.unwrap_or(0.0) * (1.0 + rand::random::<f64>() * 0.2));
        match step {
            Some(_) => Outcome::RetryIn { secs, rest: REST },
            None => Outcome::GiveUp { secs, rest: REST },
        }
    };
    let (attempt_status, error, head, outcome) = match &result {
        Ok((status, _, head)) if (200..300).contains(status) => {
            (Some(*status), None, Some(head.as_str()), Outcome::Delivered)
        }
        Ok((410, _, head)) => (Some(410), None, Some(head.as_str()), Outcome::Gone),
        Ok((status, retry_after, head)) => (
            Some(*status),
            None,
            Some(head.as_str()),
            retry(*retry_after),
        ),
        Err(e) => (None, Some(e.as_str()), None, retry(None)),
    };
    let delivered = matches!(outcome, Outcome::Delivered);
    state
        .metrics
        .webhook_attempts
        .get_or_create(&OutcomeLabels {
            outcome: if delivered { "delivered" } else { "failed" },
        })
        .inc();
    let attempt = Attempt {
        started_at,
        ended_at: chrono::Utc::now(),
        status_code: attempt_status.map(i32::from),
        latency_ms,
        error,
        response_head: head,
    };
    let mut tx = state.pool.begin().await?;
    repo::webhooks::finish_attempt(&mut tx, &due, &attempt, outcome).await?;
    tx.commit().await?;
    Ok(())
}

/// One POST: the status, any `Retry-After` (seconds), and the first bytes of the answer.
async fn send(state: &AppState, due: &Due) -> Result<(u16, Option<f64>, String), String> {
    let key = state
        .server_key
        .open(&due.secret_sealed)
        .map_err(|_| "the subscription's secret cannot be read".to_string())?;
    let url = reqwest::Url::parse(&due.url).map_err(|e| e.to_string())?;
    if !state.config.webhooks_allow_private && outbound::names_private_address(&url) {
        return Err("the URL points at a private address".into());
    }
    let mut request = state
        .webhook_client
        .post(url)
        .header("content-type", "application/json");
    for (name, value) in signatures(&key, &due.event_id.to_string(), &due.body) {
        request = request.header(name, value);
    }
    let mut response = request
        .body(due.body.clone())
        .send()
        .await
        // Without the URL: a flow's callback carries its signature in the query.
        .map_err(|e| format!("{}", e.without_url()))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| (0.0..=86_400.0).contains(s));
    // Only the first bytes are kept, and only they are read.
    let mut head = Vec::new();
    while head.len() < 512 {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                head.extend_from_slice(&chunk[..chunk.len().min(512 - head.len())]);
            }
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    Ok((status, retry_after, head))
}

/// The signature headers of one attempt: DeskDirector's `x-dd-signature` over the body, and the
/// Standard Webhooks `webhook-id`, `webhook-timestamp` and `webhook-signature` over
/// `{id}.{timestamp}.{body}`.
fn signatures(key: &[u8], id: &str, body: &str) -> [(&'static str, String); 4] {
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let dd = hex::encode(mac(key, &[body.as_bytes()]));
    let signed = [
        id.as_bytes(),
        b".",
        timestamp.as_bytes(),
        b".",
        body.as_bytes(),
    ];
    let standard = base64::engine::general_purpose::STANDARD.encode(mac(key, &signed));
    [
        ("x-dd-signature", format!("sha256={dd}")),
        ("webhook-id", id.to_string()),
        ("webhook-timestamp", timestamp),
        ("webhook-signature", format!("v1,{standard}")),
    ]
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}
