//! Email-to-ticket through the inbound endpoint: real RFC 5322 messages become tickets and notes,
//! threaded by Message-ID or subject token, once; noise, loops and hostile messages are refused or
//! cleaned.

use axum::http::{Method, StatusCode};
use base64::Engine;
use serde_json::{Value, json};

use crate::{
    email::{Smtp, mail_app, send_mail, use_smtp},
    support::{PASSWORD, TestApp, TestResponse},
    tickets::{Desk, desk},
};

/// A mailbox on queue 1; answers (id, secret).
async fn mailbox(d: &Desk<'_>, extra: Value) -> (String, String) {
    let mut body = json!({"name": "Support", "address": "support@acme.example", "queueId": 1});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let r = d.admin(Method::POST, "/email/mailboxes", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (
        r.json["id"].as_str().unwrap().to_string(),
        r.json["inboundSecret"].as_str().unwrap().to_string(),
    )
}

async fn post_mail(
    app: &TestApp,
    host: &str,
    mailbox: &str,
    secret: &str,
    raw: &str,
) -> TestResponse {
    app.post(host, &format!("/api/v3/admin/email/inbound/{mailbox}"))
        .header("authorization", &format!("Bearer {secret}"))
        .raw_body("message/rfc822", raw.replace('\n', "\r\n"))
        .send()
        .await
}

fn message(from: &str, id: &str, subject: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: support@acme.example\nSubject: {subject}\nMessage-ID: <{id}>\nDate: Mon, 07 Dec 2026 09:00:00 +0000\nMIME-Version: 1.0\n{extra_headers}Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

#[tokio::test]
async fn a_message_from_a_contact_opens_a_ticket_with_its_attachment_once() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({"lastName": "Archer"}))
        .await;
    let (id, secret) = mailbox(&d, json!({})).await;
    let pdf = base64::engine::general_purpose::STANDARD.encode(PDF);
    let raw = format!(
        "From: Ann Archer <Ann@Customer.test>\nTo: support@acme.example\nSubject: Printer offline\nMessage-ID: <m1@customer.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nThe printer on floor 2 is offline.\n--b1\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"../../etc/report.pdf\"\nContent-Transfer-Encoding: base64\n\n{pdf}\n--b1--\n"
    );
    let r = post_mail(&app, &d.t.host, &id, &secret, &raw).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["outcome"], "ticket");
    let ticket = r.json["ticketId"].as_i64().unwrap();
    let t = d
        .admin(Method::GET, &format!("/tickets/{ticket}"), None)
        .await;
    assert_eq!(t.json["summary"], "Printer offline");
    assert_eq!(t.json["description"], "The printer on floor 2 is offline.");
    assert_eq!(t.json["contact"]["id"], 1);
    assert_eq!(t.json["queue"]["id"], 1);
    assert_eq!(t.json["source"]["name"], "Email");
    let files = d
        .admin(Method::GET, &format!("/tickets/{ticket}/attachments"), None)
        .await;
    let file = &files.json["results"][0];
    assert_eq!(
        file["name"], "report.pdf",
        "the path is dropped: {}",
        files.json
    );
    assert_eq!(
        file["contentType"], "application/pdf",
        "sniffed, not trusted"
    );

    // The same message again (a retry, a second instance): nothing new.
    let again = post_mail(&app, &d.t.host, &id, &secret, &raw).await;
    assert_eq!(again.json["outcome"], "duplicate");
    let list = d.admin(Method::GET, "/tickets", None).await;
    assert_eq!(list.json["totalResults"], 1);
    let log = d
        .admin(
            Method::GET,
            &format!("/email/mailboxes/{id}/messages"),
            None,
        )
        .await;
    assert_eq!(log.json["totalResults"], 1);
    assert_eq!(log.json["results"][0]["outcome"], "ticket");
    assert_eq!(log.json["results"][0]["sender"], "ann@customer.test");
}

