//! Email-to-ticket over IMAP against a real Dovecot (Debian's dovecot-imapd, started on a free
//! port with a test mailbox): replies become notes on the right ticket with their attachments,
//! once, even with two workers; processed mail is marked read or moved; bad credentials are
//! logged and retried, never fatal.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use axum::http::{Method, StatusCode};
use base64::Engine;
use futures_util::TryStreamExt;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use crate::{
    email::{Smtp, mail_app, send_mail, use_smtp},
    tickets::{Desk, desk},
};

pub const USER: &str = "support@acme.example";
pub const PASSWORD: &str = "imap-secret-1";

/// A Dovecot serving one mailbox (`USER`) over plain IMAP on a free local port.
pub struct Dovecot {
    child: Child,
    pub port: u16,
    /// The implicit-TLS port, when started with a certificate.
    pub tls_port: Option<u16>,
    dir: PathBuf,
}

impl Dovecot {
    pub fn start() -> Self {
        Self::start_with_tls(None)
    }

    /// With `(certificate, key)` PEM files: IMAP over implicit TLS on `tls_port` as well.
    pub fn start_with_tls(tls: Option<(&std::path::Path, &std::path::Path)>) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("deskd-dovecot-{port}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("mail")).unwrap();
        let root = unsafe { libc::geteuid() } == 0;
        // As root, mail belongs to Debian's `dovecot` user; otherwise everything runs as us.
        let (user_line, owner) = if root {
            (
                "uid=dovecot gid=dovecot".to_string(),
                Some("dovecot:dovecot"),
            )
        } else {
            let me =
                String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
            let me = me.trim().to_string();
            (format!("uid={me} gid={me}"), None)
        };
        let unprivileged = if root {
            String::new()
        } else {
            let me =
                String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
            let me = me.trim();
            format!("default_login_user = {me}\ndefault_internal_user = {me}\n")
        };
        let tls_port = tls.map(|_| {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        });
        let ssl = match tls {
            Some((cert, key)) => format!(
                "ssl = yes\nssl_cert = <{}\nssl_key = <{}\n",
                cert.display(),
                key.display()
            ),
            None => "ssl = no\n".into(),
        };
        let imaps_port = tls_port.unwrap_or(0);
        let d = dir.display();
        std::fs::write(
            dir.join("dovecot.conf"),
            format!(
                "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n\
                 protocols = imap\nlisten = 127.0.0.1\n{ssl}disable_plaintext_auth = no\n\
                 first_valid_uid = 1\nfirst_valid_gid = 1\n{unprivileged}\
                 auth_mechanisms = plain login\nmail_location = maildir:{d}/mail/%n\n\
                 passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {d}/users\n}}\n\
                 userdb {{\n  driver = static\n  args = {user_line} home={d}/mail/%n\n}}\n\
                 service imap-login {{\n  inet_listener imap {{\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = {imaps_port}\n  }}\n}}\n\
                 service pop3-login {{\n  inet_listener pop3 {{\n    port = 0\n  }}\n}}\n"
            ),
        )
        .unwrap();
        std::fs::write(dir.join("users"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        if let Some(owner) = owner {
            let _ = Command::new("chown")
                .args(["-R", owner])
                .arg(dir.join("mail"))
                .status();
        }
        let child = Command::new(dovecot_binary())
            .arg("-F")
            .arg("-c")
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot is installed (.ci/run installs dovecot-imapd)");
        crate::support::wait_for_port(port);
        Self {
            child,
            port,
            tls_port,
            dir,
        }
    }

    async fn session(&self) -> async_imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.unwrap();
        client
            .login(USER, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// Delivers a message into a folder, as an MTA would.
    pub async fn deliver(&self, folder: &str, raw: &str) {
        let mut s = self.session().await;
        let _ = s.create(folder).await;
        s.append(folder, None, None, raw.replace('\n', "\r\n"))
            .await
            .unwrap();
        s.logout().await.unwrap();
    }

    /// (total, unseen) messages in a folder.
    async fn count(&self, folder: &str) -> (usize, usize) {
        let mut s = self.session().await;
        s.select(folder).await.unwrap();
        let all = s.uid_search("ALL").await.unwrap().len();
        let unseen = s.uid_search("UNSEEN").await.unwrap().len();
        s.logout().await.unwrap();
        (all, unseen)
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn dovecot_binary() -> &'static str {
    if std::path::Path::new("/usr/sbin/dovecot").exists() {
        "/usr/sbin/dovecot"
    } else {
        "dovecot"
    }
}

async fn imap_mailbox(d: &Desk<'_>, dovecot: &Dovecot, extra: Value) -> String {
    let mut body = json!({
        "name": "Support", "address": USER, "queueId": 1,
        "imapHost": "127.0.0.1", "imapPort": dovecot.port, "imapTls": "none",
        "imapUser": USER, "imapPassword": PASSWORD,
    });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let r = d.admin(Method::POST, "/email/mailboxes", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["hasImapPassword"], true);
    assert!(!r.text.contains(PASSWORD));
    r.json["id"].as_str().unwrap().to_string()
}

async fn poll(app: &crate::support::TestApp) {
    // Due now, whatever the last poll scheduled.
    sqlx::query("UPDATE email_mailboxes SET next_poll_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    deskd::service::email::imap::poll_due(&app.state)
        .await
        .unwrap();
}

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn a_reply_in_the_mailbox_becomes_a_note_with_its_attachment_once_even_with_two_workers() {
    let dovecot = Dovecot::start();
    let smtp = Smtp::start();
    let app = mail_app().await;
    let other = app.sibling(|_| {}).await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let t = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Scanner", "queueId": 1, "contactId": 1})),
        )
        .await;
    let ticket = t.json["id"].as_i64().unwrap();
    send_mail(&app).await;
    let sent = &smtp.to("ann@customer.test")[0];
    imap_mailbox(&d, &dovecot, json!({})).await;

    let png = base64::engine::general_purpose::STANDARD.encode(PNG);
    let reply = format!(
        "From: ann@customer.test\nTo: {USER}\nSubject: Re: [#{ticket}] Scanner\nMessage-ID: <reply-1@customer.test>\nIn-Reply-To: <{}>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nHere is a photo of the error.\n\n> earlier text\n--x\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"error.png\"\nContent-Transfer-Encoding: base64\n\n{png}\n--x--\n",
        sent.message_id
    );
    dovecot.deliver("INBOX", &reply).await;
    dovecot.deliver("INBOX", "From: ann@customer.test\nTo: support@acme.example\nSubject: Out of office\nMessage-ID: <ooo-1@customer.test>\nAuto-Submitted: auto-replied\n\nAway\n").await;

    // Two workers poll at once: the lease lets one in, and the other finds nothing due.
    sqlx::query("UPDATE email_mailboxes SET next_poll_at = now()")
        .execute(&app.pool)
        .await
        .unwrap();
    let (a, b) = tokio::join!(
        deskd::service::email::imap::poll_due(&app.state),
        deskd::service::email::imap::poll_due(&other.state)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 1, "one poll for one mailbox");
    poll(&app).await;

    let notes = d
        .admin(Method::GET, &format!("/tickets/{ticket}/notes"), None)
        .await;
    let from_mail: Vec<&Value> = notes.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["note"] == "Here is a photo of the error.")
        .collect();
    assert_eq!(from_mail.len(), 1, "{}", notes.json);
    assert_eq!(from_mail[0]["createdBy"]["userType"], "contact");
    let files = d
        .admin(Method::GET, &format!("/tickets/{ticket}/attachments"), None)
        .await;
    assert_eq!(files.json["results"][0]["name"], "error.png");
    assert_eq!(files.json["results"][0]["contentType"], "image/png");
    assert_eq!(files.json["results"][0]["noteId"], from_mail[0]["id"]);
    // Both messages were processed: read, and the auto-reply made nothing.
    assert_eq!(dovecot.count("INBOX").await, (2, 0));
    let list = d.admin(Method::GET, "/tickets", None).await;
    assert_eq!(list.json["totalResults"], 1);
    let mailboxes = d.admin(Method::GET, "/email/mailboxes", None).await;
    let mb = &mailboxes.json["results"][0];
    assert!(mb["lastError"].is_null(), "{mb}");
    assert!(!mb["lastPolledOn"].is_null());
    let log = d
        .admin(
            Method::GET,
            &format!("/email/mailboxes/{}/messages", mb["id"].as_str().unwrap()),
            None,
        )
        .await;
    let outcomes: Vec<&str> = log.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ignored", "note"]);
}

#[tokio::test]
async fn new_mail_opens_tickets_and_processed_mail_moves_to_its_folder() {
    let dovecot = Dovecot::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    imap_mailbox(
        &d,
        &dovecot,
        json!({"processedFolder": "Done", "unknownSenders": "create"}),
    )
    .await;
    // The folder exists, as an admin would have made it.
    let mut s = dovecot.session().await;
    s.create("Done").await.unwrap();
    s.logout().await.unwrap();
    for n in 1..=3 {
        dovecot
            .deliver("INBOX", &format!("From: ann@customer.test\nTo: {USER}\nSubject: Issue {n}\nMessage-ID: <new-{n}@customer.test>\n\nBody {n}\n"))
            .await;
    }
    // Someone from Ann's domain who is not a contact yet.
    dovecot
        .deliver("INBOX", &format!("From: Cara Cole <cara@customer.test>\nTo: {USER}\nSubject: Access\nMessage-ID: <new-4@customer.test>\n\nPlease give me access.\n"))
        .await;
    poll(&app).await;
    let list = d.admin(Method::GET, "/tickets?take=10", None).await;
    assert_eq!(list.json["totalResults"], 4, "{}", list.json);
    assert_eq!(dovecot.count("INBOX").await.0, 0);
    assert_eq!(dovecot.count("Done").await.0, 4);
    // Nothing twice, even when the position is lost (a new UIDVALIDITY, a restored mailbox).
    sqlx::query("UPDATE email_mailboxes SET last_uid = 0, uid_validity = NULL")
        .execute(&app.pool)
        .await
        .unwrap();
    let mut s = dovecot.session().await;
    s.select("Done").await.unwrap();
    let stored = s.uid_store("1:*", "-FLAGS (\\Seen)").await.unwrap();
    let _: Vec<_> = stored.try_collect().await.unwrap();
    s.select("INBOX").await.unwrap();
    s.logout().await.unwrap();
    let mailbox_to_done = d.admin(Method::GET, "/email/mailboxes", None).await;
    let id = mailbox_to_done.json["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = json!({"name": "Support", "address": USER, "queueId": 1, "imapHost": "127.0.0.1",
        "imapPort": dovecot.port, "imapTls": "none", "imapUser": USER, "imapFolder": "Done", "unknownSenders": "create"});
    body["processedFolder"] = Value::Null;
    let r = d
        .admin(Method::PUT, &format!("/email/mailboxes/{id}"), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["hasImapPassword"], true,
        "an absent password is kept"
    );
    poll(&app).await;
    let list = d.admin(Method::GET, "/tickets?take=10", None).await;
    assert_eq!(
        list.json["totalResults"], 4,
        "the same Message-IDs make nothing new"
    );
}

#[tokio::test]
async fn bad_credentials_are_logged_and_retried_later() {
    let dovecot = Dovecot::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    let id = imap_mailbox(&d, &dovecot, json!({"imapPassword": "wrong-password"})).await;
    poll(&app).await;
    let r = d
        .admin(Method::GET, &format!("/email/mailboxes/{id}"), None)
        .await;
    assert!(
        r.json["lastError"]
            .as_str()
            .unwrap()
            .contains("sign-in failed"),
        "{}",
        r.json
    );
    let next: bool = sqlx::query_scalar(
        "SELECT next_poll_at > now() + interval '20 seconds' FROM email_mailboxes",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(next, "a failing mailbox is polled later");
    // Fixed: the next poll works and clears the error.
    let body = json!({"name": "Support", "address": USER, "queueId": 1, "imapHost": "127.0.0.1",
        "imapPort": dovecot.port, "imapTls": "none", "imapUser": USER, "imapPassword": PASSWORD});
    d.admin(Method::PUT, &format!("/email/mailboxes/{id}"), Some(body))
        .await;
    poll(&app).await;
    let r = d
        .admin(Method::GET, &format!("/email/mailboxes/{id}"), None)
        .await;
    assert!(r.json["lastError"].is_null(), "{}", r.json);
}
