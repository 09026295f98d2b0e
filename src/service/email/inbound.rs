//! Email-to-ticket: one received message (RFC 5322 bytes, from IMAP or the inbound endpoint)
//! becomes a ticket, a public note on the ticket it answers, or nothing (noise, loops, refused
//! senders) — recorded by Message-ID in the same transaction, so it happens once.

use mail_parser::{Address, HeaderName, HeaderValue, Message, MessageParser, MimeHeaders};
use sha2::{Digest, Sha256};

use super::templates::html_to_text;
use crate::{
    domain::{Tenant, contacts::ContactInput},
    error::{Error, Result},
    files::StoredFile,
    repo::{
        self,
        email::mailboxes::{MailboxRow, Received, Sender},
    },
    service::{
        contacts,
        tickets::mail::{Author, open_from_email, reply_from_email},
    },
    state::AppState,
};

/// Domains many unrelated people share, never matched to a company.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.com",
    "gmx.net",
    "gmx.de",
    "mail.com",
    "yandex.com",
    "yandex.ru",
    "zoho.com",
    "web.de",
    "hey.com",
    "fastmail.com",
];

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
        return settle_unprocessed(
            state,
            tenant,
            mailbox,
            &message_id_of_raw(),
            "",
            "",
            Outcome::Rejected(format!("the message is larger than {limit} bytes")),
        )
        .await;
    }
    // Attached messages nest recursively in the parser: too many are refused before parsing.
    if count_ignoring_case(raw, b"message/rfc822") > MAX_DEPTH {
        return settle_unprocessed(
            state,
            tenant,
            mailbox,
            &message_id_of_raw(),
            "",
            "",
            Outcome::Rejected("the message nests too many messages".into()),
        )
        .await;
    }
    let Some(message) = MessageParser::default().parse(raw) else {
        return settle_unprocessed(
            state,
            tenant,
            mailbox,
            &message_id_of_raw(),
            "",
            "",
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
    if let Some(reason) = noise(state, tenant, mailbox, &message, &sender).await? {
        return settle_unprocessed(
            state,
            tenant,
            mailbox,
            &message_id,
            &sender,
            &subject,
            Outcome::Ignored(reason),
        )
        .await;
    }
    if depth(&message) > MAX_DEPTH {
        return settle_unprocessed(
            state,
            tenant,
            mailbox,
            &message_id,
            &sender,
            &subject,
            Outcome::Rejected("the message nests MIME parts too deeply".into()),
        )
        .await;
    }
    let text = body_text(&message);
    let files = match store_attachments(state, tenant, &message).await {
        Ok(files) => files,
        Err(reason) => {
            return settle_unprocessed(
                state,
                tenant,
                mailbox,
                &message_id,
                &sender,
                &subject,
                Outcome::Rejected(reason),
            )
            .await;
        }
    };
    let mut conn = state.pool.acquire().await?;
    let thread = thread(&mut conn, tenant, &message, &subject).await?;
    let known = repo::email::mailboxes::sender(&mut conn, tenant.id, &sender).await?;
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
        if !record(
            &mut tx,
            tenant,
            mailbox,
            &message_id,
            &sender,
            &subject,
            &outcome,
        )
        .await?
        {
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
            return settle_unprocessed(
                state,
                tenant,
                mailbox,
                &message_id,
                &sender,
                &subject,
                Outcome::Rejected(reason),
            )
            .await;
        }
        None => match admit(state, tenant, mailbox, &message, &sender).await? {
            Ok(id) => id,
            Err(reason) => {
                return settle_unprocessed(
                    state,
                    tenant,
                    mailbox,
                    &message_id,
                    &sender,
                    &subject,
                    Outcome::Rejected(reason),
                )
                .await;
            }
        },
    };
    let summary = if subject.trim().is_empty() {
        "(no subject)".to_string()
    } else {
        subject.trim().chars().take(200).collect()
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
    if !record(
        &mut tx,
        tenant,
        mailbox,
        &message_id,
        &sender,
        &subject,
        &outcome,
    )
    .await?
    {
        return Ok(Outcome::Duplicate);
    }
    tx.commit().await?;
    Ok(outcome)
}

async fn record(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    message_id: &str,
    sender: &str,
    subject: &str,
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
            message_id,
            sender,
            subject,
            outcome: outcome.kind(),
            ticket_id,
            reason,
        },
    )
    .await?)
}

