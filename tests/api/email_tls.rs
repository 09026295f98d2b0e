//! Mail over TLS against the real servers, with certificates from a test CA that deskd is told to
//! trust (`DESKD_MAIL_CA_FILE`): SMTP with STARTTLS and with implicit TLS, IMAP with implicit
//! TLS; and the same servers refused when the CA is not trusted.

use std::path::PathBuf;

use axum::http::{Method, StatusCode};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::json;

use crate::{
    email::{Smtp, free_port},
    email_imap::{Dovecot, PASSWORD, USER},
    support::TestApp,
    tickets::desk,
};

/// A CA and a certificate it signed for `localhost`, as files.
struct TestCa {
    dir: PathBuf,
    ca_pem: String,
}

impl TestCa {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("deskd-ca-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "deskd test CA");
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
        Self {
            dir,
            ca_pem: ca_cert.pem(),
        }
    }

    fn cert(&self) -> PathBuf {
        self.dir.join("cert.pem")
    }

    fn key(&self) -> PathBuf {
        self.dir.join("key.pem")
    }
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn app_trusting(ca: Option<&TestCa>) -> TestApp {
    let pem = ca.map(|ca| ca.ca_pem.clone().into_bytes());
    TestApp::with_config(move |c| {
        c.webhooks_allow_private = true;
        c.mail_ca_pem = pem;
    })
    .await
}

async fn test_send(app: &TestApp, port: u16, tls: &str) -> serde_json::Value {
    let d = desk(app, "acme").await;
    let r = d
        .admin(
            Method::PUT,
            "/email/settings",
            Some(json!({
            "enabled": true, "smtpHost": "localhost", "smtpPort": port, "tls": tls,
            "fromName": "Acme", "fromAddress": "support@acme.example"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = d
        .admin(
            Method::POST,
            "/email/test",
            Some(json!({"to": "it@acme.example"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json
}

#[tokio::test]
async fn smtp_with_starttls_and_with_implicit_tls() {
    let ca = TestCa::new();
    let (cert, key) = (ca.cert(), ca.key());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let starttls = Smtp::start_with(free_port(), &["--tlscert", cert, "--tlskey", key]);
    let implicit = Smtp::start_with(free_port(), &["--smtpscert", cert, "--smtpskey", key]);

    let app = app_trusting(Some(&ca)).await;
    let sent = test_send(&app, starttls.port, "starttls").await;
    assert_eq!(sent["sent"], true, "{sent}");
    assert_eq!(starttls.to("it@acme.example").len(), 1);
    let app = app_trusting(Some(&ca)).await;
    let sent = test_send(&app, implicit.port, "implicit").await;
    assert_eq!(sent["sent"], true, "{sent}");
    assert_eq!(implicit.to("it@acme.example").len(), 1);

    // Not trusting the CA, deskd refuses the server and says why.
    let app = app_trusting(None).await;
    let refused = test_send(&app, starttls.port, "starttls").await;
    assert_eq!(refused["sent"], false, "{refused}");
    assert!(
        refused["answer"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{refused}"
    );
    assert_eq!(
        starttls.to("it@acme.example").len(),
        1,
        "nothing more arrived"
    );
}

#[tokio::test]
async fn imap_over_implicit_tls() {
    let ca = TestCa::new();
    let dovecot = Dovecot::start_with_tls(Some((&ca.cert(), &ca.key())));
    let tls_port = dovecot.tls_port.unwrap();
    dovecot
        .deliver("INBOX", &format!("From: ann@customer.test\nTo: {USER}\nSubject: Over TLS\nMessage-ID: <tls-1@customer.test>\n\nHello\n"))
        .await;
    for (trusted, outcome) in [(false, "untrusted"), (true, "trusted")] {
        let app = app_trusting(trusted.then_some(&ca)).await;
        let d = desk(&app, "acme").await;
        d.contact(1, "ann@customer.test", json!({})).await;
        let r = d
            .admin(Method::POST, "/email/mailboxes", Some(json!({
                "name": "Support", "address": USER, "queueId": 1, "imapHost": "localhost",
                "imapPort": tls_port, "imapTls": "implicit", "imapUser": USER, "imapPassword": PASSWORD})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let id = r.json["id"].as_str().unwrap().to_string();
        deskd::service::email::imap::poll_due(&app.state)
            .await
            .unwrap();
        let mailbox = d
            .admin(Method::GET, &format!("/email/mailboxes/{id}"), None)
            .await;
        let tickets = d.admin(Method::GET, "/tickets", None).await;
        if trusted {
            assert!(
                mailbox.json["lastError"].is_null(),
                "{outcome}: {}",
                mailbox.json
            );
            assert_eq!(tickets.json["totalResults"], 1, "{outcome}");
        } else {
            assert!(
                mailbox.json["lastError"].as_str().unwrap().contains("TLS"),
                "{outcome}: {}",
                mailbox.json
            );
            assert_eq!(tickets.json["totalResults"], 0, "{outcome}");
        }
    }
}
