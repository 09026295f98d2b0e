//! Email-to-ticket: one received message (RFC 5322 bytes, from IMAP or the inbound endpoint)
//! becomes a ticket, a public note on the ticket it answers, or nothing (noise, loops, refused
//! senders) — recorded by Message-ID in the same transaction, so it happens once.

use mail_parser::{Address, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use super::{
    senders::{admit, reply_author},
    text::{count_ignoring_case, cut_quoted, html_to_text, one_line, strip_active, subject_token},
};
use crate::{
    domain::Tenant,
    error::{Error, Result},
    files::StoredFile,
    repo::{
        self,
        email::mailboxes::{MailboxRow, Received, Sender},
    },
    service::tickets::mail::{Author, open_from_email, reply_from_email},
    state::AppState,
};

/// Deeper MIME nesting than this is refused as hostile.
const MAX_DEPTH: usize = 12;
/// The most characters of a message's text kept as a description or note.
const MAX_TEXT: usize = 50_000;
/// The most files one message may bring.
const MAX_FILES: usize = 20;

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ticket(i32),
    Note(i32),
    Ignored(String),
    Rejected(String),
    /// Already received before (same Message-ID).
    Duplicate,
}

impl Outcome {
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::Ticket(_) => "ticket",
            Outcome::Note(_) => "note",
            Outcome::Ignored(_) => "ignored",
            Outcome::Rejected(_) => "rejected",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// Receives one message for a mailbox of the tenant.
pub async fn receive(
    state: &AppState,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    raw: &[u8],
) -> Result<Outcome> {
    let outcome = process(state, tenant, mailbox, raw).await?;
    state
        .metrics
        .email_received
        .get_or_create(&crate::metrics::OutcomeLabels {
            outcome: outcome.kind(),
        })
        .inc();
    Ok(outcome)
}

async fn process(
    state: &AppState,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    raw: &[u8],
) -> Result<Outcome> {
    let limit = state.config.max_attachment_bytes.saturating_mul(2);
    let message_id_of_raw = || format!("sha256:{}", hex::encode(Sha256::digest(raw)));
    if raw.len() > limit {
        return refuse(
            state,
            tenant,
            mailbox,
            &Incoming::unknown(message_id_of_raw()),
            Outcome::Rejected(format!("the message is larger than {limit} bytes")),
        )
        .await;
    }
    // Attached messages nest recursively in the parser: too many are refused before parsing.
    if count_ignoring_case(raw, b"message/rfc822") > MAX_DEPTH {
        return refuse(
            state,
            tenant,
            mailbox,
            &Incoming::unknown(message_id_of_raw()),
            Outcome::Rejected("the message nests too many messages".into()),
        )
        .await;
    }
    let Some(message) = MessageParser::default().parse(raw) else {
        return refuse(
            state,
            tenant,
            mailbox,
            &Incoming::unknown(message_id_of_raw()),
            Outcome::Rejected("the message cannot be parsed".into()),
        )
        .await;
    };
    let message_id = message
        .message_id()
        .map(one_line)
        .filter(|id| !id.is_empty() && id.len() <= 998)
        .unwrap_or_else(message_id_of_raw);
    let sender = first_address(message.from()).unwrap_or_default();
    let subject: String = message
        .subject()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(998)
        .collect();
    let incoming = Incoming {
        message_id,
        sender,
        subject,
    };
    if let Some(reason) = noise(state, tenant, mailbox, &message, &incoming.sender).await? {
        return refuse(state, tenant, mailbox, &incoming, Outcome::Ignored(reason)).await;
    }
    if depth(&message) > MAX_DEPTH {
        return refuse(
            state,
            tenant,
            mailbox,
            &incoming,
            Outcome::Rejected("the message nests MIME parts too deeply".into()),
        )
        .await;
    }
    let text = body_text(&message);
    let files = match store_attachments(state, tenant, &message).await {
        Ok(files) => files,
        Err(reason) => {
            return refuse(state, tenant, mailbox, &incoming, Outcome::Rejected(reason)).await;
        }
    };
    let mut conn = state.pool.acquire().await?;
    let thread = thread(&mut conn, tenant, &message, &incoming.subject).await?;
    let known = repo::email::mailboxes::sender(&mut conn, tenant.id, &incoming.sender).await?;
    drop(conn);
    if let Some(Thread { ticket, to_member }) = thread
        && let Some(author) = reply_author(state, tenant, ticket, known.as_ref()).await?
    {
        // A member answering mail deskd sent to members (a mention of an internal note, an
        // assignment) may quote what contacts must not see: that reply stays internal.
        let internal = to_member && matches!(author, Author::Member(_));
        let body = if text.trim().is_empty() {
            "(no text)".to_string()
        } else {
            cut_quoted(&text)
        };
        let mut tx = state.pool.begin().await?;
        let outcome = Outcome::Note(ticket);
        if !record(&mut tx, tenant, mailbox, &incoming, &outcome).await? {
            return Ok(Outcome::Duplicate);
        }
        reply_from_email(
            &mut tx, state, tenant, ticket, author, &body, internal, files,
        )
        .await?;
        tx.commit().await?;
        return Ok(outcome);
    }
    // A new conversation: from a contact, or an unknown address the mailbox's policy admits.
    let contact = match known {
        Some(Sender { kind, id, .. }) if kind == "contact" => id,
        Some(_) => {
            let reason = "members cannot open tickets by email (only reply to them)".to_string();
            return refuse(state, tenant, mailbox, &incoming, Outcome::Rejected(reason)).await;
        }
        None => match admit(state, tenant, mailbox, &message, &incoming.sender).await? {
            Ok(id) => id,
            Err(reason) => {
                return refuse(state, tenant, mailbox, &incoming, Outcome::Rejected(reason)).await;
            }
        },
    };
    let summary = if incoming.subject.trim().is_empty() {
        "(no subject)".to_string()
    } else {
        incoming.subject.trim().chars().take(200).collect()
    };
    // The ticket first, then the record: a second delivery of the same message waits on the first's
    // record and rolls its own ticket back.
    let mut tx = state.pool.begin().await?;
    let id = open_from_email(
        &mut tx,
        state,
        tenant,
        contact,
        mailbox.queue_id,
        summary,
        text,
        files,
    )
    .await?;
    let outcome = Outcome::Ticket(id);
    if !record(&mut tx, tenant, mailbox, &incoming, &outcome).await? {
        return Ok(Outcome::Duplicate);
    }
    tx.commit().await?;
    Ok(outcome)
}

/// A received message as the log records it.
struct Incoming {
    message_id: String,
    sender: String,
    subject: String,
}

impl Incoming {
    /// One that could not be read: known by the hash of its bytes.
    fn unknown(message_id: String) -> Self {
        Self {
            message_id,
            sender: String::new(),
            subject: String::new(),
        }
    }
}

async fn record(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    incoming: &Incoming,
    outcome: &Outcome,
) -> Result<bool> {
    let (ticket_id, reason) = match outcome {
        Outcome::Ticket(t) | Outcome::Note(t) => (Some(*t), None),
        Outcome::Ignored(r) | Outcome::Rejected(r) => (None, Some(r.as_str())),
        Outcome::Duplicate => (None, None),
    };
    Ok(repo::email::mailboxes::record(
        conn,
        tenant.id,
        &Received {
            mailbox_id: mailbox.id,
            message_id: &incoming.message_id,
            sender: &incoming.sender,
            subject: &incoming.subject,
            outcome: outcome.kind(),
            ticket_id,
            reason,
        },
    )
    .await?)
}

/// Logs a message that made nothing, once.
async fn refuse(
    state: &AppState,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    incoming: &Incoming,
    outcome: Outcome,
) -> Result<Outcome> {
    let mut conn = state.pool.acquire().await?;
    if !record(&mut conn, tenant, mailbox, incoming, &outcome).await? {
        return Ok(Outcome::Duplicate);
    }
    tracing::info!(tenant = tenant.id, mailbox = %mailbox.id, outcome = outcome.kind(),
                   reason = ?outcome, "inbound mail not turned into a ticket");
    Ok(outcome)
}

fn first_address(address: Option<&Address>) -> Option<String> {
    address?
        .first()?
        .address()
        .map(|a| one_line(a).to_ascii_lowercase())
        .filter(|a| a.len() <= 254)
}

fn header_text(message: &Message, name: &str) -> Option<String> {
    message
        .header(name)
        .and_then(|v| match v {
            HeaderValue::Text(t) => Some(t.to_string()),
            HeaderValue::TextList(l) => Some(l.join(" ")),
            _ => None,
        })
        .or_else(|| message.header_raw(name).map(|s| s.trim().to_string()))
}

/// Why a message is noise (automatic, bulk, a bounce, or deskd's own), if it is.
async fn noise(
    state: &AppState,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    message: &Message<'_>,
    sender: &str,
) -> Result<Option<String>> {
    if sender.is_empty() {
        return Ok(Some("no sender address".into()));
    }
    if let Some(auto) = header_text(message, "Auto-Submitted")
        && !auto.trim().eq_ignore_ascii_case("no")
    {
        return Ok(Some(format!("Auto-Submitted: {}", auto.trim())));
    }
    if let Some(precedence) = header_text(message, "Precedence") {
        let p = precedence.trim().to_ascii_lowercase();
        if ["bulk", "junk", "list", "auto_reply"].contains(&p.as_str()) {
            return Ok(Some(format!("Precedence: {p}")));
        }
    }
    for name in ["X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"] {
        if name != "X-Auto-Response-Suppress" && message.header_raw(name).is_some() {
            return Ok(Some(format!("{name} is set")));
        }
    }
    if message.header_raw("List-Id").is_some() {
        return Ok(Some("mail from a list".into()));
    }
    let local = sender.split('@').next().unwrap_or_default();
    if [
        "mailer-daemon",
        "postmaster",
        "noreply",
        "no-reply",
        "donotreply",
    ]
    .contains(&local)
    {
        return Ok(Some(format!("from {local}")));
    }
    if message
        .header_raw(HeaderName::ReturnPath.as_str())
        .is_some_and(|r| r.trim() == "<>")
    {
        return Ok(Some("a delivery report (empty Return-Path)".into()));
    }
    let mut own = vec![mailbox.address.to_ascii_lowercase()];
    let mut conn = state.pool.acquire().await?;
    if let Some(s) = repo::email::settings(&mut conn, tenant.id).await? {
        own.push(s.from_address.to_ascii_lowercase());
        own.extend(s.reply_to.map(|r| r.to_ascii_lowercase()));
    }
    if own.iter().any(|a| a == sender) {
        return Ok(Some("sent by deskd itself".into()));
    }
    Ok(None)
}

/// How deeply the message's parts nest (multiparts and attached messages).
fn depth(message: &Message<'_>) -> usize {
    nesting(message, 0, 0)
}

fn nesting(message: &Message<'_>, part: usize, level: usize) -> usize {
    if level > MAX_DEPTH {
        return level;
    }
    match message.parts.get(part).map(|p| &p.body) {
        Some(mail_parser::PartType::Multipart(children)) => children
            .iter()
            .map(|c| nesting(message, *c as usize, level + 1))
            .max()
            .unwrap_or(level),
        Some(mail_parser::PartType::Message(inner)) => nesting(inner, 0, level + 1),
        _ => level,
    }
}

/// The message's text: its plain part, else its HTML made safe text (scripts and styles dropped).
fn body_text(message: &Message<'_>) -> String {
    let text = match message.text_bodies().next() {
        Some(part) if !part.is_text_html() => part.text_contents().unwrap_or_default().to_string(),
        _ => message
            .body_html(0)
            .map(|html| html_to_text(&strip_active(&html)))
            .unwrap_or_default(),
    };
    let text: String = text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| *c == '\n' || *c == '\t' || !c.is_control())
        .take(MAX_TEXT)
        .collect();
    text.trim().to_string()
}

