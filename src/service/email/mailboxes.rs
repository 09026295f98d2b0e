//! Mailboxes customers write to: their settings (the IMAP password sealed), the inbound
//! endpoint's secret (shown once), and what each received.

use uuid::Uuid;

use super::settings::{one_line, server_host};
use crate::{
    domain::{
        Tenant,
        email::{MailboxInput, SmtpTls},
        patch::Patch,
    },
    error::{Error, Result},
    repo::{
        self,
        email::mailboxes::{MailboxFields, MailboxRow, ReceivedRow},
    },
    secrets,
    service::validate,
    state::AppState,
};

const SECRET_PREFIX: &str = "ddmb_";

/// A folder name as IMAP takes it: one line, no wildcards.
fn folder(field: &str, value: &str) -> Result<String> {
    let value = one_line(field, value, 200)?;
    if value.contains(['*', '%']) {
        return Err(Error::validation(
            field,
            format!("{field} must not contain * or %"),
        ));
    }
    Ok(value)
}

/// The checked fields, the sealed password to store.
struct Checked {
    name: String,
    address: String,
    host: Option<String>,
    port: Option<i32>,
    tls: Option<&'static str>,
    user: Option<String>,
    password: Option<Vec<u8>>,
    folder: String,
    processed: Option<String>,
}

async fn check(
    state: &AppState,
    tenant: &Tenant,
    input: &MailboxInput,
    current: Option<&MailboxRow>,
) -> Result<Checked> {
    let mut conn = state.pool.acquire().await?;
    if repo::configuration::queues::get(&mut conn, tenant.id, input.queue_id)
        .await?
        .is_none()
    {
        return Err(Error::validation("queueId", "queueId names no queue"));
    }
    if let Some(company) = input.default_company_id
        && repo::companies::get(&state.pool, tenant.id, company)
            .await?
            .is_none_or(|c| c.archived_at.is_some())
    {
        return Err(Error::validation(
            "defaultCompanyId",
            "defaultCompanyId names no active company",
        ));
    }
    let host = input
        .imap_host
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| server_host("imapHost", h))
        .transpose()?;
    let (port, tls, user) = match &host {
        Some(_) => {
            let tls = input.imap_tls.unwrap_or(SmtpTls::Implicit);
            let port = input.imap_port.unwrap_or(match tls {
                SmtpTls::Implicit => 993,
                _ => 143,
            });
            if !(1..=65535).contains(&port) {
                return Err(Error::validation("imapPort", "imapPort must be 1–65535"));
            }
            let user = input
                .imap_user
                .as_deref()
                .map(|u| validate::required_text("imapUser", u, 254))
                .transpose()?
                .ok_or_else(|| {
                    Error::validation("imapUser", "imapUser is required with imapHost")
                })?;
            (Some(port), Some(tls.as_str()), Some(user))
        }
        None => (None, None, None),
    };
    let password = match &input.imap_password {
        Patch::Absent => current.and_then(|c| c.imap_password_sealed.clone()),
        Patch::Null => None,
        Patch::Value(p) => {
            if p.is_empty() || p.len() > 1024 {
                return Err(Error::validation(
                    "imapPassword",
                    "imapPassword must be 1–1024 characters",
                ));
            }
            Some(state.server_key.seal(p.as_bytes()))
        }
    };
    if host.is_some() && password.is_none() {
        return Err(Error::validation(
            "imapPassword",
            "imapPassword is required with imapHost",
        ));
    }
    Ok(Checked {
        name: one_line("name", &input.name, 200)?,
        address: validate::email("address", &input.address)?.to_ascii_lowercase(),
        host,
        port,
        tls,
        user,
        password,
        folder: input
            .imap_folder
            .as_deref()
            .map(|f| folder("imapFolder", f))
            .transpose()?
            .unwrap_or_else(|| "INBOX".into()),
        processed: input
            .processed_folder
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|f| folder("processedFolder", f))
            .transpose()?,
    })
}

fn fields<'a>(c: &'a Checked, input: &MailboxInput) -> MailboxFields<'a> {
    MailboxFields {
        name: &c.name,
        address: &c.address,
        queue_id: input.queue_id,
        unknown_senders: input.unknown_senders.as_str(),
        default_company_id: input.default_company_id,
        imap_host: c.host.as_deref(),
        imap_port: c.port,
        imap_tls: c.tls,
        imap_user: c.user.as_deref(),
        imap_password_sealed: c.password.as_deref(),
        imap_folder: &c.folder,
        processed_folder: c.processed.as_deref(),
        enabled: input.enabled,
    }
}

/// A new mailbox and the inbound endpoint's secret (shown this once).
pub async fn create(
    state: &AppState,
    tenant: &Tenant,
    input: MailboxInput,
) -> Result<(MailboxRow, String)> {
    let checked = check(state, tenant, &input, None).await?;
    let secret = secrets::generate_token(SECRET_PREFIX);
    let row = repo::email::mailboxes::insert(
        &state.pool,
        tenant.id,
        Uuid::now_v7(),
        &secrets::sha256(&secret),
        &fields(&checked, &input),
    )
    .await?;
    Ok((row, secret))
}

pub async fn get(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<MailboxRow> {
    let mut conn = state.pool.acquire().await?;
    repo::email::mailboxes::get(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("mailbox"))
}

pub async fn list(state: &AppState, tenant: &Tenant) -> Result<Vec<MailboxRow>> {
    Ok(repo::email::mailboxes::list(&state.pool, tenant.id).await?)
}

pub async fn replace(
    state: &AppState,
    tenant: &Tenant,
    id: Uuid,
    input: MailboxInput,
) -> Result<MailboxRow> {
    let current = get(state, tenant, id).await?;
    let checked = check(state, tenant, &input, Some(&current)).await?;
    repo::email::mailboxes::update(&state.pool, tenant.id, id, &fields(&checked, &input))
        .await?
        .ok_or_else(|| Error::not_found("mailbox"))
}

pub async fn delete(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<()> {
    if !repo::email::mailboxes::delete(&state.pool, tenant.id, id).await? {
        return Err(Error::not_found("mailbox"));
    }
    Ok(())
}

/// A new inbound secret; the old one stops working at once.
pub async fn regenerate_secret(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<String> {
    let secret = secrets::generate_token(SECRET_PREFIX);
    if !repo::email::mailboxes::set_secret(&state.pool, tenant.id, id, &secrets::sha256(&secret))
        .await?
    {
        return Err(Error::not_found("mailbox"));
    }
    Ok(secret)
}

pub async fn received(state: &AppState, tenant: &Tenant, id: Uuid) -> Result<Vec<ReceivedRow>> {
    get(state, tenant, id).await?;
    Ok(repo::email::mailboxes::received(&state.pool, tenant.id, id).await?)
}
