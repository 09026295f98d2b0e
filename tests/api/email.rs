//! Outbound mail against a real SMTP server (Debian's aiosmtpd, storing what it receives in a
//! Maildir): settings, templates, rules, the outbox and its worker, the send log, opt-outs.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use axum::http::{Method, StatusCode};
use mail_parser::{HeaderValue, MessageParser};
use serde_json::{Value, json};

use crate::{
    support::TestApp,
    tickets::{Desk, desk},
};

/// A real SMTP server on a free port that keeps every message it accepts.
pub struct Smtp {
    child: Child,
    pub port: u16,
    maildir: PathBuf,
}

impl Smtp {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Self {
        Self::start_with(port, &[])
    }

    /// With extra aiosmtpd arguments (TLS certificates).
    pub fn start_with(port: u16, extra: &[&str]) -> Self {
        let maildir =
            std::env::temp_dir().join(format!("deskd-smtp-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&maildir);
        let child = Command::new(python_with_aiosmtpd())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(extra)
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd is installed (.ci/run installs it)");
        crate::support::wait_for_port(port);
        Self {
            child,
            port,
            maildir,
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every message received so far, oldest first, as raw bytes.
    pub fn received(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir.join(d)).ok())
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| (e.metadata().unwrap().modified().unwrap(), e.path()))
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, p)| std::fs::read(p).unwrap())
            .collect()
    }

    /// The messages to `address` (by envelope recipient).
    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.received()
            .iter()
            .map(|raw| Mail::parse(raw))
            .filter(|m| m.rcpt_to.eq_ignore_ascii_case(address))
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Debian's python3 (where python3-aiosmtpd installs), else whichever python3 has it.
fn python_with_aiosmtpd() -> &'static str {
    for python in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return python;
        }
    }
    panic!("no python3 with aiosmtpd: install python3-aiosmtpd (.ci/run does)");
}

/// A received message, decoded.
#[derive(Debug)]
pub struct Mail {
    pub rcpt_to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
    pub headers: Vec<(String, String)>,
    pub raw: String,
}