/// Logs a message that made nothing, once.
async fn settle_unprocessed(
    state: &AppState,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    message_id: &str,
    sender: &str,
    subject: &str,
    outcome: Outcome,
) -> Result<Outcome> {
    let mut conn = state.pool.acquire().await?;
    if !record(
        &mut conn, tenant, mailbox, message_id, sender, subject, &outcome,
    )
    .await?
    {
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

/// A header's text without control characters (a NUL would not even fit in the database).
fn one_line(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
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

fn count_ignoring_case(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| w.eq_ignore_ascii_case(needle))
        .count()
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

/// Removes `<script>`, `<style>`, `<head>` and `<title>` elements with their content, in one pass.
fn strip_active(html: &str) -> String {
    const ACTIVE: [&str; 4] = ["script", "style", "head", "title"];
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut kept_from = 0;
    while let Some(offset) = html[i..].find('<') {
        let start = i + offset;
        let name_at = start + 1;
        let tag = ACTIVE.iter().find(|t| {
            let end = name_at + t.len();
            bytes.len() >= end
                && bytes[name_at..end].eq_ignore_ascii_case(t.as_bytes())
                && bytes
                    .get(end)
                    .is_none_or(|c| c.is_ascii_whitespace() || *c == b'>' || *c == b'/')
        });
        let Some(tag) = tag else {
            i = start + 1;
            continue;
        };
        out.push_str(&html[kept_from..start]);
        // The element ends after its closing tag, or with the text.
        let closing = format!("</{tag}");
        let end = find_ignoring_case(&html[name_at..], &closing)
            .and_then(|c| html[name_at + c..].find('>').map(|g| name_at + c + g + 1))
            .unwrap_or(html.len());
        i = end;
        kept_from = end;
    }
    out.push_str(&html[kept_from..]);
    out
}

/// Where `needle` (ASCII) starts in `haystack`, ignoring ASCII case.
fn find_ignoring_case(haystack: &str, needle: &str) -> Option<usize> {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if h.len() < n.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| h[i..i + n.len()].eq_ignore_ascii_case(n))
}

/// The reply without the history quoted below it.
pub fn cut_quoted(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // quoted_from[i]: every line from i on is quoted or blank (computed once, from the end).
    let mut quoted_from = vec![true; lines.len() + 1];
    for i in (0..lines.len()).rev() {
        let l = lines[i].trim();
        quoted_from[i] = quoted_from[i + 1] && (l.is_empty() || l.starts_with('>'));
    }
    let mut end = lines.len();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim();
        let attribution = l.starts_with("On ") && l.ends_with("wrote:");
        let outlook = l.starts_with("-----Original Message-----")
            || (l.starts_with("From:")
                && i > 0
                && lines[i - 1].trim().is_empty()
                && lines.get(i + 1).is_some_and(|n| {
                    let n = n.trim();
                    n.starts_with("Sent:") || n.starts_with("Date:") || n.starts_with("To:")
                }));
        let quoted_tail = l.starts_with('>') && quoted_from[i];
        if attribution || outlook || quoted_tail {
            end = i;
            break;
        }
    }
    let kept = lines[..end].join("\n");
    let kept = kept.trim();
    if kept.is_empty() {
        text.trim().to_string()
    } else {
        kept.to_string()
    }
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

/// `[#1234]` in a subject.
pub fn subject_token(subject: &str) -> Option<i32> {
    let start = subject.find("[#")?;
    let rest = &subject[start + 2..];
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok().filter(|n: &i32| *n > 0)
}

/// Who may add a reply to the ticket: any active member; the ticket's contact, or a contact of
/// its company who sees the company's tickets. (Anyone else's message opens a ticket of its own.)
async fn reply_author(
    state: &AppState,
    tenant: &Tenant,
    ticket: i32,
    sender: Option<&Sender>,
) -> Result<Option<Author>> {
    let Some(sender) = sender else {
        return Ok(None);
    };
    if sender.kind == "member" {
        return Ok(Some(Author::Member(sender.id)));
    }
    let mut conn = state.pool.acquire().await?;
    let parties = repo::email::mailboxes::ticket_parties(&mut conn, tenant.id, ticket).await?;
    Ok(parties
        .filter(|(company, contact)| {
            *contact == sender.id
                || (Some(*company) == sender.company_id && sender.sees_company_tickets)
        })
        .map(|_| Author::Contact(sender.id)))
}

/// An unknown sender, admitted by the mailbox's policy: a new contact in the company their
/// domain matches (or the mailbox's default company). The reason when refused.
async fn admit(
    state: &AppState,
    tenant: &Tenant,
    mailbox: &MailboxRow,
    message: &Message<'_>,
    sender: &str,
) -> Result<Result<i32, String>> {
    if mailbox.unknown_senders != "create" {
        return Ok(Err(format!(
            "{sender} is not a contact, and the mailbox takes only contacts"
        )));
    }
    let domain = sender.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let mut conn = state.pool.acquire().await?;
    // Addresses at free mail providers say nothing about a company.
    let shared = FREE_MAIL.contains(&domain.to_ascii_lowercase().as_str());
    let by_domain = if shared {
        None
    } else {
        repo::email::mailboxes::company_of_domain(&mut conn, tenant.id, domain).await?
    };
    let company = match by_domain {
        Some(c) => c,
        None => match mailbox.default_company_id {
            Some(c) => c,
            None => {
                return Ok(Err(format!(
                    "no company matches {domain}, and the mailbox has no default company"
                )));
            }
        },
    };
    drop(conn);
    let name = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.name())
        .map(|n| n.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| sender.split('@').next().unwrap_or("Customer").to_string());
    let (first, last) = match name.trim().split_once(' ') {
        Some((f, l)) => (f.to_string(), Some(l.trim().to_string())),
        None => (name.trim().to_string(), None),
    };
    let input = ContactInput {
        company_id: company,
        email: sender.to_string(),
        first_name: first.chars().take(100).collect(),
        last_name: last.map(|l| l.chars().take(100).collect()),
        phone: None,
        password: None,
        is_approver: false,
        is_vip: false,
        sees_company_tickets: false,
    };
    match contacts::create(state, tenant, input).await {
        Ok(c) => Ok(Ok(c.id)),
        Err(e) if e.is(crate::error::Kind::Invalid) || e.is(crate::error::Kind::Conflict) => Ok(
            Err(format!("the sender cannot become a contact: {}", e.message)),
        ),
        Err(e) => Err(e),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_elements_go_and_lookalikes_stay() {
        assert_eq!(
            strip_active("<p>a</p><SCRIPT>x()</script ><header>h</header><style>p{}</style>b"),
            "<p>a</p><header>h</header>b"
        );
        assert_eq!(strip_active("ok<title>never closed"), "ok");
        assert_eq!(strip_active("é<scriptx>ü"), "é<scriptx>ü");
    }

    #[test]
    fn quoted_history_is_cut_and_long_quotes_are_cheap() {
        assert_eq!(cut_quoted("Thanks!\n\nOn Mon, Ann wrote:\n> hi"), "Thanks!");
        assert_eq!(cut_quoted("Yes\n> a\n>\n> b\n"), "Yes");
        assert_eq!(cut_quoted("> only quotes"), "> only quotes");
        let long = format!("Reply\n{}", "> quoted\n".repeat(50_000));
        assert_eq!(cut_quoted(&long), "Reply");
    }

    #[test]
    fn subject_tokens() {
        assert_eq!(subject_token("Re: [#1234] Printer"), Some(1234));
        assert_eq!(subject_token("[#0] x"), None);
        assert_eq!(subject_token("[#é] x"), None);
        assert_eq!(subject_token("no token"), None);
    }
}