#[tokio::test]
async fn a_reply_threads_onto_its_ticket_by_message_id_or_subject_token() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let r = d
        .admin(Method::POST, "/members", Some(json!({"email": "sam@acme.example", "firstName": "Sam", "role": "tech", "password": PASSWORD})))
        .await;
    let sam = r.json["id"].as_i64().unwrap();
    let t = d
        .admin(Method::POST, "/tickets", Some(json!({"summary": "VPN down", "queueId": 1, "contactId": 1, "assignedMemberIds": [sam]})))
        .await;
    let ticket = t.json["id"].as_i64().unwrap();
    send_mail(&app).await;
    let confirmation = &smtp.to("ann@customer.test")[0];
    let (id, secret) = mailbox(&d, json!({})).await;

    // Ann answers the confirmation: In-Reply-To names what deskd sent.
    let reply = message(
        "ann@customer.test",
        "r1@customer.test",
        "Re: something else entirely",
        &format!("In-Reply-To: <{}>\n", confirmation.message_id),
        "Still down after a restart.\n\nOn Mon, 7 Dec 2026, Acme Support wrote:\n> We received your request\n> VPN down",
    );
    let r = post_mail(&app, &d.t.host, &id, &secret, &reply).await;
    assert_eq!(r.json["outcome"], "note", "{}", r.text);
    assert_eq!(r.json["ticketId"], ticket);
    let notes = d
        .admin(Method::GET, &format!("/tickets/{ticket}/notes"), None)
        .await;
    let last = notes.json["results"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        last["note"], "Still down after a restart.",
        "quoted history is cut: {last}"
    );
    assert_eq!(last["isInternal"], false);
    // Sam (assigned) hears of it; Ann is not mailed her own reply.
    send_mail(&app).await;
    assert!(
        smtp.to("sam@acme.example")
            .iter()
            .any(|m| m.subject.contains("replied"))
    );
    assert_eq!(smtp.to("ann@customer.test").len(), 1);

    // Sam answers from his mail client with only the subject token: a public note by Sam, which
    // reaches Ann.
    let from_sam = message(
        "Sam <sam@acme.example>",
        "s1@acme.example",
        &format!("RE: [#{ticket}] VPN down"),
        "",
        "Please try the new profile.",
    );
    let r = post_mail(&app, &d.t.host, &id, &secret, &from_sam).await;
    assert_eq!(r.json["outcome"], "note", "{}", r.text);
    let notes = d
        .admin(Method::GET, &format!("/tickets/{ticket}/notes"), None)
        .await;
    let last = notes.json["results"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["createdBy"]["userType"], "member", "{last}");
    send_mail(&app).await;
    assert!(
        smtp.to("ann@customer.test")
            .iter()
            .any(|m| m.text.contains("Please try the new profile."))
    );

    // A token naming another tenant's (or no) ticket opens a new one instead.
    let stray = message(
        "ann@customer.test",
        "x1@customer.test",
        "[#999] Printer",
        "",
        "New problem.",
    );
    let r = post_mail(&app, &d.t.host, &id, &secret, &stray).await;
    assert_eq!(r.json["outcome"], "ticket", "{}", r.text);
    assert_ne!(r.json["ticketId"], ticket);
}

#[tokio::test]
async fn unknown_senders_follow_the_mailbox_policy() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let (strict, strict_secret) = mailbox(&d, json!({"name": "Strict"})).await;
    let r = post_mail(
        &app,
        &d.t.host,
        &strict,
        &strict_secret,
        &message("eve@elsewhere.test", "e1@elsewhere.test", "Hi", "", "Hello"),
    )
    .await;
    assert_eq!(r.json["outcome"], "rejected", "{}", r.text);
    assert!(r.json["reason"].as_str().unwrap().contains("not a contact"));

    let (open, open_secret) = mailbox(
        &d,
        json!({"name": "Open", "address": "help@acme.example", "unknownSenders": "create"}),
    )
    .await;
    // Same domain as Ann's company: a new contact there, and a ticket.
    let r = post_mail(
        &app,
        &d.t.host,
        &open,
        &open_secret,
        &message(
            "Bob Baker <bob@customer.test>",
            "b1@customer.test",
            "Laptop",
            "",
            "Broken screen",
        ),
    )
    .await;
    assert_eq!(r.json["outcome"], "ticket", "{}", r.text);
    let contacts = d.admin(Method::GET, "/contacts?search=bob", None).await;
    let bob = &contacts.json["results"][0];
    assert_eq!(bob["email"], "bob@customer.test");
    assert_eq!(bob["firstName"], "Bob");
    assert_eq!(bob["lastName"], "Baker");
    assert_eq!(bob["company"]["id"], 1);
    // A domain no company uses, and no default company: refused with the reason.
    let r = post_mail(
        &app,
        &d.t.host,
        &open,
        &open_secret,
        &message("x@nowhere.test", "n1@nowhere.test", "Hi", "", "Hello"),
    )
    .await;
    assert_eq!(r.json["outcome"], "rejected");
    assert!(
        r.json["reason"]
            .as_str()
            .unwrap()
            .contains("no company matches")
    );
}

