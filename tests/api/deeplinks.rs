//! Portal deep links: every command's route, each way a link signs a contact in, and one-time
//! login codes.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    support::{PASSWORD, TestResponse},
    tickets::{Desk, desk},
};

impl Desk<'_> {
    async fn follow(&self, query: &str) -> TestResponse {
        self.app
            .get(&self.t.host, &format!("/portal/deeplink?{query}"))
            .send()
            .await
    }

    async fn user_api(&self, method: Method, path: &str) -> TestResponse {
        self.app
            .call(method, &self.t.host, &format!("/api/v2/user{path}"))
            .auth(&format!("DdApi {}", self.key))
            .send()
            .await
    }
}

fn location(r: &TestResponse) -> &str {
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.headers["location"].to_str().unwrap()
}

/// The session cookie a response set, as a `Cookie` header value.
fn session_cookie(r: &TestResponse) -> Option<String> {
    let set = r.headers.get("set-cookie")?.to_str().unwrap();
    Some(set.split(';').next().unwrap().to_string())
}

async fn whoami(d: &Desk<'_>, cookie: &str) -> Value {
    let r = d.portal(cookie, Method::GET, "/me", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json["contact"].clone()
}

#[tokio::test]
async fn every_command_leads_to_its_portal_route() {
    let app = crate::support::TestApp::new().await;
    let d = desk(&app, "acme").await;
    // What links name must exist: a page, a menu item and a request type.
    let page = d
        .admin(
            Method::POST,
            "/content-pages",
            Some(json!({"title": "VPN", "body": "How to"})),
        )
        .await;
    assert_eq!(page.status, StatusCode::CREATED, "{}", page.text);
    let item = d
        .admin(
            Method::POST,
            "/menu-items",
            Some(json!({"label": "VPN", "kind": "content_page", "targetId": 1})),
        )
        .await;
    assert_eq!(item.status, StatusCode::CREATED, "{}", item.text);
    for (query, expected) in [
        ("name=ticket&ticket_id=123456", "/portal/tickets/123456"),
        (
            "name=ticket&ticket_id=123456&action=close",
            "/portal/tickets/123456?action=close",
        ),
        (
            "name=ticket&ticket_id=7&action=auto_approve",
            "/portal/tickets/7?action=auto_approve",
        ),
        ("name=ticket_list", "/portal/tickets?state=open"),
        (
            "name=ticket_list&state=approval",
            "/portal/tickets?state=approval",
        ),
        ("name=support_options", "/portal/support"),
        ("name=pre_ticket_chat", "/portal/support/chat"),
        ("name=request_types", "/portal/request-types"),
        ("name=request_type&type_id=1", "/portal/request-types/1"),
        ("name=notifications", "/portal/notifications"),
        ("name=content_page&page_id=1", "/portal/pages/1"),
        ("name=invoices", "/portal/invoices"),
        (
            "name=invoice&invoice_id=I239394",
            "/portal/invoices/I239394",
        ),
        ("name=quotes", "/portal/quotes"),
        ("name=quote&quote_id=QABV829", "/portal/quotes/QABV829"),
        ("name=menu_item&menu_id=1", "/portal/menu/1"),
        ("", "/portal/"),
    ] {
        let r = d.follow(query).await;
        assert_eq!(location(&r), expected, "{query}");
        assert!(r.headers.get("set-cookie").is_none());
        assert_eq!(r.headers["referrer-policy"], "no-referrer");
        assert_eq!(r.headers["cache-control"], "no-store");
    }
    // Ids that name nothing are 404s; so is an archived request type.
    for query in [
        "name=content_page&page_id=2",
        "name=menu_item&menu_id=9",
        "name=request_type&type_id=77",
    ] {
        d.follow(query)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    // With a portal base URL, every link lands there.
    let r = d
        .admin(
            Method::PATCH,
            "/branding",
            Some(json!({"portalBaseUrl": "https://help.acme.example/app/"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        location(&d.follow("name=ticket&ticket_id=5").await),
        "https://help.acme.example/app/tickets/5"
    );
    assert_eq!(
        location(&d.follow("").await),
        "https://help.acme.example/app/"
    );
    for (query, field) in [
        ("name=nope", "name"),
        ("name=ticket", "ticket_id"),
        ("name=ticket&ticket_id=abc", "ticket_id"),
        ("name=ticket&ticket_id=1&action=delete", "action"),
        ("name=ticket_list&state=all", "state"),
        ("name=request_type", "type_id"),
        ("name=content_page", "page_id"),
        ("name=invoice", "invoice_id"),
        ("name=quote", "quote_id"),
        ("name=menu_item", "menu_id"),
        ("name=menu_item&menu_id=a%2F..%2Fb", "menu_id"),
        (
            "name=content_page&page_id=5b658ce9-7014-4e4e-995d-2934bf1f10c3",
            "page_id",
        ),
    ] {
        let r = d.follow(query).await;
        r.assert_error(StatusCode::BAD_REQUEST, "BadRequest");
        assert_eq!(r.json["field"], field, "{query}");
    }
    let r = d.follow("name=nope").await;
    assert!(r.json["message"].as_str().unwrap().contains("ticket_list"));
}

#[tokio::test]
async fn a_link_with_a_password_signs_the_contact_in_and_a_bad_one_goes_to_the_login_page() {
    let app = crate::support::TestApp::new().await;
    let d = desk(&app, "acme").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;
    let r = d
        .follow(&format!(
            "name=ticket&ticket_id=5&auth_username=ann%40customer.test&auth_password={}",
            PASSWORD.replace(' ', "%20")
        ))
        .await;
    assert_eq!(location(&r), "/portal/tickets/5");
    let set = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        set.contains("Max-Age=") && set.contains("HttpOnly"),
        "{set}"
    );
    assert_eq!(whoami(&d, &session_cookie(&r).unwrap()).await["id"], ann);

    // Not remembered: the cookie ends with the browser session.
    let r = d
        .follow(&format!(
            "auth_username=ann%40customer.test&auth_password={}&auth_remember_me=false",
            PASSWORD.replace(' ', "%20")
        ))
        .await;
    assert_eq!(location(&r), "/portal/");
    assert!(
        !r.headers["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age")
    );

    for (query, error) in [
        (
            "auth_username=ann%40customer.test&auth_password=wrong-horse",
            "invalid_credentials",
        ),
        (
            "auth_username=nobody%40customer.test&auth_password=wrong-horse",
            "invalid_credentials",
        ),
        ("auth_username=ann%40customer.test", "missing_credentials"),
        (
            "auth_username=ann%40customer.test&auth_token=000000",
            "invalid_credentials",
        ),
        ("access_token=not.a.token", "invalid_credentials"),
    ] {
        let r = d.follow(&format!("name=ticket_list&{query}")).await;
        let to = location(&r).to_string();
        assert_eq!(
            to,
            format!("/portal/login?error={error}&return_to=%2Fportal%2Ftickets%3Fstate%3Dopen"),
            "{query}"
        );
        assert!(!to.contains("wrong-horse"));
        assert!(r.headers.get("set-cookie").is_none());
    }
}

#[tokio::test]
async fn access_tokens_and_one_time_codes_sign_in_once_each_code() {
    let app = crate::support::TestApp::new().await;
    let d = desk(&app, "acme").await;
    let ann = d.contact(1, "ann@customer.test", json!({})).await;

    // An access token minted with an API key (DeskDirector's userkey).
    let token = d
        .user_api(Method::GET, &format!("/contact/{ann}/userkey"))
        .await
        .json["userKey"]
        .as_str()
        .unwrap()
        .to_string();
    let r = d
        .follow(&format!("name=notifications&access_token={token}"))
        .await;
    assert_eq!(location(&r), "/portal/notifications");
    assert_eq!(whoami(&d, &session_cookie(&r).unwrap()).await["id"], ann);
    // A member's token does not sign anyone into the portal.
    let tom = d
        .admin(
            Method::POST,
            "/members",
            Some(json!({"email": "tom@acme.test", "firstName": "Tom", "role": "tech"})),
        )
        .await
        .json["id"]
        .clone();
    let member_token = d
        .user_api(Method::GET, &format!("/member/{tom}/userkey"))
        .await
        .json["userKey"]
        .as_str()
        .unwrap()
        .to_string();
    let r = d.follow(&format!("access_token={member_token}")).await;
    assert!(location(&r).starts_with("/portal/login?error=invalid_credentials"));

    // A code minted by an integrator works once.
    let r = d
        .user_api(Method::POST, &format!("/contact/{ann}/login-code"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let code = r.json["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    let link = r.json["loginLink"].as_str().unwrap().to_string();
    assert_eq!(
        link,
        format!("/portal/deeplink?auth_username=ann%40customer.test&auth_token={code}")
    );
    let r = app
        .get(&d.t.host, &format!("{link}&name=ticket_list"))
        .send()
        .await;
    assert_eq!(location(&r), "/portal/tickets?state=open");
    assert_eq!(whoami(&d, &session_cookie(&r).unwrap()).await["id"], ann);
    let r = app.get(&d.t.host, &link).send().await;
    assert!(
        location(&r).starts_with("/portal/login?error=invalid_credentials"),
        "used once"
    );

    // A contact asks for a code; it goes out as an event, and the answer is the same for strangers.
    for email in ["ann@customer.test", "nobody@customer.test"] {
        let r = app
            .post(&d.t.host, "/api/v2/portal/auth/login-code")
            .json(json!({"email": email}))
            .send()
            .await;
        assert_eq!(
            (r.status, r.json.clone()),
            (StatusCode::ACCEPTED, json!({}))
        );
    }
    // The event is what a tenant's webhook or flow turns into an email.
    let requested: Vec<Value> = sqlx::query_scalar(
        "SELECT payload FROM events WHERE tenant_id = $1 AND type = 'contact.login_code_requested'",
    )
    .bind(d.t.tenant.id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(requested.len(), 1, "only the known contact gets a code");
    assert_eq!(requested[0]["contactId"], ann);
    let code = requested[0]["code"].as_str().unwrap().to_string();

    // Five wrong guesses spend it. (The sign-in throttle counts them too, and blocks the account
    // for a minute after five; forget it before and after, to see the code itself die.)
    let forget_throttle = || async {
        sqlx::query("DELETE FROM login_failures")
            .execute(&app.pool)
            .await
            .unwrap();
    };
    forget_throttle().await;
    for _ in 0..5 {
        let r = d
            .follow("auth_username=ann%40customer.test&auth_token=999999x")
            .await;
        assert!(location(&r).starts_with("/portal/login?error="));
    }
    forget_throttle().await;
    let r = d
        .follow(&format!(
            "auth_username=ann%40customer.test&auth_token={code}"
        ))
        .await;
    assert!(location(&r).starts_with("/portal/login?error=invalid_credentials"));

    // An expired code does not work.
    let r = d
        .user_api(Method::POST, &format!("/contact/{ann}/login-code"))
        .await;
    let code = r.json["code"].as_str().unwrap().to_string();
    sqlx::query("UPDATE login_codes SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();
    let r = d
        .follow(&format!(
            "auth_username=ann%40customer.test&auth_token={code}"
        ))
        .await;
    assert!(location(&r).starts_with("/portal/login?error=invalid_credentials"));

    // Another tenant's contact cannot be given a code here.
    let other = desk(&app, "globex").await;
    let theirs = other.contact(1, "zed@globex.test", json!({})).await;
    let r = d
        .user_api(
            Method::POST,
            &format!("/contact/{}/login-code", theirs + 100),
        )
        .await;
    r.assert_error(StatusCode::NOT_FOUND, "NotFound");
}

#[tokio::test]
async fn an_approval_link_that_signs_its_approver_in_decides_once_and_a_cookie_alone_decides_nothing()
 {
    let app = crate::support::TestApp::new().await;
    let d = desk(&app, "acme").await;
    let asker = d.contact(1, "ann@customer.test", json!({})).await;
    let boss = d
        .contact(1, "boss@customer.test", json!({"isApprover": true}))
        .await;
    let ivy = d.contact(1, "ivy@customer.test", json!({})).await;
    let laptop = d
        .admin(Method::POST, "/request-types", Some(json!({"name": "New laptop", "defaultQueueId": 1, "defaultPriorityId": 2, "requiresApproval": true})))
        .await;
    let ann = d.sign_in("portal", "ann@customer.test").await;
    for summary in ["Laptop one", "Laptop two"] {
        let r = d
            .portal(
                &ann,
                Method::POST,
                "/tickets",
                Some(json!({"requestTypeId": laptop.json["id"], "summary": summary})),
            )
            .await;
        assert_eq!(r.json["approval"], "pending", "{}", r.text);
    }
    let token_of = |contact: i64| {
        let d = &d;
        async move {
            d.user_api(Method::GET, &format!("/contact/{contact}/userkey"))
                .await
                .json["userKey"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let approval = |ticket: i64| {
        let d = &d;
        async move {
            d.admin(Method::GET, &format!("/tickets/{ticket}"), None)
                .await
                .json["approval"]
                .clone()
        }
    };

    // By cookie alone: the link only leads to the ticket; nothing is decided.
    let boss_cookie = d.sign_in("portal", "boss@customer.test").await;
    let r = d
        .app
        .get(
            &d.t.host,
            "/portal/deeplink?name=ticket&ticket_id=1&action=auto_approve",
        )
        .cookie(&boss_cookie)
        .send()
        .await;
    assert_eq!(location(&r), "/portal/tickets/1?action=auto_approve");
    assert_eq!(approval(1).await, "pending");

    // The asker is no approver; a colleague cannot even see the ticket: no change, and the
    // landing says why.
    let asker_token = token_of(asker).await;
    let r = d
        .follow(&format!(
            "name=ticket&ticket_id=1&action=auto_approve&access_token={asker_token}"
        ))
        .await;
    assert_eq!(
        location(&r),
        "/portal/tickets/1?approval_error=not_an_approver"
    );
    let ivy_token = token_of(ivy).await;
    let r = d
        .follow(&format!(
            "name=ticket&ticket_id=1&action=auto_approve&access_token={ivy_token}"
        ))
        .await;
    assert_eq!(
        location(&r),
        "/portal/tickets/1?approval_error=ticket_not_found"
    );
    assert_eq!(approval(1).await, "pending");

    // The approver's own link: approved once; the same link again changes nothing. An approval
    // action on another command decides nothing.
    let boss_token = token_of(boss).await;
    let r = d
        .follow(&format!(
            "name=support_options&ticket_id=1&action=auto_approve&access_token={boss_token}"
        ))
        .await;
    assert_eq!(location(&r), "/portal/support");
    assert_eq!(approval(1).await, "pending");
    let link = format!("name=ticket&ticket_id=1&action=auto_approve&access_token={boss_token}");
    assert_eq!(
        location(&d.follow(&link).await),
        "/portal/tickets/1?approval=granted"
    );
    assert_eq!(approval(1).await, "granted");
    assert_eq!(
        location(&d.follow(&link).await),
        "/portal/tickets/1?approval_error=not_awaiting_approval"
    );
    let granted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM ticket_activities WHERE kind = 'approval_granted'",
    )
    .fetch_one(&d.app.state.pool)
    .await
    .unwrap();
    assert_eq!(granted, 1);

    // Declining by link records the decision with a reason.
    let r = d
        .follow(&format!(
            "name=ticket&ticket_id=2&action=auto_decline&access_token={boss_token}"
        ))
        .await;
    assert_eq!(location(&r), "/portal/tickets/2?approval=declined");
    assert_eq!(approval(2).await, "declined");
}

#[tokio::test]
async fn links_land_on_a_page_that_says_where_they_lead_and_how_they_went() {
    let app = crate::support::TestApp::new().await;
    let d = desk(&app, "acme").await;
    let r = d
        .admin(
            Method::PATCH,
            "/branding",
            Some(json!({"portalName": "Acme <script>alert(1)</script> Help", "supportEmail": "help@acme.example"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let land = |path: &'static str| {
        let d = &d;
        async move { d.app.get(&d.t.host, path).send().await }
    };

    // Without a portal front end, deskd answers each route a link leads to with a page.
    let r = land("/portal/tickets/1?approval=granted").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "text/html; charset=utf-8");
    assert!(
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("default-src 'none'")
    );
    assert!(r.text.contains("Ticket #1"), "{}", r.text);
    assert!(r.text.contains("the ticket is approved"), "{}", r.text);
    assert!(r.text.contains("help@acme.example"), "{}", r.text);
    assert!(
        !r.text.contains("<script>"),
        "the portal name is escaped: {}",
        r.text
    );
    assert!(r.text.contains("Acme &lt;script&gt;"), "{}", r.text);
    let r = land("/portal/tickets/1?approval_error=not_an_approver").await;
    assert!(r.text.contains("you are not an approver"), "{}", r.text);
    let r = land("/portal/login?error=invalid_credentials&return_to=%2Fportal%2Ftickets%2F1").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("not accepted"), "{}", r.text);
    for (path, says) in [
        ("/portal/", "Welcome"),
        ("/portal/tickets?state=closed", "Your closed tickets"),
        ("/portal/support/chat", "Chat with us"),
        ("/portal/request-types/3", "Request type 3"),
        ("/portal/menu/2", "Menu item 2"),
    ] {
        let r = land(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(r.text.contains(says), "{path}: {}", r.text);
    }
    land("/portal/nothing/here")
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");

    // Where every link of a deep-link redirect leads is a page that answers.
    let r = d.follow("name=ticket_list&state=approval").await;
    let target = location(&r).to_string();
    let r = d.app.get(&d.t.host, &target).send().await;
    assert_eq!(r.status, StatusCode::OK, "{target}");
    assert!(r.text.contains("waiting for your approval"), "{}", r.text);

    // With a portal base URL, the same routes send the browser there, query kept.
    d.admin(
        Method::PATCH,
        "/branding",
        Some(json!({"portalBaseUrl": "https://help.acme.example/app/"})),
    )
    .await;
    let r = land("/portal/tickets/1?approval=granted").await;
    assert_eq!(
        location(&r),
        "https://help.acme.example/app/tickets/1?approval=granted"
    );
}
