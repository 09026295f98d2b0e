//! The tenant's sender: its SMTP server, credentials (sealed) and addresses.

use lettre::message::dkim::{DkimSigningAlgorithm, DkimSigningKey};

use crate::{
    domain::{Tenant, email::EmailSettingsInput, patch::Patch},
    error::{Error, Result},
    repo::{self, email::SettingsRow},
    service::validate,
    state::AppState,
};

pub async fn get(state: &AppState, tenant: &Tenant) -> Result<SettingsRow> {
    let mut conn = state.pool.acquire().await?;
    repo::email::settings(&mut conn, tenant.id)
        .await?
        .ok_or_else(|| Error::not_found("email settings"))
}

pub async fn save(
    state: &AppState,
    tenant: &Tenant,
    input: EmailSettingsInput,
) -> Result<SettingsRow> {
    let mut conn = state.pool.acquire().await?;
    let current = repo::email::settings(&mut conn, tenant.id).await?;
    drop(conn);
    let host = server_host("smtpHost", &input.smtp_host)?;
    if !(1..=65535).contains(&input.smtp_port) {
        return Err(Error::validation("smtpPort", "smtpPort must be 1–65535"));
    }
    let user = input
        .smtp_user
        .as_deref()
        .map(|u| validate::optional_text("smtpUser", u, 254))
        .transpose()?
        .filter(|u| !u.is_empty());
    let password = match input.password {
        Patch::Absent => current
            .as_ref()
            .and_then(|c| c.smtp_password_sealed.clone()),
        Patch::Null => None,
        Patch::Value(p) => {
            if p.is_empty() || p.len() > 1024 {
                return Err(Error::validation(
                    "password",
                    "password must be 1–1024 characters",
                ));
            }
            Some(state.server_key.seal(p.as_bytes()))
        }
    };
    if password.is_some() && user.is_none() {
        return Err(Error::validation(
            "smtpUser",
            "a password needs the user it belongs to",
        ));
    }
    let dkim_key = match input.dkim_private_key {
        Patch::Absent => current.as_ref().and_then(|c| c.dkim_key_sealed.clone()),
        Patch::Null => None,
        Patch::Value(pem) => {
            signing_key(&pem).map_err(|m| Error::validation("dkimPrivateKey", m))?;
            Some(state.server_key.seal(pem.as_bytes()))
        }
    };
    let dkim_domain = input
        .dkim_domain
        .as_deref()
        .map(|d| validate::host_name("dkimDomain", d))
        .transpose()?;
    let dkim_selector = input.dkim_selector.as_deref().map(selector).transpose()?;
    let dkim_parts = [
        dkim_domain.is_some(),
        dkim_selector.is_some(),
        dkim_key.is_some(),
    ];
    if dkim_parts.iter().any(|p| *p) && !dkim_parts.iter().all(|p| *p) {
        return Err(Error::validation(
            "dkimDomain",
            "DKIM signing needs dkimDomain, dkimSelector and dkimPrivateKey together",
        ));
    }
    let row = SettingsRow {
        enabled: input.enabled,
        smtp_host: host,
        smtp_port: input.smtp_port,
        tls: input.tls.as_str().into(),
        smtp_user: user,
        smtp_password_sealed: password,
        from_name: one_line("fromName", &input.from_name, 200)?,
        from_address: validate::email("fromAddress", &input.from_address)?,
        reply_to: input
            .reply_to
            .as_deref()
            .map(|r| validate::email("replyTo", r))
            .transpose()?,
        dkim_domain,
        dkim_selector,
        dkim_key_sealed: dkim_key,
        updated_at: chrono::Utc::now(),
    };
    Ok(repo::email::save_settings(&state.pool, tenant.id, &row).await?)
}

pub async fn delete(state: &AppState, tenant: &Tenant) -> Result<()> {
    if !repo::email::delete_settings(&state.pool, tenant.id).await? {
        return Err(Error::not_found("email settings"));
    }
    Ok(())
}

/// A host name (a single label too, such as an on-premises `mailrelay`) or a literal IP address.
pub fn server_host(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    if value.parse::<std::net::IpAddr>().is_ok() {
        return Ok(value.to_string());
    }
    let single_label = !value.is_empty()
        && value.len() <= 63
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if single_label {
        return Ok(value.to_ascii_lowercase());
    }
    validate::host_name(field, value)
}

/// Required, one line (it becomes a header).
pub fn one_line(field: &str, value: &str, max: usize) -> Result<String> {
    let value = validate::required_text(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(Error::validation(
            field,
            format!("{field} must be one line without control characters"),
        ));
    }
    Ok(value)
}

fn selector(value: &str) -> Result<String> {
    let value = value.trim();
    let ok = !value.is_empty()
        && value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if !ok {
        return Err(Error::validation(
            "dkimSelector",
            "dkimSelector is a DNS label: letters, digits, `-` and `.`",
        ));
    }
    Ok(value.to_string())
}

/// An RSA key in PEM that DKIM can sign with.
pub fn signing_key(pem: &str) -> Result<DkimSigningKey, String> {
    DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
        .map_err(|_| "not an RSA private key in PEM (PKCS#1 or PKCS#8)".to_string())
}