impl Mail {
    fn parse(raw: &[u8]) -> Self {
        let m = MessageParser::default().parse(raw).expect("a message");
        let header = |name: &str| -> String {
            m.header_raw(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let headers = m
            .headers()
            .iter()
            .map(|h| {
                let value = match &h.value {
                    HeaderValue::Text(t) => t.to_string(),
                    _ => m.raw_message()[h.offset_start as usize..h.offset_end as usize]
                        .iter()
                        .map(|b| *b as char)
                        .collect::<String>()
                        .trim()
                        .to_string(),
                };
                (h.name.as_str().to_string(), value)
            })
            .collect();
        Mail {
            rcpt_to: header("X-RcptTo"),
            subject: m.subject().unwrap_or_default().to_string(),
            text: m.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
            html: m.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
            message_id: m.message_id().unwrap_or_default().to_string(),
            headers,
            raw: String::from_utf8_lossy(raw).to_string(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A test app that may reach the local SMTP server (a private address).
pub async fn mail_app() -> TestApp {
    TestApp::with_config(|c| c.webhooks_allow_private = true).await
}

/// Points the desk's tenant at the SMTP server, enabled.
pub async fn use_smtp(d: &Desk<'_>, smtp: &Smtp) -> Value {
    let r = d
        .admin(
            Method::PUT,
            "/email/settings",
            Some(json!({
                "enabled": true, "smtpHost": "127.0.0.1", "smtpPort": smtp.port, "tls": "none",
                "fromName": "Acme Support", "fromAddress": "support@acme.example",
                "replyTo": "help@acme.example",
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json
}

/// Runs the mail worker until nothing is due.
pub async fn send_mail(app: &TestApp) {
    deskd::service::email::send_due(&app.state).await.unwrap();
}

#[tokio::test]
async fn a_portal_ticket_mails_its_confirmation_and_a_public_note_reaches_the_contact_but_an_internal_one_never_does()
 {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({"lastName": "Archer"}))
        .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/tickets",
            Some(
                json!({"requestTypeId": 1, "summary": "Printer <jammed>", "description": "Again"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ticket = r.json["id"].as_i64().unwrap();
    send_mail(&app).await;

    let mails = smtp.to("ann@customer.test");
    assert_eq!(mails.len(), 1, "one confirmation");
    let m = &mails[0];
    assert_eq!(
        m.subject,
        format!("[#{ticket}] We received your request: Printer <jammed>")
    );
    assert!(m.html.contains("Hello ann Archer"), "{}", m.html);
    assert!(
        m.html.contains("Printer &lt;jammed&gt;"),
        "the HTML escapes variables: {}",
        m.html
    );
    assert!(m.text.contains("Printer <jammed>"), "{}", m.text);
    assert!(
        m.text.contains(&format!("ticket_id={ticket}")),
        "{}",
        m.text
    );
    assert_eq!(m.header("Auto-Submitted"), Some("auto-generated"));
    assert!(
        m.header("List-Unsubscribe")
            .is_some_and(|v| v.contains("/api/v2/public/email/unsubscribe?token="))
    );
    assert!(m.raw.contains("Reply-To: help@acme.example"), "{}", m.raw);
    assert!(
        m.message_id.starts_with(&format!("ticket-{ticket}.")),
        "{}",
        m.message_id
    );
    assert!(
        m.raw
            .contains(&format!("References: <ticket-{ticket}@acme.example>")),
        "{}",
        m.raw
    );

    // An internal note never reaches the contact; a public one does.
    let note = |body: &str, internal: bool| json!({"note": body, "isInternal": internal});
    let r = d
        .admin(
            Method::POST,
            &format!("/tickets/{ticket}/notes"),
            Some(note("Fuser is broken (internal)", true)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = d
        .admin(
            Method::POST,
            &format!("/tickets/{ticket}/notes"),
            Some(note("A new fuser arrives tomorrow.", false)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    send_mail(&app).await;
    let mails = smtp.to("ann@customer.test");
    assert_eq!(mails.len(), 2, "{mails:#?}");
    assert!(mails[1].text.contains("A new fuser arrives tomorrow."));
    assert!(
        smtp.received()
            .iter()
            .all(|raw| !String::from_utf8_lossy(raw).contains("internal"))
    );

    // The send log shows both, sent, with the server's answer.
    let log = d.admin(Method::GET, "/email/messages", None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    assert_eq!(log.json["totalResults"], 2);
    let first = &log.json["results"][1];
    assert_eq!(first["rule"], "contact_ticket_created");
    assert_eq!(first["state"], "sent");
    assert_eq!(first["recipient"], "ann@customer.test");
    assert_eq!(first["ticketId"], ticket);
    assert!(
        first["lastAnswer"].as_str().unwrap().starts_with("250"),
        "{}",
        first
    );
    // Sealed while waiting, gone once sent.
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM email_messages WHERE raw_sealed IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_password_is_sealed_and_never_returned() {
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    let missing = d.admin(Method::GET, "/email/settings", None).await;
    missing.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let body = |password: Value| {
        json!({"smtpHost": "smtp.example.com", "smtpPort": 587, "tls": "starttls",
               "smtpUser": "desk@acme.example", "password": password,
               "fromName": "Acme", "fromAddress": "desk@acme.example"})
    };
    let r = d
        .admin(
            Method::PUT,
            "/email/settings",
            Some(body(json!("s3cret-pass"))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["hasPassword"], true);
    assert_eq!(r.json["enabled"], false);
    assert!(!r.text.contains("s3cret-pass"));
    let stored: Vec<u8> = sqlx::query_scalar("SELECT smtp_password_sealed FROM email_settings")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("s3cret-pass"));
    // Absent keeps it; null removes it.
    let mut keep = body(Value::Null);
    keep.as_object_mut().unwrap().remove("password");
    let r = d.admin(Method::PUT, "/email/settings", Some(keep)).await;
    assert_eq!(r.json["hasPassword"], true);
    let r = d
        .admin(Method::PUT, "/email/settings", Some(body(Value::Null)))
        .await;
    assert_eq!(r.json["hasPassword"], false);
    // Bad input is a 422 naming the field, and changes nothing.
    for (field, value) in [
        ("smtpPort", json!(0)),
        ("fromAddress", json!("not an address")),
        ("fromName", json!("Acme\r\nBcc: x@evil.example")),
        ("smtpHost", json!("bad host")),
        ("tls", json!("ssl3")),
    ] {
        let mut b = body(Value::Null);
        b[field] = value;
        let r = d.admin(Method::PUT, "/email/settings", Some(b)).await;
        assert!(
            r.status == StatusCode::UNPROCESSABLE_ENTITY || r.status == StatusCode::BAD_REQUEST,
            "{field}: {} {}",
            r.status,
            r.text
        );
    }
    let r = d.admin(Method::GET, "/email/settings", None).await;
    assert_eq!(r.json["fromName"], "Acme");
    // Another tenant has none.
    let other = desk(&app, "globex").await;
    let r = other.admin(Method::GET, "/email/settings", None).await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn templates_are_checked_previewed_used_and_reset() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    let list = d.admin(Method::GET, "/email/templates", None).await;
    assert_eq!(list.status, StatusCode::OK);
    let kinds: Vec<&str> = list.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "ticket_created",
        "public_note",
        "ticket_closed",
        "login_code",
        "broadcast",
        "test",
    ] {
        assert!(kinds.contains(&kind), "{kind}");
    }
    let created = d
        .admin(Method::GET, "/email/templates/ticket_created", None)
        .await;
    assert_eq!(created.json["isCustom"], false);
    assert!(
        created.json["variables"]
            .as_array()
            .unwrap()
            .contains(&json!("ticket.summary"))
    );

    // A parse error and an unknown variable are 422s naming the part and line.
    let bad = d
        .admin(
            Method::PUT,
            "/email/templates/ticket_created",
            Some(json!({"subject": "Hi", "html": "<p>ok</p>\n<p>{% if %}</p>"})),
        )
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert!(
        bad.json["message"]
            .as_str()
            .unwrap()
            .contains("html, line 2"),
        "{}",
        bad.json
    );
    let unknown = d
        .admin(
            Method::PUT,
            "/email/templates/ticket_created",
            Some(json!({"subject": "{{ ticket.secret }}", "html": "<p>ok</p>"})),
        )
        .await;
    unknown.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert!(
        unknown.json["message"]
            .as_str()
            .unwrap()
            .contains("subject, line 1"),
        "{}",
        unknown.json
    );
    assert!(
        unknown.json["message"].as_str().unwrap().contains("secret"),
        "{}",
        unknown.json
    );

    let mine = json!({"subject": "Got it: {{ ticket.summary | upcase }}",
                      "html": "<p>Dear {{ contact.firstName }}, ticket {{ ticket.id }} is {{ ticket.status }}.</p>"});
    let saved = d
        .admin(
            Method::PUT,
            "/email/templates/ticket_created",
            Some(mine.clone()),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json["isCustom"], true);

    // Preview with sample values, then with a real ticket.
    let sample = d
        .admin(
            Method::POST,
            "/email/templates/ticket_created/preview",
            Some(json!({})),
        )
        .await;
    assert_eq!(sample.status, StatusCode::OK, "{}", sample.text);
    assert_eq!(
        sample.json["subject"],
        "Got it: PRINTER ON FLOOR 2 IS OFFLINE"
    );
    assert_eq!(sample.json["text"], "Dear Ann, ticket 1234 is New.\n");
    d.contact(1, "bob@customer.test", json!({})).await;
    let t = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "VPN down", "queueId": 1, "contactId": 1})),
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let id = t.json["id"].as_i64().unwrap();
    let real = d
        .admin(
            Method::POST,
            "/email/templates/ticket_created/preview",
            Some(json!({"ticketId": id})),
        )
        .await;
    assert_eq!(real.json["subject"], "Got it: VPN DOWN");
    let missing = d
        .admin(
            Method::POST,
            "/email/templates/ticket_created/preview",
            Some(json!({"ticketId": 999})),
        )
        .await;
    missing.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");

    // The saved template is what goes out.
    send_mail(&app).await;
    let mails = smtp.to("bob@customer.test");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Got it: VPN DOWN");
    assert_eq!(
        mails[0].text.trim(),
        format!("Dear bob, ticket {id} is New.")
    );

    // Reset brings the default back.
    let reset = d
        .admin(Method::DELETE, "/email/templates/ticket_created", None)
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    assert_eq!(reset.json["isCustom"], false);
    assert_eq!(reset.json["subject"], created.json["subject"]);
    let nope = d.admin(Method::GET, "/email/templates/nope", None).await;
    nope.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn smtp_down_for_a_while_then_up_delivers_every_mail_exactly_once() {
    let port = free_port();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    // Settings point at a port nobody listens on yet.
    let r = d
        .admin(
            Method::PUT,
            "/email/settings",
            Some(json!({
            "enabled": true, "smtpHost": "127.0.0.1", "smtpPort": port, "tls": "none",
            "fromName": "Acme", "fromAddress": "support@acme.example"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for n in 1..=3 {
        d.contact(1, &format!("c{n}@customer.test"), json!({}))
            .await;
        let t = d
            .admin(
                Method::POST,
                "/tickets",
                Some(json!({"summary": format!("Issue {n}"), "queueId": 1, "contactId": n})),
            )
            .await;
        assert_eq!(t.status, StatusCode::CREATED);
    }
    send_mail(&app).await;
    let log = d
        .admin(Method::GET, "/email/messages?state=pending", None)
        .await;
    assert_eq!(log.json["totalResults"], 3, "{}", log.json);
    let first = &log.json["results"][0];
    assert_eq!(first["attempts"], 1);
    assert!(
        !first["lastAnswer"].as_str().unwrap().is_empty(),
        "the reason is logged"
    );
    let metrics = app.state.metrics.render();
    assert!(
        metrics.contains("email_sends_total{outcome=\"retried\"} 3"),
        "{metrics}"
    );

    // The server comes up; the retries are due.
    let smtp = Smtp::start_on(port);
    sqlx::query("UPDATE email_messages SET next_attempt_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    send_mail(&app).await;
    send_mail(&app).await;
    for n in 1..=3 {
        assert_eq!(smtp.to(&format!("c{n}@customer.test")).len(), 1, "c{n}");
    }
    assert_eq!(smtp.received().len(), 3);
    let log = d
        .admin(Method::GET, "/email/messages?state=sent", None)
        .await;
    assert_eq!(log.json["totalResults"], 3);
}

#[tokio::test]
async fn two_workers_send_each_message_once() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let other = app.sibling(|_| {}).await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    for n in 1..=10 {
        d.contact(1, &format!("c{n}@customer.test"), json!({}))
            .await;
        d.admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": format!("Issue {n}"), "queueId": 1, "contactId": n})),
        )
        .await;
    }
    let (a, b) = tokio::join!(send_mail(&app), send_mail(&other));
    let _ = (a, b);
    assert_eq!(smtp.received().len(), 10);
    for n in 1..=10 {
        assert_eq!(smtp.to(&format!("c{n}@customer.test")).len(), 1);
    }
}

#[tokio::test]
async fn rules_turn_mail_off_and_people_can_refuse_optional_mail() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let rules = d.admin(Method::GET, "/email/rules", None).await;
    assert_eq!(rules.status, StatusCode::OK);
    let names: Vec<&str> = rules.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"contact_ticket_created") && names.contains(&"member_assigned"));

    // The tenant turns the confirmation off: nothing goes out.
    let off = d
        .admin(
            Method::PUT,
            "/email/rules/contact_ticket_created",
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.json["enabled"], false);
    d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "One", "queueId": 1, "contactId": 1})),
    )
    .await;
    send_mail(&app).await;
    assert!(smtp.to("ann@customer.test").is_empty());
    let bad = d
        .admin(
            Method::PUT,
            "/email/rules/contact_ticket_created",
            Some(json!({"enabled": true, "statusIds": [1]})),
        )
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    d.admin(
        Method::PUT,
        "/email/rules/contact_ticket_created",
        Some(json!({"enabled": true})),
    )
    .await;

    // Ann refuses confirmations from the portal; a required rule cannot be refused.
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let prefs = d
        .portal(&ann, Method::GET, "/me/email-preferences", None)
        .await;
    assert_eq!(prefs.status, StatusCode::OK, "{}", prefs.text);
    assert!(
        prefs.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["enabled"] == true)
    );
    let r = d
        .portal(
            &ann,
            Method::PUT,
            "/me/email-preferences",
            Some(json!({"rule": "contact_ticket_created", "enabled": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = d
        .portal(
            &ann,
            Method::PUT,
            "/me/email-preferences",
            Some(json!({"rule": "login_code", "enabled": false})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let r = d
        .portal(
            &ann,
            Method::PUT,
            "/me/email-preferences",
            Some(json!({"rule": "member_assigned", "enabled": false})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "Two", "queueId": 1, "contactId": 1})),
    )
    .await;
    send_mail(&app).await;
    assert!(smtp.to("ann@customer.test").is_empty());

    // She turns it back on, then uses the one-click link of a message to turn it off again.
    d.portal(
        &ann,
        Method::PUT,
        "/me/email-preferences",
        Some(json!({"rule": "contact_ticket_created", "enabled": true})),
    )
    .await;
    d.admin(
        Method::POST,
        "/tickets",
        Some(json!({"summary": "Three", "queueId": 1, "contactId": 1})),
    )
    .await;
    send_mail(&app).await;
    let mails = smtp.to("ann@customer.test");
    assert_eq!(mails.len(), 1);
    let link = mails[0]
        .header("List-Unsubscribe")
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let path = &link[link.find("/api/").unwrap()..];
    let read = app.get(&d.t.host, path).send().await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.json["rule"], "contact_ticket_created");
    assert_eq!(read.json["unsubscribed"], false);
    let done = app
        .post(&d.t.host, path)
        .raw_body(
            "application/x-www-form-urlencoded",
            "List-Unsubscribe=One-Click",
        )
        .send()
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(done.json["unsubscribed"], true);
    let prefs = d
        .portal(&ann, Method::GET, "/me/email-preferences", None)
        .await;
    let created = prefs.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "contact_ticket_created")
        .unwrap()
        .clone();
    assert_eq!(created["enabled"], false);
    // A forged or foreign token is refused.
    let forged = app
        .post(&d.t.host, "/api/v2/public/email/unsubscribe?token=AAAA")
        .send()
        .await;
    forged.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let other = desk(&app, "globex").await;
    let foreign = app.post(&other.t.host, path).send().await;
    foreign.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
}

#[tokio::test]
async fn members_hear_of_assignments_replies_and_mentions() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    let r = d
        .admin(Method::POST, "/members", Some(json!({"email": "sam@acme.example", "firstName": "Sam", "role": "tech", "password": crate::support::PASSWORD})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sam = r.json["id"].as_i64().unwrap();
    d.contact(1, "ann@customer.test", json!({})).await;
    let t = d
        .admin(Method::POST, "/tickets", Some(json!({"summary": "Laptop", "queueId": 1, "contactId": 1, "assignedMemberIds": [sam]})))
        .await;
    assert_eq!(t.status, StatusCode::CREATED, "{}", t.text);
    let id = t.json["id"].as_i64().unwrap();
    send_mail(&app).await;
    // The contact replies from the portal: the assigned member hears of it.
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let r = d
        .portal(
            &ann,
            Method::POST,
            &format!("/tickets/{id}/comments"),
            Some(json!({"note": "It still restarts"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // A colleague mentions sam in an internal note.
    let r = d
        .admin(
            Method::POST,
            &format!("/tickets/{id}/notes"),
            Some(json!({"note": "@sam@acme.example can you look?", "isInternal": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    send_mail(&app).await;
    let to_sam = smtp.to("sam@acme.example");
    let subjects: Vec<&str> = to_sam.iter().map(|m| m.subject.as_str()).collect();
    assert!(
        subjects.iter().any(|s| s.contains("ann replied")),
        "{subjects:?}"
    );
    assert!(
        subjects.iter().any(|s| s.contains("mentioned you")),
        "{subjects:?}"
    );
    // The internal note went to no contact.
    assert!(
        smtp.to("ann@customer.test")
            .iter()
            .all(|m| !m.text.contains("can you look"))
    );
}

#[tokio::test]
async fn a_login_code_goes_out_by_mail_sealed_until_sent() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let r = app
        .post(&d.t.host, "/api/v2/portal/auth/login-code")
        .json(json!({"email": "ann@customer.test"}))
        .send()
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text);
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT raw_sealed FROM email_messages WHERE rule = 'login_code'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    send_mail(&app).await;
    let mails = smtp.to("ann@customer.test");
    assert_eq!(mails.len(), 1);
    let code: String = mails[0]
        .text
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .expect("a code in the message")
        .to_string();
    assert!(
        !String::from_utf8_lossy(&sealed).contains(&code),
        "the queued message is sealed"
    );
    assert!(
        mails[0].header("List-Unsubscribe").is_none(),
        "a required mail has no unsubscribe link"
    );
    // The code signs ann in.
    let r = app
        .get(
            &d.t.host,
            &format!("/portal/deeplink?auth_username=ann%40customer.test&auth_token={code}"),
        )
        .send()
        .await;
    let location = r.headers["location"].to_str().unwrap();
    assert!(!location.contains("error"), "{location}");
    assert!(r.headers.contains_key("set-cookie"));
}

#[tokio::test]
async fn the_test_send_answers_what_the_server_said() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    let r = d
        .admin(
            Method::POST,
            "/email/test",
            Some(json!({"to": "it@acme.example"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["sent"], true, "{}", r.json);
    assert!(r.json["answer"].as_str().unwrap().starts_with("250"));
    assert_eq!(smtp.to("it@acme.example").len(), 1);
    let bad = d
        .admin(Method::POST, "/email/test", Some(json!({"to": "nobody"})))
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    // A server that is not there: a clear answer, not an error.
    drop(smtp);
    let r = d
        .admin(
            Method::POST,
            "/email/test",
            Some(json!({"to": "it@acme.example"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["sent"], false);
    assert!(!r.json["answer"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn header_injection_through_names_and_summaries_is_impossible() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(
        1,
        "ann@customer.test",
        json!({"lastName": "X\r\nBcc: evil@attacker.example"}),
    )
    .await;
    let r = d
        .admin(Method::POST, "/tickets", Some(json!({"summary": "Hi\r\nBcc: evil@attacker.example\r\n\r\nbody", "queueId": 1, "contactId": 1})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    send_mail(&app).await;
    let received = smtp.received();
    assert_eq!(received.len(), 1, "one message, to ann only");
    let m = &smtp.to("ann@customer.test")[0];
    assert!(m.header("Bcc").is_none(), "{}", m.raw);
    let mut head = m.raw.lines().take_while(|l| !l.trim().is_empty());
    assert!(!head.any(|l| l.starts_with("Bcc:")), "{}", m.raw);
    assert_eq!(
        m.subject,
        "[#1] We received your request: Hi Bcc: evil@attacker.example body"
    );
}

#[tokio::test]
async fn the_connector_renders_a_template_with_a_ticket_and_given_values() {
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let t = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "VPN <down>", "queueId": 1, "contactId": 1})),
        )
        .await;
    let id = t.json["id"].as_i64().unwrap();
    let connector = |method: Method, path: &str| {
        app.call(
            method,
            &d.t.host,
            &format!("/api/v2/automate/connector{path}"),
        )
        .auth(&format!("DdApi {}", d.key))
    };
    let list = connector(Method::GET, "/email-templates?take=2")
        .send()
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(
        list.json["results"][0],
        json!({"id": "ticket_created", "name": "Ticket created"})
    );
    assert_eq!(list.json["results"].as_array().unwrap().len(), 2);
    let schema = connector(
        Method::GET,
        "/schema/email-templates/public_note/$render-request",
    )
    .send()
    .await;
    assert_eq!(schema.json["properties"]["ticketId"]["type"], "integer");
    assert_eq!(
        schema.json["properties"]["note"]["properties"]["body"]["type"],
        "string"
    );
    let r = connector(Method::POST, "/email-templates/public_note/render")
        .json(json!({"ticketId": id, "note": {"body": "Fixed <now>", "authorName": "Flow"}}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["subject"], format!("[#{id}] VPN <down>"));
    assert!(
        r.json["html"]
            .as_str()
            .unwrap()
            .contains("Fixed &lt;now&gt;"),
        "{}",
        r.json
    );
    assert!(
        r.json["text"].as_str().unwrap().contains("Flow wrote:"),
        "{}",
        r.json
    );
    // Another tenant's ticket is not there; an unknown template is a 404.
    let other = desk(&app, "globex").await;
    let foreign = app
        .call(
            Method::POST,
            &other.t.host,
            "/api/v2/automate/connector/email-templates/public_note/render",
        )
        .auth(&format!("DdApi {}", other.key))
        .json(json!({"ticketId": id}))
        .send()
        .await;
    foreign.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let unknown = connector(Method::POST, "/email-templates/nope/render")
        .json(json!({}))
        .send()
        .await;
    unknown.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn mail_is_dkim_signed_with_the_tenants_key() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    let key = include_str!("../fixtures/dkim-test-key.pem");
    let mut settings = json!({
        "enabled": true, "smtpHost": "127.0.0.1", "smtpPort": smtp.port, "tls": "none",
        "fromName": "Acme Support", "fromAddress": "support@acme.example",
        "dkimDomain": "acme.example", "dkimSelector": "mail", "dkimPrivateKey": key,
    });
    let r = d
        .admin(Method::PUT, "/email/settings", Some(settings.clone()))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["hasDkimKey"], true);
    assert!(!r.text.contains("PRIVATE KEY"));
    let sent = d
        .admin(
            Method::POST,
            "/email/test",
            Some(json!({"to": "it@acme.example"})),
        )
        .await;
    assert_eq!(sent.json["sent"], true, "{}", sent.json);
    let m = &smtp.to("it@acme.example")[0];
    let signature = m.header("DKIM-Signature").expect("a DKIM signature");
    assert!(signature.contains("d=acme.example"), "{signature}");
    assert!(signature.contains("s=mail"), "{signature}");
    assert!(signature.contains("a=rsa-sha256"), "{signature}");
    // A key that is not one is refused, naming the field; a partial DKIM setup too.
    settings["dkimPrivateKey"] = json!("not a key");
    let r = d
        .admin(Method::PUT, "/email/settings", Some(settings.clone()))
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "dkimPrivateKey");
    settings.as_object_mut().unwrap().remove("dkimPrivateKey");
    settings["dkimSelector"] = Value::Null;
    let r = d
        .admin(Method::PUT, "/email/settings", Some(settings))
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
}
