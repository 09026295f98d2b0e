//! A rendered template becomes an RFC 5322 message: From, Reply-To and To from settings and the
//! recipient (encoded by the builder, so no value can add a header), a Message-ID that replies
//! thread by, `Auto-Submitted` so auto-responders stay quiet, `List-Unsubscribe` on notifications,
//! and an optional DKIM signature.

use lettre::message::{
    Mailbox, Message, MultiPart,
    dkim::DkimConfig,
    header::{HeaderName, HeaderValue},
};
use uuid::Uuid;

use super::{settings::signing_key, templates::Rendered};
use crate::{repo::email::SettingsRow, secrets::ServerKey};

/// Who a message goes to.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub name: String,
    pub email: String,
}

/// A message ready for the outbox.
pub struct Composed {
    /// Without angle brackets.
    pub message_id: String,
    pub raw: Vec<u8>,
}

pub struct Letter<'a> {
    pub to: &'a Recipient,
    pub rendered: &'a Rendered,
    /// The ticket it is about: its Message-ID names it, and it threads under the ticket's root.
    pub ticket: Option<i32>,
    pub unsubscribe_url: Option<&'a str>,
}

/// The domain of the sender's address, for Message-IDs.
fn sender_domain(settings: &SettingsRow) -> &str {
    settings
        .from_address
        .rsplit_once('@')
        .map_or("deskd.invalid", |(_, d)| d)
}

/// The Message-ID every mail about a ticket refers to, so mail clients keep them in one thread.
pub fn ticket_root(settings: &SettingsRow, ticket: i32) -> String {
    format!("ticket-{ticket}@{}", sender_domain(settings))
}

/// A display name as one line: control characters (a line break in a contact's name) become
/// spaces, so no name can end its header (and the builder, which refuses them, never sees one).
fn display_name(name: &str) -> String {
    name.split(char::is_control)
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn compose(
    settings: &SettingsRow,
    key: &ServerKey,
    letter: &Letter<'_>,
) -> Result<Composed, String> {
    let domain = sender_domain(settings);
    let message_id = match letter.ticket {
        Some(ticket) => format!("ticket-{ticket}.{}@{domain}", Uuid::now_v7().simple()),
        None => format!("{}@{domain}", Uuid::now_v7().simple()),
    };
    let from = Mailbox::new(
        Some(display_name(&settings.from_name)),
        settings
            .from_address
            .parse()
            .map_err(|_| "the sender address is not valid".to_string())?,
    );
    let to = Mailbox::new(
        Some(display_name(&letter.to.name)).filter(|n| !n.is_empty()),
        letter
            .to
            .email
            .parse()
            .map_err(|_| format!("`{}` is not a deliverable address", letter.to.email))?,
    );
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(letter.rendered.subject.clone())
        .message_id(Some(format!("<{message_id}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("Auto-Submitted"),
            "auto-generated".into(),
        ));
    if let Some(reply_to) = &settings.reply_to {
        builder = builder.reply_to(
            reply_to
                .parse()
                .map_err(|_| "the reply-to address is not valid".to_string())?,
        );
    }
    if let Some(ticket) = letter.ticket {
        let root = format!("<{}>", ticket_root(settings, ticket));
        builder = builder.in_reply_to(root.clone()).references(root);
    }
    if let Some(url) = letter.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    let mut message = builder
        .multipart(MultiPart::alternative_plain_html(
            letter.rendered.text.clone(),
            letter.rendered.html.clone(),
        ))
        .map_err(|e| format!("the message cannot be built: {e}"))?;
    if let (Some(domain), Some(selector), Some(sealed)) = (
        &settings.dkim_domain,
        &settings.dkim_selector,
        &settings.dkim_key_sealed,
    ) {
        let pem = key
            .open(sealed)
            .map_err(|_| "the DKIM key cannot be unsealed".to_string())?;
        let pem = String::from_utf8(pem).map_err(|_| "the DKIM key is not text".to_string())?;
        let config =
            DkimConfig::default_config(selector.clone(), domain.clone(), signing_key(&pem)?);
        message.sign(&config);
    }
    Ok(Composed {
        message_id,
        raw: message.formatted(),
    })
}