/// The ticket a message answers: a Message-ID deskd sent in `In-Reply-To` or `References`, else
/// a `[#1234]` token in the subject naming one of the tenant's tickets.
/// The ticket a reply belongs to, and whether the mail it answers went to a member.
struct Thread {
    ticket: i32,
    to_member: bool,
}

async fn thread(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    message: &Message<'_>,
    subject: &str,
) -> Result<Option<Thread>> {
    let mut ids: Vec<String> = vec![];
    for name in ["In-Reply-To", "References"] {
        if let Some(raw) = message.header_raw(name) {
            ids.extend(
                raw.split(|c: char| c.is_whitespace() || c == ',')
                    .map(|id| one_line(id.trim_start_matches('<').trim_end_matches('>')))
                    .filter(|id| !id.is_empty() && id.len() <= 998),
            );
        }
    }
    ids.truncate(100);
    if !ids.is_empty() {
        if let Some((ticket, person_kind)) =
            repo::email::mailboxes::ticket_of_message(conn, tenant.id, &ids).await?
        {
            return Ok(Some(Thread {
                ticket,
                to_member: person_kind.as_deref() == Some("member"),
            }));
        }
        // The thread root (`ticket-{id}@{sender domain}`) is never sent itself.
        if let Some(settings) = repo::email::settings(conn, tenant.id).await? {
            let domain = settings
                .from_address
                .rsplit_once('@')
                .map(|(_, d)| d.to_ascii_lowercase());
            for id in &ids {
                if let Some((local, d)) = id.rsplit_once('@')
                    && Some(d.to_ascii_lowercase()) == domain
                    && let Some(n) = local
                        .strip_prefix("ticket-")
                        .and_then(|n| n.split('.').next())
                        .and_then(|n| n.parse::<i32>().ok())
                    && repo::email::mailboxes::ticket_exists(conn, tenant.id, n).await?
                {
                    return Ok(Some(Thread {
                        ticket: n,
                        to_member: false,
                    }));
                }
            }
        }
    }
    if let Some(n) = subject_token(subject)
        && repo::email::mailboxes::ticket_exists(conn, tenant.id, n).await?
    {
        return Ok(Some(Thread {
            ticket: n,
            to_member: false,
        }));
    }
    Ok(None)
}

