//! Chats: the lifecycle with every status, who sees what, presence, the connector's chat
//! operations, and the webhook payload against DeskDirector's `ChatSession` shape (seed 004,
//! transcribed in `tests/fixtures`). The streams that carry chats are tested in `live`.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::{EventStream, PASSWORD, TestApp, TestResponse},
    tickets::{Desk, desk},
    webhooks::Receiver,
};

const SEED_SCHEMA: &str = include_str!("../fixtures/deskdirector-chat-session.schema.json");

const SEED_EXAMPLE: &str = include_str!("../fixtures/deskdirector-chat-session.example.json");

/// Fails unless `sessions` (an array) has DeskDirector's `ChatSession` shape.
pub(crate) fn assert_seed_shape(sessions: &Value) {
    let schema: Value = serde_json::from_str(SEED_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(sessions)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{sessions:#}");
}

#[test]

fn the_transcribed_schema_accepts_the_seeds_own_example() {
    assert_seed_shape(&serde_json::from_str(SEED_EXAMPLE).unwrap());
}

/// A helpdesk with contacts Ann and Bob (same company, neither sees the other's tickets), the
/// master admin and a technician Tom signed in.
pub(crate) struct Helpdesk<'a> {
    pub(crate) d: Desk<'a>,
    pub(crate) ann: String,
    pub(crate) ann_id: i64,
    pub(crate) bob: String,
    pub(crate) bob_id: i64,
    pub(crate) admin: String,
    pub(crate) admin_id: i64,
    pub(crate) tom: String,
    pub(crate) tom_id: i64,
}

pub(crate) async fn helpdesk(app: &TestApp) -> Helpdesk<'_> {
    let d = desk(app, "acme").await;
    let ann_id = d
        .contact(
            1,
            "ann@customer.test",
            json!({"lastName": "Lee", "phone": "+64 9 555 0100"}),
        )
        .await;
    let bob_id = d.contact(1, "bob@customer.test", json!({})).await;
    let r = d
        .admin(
            Method::POST,
            "/members",
            Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech", "password": PASSWORD})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let tom_id = r.json["id"].as_i64().unwrap();
    let ann = d.sign_in("portal", "ann@customer.test").await;
    let bob = d.sign_in("portal", "bob@customer.test").await;
    let admin = d.sign_in("tech", &d.t.admin_email.clone()).await;
    let tom = d.sign_in("tech", "tom@acme.test").await;
    let me = tech_call(&d, &admin, Method::GET, "/me", None).await;
    let admin_id = me.json["member"]["id"].as_i64().unwrap();
    Helpdesk {
        d,
        ann,
        ann_id,
        bob,
        bob_id,
        admin,
        admin_id,
        tom,
        tom_id,
    }
}

pub(crate) async fn tech_call(
    d: &Desk<'_>,
    cookie: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let mut call = d
        .app
        .call(method, &d.t.host, &format!("/api/v2/tech{path}"))
        .cookie(cookie)
        .same_origin(&d.t.host);
    if let Some(body) = body {
        call = call.json(body);
    }
    call.send().await
}

impl Helpdesk<'_> {
    pub(crate) async fn portal(
        &self,
        who: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> TestResponse {
        self.d.portal(who, method, path, body).await
    }

    pub(crate) async fn tech(
        &self,
        who: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> TestResponse {
        tech_call(&self.d, who, method, path, body).await
    }

    /// Ann asks for a chat; answers the session.
    pub(crate) async fn ann_asks(&self, message: &str) -> Value {
        let r = self
            .portal(
                &self.ann,
                Method::POST,
                "/chats",
                Some(json!({"message": message})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json
    }

    pub(crate) async fn stream(
        &self,
        family: &str,
        who: &str,
        last_event_id: Option<&str>,
    ) -> EventStream {
        self.stream_on(self.d.app, family, who, last_event_id).await
    }

    pub(crate) async fn stream_on(
        &self,
        app: &TestApp,
        family: &str,
        who: &str,
        last_event_id: Option<&str>,
    ) -> EventStream {
        let mut call = app
            .get(&self.d.t.host, &format!("/api/v2/{family}/events/stream"))
            .cookie(who)
            .same_origin(&self.d.t.host);
        if let Some(id) = last_event_id {
            call = call.header("last-event-id", id);
        }
        match call.stream().await {
            Ok(s) => s,
            Err(r) => panic!("stream refused: {} {}", r.status, r.text),
        }
    }

    pub(crate) fn user_id(&self, kind: char, id: i64) -> String {
        format!("acme~{kind}~{id}")
    }
}

pub(crate) fn ids_of(users: &Value) -> Vec<String> {
    users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userId"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]

async fn a_request_is_handled_joined_and_closed_and_every_answer_has_the_seeds_shape() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let ann_uid = h.user_id('c', h.ann_id);
    let admin_uid = h.user_id('m', h.admin_id);
    let tom_uid = h.user_id('m', h.tom_id);

    let s = h.ann_asks("My laptop will not start").await;
    assert_seed_shape(&json!([s]));
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["type"], "request");
    assert_eq!(s["status"], "created");
    assert_eq!(s["pastStatus"], json!([]));
    assert_eq!(s["report"], json!({}));
    assert_eq!(s["name"], "Chat Request from ann Lee at Customer");
    assert_eq!(s["creator"]["userId"], ann_uid.as_str());
    assert_eq!(s["creator"]["company"]["entityId"], 1);
    assert_eq!(s["creator"]["company"]["name"], "Customer");
    assert_eq!(ids_of(&s["users"]), vec![ann_uid.clone()]);
    assert_eq!(s["closedDateTime"], Value::Null);
    assert!(
        s["lastMessageId"]
            .as_str()
            .unwrap()
            .ends_with(&format!("-{ann_uid}"))
    );

    // The tech queue shows it waiting.
    let queue = h
        .tech(&h.admin, Method::GET, "/chats?status=created", None)
        .await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.text);
    assert_eq!(queue.json["totalResults"], 1);
    assert_seed_shape(&queue.json["results"]);

    // A member not in it may not write yet; handling puts them in.
    let r = h
        .tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": "Hi"})),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "Conflict");
    let s = h
        .tech(&h.admin, Method::POST, &format!("/chats/{id}/handle"), None)
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_seed_shape(&json!([s.json]));
    assert_eq!(s.json["status"], "handled");
    assert_eq!(s.json["pastStatus"], json!([]));
    assert!(s.json["report"]["creatorWaited"].as_i64().unwrap() >= 0);
    assert!(s.json["report"]["handledDateTime"].is_string());
    assert_eq!(
        ids_of(&s.json["users"]),
        vec![ann_uid.clone(), admin_uid.clone()]
    );
    assert!(
        s.json["users"][1].get("company").is_none(),
        "members have no company"
    );

    let r = h
        .tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": "Hold the power button for 10 s"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["user"]["userId"], admin_uid.as_str());
    let r = h
        .tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": "Tom joins to help", "type": "system"})),
        )
        .await;
    assert_eq!(r.json["type"], "system");

    // Invited members are target users until they join.
    let s = h
        .tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/invite"),
            Some(json!({"memberIds": [h.tom_id]})),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_eq!(ids_of(&s.json["targetUsers"]), vec![tom_uid.clone()]);
    let s = h
        .tech(&h.tom, Method::POST, &format!("/chats/{id}/handle"), None)
        .await;
    assert_eq!(
        s.json["status"], "handled",
        "joining does not change the status"
    );
    assert_eq!(s.json["targetUsers"], json!([]));
    assert_eq!(
        ids_of(&s.json["users"]),
        vec![ann_uid.clone(), admin_uid.clone(), tom_uid.clone()]
    );
    let r = h
        .portal(
            &h.ann,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": "It works now"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Too long is 413 and writes nothing.
    let r = h
        .portal(
            &h.ann,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": "x".repeat(4001)})),
        )
        .await;
    r.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "PayloadTooLarge");

    // Both sides read the same transcript, oldest first, in pages.
    let all = h
        .portal(&h.ann, Method::GET, &format!("/chats/{id}/messages"), None)
        .await;
    let texts: Vec<&str> = all.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "My laptop will not start",
            "Hold the power button for 10 s",
            "Tom joins to help",
            "It works now"
        ]
    );
    let page = h
        .tech(
            &h.tom,
            Method::GET,
            &format!("/chats/{id}/messages?take=2"),
            None,
        )
        .await;
    assert_eq!(page.json["results"].as_array().unwrap().len(), 2);
    let rest = h
        .tech(
            &h.tom,
            Method::GET,
            &format!("/chats/{id}/messages?after={}", page.json["next"]),
            None,
        )
        .await;
    assert_eq!(rest.json["results"][0]["message"], "Tom joins to help");

    // Tom leaves; the admin closes with a note.
    let s = h
        .tech(&h.tom, Method::POST, &format!("/chats/{id}/leave"), None)
        .await;
    assert_eq!(
        ids_of(&s.json["users"]),
        vec![ann_uid.clone(), admin_uid.clone()]
    );
    assert_eq!(
        ids_of(&s.json["participants"]),
        vec![ann_uid.clone(), admin_uid.clone(), tom_uid.clone()]
    );
    let s = h
        .tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/close"),
            Some(json!({"note": "Power cycled"})),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_seed_shape(&json!([s.json]));
    assert_eq!(s.json["status"], "completed");
    assert_eq!(s.json["pastStatus"], json!(["handled"]));
    assert_eq!(s.json["closeRecord"]["user"]["userId"], admin_uid.as_str());
    assert_eq!(s.json["closeRecord"]["note"], "Power cycled");
    assert!(s.json["closedDateTime"].is_string());
    assert!(s.json["report"]["chatDuration"].as_i64().unwrap() >= 0);

    // Ann sees that it was closed and by whom; the note is for staff.
    let seen = h
        .portal(&h.ann, Method::GET, &format!("/chats/{id}"), None)
        .await;
    assert_eq!(
        seen.json["closeRecord"]["user"]["userId"],
        admin_uid.as_str()
    );
    assert!(
        seen.json["closeRecord"].get("note").is_none(),
        "{}",
        seen.text
    );

    // A completed chat takes no more messages, handling or closing.
    let r = h
        .portal(
            &h.ann,
            Method::POST,
            &format!("/chats/{id}/messages"),
            Some(json!({"message": "One more thing"})),
        )
        .await;
    r.assert_error(StatusCode::CONFLICT, "Conflict");
    h.tech(&h.admin, Method::POST, &format!("/chats/{id}/handle"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "Conflict");
    h.tech(
        &h.admin,
        Method::POST,
        &format!("/chats/{id}/close"),
        Some(json!({})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Conflict");
    let after = h
        .portal(&h.ann, Method::GET, &format!("/chats/{id}/messages"), None)
        .await;
    assert_eq!(
        after.json["results"].as_array().unwrap().len(),
        4,
        "nothing was written"
    );

    // History with filters.
    let mine = h.portal(&h.ann, Method::GET, "/chats", None).await;
    assert_eq!(mine.json["totalResults"], 1);
    let toms = h
        .tech(
            &h.admin,
            Method::GET,
            &format!("/chats?memberId={}&status=completed", h.tom_id),
            None,
        )
        .await;
    assert_eq!(toms.json["totalResults"], 1);
    let none = h
        .tech(&h.admin, Method::GET, "/chats?type=push", None)
        .await;
    assert_eq!(none.json["totalResults"], 0);
    h.tech(&h.admin, Method::GET, "/chats?status=finished", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
}

#[tokio::test]

async fn a_request_nobody_handles_is_missed_then_a_callback_then_handled() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let h = helpdesk(&app).await;
    let r =
        h.d.admin(
            Method::PUT,
            "/chat-settings",
            Some(json!({"missedAfterSeconds": 1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    h.d.admin(
        Method::PUT,
        "/chat-settings",
        Some(json!({"missedAfterSeconds": 0})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    deskd::service::chats::spawn_missed_sweeper(app.state.clone());
    let (receiver, url) = Receiver::start().await;
    let hook =
        h.d.admin(
            Method::POST,
            "/webhooks",
            Some(json!({"url": url, "eventTypes": ["Chat Session Status Changed"]})),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text);

    let id = h.ann_asks("Anyone there?").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut status = String::new();
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let s = h
            .portal(&h.ann, Method::GET, &format!("/chats/{id}"), None)
            .await;
        status = s.json["status"].as_str().unwrap().to_string();
        if status == "missed" {
            break;
        }
    }
    assert_eq!(status, "missed");

    // A callback needs a valid request; Bob may not ask on Ann's chat.
    let bad = h
        .portal(
            &h.ann,
            Method::POST,
            &format!("/chats/{id}/callback"),
            Some(json!({"type": "fax"})),
        )
        .await;
    bad.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    h.portal(
        &h.bob,
        Method::POST,
        &format!("/chats/{id}/callback"),
        Some(json!({"type": "chat"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let s = h
        .portal(
            &h.ann,
            Method::POST,
            &format!("/chats/{id}/callback"),
            Some(json!({"type": "phone", "note": "After lunch please",
                        "preferredTime": [{"start": "2026-12-01T01:00:00Z", "end": "2026-12-01T03:00:00Z"}]})),
        )
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_seed_shape(&json!([s.json]));
    assert_eq!(s.json["status"], "callback");
    assert_eq!(s.json["pastStatus"], json!(["missed"]));
    assert_eq!(s.json["callback"]["type"], "phone");
    assert_eq!(
        s.json["callback"]["phone"], "+64 9 555 0100",
        "the number on record"
    );
    assert_eq!(s.json["callback"]["note"], "After lunch please");

    let s = h
        .tech(&h.tom, Method::POST, &format!("/chats/{id}/handle"), None)
        .await;
    assert_eq!(s.json["status"], "handled");
    assert_eq!(s.json["pastStatus"], json!(["missed", "callback"]));

    // The webhook got each status change as DeskDirector's array of ChatSessions.
    h.d.deliver().await;
    let bodies: Vec<Value> = receiver
        .requests()
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    let statuses: Vec<&str> = bodies
        .iter()
        .map(|b| b[0]["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["missed", "callback", "handled"]);
    for body in &bodies {
        assert_seed_shape(body);
    }
}

#[tokio::test]

async fn a_member_pushes_a_chat_and_turns_it_into_a_ticket_with_the_transcript() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let ann_uid = h.user_id('c', h.ann_id);
    let r = h
        .tech(
            &h.tom,
            Method::POST,
            "/chats",
            Some(json!({"contactId": h.ann_id, "message": "Your new laptop is ready"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_seed_shape(&json!([r.json]));
    let id = r.json["id"].as_str().unwrap().to_string();
    assert_eq!(r.json["type"], "push");
    assert_eq!(r.json["status"], "handled");
    assert_eq!(ids_of(&r.json["targetUsers"]), vec![ann_uid.clone()]);
    assert_eq!(
        r.json["creator"]["userId"],
        h.user_id('m', h.tom_id).as_str()
    );

    // Ann sees it in her history and joins by answering; Bob does not see it.
    let mine = h.portal(&h.ann, Method::GET, "/chats", None).await;
    assert_eq!(mine.json["results"][0]["id"], id.as_str());
    assert_eq!(
        h.portal(&h.bob, Method::GET, "/chats", None).await.json["totalResults"],
        0
    );
    h.portal(
        &h.ann,
        Method::POST,
        &format!("/chats/{id}/messages"),
        Some(json!({"message": "Great, I will pick it up at 3"})),
    )
    .await;
    let s = h
        .portal(&h.ann, Method::GET, &format!("/chats/{id}"), None)
        .await;
    assert_eq!(s.json["targetUsers"], json!([]));
    assert!(ids_of(&s.json["users"]).contains(&ann_uid));

    // To a ticket: the transcript is its description; the chat refers to it. Two members at once
    // make one ticket: the other is told it exists.
    let path = format!("/chats/{id}/ticket");
    let body = json!({"summary": "Laptop pickup", "queueId": 1});
    let (first, second) = tokio::join!(
        h.tech(&h.tom, Method::POST, &path, Some(body.clone())),
        h.tech(&h.admin, Method::POST, &path, Some(body.clone())),
    );
    let (r, other) = if first.status == StatusCode::CREATED {
        (first, second)
    } else {
        (second, first)
    };
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    other.assert_error(StatusCode::CONFLICT, "Conflict");
    let tickets = h.d.admin(Method::GET, "/tickets", None).await;
    assert_eq!(tickets.json["totalResults"], 1, "one ticket, no orphan");
    let ticket = r.json["ticketId"].as_i64().unwrap();
    assert_eq!(
        r.json["session"]["reference"],
        json!({"type": "ticket", "id": ticket.to_string()})
    );
    assert_seed_shape(&json!([r.json["session"]]));
    let t = h
        .portal(&h.ann, Method::GET, &format!("/tickets/{ticket}"), None)
        .await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text);
    assert_eq!(t.json["summary"], "Laptop pickup");
    let description = t.json["description"].as_str().unwrap();
    assert!(
        description.contains("Tom: Your new laptop is ready"),
        "{description}"
    );
    assert!(
        description.contains("ann Lee: Great, I will pick it up at 3"),
        "{description}"
    );
    let last = h
        .portal(&h.ann, Method::GET, &format!("/chats/{id}/messages"), None)
        .await;
    let last = last.json["results"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["type"], "system");
    assert_eq!(
        last["message"],
        format!("Ticket #{ticket} was created from this chat.")
    );
    h.tech(
        &h.tom,
        Method::POST,
        &format!("/chats/{id}/ticket"),
        Some(json!({"queueId": 1})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Conflict");

    // Pushing to nobody, or about a ticket that is not there, is refused.
    h.tech(
        &h.tom,
        Method::POST,
        "/chats",
        Some(json!({"contactId": 999})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    let bobs =
        h.d.admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Bob's", "contactId": h.bob_id, "queueId": 1})),
        )
        .await;
    h.tech(
        &h.tom,
        Method::POST,
        "/chats",
        Some(json!({"contactId": h.ann_id, "ticketId": bobs.json["id"]})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");

    // Ann leaving a chat is the end of it.
    let s = h
        .portal(&h.ann, Method::POST, &format!("/chats/{id}/leave"), None)
        .await;
    assert_eq!(s.json["status"], "completed");
    assert_eq!(s.json["closeRecord"]["user"]["userId"], ann_uid.as_str());
}

#[tokio::test]

async fn a_contact_cannot_reach_another_contacts_chat_nor_another_tenant_any_chat() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let id = h.ann_asks("Private matter").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (method, path, body) in [
        (Method::GET, format!("/chats/{id}"), None),
        (Method::GET, format!("/chats/{id}/messages"), None),
        (
            Method::POST,
            format!("/chats/{id}/messages"),
            Some(json!({"message": "Hi"})),
        ),
        (Method::POST, format!("/chats/{id}/leave"), None),
    ] {
        h.portal(&h.bob, method, &path, body)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    // Ids that are not ids find nothing, and a NUL is refused before it reaches the database.
    h.portal(&h.ann, Method::GET, "/chats/not-a-chat", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    h.portal(&h.ann, Method::GET, "/chats/1%00-2", None)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BadRequest");
    // Another tenant's technician finds nothing by that id.
    let other = desk(&app, "globex").await;
    let theirs = other.sign_in("tech", &other.t.admin_email.clone()).await;
    tech_call(&other, &theirs, Method::GET, &format!("/chats/{id}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    tech_call(
        &other,
        &theirs,
        Method::POST,
        &format!("/chats/{id}/handle"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    // A chat about a ticket Ann cannot see is refused.
    let bobs =
        h.d.admin(
            Method::POST,
            "/tickets",
            Some(json!({"summary": "Bob's", "contactId": h.bob_id, "queueId": 1})),
        )
        .await;
    let r = h
        .portal(
            &h.ann,
            Method::POST,
            "/chats",
            Some(json!({"ticketId": bobs.json["id"]})),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
    let unchanged = h.tech(&h.admin, Method::GET, "/chats", None).await;
    assert_eq!(unchanged.json["totalResults"], 1);
}

#[tokio::test]

async fn a_contact_who_left_reads_only_what_was_written_while_they_were_in_it() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let id = h.ann_asks("Bob should see this too").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.tech(&h.admin, Method::POST, &format!("/chats/{id}/handle"), None)
        .await;
    let r = h
        .tech(
            &h.admin,
            Method::POST,
            &format!("/chats/{id}/invite"),
            Some(json!({"contactIds": [h.bob_id]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = h
        .portal(&h.ann, Method::POST, &format!("/chats/{id}/leave"), None)
        .await;
    assert_eq!(s.json["status"], "handled", "Bob is still in it");
    h.tech(
        &h.admin,
        Method::POST,
        &format!("/chats/{id}/messages"),
        Some(json!({"message": "Only for Bob"})),
    )
    .await;
    let texts = |r: TestResponse| -> Vec<String> {
        r.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["message"].as_str().unwrap().to_string())
            .collect()
    };
    let anns = h
        .portal(&h.ann, Method::GET, &format!("/chats/{id}/messages"), None)
        .await;
    assert_eq!(texts(anns), ["Bob should see this too"]);
    let bobs = h
        .portal(&h.bob, Method::GET, &format!("/chats/{id}/messages"), None)
        .await;
    assert_eq!(texts(bobs), ["Bob should see this too", "Only for Bob"]);
    h.portal(
        &h.ann,
        Method::POST,
        &format!("/chats/{id}/messages"),
        Some(json!({"message": "Back"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Conflict");
}

#[tokio::test]

async fn presence_is_shared_with_members() {
    let app = TestApp::new().await;
    let h = helpdesk(&app).await;
    let mut admin = h.stream("tech", &h.admin, None).await;
    let r = h
        .tech(
            &h.tom,
            Method::PUT,
            "/presence",
            Some(json!({"status": "away"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got = admin.next().await;
    assert_eq!(got.event, "presence");
    assert_eq!(
        got.data["member"]["userId"],
        h.user_id('m', h.tom_id).as_str()
    );
    assert_eq!(got.data["status"], "away");
    let all = h.tech(&h.admin, Method::GET, "/presence", None).await;
    let statuses: Vec<(i64, &str)> = all.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["member"]["entityId"].as_i64().unwrap(),
                p["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(statuses, [(h.admin_id, "offline"), (h.tom_id, "away")]);
    h.tech(
        &h.tom,
        Method::PUT,
        "/presence",
        Some(json!({"status": "asleep"})),
    )
    .await
    .assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    // Contacts have no presence API.
    assert_eq!(
        h.portal(&h.ann, Method::GET, "/presence", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]

async fn chat_flows_and_the_connectors_chat_operations_work() {
    let app = TestApp::with_config(|c| c.webhooks_allow_private = true).await;
    let h = helpdesk(&app).await;
    let (receiver, url) = Receiver::start().await;
    let connector = |method: Method, path: &str| {
        h.d.app
            .call(
                method,
                &h.d.t.host,
                &format!("/api/v2/automate/connector{path}"),
            )
            .auth(&format!("DdApi {}", h.d.key))
    };
    let events = connector(Method::GET, "/chat-webhook-events").send().await;
    assert_eq!(
        events.json["results"][0],
        json!({"id": "New Chat Session", "name": "New Chat Session"})
    );
    let r = connector(Method::POST, "/chat-workflows?type=New%20Chat%20Session")
        .json(json!({"url": url, "parameters": {}}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let location = r.headers["location"].to_str().unwrap().to_string();
    connector(Method::POST, "/chat-workflows?type=Chat%20Closed")
        .json(json!({"url": url, "parameters": {}}))
        .send()
        .await
        .assert_error(StatusCode::BAD_REQUEST, "BadRequest");

    let id = h.ann_asks("Is the VPN down?").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The connector reads it, writes a system message, invites Tom.
    let s = connector(Method::GET, &format!("/chat-sessions/{id}"))
        .send()
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    assert_seed_shape(&json!([s.json]));
    let m = connector(
        Method::POST,
        &format!("/chat-sessions/{id}/system-messages"),
    )
    .json(json!({"message": "A technician will be with you shortly."}))
    .send()
    .await;
    assert_eq!(m.status, StatusCode::OK, "{}", m.text);
    assert_eq!(m.json["type"], "system");
    assert_eq!(m.json["user"], Value::Null);
    let s = connector(Method::POST, &format!("/chat-sessions/{id}/invite"))
        .json(json!({"memberIds": [h.tom_id]}))
        .send()
        .await;
    assert_eq!(
        ids_of(&s.json["targetUsers"]),
        vec![h.user_id('m', h.tom_id)]
    );
    connector(Method::GET, "/chat-sessions/1-0000")
        .send()
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");

    // The flow received the new session as an array of ChatSessions, as the trigger schema says.
    h.d.deliver().await;
    let got = receiver.requests();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].1).unwrap();
    assert_seed_shape(&body);
    assert_eq!(body[0]["id"], id.as_str());
    let schema = connector(
        Method::GET,
        "/schema/chat-workflow-webhook/$request?type=New%20Chat%20Session",
    )
    .send()
    .await
    .json;
    let validator = jsonschema::validator_for(&schema).expect("a JSON Schema");
    assert!(validator.is_valid(&body), "{body}");

    // Deleting the Location stops it.
    let path = location.split_once("/automate/connector").unwrap().1;
    assert_eq!(
        connector(Method::DELETE, path).send().await.status,
        StatusCode::OK
    );
    h.ann_asks("Still there?").await;
    h.d.deliver().await;
    assert_eq!(receiver.requests().len(), 1);
}
