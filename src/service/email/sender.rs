//! The mail worker: plans due jobs, then claims due messages (any number of workers share them),
//! sends each through its tenant's SMTP server, and records the answer: sent, retried with back-off
//! for about a day, or failed at once when the server refuses it for good (a 5xx).

use std::{collections::HashMap, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    address::Envelope,
    transport::smtp::{
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
        extension::ClientId,
    },
};

use super::planner;
use crate::{
    domain::{TenantId, email::SmtpTls},
    metrics::OutcomeLabels,
    outbound,
    repo::{
        self,
        email::{DueMessage, SettingsRow},
    },
    state::AppState,
};

/// How long a claimed message is leased to its worker.
const LEASE: Duration = Duration::from_secs(120);

/// Seconds before each retry (about a day in all).
const BACKOFF: [f64; 9] = [
    10.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0,
];

/// Messages one worker sends at once.
const BATCH: i64 = 32;

const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Plans and sends everything due, in rounds, until nothing is; returns the send attempts made.
/// (For tests and one-off runs; the worker below does the same forever.)
pub async fn send_due(state: &AppState) -> anyhow::Result<usize> {
    let transports = Transports::default();
    let mut attempts = 0;
    loop {
        let planned = planner::plan_batch(state).await?;
        let sent = send_batch(state, &transports).await?;
        if sent == 0 && planned == 0 {
            return Ok(attempts);
        }
        attempts += sent;
    }
}

