//! Who may write into a tenant's helpdesk by email: who may reply into a ticket, and whether an
//! unknown sender becomes a contact (the mailbox's policy).

use mail_parser::Message;

use crate::{
    domain::{Tenant, contacts::ContactInput},
    error::Result,
    repo::{
        self,
        email::mailboxes::{MailboxRow, Sender},
    },
    service::{contacts, tickets::mail::Author},
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

/// Who may add a reply to the ticket: any active member; the ticket's contact, or a contact of
/// its company who sees the company's tickets. (Anyone else's message opens a ticket of its own.)
pub async fn reply_author(
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
pub async fn admit(
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