#[tokio::test]
async fn auto_replies_bulk_mail_bounces_and_loops_are_ignored() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let (id, secret) = mailbox(&d, json!({})).await;
    let cases = [
        message(
            "ann@customer.test",
            "a1@x",
            "Out of office",
            "Auto-Submitted: auto-replied\n",
            "Away",
        ),
        message(
            "ann@customer.test",
            "a2@x",
            "Newsletter",
            "Precedence: bulk\n",
            "News",
        ),
        message(
            "MAILER-DAEMON@customer.test",
            "a3@x",
            "Undeliverable",
            "",
            "Bounce",
        ),
        message("support@acme.example", "a4@x", "Loop", "", "Our own mail"),
    ];
    for raw in &cases {
        let r = post_mail(&app, &d.t.host, &id, &secret, raw).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json["outcome"], "ignored", "{}", r.text);
    }
    let list = d.admin(Method::GET, "/tickets", None).await;
    assert_eq!(list.json["totalResults"], 0);
}

#[tokio::test]
async fn hostile_messages_are_cleaned_or_refused_and_secrets_are_checked() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let (id, secret) = mailbox(&d, json!({})).await;
    // HTML only, with a script: safe text, the script gone.
    let html = "From: ann@customer.test\nSubject: Help\nMessage-ID: <h1@x>\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n<html><head><script>alert(1)</script></head><body><p>Hi &amp; help</p><script>steal()</script></body></html>\n";
    let r = post_mail(&app, &d.t.host, &id, &secret, html).await;
    assert_eq!(r.json["outcome"], "ticket", "{}", r.text);
    let t = d
        .admin(
            Method::GET,
            &format!("/tickets/{}", r.json["ticketId"]),
            None,
        )
        .await;
    assert_eq!(t.json["description"], "Hi & help");
    // MIME nested 40 deep: refused, logged.
    let mut deep = String::from(
        "From: ann@customer.test\nSubject: Deep\nMessage-ID: <d1@x>\nMIME-Version: 1.0\n",
    );
    for n in 0..40 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{n}\"\n\n--b{n}\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\n\nhi\n");
    let r = post_mail(&app, &d.t.host, &id, &secret, &deep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["outcome"], "rejected", "{}", r.text);
    // Garbage is refused with a reason, never a 5xx.
    let r = post_mail(&app, &d.t.host, &id, &secret, "\u{0}\u{1}not a message").await;
    assert!(
        r.status.is_success() || r.status.is_client_error(),
        "{}",
        r.text
    );
    // A wrong secret, another tenant's host, JSON instead of mail.
    let plain = message("ann@customer.test", "w1@x", "Hi", "", "Hello");
    let r = post_mail(&app, &d.t.host, &id, "ddmb_wrong", &plain).await;
    r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let other = desk(&app, "globex").await;
    let r = post_mail(&app, &other.t.host, &id, &secret, &plain).await;
    r.assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    let r = app
        .post(&d.t.host, &format!("/api/v3/admin/email/inbound/{id}"))
        .header("authorization", &format!("Bearer {secret}"))
        .json(json!({"raw": plain}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    // Basic with the secret as the password works too.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("hook:{secret}"));
    let r = app
        .post(&d.t.host, &format!("/api/v3/admin/email/inbound/{id}"))
        .header("authorization", &format!("Basic {basic}"))
        .raw_body("message/rfc822", plain.replace('\n', "\r\n"))
        .send()
        .await;
    assert_eq!(r.json["outcome"], "ticket", "{}", r.text);
    // A regenerated secret replaces the old one; the secret is never shown again.
    let rotated = d
        .admin(Method::POST, &format!("/email/mailboxes/{id}/secret"), None)
        .await;
    let new_secret = rotated.json["inboundSecret"].as_str().unwrap();
    let again = message("ann@customer.test", "w2@x", "Hi", "", "Hello");
    post_mail(&app, &d.t.host, &id, &secret, &again)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    assert_eq!(
        post_mail(&app, &d.t.host, &id, new_secret, &again)
            .await
            .json["outcome"],
        "ticket"
    );
    let shown = d
        .admin(Method::GET, &format!("/email/mailboxes/{id}"), None)
        .await;
    assert!(shown.json.get("inboundSecret").is_none());
    // Another tenant cannot see the mailbox.
    let r = other
        .admin(Method::GET, &format!("/email/mailboxes/{id}"), None)
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn who_may_reply_and_what_stays_internal() {
    let smtp = Smtp::start();
    let app = mail_app().await;
    let d = desk(&app, "acme").await;
    use_smtp(&d, &smtp).await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "carl@customer.test", json!({})).await;
    let r = d
        .admin(Method::POST, "/members", Some(json!({"email": "sam@acme.example", "firstName": "Sam", "role": "tech", "password": PASSWORD})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let t = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Payroll", "queueId": 1, "contactId": 1})),
        )
        .await;
    let ticket = t.json["id"].as_i64().unwrap();
    let (id, secret) = mailbox(&d, json!({})).await;

    // Carl, of the same company but not seeing its tickets, cannot write into Ann's ticket: his
    // message opens a ticket of his own.
    let carl = message(
        "carl@customer.test",
        "c1@customer.test",
        &format!("Re: [#{ticket}] Payroll"),
        "",
        "What is this?",
    );
    let r = post_mail(&app, &d.t.host, &id, &secret, &carl).await;
    assert_eq!(r.json["outcome"], "ticket", "{}", r.text);
    assert_ne!(r.json["ticketId"], ticket);

    // An internal note mentions Sam; Sam answers that mail, quoting it: his reply stays internal
    // and reaches no contact.
    d.admin(
        Method::POST,
        &format!("/tickets/{ticket}/notes"),
        Some(json!({"note": "@sam@acme.example salaries are wrong", "isInternal": true})),
    )
    .await;
    send_mail(&app).await;
    let mention = smtp
        .to("sam@acme.example")
        .into_iter()
        .find(|m| m.subject.contains("mentioned"))
        .unwrap();
    let answer = message(
        "sam@acme.example",
        "s9@acme.example",
        "Re: mention",
        &format!("In-Reply-To: <{}>\n", mention.message_id),
        "Looking at the salaries now.",
    );
    let r = post_mail(&app, &d.t.host, &id, &secret, &answer).await;
    assert_eq!(r.json["outcome"], "note", "{}", r.text);
    let notes = d
        .admin(Method::GET, &format!("/tickets/{ticket}/notes"), None)
        .await;
    let last = notes.json["results"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["note"], "Looking at the salaries now.");
    assert_eq!(last["isInternal"], true, "{last}");
    let before = smtp.to("ann@customer.test").len();
    send_mail(&app).await;
    assert_eq!(
        smtp.to("ann@customer.test").len(),
        before,
        "no mail to the contact"
    );

    // A NUL in the Message-ID or References is cleaned, never a 5xx.
    let nul = "From: ann@customer.test\nSubject: Nul\nMessage-ID: <a\u{0}b@x>\nReferences: <c\u{0}d@x>\n\nHi\n";
    let r = post_mail(&app, &d.t.host, &id, &secret, nul).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["outcome"], "ticket");
}

#[tokio::test]
async fn free_mail_senders_are_never_matched_to_a_company() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "someone@gmail.com", json!({})).await;
    let (id, secret) = mailbox(&d, json!({"unknownSenders": "create"})).await;
    let r = post_mail(
        &app,
        &d.t.host,
        &id,
        &secret,
        &message("stranger@gmail.com", "g1@gmail.com", "Hi", "", "Hello"),
    )
    .await;
    assert_eq!(r.json["outcome"], "rejected", "{}", r.text);
    assert!(
        r.json["reason"]
            .as_str()
            .unwrap()
            .contains("no company matches")
    );
}
