//! What a tenant's mail is configured with: its sender, templates, notification rules, and a
//! person's choices.

use serde::Deserialize;
use utoipa::ToSchema;

use super::patch::Patch;

/// How deskd talks to the SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// TLS from the first byte (usually port 465).
    Implicit,
    /// Plain, then STARTTLS, which must succeed (usually port 587).
    Starttls,
    /// No encryption: only for a relay on the local network.
    None,
}

impl SmtpTls {
    pub fn as_str(self) -> &'static str {
        match self {
            SmtpTls::Implicit => "implicit",
            SmtpTls::Starttls => "starttls",
            SmtpTls::None => "none",
        }
    }

    pub fn parse(value: &str) -> Self {
        match value {
            "implicit" => SmtpTls::Implicit,
            "none" => SmtpTls::None,
            _ => SmtpTls::Starttls,
        }
    }
}

/// The tenant's sender. `password` and `dkimPrivateKey` are write-only: absent keeps the stored
/// one, `null` removes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailSettingsInput {
    /// Whether deskd sends the tenant's mail at all.
    #[serde(default)]
    pub enabled: bool,
    #[schema(min_length = 1, max_length = 253, pattern = r"\S")]
    pub smtp_host: String,
    #[schema(minimum = 1, maximum = 65535)]
    pub smtp_port: i32,
    pub tls: SmtpTls,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub smtp_user: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub password: Patch<String>,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub from_name: String,
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )]
    pub from_address: String,
    #[serde(default)]
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )]
    pub reply_to: Option<String>,
    /// DKIM signing: the signing domain (e.g. `example.com`); with `dkimSelector` and a key.
    #[serde(default)]
    #[schema(max_length = 253)]
    pub dkim_domain: Option<String>,
    #[serde(default)]
    #[schema(max_length = 63)]
    pub dkim_selector: Option<String>,
    /// An RSA private key in PEM (PKCS#1 or PKCS#8).
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 16384)]
    pub dkim_private_key: Patch<String>,
}

/// A template as an admin writes it. `text` absent or `null`: generated from the HTML.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailTemplateInput {
    #[schema(min_length = 1, max_length = 998, pattern = r"\S")]
    pub subject: String,
    #[schema(min_length = 1, max_length = 200000, pattern = r"\S")]
    pub html: String,
    #[serde(default)]
    #[schema(max_length = 200000)]
    pub text: Option<String>,
}

/// What to preview: a draft (or the saved template when absent), rendered with a real ticket of
/// the tenant or with sample data.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailPreviewRequest {
    #[serde(default)]
    pub template: Option<EmailTemplateInput>,
    #[serde(default)]
    #[schema(minimum = 1)]
    pub ticket_id: Option<i32>,
}

/// A notification rule's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailRuleInput {
    pub enabled: bool,
    /// `contact_status_changed` only: the statuses whose arrival mails the contact.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub status_ids: Vec<i32>,
}

/// A test message to `to`, sent now with the tenant's settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailTestRequest {
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )]
    pub to: String,
}

/// A person's choice about one rule's mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailPreferenceInput {
    #[schema(min_length = 1, max_length = 64)]
    pub rule: String,
    pub enabled: bool,
}

/// What a tenant does with mail from an address that is no contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UnknownSenders {
    /// Make them a contact of the company whose contacts share their domain (or the mailbox's
    /// default company), and open the ticket.
    Create,
    /// Refuse the message (it is logged with the reason).
    Reject,
}

impl UnknownSenders {
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownSenders::Create => "create",
            UnknownSenders::Reject => "reject",
        }
    }
}

/// A mailbox customers write to. `imapHost` absent: mail arrives only through the inbound
/// endpoint. `imapPassword` is write-only: absent keeps the stored one, `null` removes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MailboxInput {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// The address customers write to (mail from it is ignored as deskd's own).
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )]
    pub address: String,
    /// Where new tickets go.
    pub queue_id: i32,
    #[serde(default = "reject_unknown")]
    pub unknown_senders: UnknownSenders,
    #[serde(default)]
    pub default_company_id: Option<i32>,
    #[serde(default)]
    #[schema(max_length = 253)]
    pub imap_host: Option<String>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 65535)]
    pub imap_port: Option<i32>,
    #[serde(default)]
    pub imap_tls: Option<SmtpTls>,
    #[serde(default)]
    #[schema(max_length = 254)]
    pub imap_user: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub imap_password: Patch<String>,
    /// The folder polled (default `INBOX`).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub imap_folder: Option<String>,
    /// Processed messages move here; absent: they are marked read and stay.
    #[serde(default)]
    #[schema(max_length = 200)]
    pub processed_folder: Option<String>,
    #[serde(default = "super::webhooks::enabled_by_default")]
    pub enabled: bool,
}

fn reject_unknown() -> UnknownSenders {
    UnknownSenders::Reject
}
