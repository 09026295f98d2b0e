//! Polling IMAP mailboxes. A worker leases a due mailbox (no other instance polls it meanwhile),
//! connects (implicit TLS, STARTTLS or plain, to an address the private-range guard allows),
//! receives every unread message above the last UID it processed, marks each read (or moves it to
//! the processed folder), and records how far it got. Where the server offers IDLE, the worker
//! then waits on the open connection for new mail, so replies arrive within seconds.

use std::{sync::Arc, time::Duration};

use async_imap::{Client, Session, extensions::idle::IdleResponse};
use futures_util::TryStreamExt;
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpStream,
    sync::Semaphore,
};
use tokio_rustls::{TlsConnector, rustls};

use super::inbound;
use crate::{
    domain::email::SmtpTls,
    outbound,
    repo::{self, email::mailboxes::MailboxRow},
    state::AppState,
};

/// How long a poll holds its mailbox.
const LEASE: Duration = Duration::from_secs(180);
/// How long a worker waits in IDLE for new mail before letting the mailbox go.
const IDLE_FOR: Duration = Duration::from_secs(60);
/// Between polls of a server without IDLE.
const POLL_EVERY: Duration = Duration::from_secs(30);
/// Messages handled per round, so one huge mailbox cannot hold a worker for long.
const BATCH: usize = 50;
/// Mailboxes one worker polls at once.
const CONCURRENT: usize = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

type ImapSession = Session<Box<dyn Stream>>;

/// Polls every due mailbox once, without waiting in IDLE; returns how many were polled. (For
/// tests and one-off runs; the worker does the same forever.)
pub async fn poll_due(state: &AppState) -> anyhow::Result<usize> {
    let mut polled = 0;
    while let Some(mailbox) =
        repo::email::mailboxes::lease_due(&state.pool, LEASE.as_secs_f64()).await?
    {
        poll_and_release(state, &mailbox, None).await;
        polled += 1;
    }
    Ok(polled)
}