/// Stores the message's attachments (and inline files with names) through the attachment store,
/// which sniffs their type; names lose any path. The reason when one is too large or too many.
async fn store_attachments(
    state: &AppState,
    tenant: &Tenant,
    message: &Message<'_>,
) -> Result<Vec<StoredFile>, String> {
    let limit = state.config.max_attachment_bytes as u64;
    let mut files = vec![];
    for part in message.attachments() {
        if files.len() >= MAX_FILES {
            return Err(format!("the message has more than {MAX_FILES} attachments"));
        }
        let contents = part.contents();
        if contents.len() as u64 > limit {
            return Err(format!("an attachment is larger than {limit} bytes"));
        }
        let name = part
            .attachment_name()
            .map(|n| {
                n.rsplit(['/', '\\'])
                    .next()
                    .unwrap_or("attachment")
                    .to_string()
            })
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "attachment".into());
        let mut writer = state
            .files
            .writer(tenant.id, &name, limit)
            .await
            .map_err(|e| format!("the attachment cannot be stored: {e}"))?;
        writer
            .write(contents)
            .await
            .map_err(|_| "the attachment cannot be stored".to_string())?;
        files.push(
            writer
                .finish()
                .await
                .map_err(|e| format!("the attachment cannot be stored: {e}"))?,
        );
    }
    Ok(files)
}

/// Checks the inbound endpoint's secret against the mailbox's.
pub fn secret_matches(mailbox: &MailboxRow, presented: &str) -> bool {
    let hash = crate::secrets::sha256(presented.trim());
    subtle::ConstantTimeEq::ct_eq(&hash[..], &mailbox.inbound_secret_hash[..]).into()
}

/// The 413 for an oversized posted message (the endpoint's body limit).
pub fn too_large() -> Error {
    Error::payload_too_large()
}
