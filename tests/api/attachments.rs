//! Attachments: sent with a ticket or comment, or uploaded first and referenced by id; typed from
//! their bytes; downloadable by exactly those who may see the ticket; capped in size.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::{TestApp, TestResponse},
    tickets::{Desk, desk},
};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

impl Desk<'_> {
    pub async fn portal_form(
        &self,
        cookie: &str,
        path: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> TestResponse {
        self.app
            .call(Method::POST, &self.t.host, &format!("/api/v2/portal{path}"))
            .cookie(cookie)
            .same_origin(&self.t.host)
            .multipart(parts)
            .send()
            .await
    }

    pub async fn admin_form(
        &self,
        path: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> TestResponse {
        self.app
            .call(Method::POST, &self.t.host, &format!("/api/v3/admin{path}"))
            .auth(&format!("DdApi {}", self.key))
            .multipart(parts)
            .send()
            .await
    }

    pub async fn portal_get(&self, cookie: &str, path: &str) -> TestResponse {
        self.portal(cookie, Method::GET, path, None).await
    }

    async fn attachment_rows(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM attachments")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }
}

fn json_part(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

#[tokio::test]
async fn files_sent_with_a_ticket_are_typed_from_their_bytes_and_download_safely() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let payload = json_part(json!({"requestTypeId": 1, "summary": "Screen flickers"}));
    // The client calls the PNG `text/html` and gives a path as its name; neither is believed.
    let r = d
        .portal_form(
            &ann,
            "/tickets",
            &[
                ("payload", None, &payload),
                ("file", Some("../../etc/my résumé.png"), PNG),
                ("file", Some("notes.txt"), "café au lait".as_bytes()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let files = r.json["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["name"], "my résumé.png");
    assert_eq!(files[0]["contentType"], "image/png");
    assert_eq!(files[0]["size"], PNG.len());
    assert_eq!(files[0]["ticketId"], 1);
    assert_eq!(files[1]["contentType"], "text/plain");

    let id = files[0]["id"].as_str().unwrap();
    let download = d.portal_get(&ann, &format!("/attachments/{id}")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.bytes, PNG);
    assert_eq!(download.headers["content-type"], "image/png");
    assert_eq!(download.headers["x-content-type-options"], "nosniff");
    assert_eq!(
        download.headers["content-disposition"],
        "attachment; filename=\"my r_sum_.png\"; filename*=UTF-8''my%20r%C3%A9sum%C3%A9.png"
    );
    // Staff see the same files on the ticket and can fetch them.
    let staff = d.admin(Method::GET, "/tickets/1/attachments", None).await;
    assert_eq!(staff.json["results"].as_array().unwrap().len(), 2);
    let r = d
        .app
        .get(&d.t.host, &format!("/api/v3/admin/attachments/{id}"))
        .auth(&format!("DdApi {}", d.key))
        .send()
        .await;
    assert_eq!(r.bytes, PNG);
    // The same bytes again are stored once on disk, as two attachments.
    d.admin_form(
        "/tickets/1/notes",
        &[
            (
                "payload",
                None,
                &json_part(json!({"note": "Same screenshot"})),
            ),
            ("file", Some("again.png"), PNG),
        ],
    )
    .await;
    let stored: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT sha256 FROM attachments WHERE content_type = 'image/png'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(app.state.files.path(d.t.tenant.id, &stored[0]).exists());
}

#[tokio::test]
async fn downloads_go_to_exactly_those_who_may_see_the_ticket_and_never_internal_files() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "bob@customer.test", json!({})).await;
    d.contact(1, "wes@customer.test", json!({"seesCompanyTickets": true}))
        .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let bob = d.sign_in("portal", "bob@customer.test").await;
    let wes = d.sign_in("portal", "wes@customer.test").await;
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "VPN down"})),
    )
    .await;
    let public = d
        .admin_form(
            "/tickets/1/notes",
            &[
                (
                    "payload",
                    None,
                    &json_part(json!({"note": "Try this config"})),
                ),
                ("file", Some("vpn.conf"), b"remote vpn.example.com"),
            ],
        )
        .await;
    assert_eq!(public.status, StatusCode::CREATED, "{}", public.text);
    let public_id = public.json["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(public.json["attachments"][0]["name"], "vpn.conf");
    let internal = d
        .admin_form(
            "/tickets/1/notes",
            &[
                (
                    "payload",
                    None,
                    &json_part(json!({"note": "Their firewall dump", "isInternal": true})),
                ),
                ("file", Some("firewall-dump.txt"), b"admin password hunter2"),
            ],
        )
        .await;
    assert_eq!(internal.status, StatusCode::CREATED, "{}", internal.text);
    let internal_id = internal.json["attachments"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    for cookie in [&ann, &wes] {
        let r = d
            .portal_get(cookie, &format!("/attachments/{public_id}"))
            .await;
        assert_eq!(r.bytes, b"remote vpn.example.com");
        d.portal_get(cookie, &format!("/attachments/{internal_id}"))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
        for path in [
            "/tickets/1",
            "/tickets/1/attachments",
            "/tickets/1/comments",
        ] {
            let r = d.portal_get(cookie, path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(
                !r.text.contains(&internal_id) && !r.text.contains("firewall-dump"),
                "{path} shows the internal file: {}",
                r.text
            );
        }
    }
    let listed = d.portal_get(&ann, "/tickets/1/attachments").await;
    assert_eq!(listed.json["results"].as_array().unwrap().len(), 1);
    // A contact who may not see the ticket gets nothing, not even a hint.
    for id in [&public_id, &internal_id] {
        d.portal_get(&bob, &format!("/attachments/{id}"))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    d.portal_get(&bob, "/tickets/1/attachments")
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    // Staff see both; another tenant sees neither.
    let staff = d.admin(Method::GET, "/tickets/1", None).await;
    assert_eq!(staff.json["attachments"].as_array().unwrap().len(), 2);
    let other = desk(&app, "globex").await;
    for id in [&public_id, &internal_id] {
        other
            .admin(Method::GET, &format!("/attachments/{id}"), None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    d.admin(Method::GET, "/attachments/not-a-uuid", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn uploads_return_ids_that_only_their_uploader_can_attach_once() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    d.contact(1, "bob@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let bob = d.sign_in("portal", "bob@customer.test").await;
    let r = d
        .portal_form(
            &ann,
            "/attachments",
            &[("file", Some("log.txt"), b"error 42")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json[0]["id"].as_str().unwrap().to_string();
    assert_eq!(r.json[0]["ticketId"], Value::Null);
    // Pending: the uploader may fetch it, nobody else.
    assert_eq!(
        d.portal_get(&ann, &format!("/attachments/{id}"))
            .await
            .bytes,
        b"error 42"
    );
    d.portal_get(&bob, &format!("/attachments/{id}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    d.admin(Method::GET, &format!("/attachments/{id}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    // Bob cannot attach ann's upload; the ticket is not created either.
    d.portal(
        &bob,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "Mine now", "attachmentIds": [id]})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(none, 0);
    let r = d
        .portal(
            &ann,
            Method::POST,
            "/tickets",
            Some(json!({"requestTypeId": 1, "summary": "App crashes", "attachmentIds": [id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["attachments"][0]["id"], id.as_str());
    // A refused creation takes no ticket, but may take a number: use the one given.
    let comments = format!("/tickets/{}/comments", r.json["id"]);
    // Once attached it cannot be attached again.
    let r = d
        .portal(
            &ann,
            Method::POST,
            &comments,
            Some(json!({"note": "again", "attachmentIds": [id]})),
        )
        .await;
    assert_eq!(r.json["field"], "attachmentIds", "{}", r.text);
    // A comment takes a new upload by id.
    let second = d
        .portal_form(
            &ann,
            "/attachments",
            &[("file", Some("more.txt"), b"error 43")],
        )
        .await;
    let second = second.json[0]["id"].as_str().unwrap();
    let r = d
        .portal(
            &ann,
            Method::POST,
            &comments,
            Some(json!({"note": "More logs", "attachmentIds": [second]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json["attachments"],
        json!([{"id": second, "name": "more.txt"}])
    );
    // Uploads with no file, or with stray parts, are refused and record nothing.
    let before = d.attachment_rows().await;
    d.portal_form(&ann, "/attachments", &[])
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    d.portal_form(&ann, "/attachments", &[("note", None, b"hi")])
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    d.portal_form(&ann, "/tickets", &[("file", Some("a.txt"), b"no payload")])
        .await
        .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(d.attachment_rows().await, before);
}

#[tokio::test]
async fn files_over_the_limit_are_413_and_leave_nothing_behind() {
    let app = TestApp::with_config(|c| c.max_attachment_bytes = 1000).await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let just_right = vec![b'a'; 1000];
    let r = d
        .portal_form(
            &ann,
            "/attachments",
            &[("file", Some("ok.txt"), &just_right)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let too_big = vec![b'a'; 1001];
    d.portal_form(&ann, "/attachments", &[("file", Some("big.txt"), &too_big)])
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    // A body far over the cap is refused from its declared length.
    let huge = vec![b'a'; 2 * 1024 * 1024];
    d.portal_form(&ann, "/attachments", &[("file", Some("huge.bin"), &huge)])
        .await
        .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    let payload = json_part(json!({"requestTypeId": 1, "summary": "Too big"}));
    d.portal_form(
        &ann,
        "/tickets",
        &[
            ("payload", None, &payload),
            ("file", Some("big.txt"), &too_big),
        ],
    )
    .await
    .assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");
    assert_eq!(d.attachment_rows().await, 1);
    let tickets: i64 = sqlx::query_scalar("SELECT count(*) FROM tickets")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(tickets, 0);
    // JSON bodies keep their own, smaller cap.
    assert_eq!(app.state.config.max_body_bytes, 1024 * 1024);
}

#[tokio::test]
async fn merging_moves_the_files_with_the_conversation() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    for summary in ["Printer", "Printer again"] {
        d.portal(
            &ann,
            Method::POST,
            "/tickets",
            Some(json!({"requestTypeId": 1, "summary": summary})),
        )
        .await;
    }
    let r = d
        .portal_form(
            &ann,
            "/tickets/2/comments",
            &[
                (
                    "payload",
                    None,
                    &json_part(json!({"note": "photo of the jam"})),
                ),
                ("file", Some("jam.png"), PNG),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["attachments"][0]["id"].as_str().unwrap().to_string();
    let r = d
        .admin(
            Method::POST,
            "/tickets/2/merge",
            Some(json!({"intoTicketId": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["attachments"][0]["id"], id.as_str());
    assert_eq!(r.json["attachments"][0]["ticketId"], 1);
    let survivor = d.portal_get(&ann, "/tickets/1").await;
    let note = survivor.json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["note"] == "photo of the jam")
        .unwrap()
        .clone();
    assert_eq!(note["attachments"][0]["name"], "jam.png");
    assert_eq!(
        d.portal_get(&ann, &format!("/attachments/{id}"))
            .await
            .bytes,
        PNG
    );
}

#[tokio::test]
async fn unattached_uploads_are_forgotten_after_a_day_but_shared_bytes_stay() {
    let app = TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let upload = |name: &'static str, bytes: &'static [u8]| {
        let (d, ann) = (&d, &ann);
        async move {
            let r = d
                .portal_form(ann, "/attachments", &[("file", Some(name), bytes)])
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
            r.json[0]["id"].as_str().unwrap().to_string()
        }
    };
    let lonely = upload("lonely.txt", b"nobody attaches me").await;
    let shared = upload("shared.txt", b"attached elsewhere").await;
    let kept = upload("kept.txt", b"attached elsewhere").await;
    d.portal(
        &ann,
        Method::POST,
        "/tickets",
        Some(json!({"requestTypeId": 1, "summary": "Logs", "attachmentIds": [kept]})),
    )
    .await;
    sqlx::query("UPDATE attachments SET created_at = now() - interval '25 hours'")
        .execute(&app.pool)
        .await
        .unwrap();
    let path = |sha: &str| app.state.files.path(d.t.tenant.id, sha);
    let sha_of = |id: String| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT sha256 FROM attachments WHERE id = $1::uuid")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let (lonely_sha, shared_sha) = (sha_of(lonely.clone()).await, sha_of(shared.clone()).await);
    let removed = deskd::service::attachments::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert!(!path(&lonely_sha).exists());
    assert!(
        path(&shared_sha).exists(),
        "the attached copy still needs the bytes"
    );
    assert_eq!(d.attachment_rows().await, 1);
    d.portal_get(&ann, &format!("/attachments/{lonely}"))
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    assert_eq!(
        d.portal_get(&ann, &format!("/attachments/{kept}"))
            .await
            .bytes,
        b"attached elsewhere"
    );
    // Nothing is left half-written in the temporary folder.
    let temp = app.state.config.data_dir.join("attachments/tmp");
    assert_eq!(std::fs::read_dir(temp).unwrap().count(), 0);
}

/// A contact's pending upload; answers its id.
pub async fn portal_upload(d: &Desk<'_>, cookie: &str, name: &str) -> String {
    let r = d
        .portal_form(
            cookie,
            "/attachments",
            &[("file", Some(name), b"picture bytes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json[0]["id"].as_str().unwrap().to_string()
}