pub fn spawn_poller(state: AppState) {
    tokio::spawn(async move {
        let slots = Arc::new(Semaphore::new(CONCURRENT));
        loop {
            let permit = slots
                .clone()
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            match repo::email::mailboxes::lease_due(&state.pool, LEASE.as_secs_f64()).await {
                Ok(Some(mailbox)) => {
                    let state = state.clone();
                    tokio::spawn(async move {
                        poll_and_release(&state, &mailbox, Some(IDLE_FOR)).await;
                        drop(permit);
                    });
                }
                Ok(None) => {
                    drop(permit);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => {
                    drop(permit);
                    tracing::warn!(error = %e, "leasing a mailbox failed");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    });
}

async fn poll_and_release(state: &AppState, mailbox: &MailboxRow, idle: Option<Duration>) {
    let result = poll(state, mailbox, idle).await;
    let outcome = if result.is_ok() { "ok" } else { "failed" };
    state
        .metrics
        .mailbox_polls
        .get_or_create(&crate::metrics::OutcomeLabels { outcome })
        .inc();
    let (error, next) = match &result {
        Ok(idled) => (
            None,
            if *idled {
                0.0
            } else {
                POLL_EVERY.as_secs_f64()
            },
        ),
        Err(reason) => {
            tracing::warn!(mailbox = %mailbox.id, %reason, "polling a mailbox failed");
            let failures = repo::email::mailboxes::poll_failures(&state.pool, mailbox)
                .await
                .unwrap_or(0)
                .clamp(0, 6);
            (
                Some(reason.as_str()),
                (30.0 * 2f64.powi(failures)).min(1800.0),
            )
        }
    };
    if let Err(e) = repo::email::mailboxes::polled(&state.pool, mailbox, error, next).await {
        tracing::warn!(mailbox = %mailbox.id, error = %e, "recording a poll failed");
    }
}

/// One poll: new messages, batch by batch, then (with `idle`) a wait for more. True when it
/// waited in IDLE (the next poll comes at once).
async fn poll(
    state: &AppState,
    mailbox: &MailboxRow,
    idle: Option<Duration>,
) -> Result<bool, String> {
    let mut conn = state.pool.acquire().await.map_err(|e| e.to_string())?;
    let tenant = repo::tenants::find_by_id(&mut conn, mailbox.tenant_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the tenant is gone")?;
    drop(conn);
    let mut session = connect(state, mailbox).await?;
    let selected = timed(session.select(&mailbox.imap_folder))
        .await?
        .map_err(|e| format!("cannot open folder `{}`: {e}", mailbox.imap_folder))?;
    let validity = i64::from(selected.uid_validity.unwrap_or(0));
    // A new UIDVALIDITY (or a first poll) starts over; Message-IDs keep what was seen from
    // becoming tickets twice.
    let mut last_uid = if mailbox.uid_validity == Some(validity) {
        mailbox.last_uid
    } else {
        0
    };
    let capabilities = timed(session.capabilities())
        .await?
        .map_err(|e| e.to_string())?;
    let can_idle = capabilities.has_str("IDLE");
    let can_move = capabilities.has_str("MOVE");
    let mut idled = false;
    loop {
        let (uid, more) = receive_new(
            state,
            &tenant,
            mailbox,
            &mut session,
            validity,
            last_uid,
            can_move,
        )
        .await?;
        last_uid = uid;
        if more {
            // The next batch on the same connection (each message renewed the lease).
            continue;
        }
        let Some(wait) = idle.filter(|_| can_idle) else {
            break;
        };
        if idled {
            break;
        }
        idled = true;
        let mut handle = session.idle();
        timed(handle.init())
            .await?
            .map_err(|e| format!("IDLE failed: {e}"))?;
        let (wait_for, _stop) = handle.wait_with_timeout(wait);
        let response = wait_for.await.map_err(|e| format!("IDLE failed: {e}"))?;
        session = timed(handle.done())
            .await?
            .map_err(|e| format!("IDLE failed: {e}"))?;
        if !matches!(response, IdleResponse::NewData(_)) {
            break;
        }
    }
    let _ = timed(session.logout()).await;
    Ok(idled)
}

/// Receives up to `BATCH` unread messages above `last_uid`, oldest first; returns the new last
/// UID, and whether more are waiting. Messages larger than twice the attachment limit are marked
/// without being fetched.
async fn receive_new(
    state: &AppState,
    tenant: &crate::domain::Tenant,
    mailbox: &MailboxRow,
    session: &mut ImapSession,
    validity: i64,
    mut last_uid: i64,
    can_move: bool,
) -> Result<(i64, bool), String> {
    let more;
    {
        let found = timed(session.uid_search(format!("UID {}:* UNSEEN", last_uid + 1)))
            .await?
            .map_err(|e| format!("search failed: {e}"))?;
        // `n:*` names the last message even when its UID is below n.
        let mut uids: Vec<u32> = found
            .into_iter()
            .filter(|u| i64::from(*u) > last_uid)
            .collect();
        uids.sort_unstable();
        if uids.is_empty() {
            return Ok((last_uid, false));
        }
        more = uids.len() > BATCH;
        uids.truncate(BATCH);
        let limit = state.config.max_attachment_bytes.saturating_mul(2) as u64;
        let sizes = message_sizes(session, &uids).await?;
        for uid in uids {
            let too_large = sizes.get(&uid).is_some_and(|size| u64::from(*size) > limit);
            let raw = if too_large {
                tracing::info!(mailbox = %mailbox.id, uid, "a message over the size limit is left unread by deskd");
                None
            } else {
                let fetches = timed(session.uid_fetch(uid.to_string(), "BODY.PEEK[]"))
                    .await?
                    .map_err(|e| format!("fetch failed: {e}"))?;
                let fetched: Vec<_> = timed(fetches.try_collect::<Vec<_>>())
                    .await?
                    .map_err(|e| format!("fetch failed: {e}"))?;
                fetched.iter().find_map(|f| f.body().map(<[u8]>::to_vec))
            };
            if let Some(raw) = raw {
                // A database failure stops the poll before the message is marked, so it is
                // received again next time (once: its Message-ID is recorded with its ticket).
                inbound::receive(state, tenant, mailbox, &raw)
                    .await
                    .map_err(|e| format!("receiving a message failed: {}", e.message))?;
            }
            mark_processed(session, mailbox, uid, can_move).await?;
            // Moves and flag changes also arrive as unsolicited responses, on a bounded channel
            // that would stall the session once full.
            while session.unsolicited_responses.try_recv().is_ok() {}
            last_uid = i64::from(uid);
            repo::email::mailboxes::advance(
                &state.pool,
                mailbox,
                validity,
                last_uid,
                LEASE.as_secs_f64(),
            )
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    Ok((last_uid, more))
}

/// The sizes of these messages, in one command.
async fn message_sizes(
    session: &mut ImapSession,
    uids: &[u32],
) -> Result<std::collections::HashMap<u32, u32>, String> {
    let set = uids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let fetches = timed(session.uid_fetch(set, "RFC822.SIZE"))
        .await?
        .map_err(|e| format!("fetch failed: {e}"))?;
    let fetched: Vec<_> = timed(fetches.try_collect::<Vec<_>>())
        .await?
        .map_err(|e| format!("fetch failed: {e}"))?;
    Ok(fetched
        .iter()
        .filter_map(|f| Some((f.uid?, f.size?)))
        .collect())
}

async fn mark_processed(
    session: &mut ImapSession,
    mailbox: &MailboxRow,
    uid: u32,
    can_move: bool,
) -> Result<(), String> {
    let uid = uid.to_string();
    if let Some(folder) = &mailbox.processed_folder {
        if can_move {
            return timed(session.uid_mv(&uid, folder))
                .await?
                .map_err(|e| format!("moving to `{folder}` failed: {e}"));
        }
        timed(session.uid_copy(&uid, folder))
            .await?
            .map_err(|e| format!("copying to `{folder}` failed: {e}"))?;
        let stored = timed(session.uid_store(&uid, "+FLAGS (\\Seen \\Deleted)"))
            .await?
            .map_err(|e| format!("flagging failed: {e}"))?;
        let _: Vec<_> = timed(stored.try_collect::<Vec<_>>())
            .await?
            .map_err(|e| format!("flagging failed: {e}"))?;
        let expunged = timed(session.uid_expunge(&uid))
            .await?
            .map_err(|e| format!("expunge failed: {e}"))?;
        let _: Vec<_> = timed(expunged.try_collect::<Vec<_>>())
            .await?
            .map_err(|e| format!("expunge failed: {e}"))?;
        return Ok(());
    }
    let stored = timed(session.uid_store(&uid, "+FLAGS (\\Seen)"))
        .await?
        .map_err(|e| format!("marking read failed: {e}"))?;
    let _: Vec<_> = timed(stored.try_collect::<Vec<_>>())
        .await?
        .map_err(|e| format!("marking read failed: {e}"))?;
    Ok(())
}

async fn timed<F: std::future::Future>(f: F) -> Result<F::Output, String> {
    tokio::time::timeout(COMMAND_TIMEOUT, f)
        .await
        .map_err(|_| "the IMAP server did not answer in time".to_string())
}

/// Connects and signs in.
async fn connect(state: &AppState, mailbox: &MailboxRow) -> Result<ImapSession, String> {
    let host = mailbox.imap_host.clone().ok_or("no IMAP host")?;
    let port = u16::try_from(mailbox.imap_port.unwrap_or(993)).map_err(|_| "bad port")?;
    let tls = SmtpTls::parse(mailbox.imap_tls.as_deref().unwrap_or("implicit"));
    let address =
        outbound::server_address(&host, port, state.config.webhooks_allow_private).await?;
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(address))
        .await
        .map_err(|_| format!("cannot reach {host}:{port} in time"))?
        .map_err(|e| format!("cannot reach {host}:{port}: {e}"))?;
    let client: Client<Box<dyn Stream>> = match tls {
        SmtpTls::Implicit => {
            let stream = tls_wrap(state, &host, tcp).await?;
            let mut client = Client::new(Box::new(stream) as Box<dyn Stream>);
            greeting(&mut client).await?;
            client
        }
        SmtpTls::Starttls => {
            let mut plain = Client::new(tcp);
            timed(plain.read_response())
                .await?
                .map_err(|e| e.to_string())?
                .ok_or("the server closed the connection")?;
            timed(plain.run_command_and_check_ok("STARTTLS", None))
                .await?
                .map_err(|e| format!("STARTTLS failed: {e}"))?;
            let stream = tls_wrap(state, &host, plain.into_inner()).await?;
            Client::new(Box::new(stream) as Box<dyn Stream>)
        }
        SmtpTls::None => {
            let mut client = Client::new(Box::new(tcp) as Box<dyn Stream>);
            greeting(&mut client).await?;
            client
        }
    };
    let user = mailbox.imap_user.clone().unwrap_or_default();
    let password = match &mailbox.imap_password_sealed {
        Some(sealed) => String::from_utf8(
            state
                .server_key
                .open(sealed)
                .map_err(|_| "the IMAP password cannot be unsealed")?,
        )
        .map_err(|_| "the IMAP password is not text")?,
        None => String::new(),
    };
    timed(client.login(user, password))
        .await?
        .map_err(|(e, _)| format!("sign-in failed: {e}"))
}

async fn greeting(client: &mut Client<Box<dyn Stream>>) -> Result<(), String> {
    timed(client.read_response())
        .await?
        .map_err(|e| e.to_string())?
        .ok_or("the server closed the connection")?;
    Ok(())
}

async fn tls_wrap(
    state: &AppState,
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots =
        rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = &state.config.mail_ca_pem {
        roots.add_parsable_certificates(outbound::mail_roots(pem).unwrap_or_default());
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|_| format!("`{host}` is not a name TLS can verify"))?;
    timed(TlsConnector::from(Arc::new(config)).connect(name, tcp))
        .await?
        .map_err(|e| format!("TLS with {host} failed: {e}"))
}