/// Runs the mail worker until the process ends: one loop plans, another sends, so neither waits
/// for the other.
pub fn spawn_worker(state: AppState) {
    let planning = state.clone();
    tokio::spawn(async move {
        loop {
            match planner::plan_batch(&planning).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "planning mail failed a round");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
    tokio::spawn(async move {
        let transports = Transports::default();
        loop {
            match send_batch(&state, &transports).await {
                Ok(0) => tokio::time::sleep(Duration::from_millis(250)).await,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "sending mail failed a round");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

/// Transports kept between batches, so connections to a tenant's server are reused; made anew
/// when its settings change, and every few minutes so a changed DNS answer is seen.
#[derive(Default)]
struct Transports(std::sync::Mutex<HashMap<TenantId, Cached>>);

struct Cached {
    settings_at: chrono::DateTime<chrono::Utc>,
    made: std::time::Instant,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

const TRANSPORT_FOR: Duration = Duration::from_secs(300);

impl Transports {
    fn cached(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Cached>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn get(
        &self,
        state: &AppState,
        tenant: TenantId,
        s: &SettingsRow,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        if let Some(c) = self.cached().get(&tenant)
            && c.settings_at == s.updated_at
            && c.made.elapsed() < TRANSPORT_FOR
        {
            return Ok(c.transport.clone());
        }
        let made = transport(state, s).await?;
        self.cached().insert(
            tenant,
            Cached {
                settings_at: s.updated_at,
                made: std::time::Instant::now(),
                transport: made.clone(),
            },
        );
        Ok(made)
    }
}

/// Claims a batch of due messages and sends them all at once; returns how many were claimed.
async fn send_batch(state: &AppState, transports: &Transports) -> anyhow::Result<usize> {
    let due = repo::email::claim_messages(&state.pool, BATCH, LEASE.as_secs_f64()).await?;
    let claimed = due.len();
    let mut by_tenant: HashMap<TenantId, Vec<DueMessage>> = HashMap::new();
    for m in due {
        by_tenant.entry(m.tenant_id).or_default().push(m);
    }
    let mut sends = vec![];
    for (tenant, messages) in by_tenant {
        let mut conn = state.pool.acquire().await?;
        let settings = repo::email::settings(&mut conn, tenant).await?;
        drop(conn);
        let transport = match &settings {
            Some(s) => transports.get(state, tenant, s).await,
            None => Err("the tenant has no email settings".to_string()),
        };
        for m in messages {
            let transport = transport.clone();
            let settings = settings.clone();
            sends.push(async move {
                let outcome = match (&transport, &settings) {
                    (Ok(t), Some(s)) => send_one(state, t, s, &m).await,
                    (Err(reason), _) => Err(Failure::Transient(reason.clone())),
                    _ => Err(Failure::Transient("no settings".into())),
                };
                (m, outcome)
            });
        }
    }
    record(state, futures_util::future::join_all(sends).await).await;
    Ok(claimed)
}

/// Sends one claimed message now with these settings and records the outcome (a test send).
pub async fn send_now(
    state: &AppState,
    settings: &SettingsRow,
    m: DueMessage,
) -> Result<String, String> {
    let outcome = match transport(state, settings).await {
        Ok(t) => send_one(state, &t, settings, &m).await,
        Err(reason) => Err(Failure::Transient(reason)),
    };
    let answer = match &outcome {
        Ok(a) => Ok(a.clone()),
        Err(Failure::Permanent(r) | Failure::Transient(r)) => Err(r.clone()),
    };
    record(state, vec![(m, outcome)]).await;
    answer
}

enum Failure {
    /// The server refused the message for good (5xx): no retry.
    Permanent(String),
    Transient(String),
}

async fn send_one(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    settings: &SettingsRow,
    m: &DueMessage,
) -> Result<String, Failure> {
    let raw = state
        .server_key
        .open(&m.raw_sealed)
        .map_err(|_| Failure::Permanent("the message cannot be unsealed".into()))?;
    let envelope = Envelope::new(
        Some(
            settings
                .from_address
                .parse()
                .map_err(|_| Failure::Permanent("the sender address is not valid".into()))?,
        ),
        vec![
            m.recipient
                .parse()
                .map_err(|_| Failure::Permanent("the recipient address is not valid".into()))?,
        ],
    )
    .map_err(|e| Failure::Permanent(e.to_string()))?;
    match transport.send_raw(&envelope, &raw).await {
        Ok(response) => Ok(format!(
            "{} {}",
            response.code(),
            response.message().collect::<Vec<_>>().join(" ")
        )),
        Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
        Err(e) => Err(Failure::Transient(e.to_string())),
    }
}

/// Records each send's outcome: the sent ones in one write, the others one by one.
async fn record(state: &AppState, outcomes: Vec<(DueMessage, Result<String, Failure>)>) {
    let count = |outcome: &'static str| {
        state
            .metrics
            .email_sends
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    };
    let mut sent = vec![];
    for (m, outcome) in &outcomes {
        let written = match outcome {
            Ok(answer) => {
                count("sent");
                sent.push((m, answer.clone()));
                continue;
            }
            Err(Failure::Permanent(reason)) => {
                count("failed");
                tracing::warn!(message = m.id, %reason, "mail refused for good");
                repo::email::mark_unsent(&state.pool, m, reason, None).await
            }
            Err(Failure::Transient(reason)) => {
                let retry = BACKOFF.get(m.attempts as usize - 1).copied();
                count(if retry.is_some() { "retried" } else { "failed" });
                tracing::warn!(message = m.id, %reason, attempt = m.attempts, "mail not sent");
                repo::email::mark_unsent(&state.pool, m, reason, retry).await
            }
        };
        if let Err(e) = written {
            tracing::warn!(message = m.id, error = %e, "recording a send failed; it will be retried");
        }
    }
    if !sent.is_empty()
        && let Err(e) = repo::email::mark_sent(&state.pool, &sent).await
    {
        tracing::warn!(messages = sent.len(), error = %e,
                       "recording sends failed; they will be sent again after the lease");
    }
}

/// A transport to the tenant's server, connecting to the address checked against the private
/// ranges (unless configuration allows them) while verifying TLS against the host name.
pub async fn transport(
    state: &AppState,
    s: &SettingsRow,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let port = u16::try_from(s.smtp_port).map_err(|_| "the port is not valid".to_string())?;
    let address =
        outbound::server_address(&s.smtp_host, port, state.config.webhooks_allow_private).await?;
    let tls_parameters = || {
        let mut builder = TlsParameters::builder(s.smtp_host.clone());
        if let Some(pem) = &state.config.mail_ca_pem {
            for der in outbound::mail_roots(pem).unwrap_or_default() {
                let cert = Certificate::from_der(der.to_vec())
                    .map_err(|e| format!("DESKD_MAIL_CA_FILE: {e}"))?;
                builder = builder.add_root_certificate(cert);
            }
        }
        builder
            .build_rustls()
            .map_err(|e| format!("TLS cannot be set up: {e}"))
    };
    let tls = match SmtpTls::parse(&s.tls) {
        SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
        SmtpTls::Starttls => Tls::Required(tls_parameters()?),
        SmtpTls::None => Tls::None,
    };
    let hello = s
        .from_address
        .rsplit_once('@')
        .map_or("deskd.invalid", |(_, d)| d)
        .to_string();
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.ip().to_string())
            .port(address.port())
            .tls(tls)
            .hello_name(ClientId::Domain(hello))
            .timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &s.smtp_user {
        let password = match &s.smtp_password_sealed {
            Some(sealed) => String::from_utf8(
                state
                    .server_key
                    .open(sealed)
                    .map_err(|_| "the SMTP password cannot be unsealed".to_string())?,
            )
            .map_err(|_| "the SMTP password is not text".to_string())?,
            None => String::new(),
        };
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}
