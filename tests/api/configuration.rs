//! Service configuration: queues and statuses, priorities, sources, service groups, request types.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{PASSWORD, TestApp, TestResponse, TestTenant};

struct Admin<'a> {
    app: &'a TestApp,
    t: TestTenant,
    auth: String,
}

impl Admin<'_> {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> TestResponse {
        let mut call = self
            .app
            .call(method, &self.t.host, &format!("/api/v3/admin{path}"))
            .auth(&self.auth);
        if let Some(body) = body {
            call = call.json(body);
        }
        call.send().await
    }
}

async fn admin<'a>(app: &'a TestApp, slug: &str) -> Admin<'a> {
    let t = app.tenant(slug).await;
    let key = app.api_key(&t, "read_write").await;
    Admin {
        app,
        t,
        auth: format!("DdApi {key}"),
    }
}

fn names(list: &Value) -> Vec<&str> {
    list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_new_tenant_starts_with_a_working_service_configuration() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let queues = a.send(Method::GET, "/queues", None).await;
    assert_eq!(names(&queues.json), ["Support"]);
    let statuses = &queues.json["results"][0]["statuses"];
    let status_names: Vec<&str> = statuses
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        status_names,
        [
            "New",
            "In Progress",
            "Waiting on Customer",
            "Approval Granted",
            "Approval Declined",
            "Resolved",
            "Closed"
        ]
    );
    let default: Vec<&Value> = statuses
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["isDefault"] == true)
        .collect();
    assert_eq!(default.len(), 1);
    assert_eq!(default[0]["name"], "New");
    assert_eq!(default[0]["isClosed"], false);
    assert_eq!(statuses[3]["approvalRole"], "granted");
    assert_eq!(statuses[4]["approvalRole"], "declined");

    let priorities = a.send(Method::GET, "/priorities", None).await;
    assert_eq!(names(&priorities.json), ["Low", "Medium", "High", "Urgent"]);
    assert_eq!(priorities.json["results"][1]["isDefault"], true);
    let sources = a.send(Method::GET, "/sources", None).await;
    assert_eq!(
        names(&sources.json),
        [
            "Email",
            "Microsoft Teams",
            "Portal",
            "Phone",
            "Web form",
            "Web widget"
        ]
    );
    let types = a.send(Method::GET, "/request-types", None).await;
    assert_eq!(types.json["totalResults"], 1);
    let general = &types.json["results"][0];
    assert_eq!(general["name"], "General request");
    assert_eq!(general["defaultQueue"], json!({"id": 1, "name": "Support"}));
    assert_eq!(
        general["defaultPriority"],
        json!({"id": 2, "name": "Medium"})
    );
    assert_eq!(general["serviceGroup"], json!({"id": 1, "name": "General"}));
}

#[tokio::test]
async fn a_queue_keeps_one_open_default_status_and_one_status_per_approval_role() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(
            Method::POST,
            "/queues",
            Some(json!({"name": "Projects", "description": "Billable work"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let queue = r.json["id"].as_i64().unwrap();
    assert_eq!(
        r.json["statuses"].as_array().unwrap().len(),
        7,
        "a new queue starts with the standard statuses"
    );
    let old_default = r.json["statuses"][0]["id"].as_i64().unwrap();

    // A new default takes the mark from the old one.
    let r = a
        .send(
            Method::POST,
            &format!("/queues/{queue}/statuses"),
            Some(json!({"name": "Triage", "isDefault": true, "order": -1})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let triage = r.json["id"].as_i64().unwrap();
    let q = a.send(Method::GET, &format!("/queues/{queue}"), None).await;
    let defaults: Vec<i64> = q.json["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["isDefault"] == true)
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(defaults, [triage]);
    assert_ne!(triage, old_default);

    // The default cannot be closed, un-defaulted or archived.
    let r = a
        .send(
            Method::PATCH,
            &format!("/queues/{queue}/statuses/{triage}"),
            Some(json!({"isClosed": true})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "isDefault");
    let r = a
        .send(
            Method::PATCH,
            &format!("/queues/{queue}/statuses/{triage}"),
            Some(json!({"isDefault": false})),
        )
        .await;
    assert_eq!(r.json["field"], "isDefault");
    a.send(
        Method::DELETE,
        &format!("/queues/{queue}/statuses/{triage}"),
        None,
    )
    .await
    .assert_error(StatusCode::CONFLICT, "InUse");

    // An approval role moves too.
    let r = a
        .send(
            Method::POST,
            &format!("/queues/{queue}/statuses"),
            Some(json!({"name": "Approved by customer", "approvalRole": "granted"})),
        )
        .await;
    let approved = r.json["id"].as_i64().unwrap();
    let q = a.send(Method::GET, &format!("/queues/{queue}"), None).await;
    let granted: Vec<i64> = q.json["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["approvalRole"] == "granted")
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(granted, [approved]);
    // PATCH null clears it; PUT without it does too.
    let r = a
        .send(
            Method::PATCH,
            &format!("/queues/{queue}/statuses/{approved}"),
            Some(json!({"approvalRole": null})),
        )
        .await;
    assert_eq!(r.json["approvalRole"], Value::Null);

    // A status is reached only through its own queue.
    a.send(
        Method::PATCH,
        &format!("/queues/1/statuses/{approved}"),
        Some(json!({"name": "x"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let archived = a
        .send(
            Method::DELETE,
            &format!("/queues/{queue}/statuses/{approved}"),
            None,
        )
        .await;
    assert_eq!(archived.json["isArchived"], true);
    let live = a.send(Method::GET, "/queues", None).await;
    let projects = live.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == queue)
        .unwrap();
    assert!(
        projects["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != approved),
        "archived statuses are not listed"
    );
}

#[tokio::test]
async fn priorities_keep_one_default_and_a_valid_colour() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(
            Method::POST,
            "/priorities",
            Some(json!({"name": "Critical", "colour": "red"})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "colour");
    let r = a
        .send(
            Method::POST,
            "/priorities",
            Some(json!({"name": "Critical", "colour": "#AA0000", "order": 9, "isDefault": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json["colour"], "#aa0000");
    assert_eq!(r.json["isDefault"], true);
    let list = a.send(Method::GET, "/priorities", None).await;
    let defaults: Vec<&str> = list.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["isDefault"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(defaults, ["Critical"]);
    let critical = r.json["id"].as_i64().unwrap();
    a.send(Method::DELETE, &format!("/priorities/{critical}"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "InUse");
    // Medium is used by the General request type.
    a.send(Method::DELETE, "/priorities/2", None)
        .await
        .assert_error(StatusCode::CONFLICT, "InUse");
    let low = a.send(Method::DELETE, "/priorities/1", None).await;
    assert_eq!(low.json["isArchived"], true);
    let dup = a
        .send(
            Method::POST,
            "/priorities",
            Some(json!({"name": "critical", "colour": "#000000"})),
        )
        .await;
    dup.assert_error(StatusCode::CONFLICT, "Conflict");
    assert_eq!(dup.json["field"], "name");
}

#[tokio::test]
async fn request_types_point_at_live_configuration_of_their_own_tenant() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let b = admin(&app, "beta").await;
    let foreign = b
        .send(Method::POST, "/queues", Some(json!({"name": "Beta only"})))
        .await;
    assert_eq!(foreign.json["id"], 2);
    let r = a
        .send(
            Method::POST,
            "/request-types",
            Some(json!({"name": "New laptop", "defaultQueueId": 2, "defaultPriorityId": 3})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "defaultQueueId");
    let hardware = a
        .send(Method::POST, "/queues", Some(json!({"name": "Hardware"})))
        .await;
    assert_eq!(hardware.json["id"], 2);
    let group = a
        .send(
            Method::POST,
            "/service-groups",
            Some(json!({"name": "Equipment"})),
        )
        .await;
    let group_id = group.json["id"].as_i64().unwrap();
    let r = a
        .send(
            Method::POST,
            "/request-types",
            Some(json!({"name": "New laptop", "defaultQueueId": 2, "defaultPriorityId": 3, "serviceGroupId": group_id, "requiresApproval": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let laptop = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["defaultQueue"]["name"], "Hardware");
    assert_eq!(r.json["requiresApproval"], true);
    // Queues, priorities and groups in use cannot be archived.
    a.send(Method::DELETE, "/queues/2", None)
        .await
        .assert_error(StatusCode::CONFLICT, "InUse");
    a.send(Method::DELETE, &format!("/service-groups/{group_id}"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "InUse");
    // PATCH null clears the group; PUT replaces everything.
    let r = a
        .send(
            Method::PATCH,
            &format!("/request-types/{laptop}"),
            Some(json!({"serviceGroupId": null})),
        )
        .await;
    assert_eq!(r.json["serviceGroup"], Value::Null);
    assert_eq!(r.json["requiresApproval"], true);
    let r = a
        .send(
            Method::PUT,
            &format!("/request-types/{laptop}"),
            Some(json!({"name": "Laptop", "defaultQueueId": 1, "defaultPriorityId": 2})),
        )
        .await;
    assert_eq!(r.json["requiresApproval"], false);
    assert_eq!(r.json["description"], "");
    assert_eq!(r.json["defaultQueue"]["id"], 1);
    // Now the Hardware queue is free to go, and can no longer be chosen.
    assert_eq!(
        a.send(Method::DELETE, "/queues/2", None).await.status,
        StatusCode::OK
    );
    let r = a
        .send(
            Method::PATCH,
            &format!("/request-types/{laptop}"),
            Some(json!({"defaultQueueId": 2})),
        )
        .await;
    assert_eq!(r.json["field"], "defaultQueueId");
    let r = a
        .send(
            Method::PATCH,
            &format!("/request-types/{laptop}"),
            Some(json!({"defaultQueueId": null})),
        )
        .await;
    assert_eq!(r.json["field"], "defaultQueueId");
}

#[tokio::test]
async fn another_tenants_configuration_is_not_found_and_stays_unchanged() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let b = admin(&app, "beta").await;
    a.send(Method::POST, "/queues", Some(json!({"name": "Acme queue"})))
        .await;
    a.send(
        Method::POST,
        "/priorities",
        Some(json!({"name": "Acme priority", "colour": "#123456"})),
    )
    .await;
    a.send(
        Method::POST,
        "/sources",
        Some(json!({"name": "Acme source"})),
    )
    .await;
    let before = (
        a.send(Method::GET, "/queues", None).await.json,
        a.send(Method::GET, "/priorities", None).await.json,
    );
    for (path, body) in [
        ("/queues/2", json!({"name": "Hacked"})),
        (
            "/priorities/5",
            json!({"name": "Hacked", "colour": "#000000"}),
        ),
        ("/sources/7", json!({"name": "Hacked"})),
    ] {
        b.send(Method::PUT, path, Some(body))
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
        b.send(Method::DELETE, path, None)
            .await
            .assert_error(StatusCode::NOT_FOUND, "NotFound");
    }
    b.send(Method::GET, "/queues/2", None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    b.send(
        Method::POST,
        "/queues/2/statuses",
        Some(json!({"name": "x"})),
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let after = (
        a.send(Method::GET, "/queues", None).await.json,
        a.send(Method::GET, "/priorities", None).await.json,
    );
    assert_eq!(before, after);
}

#[tokio::test]
async fn names_are_unique_among_live_items_and_free_again_once_archived() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let dup = a
        .send(Method::POST, "/queues", Some(json!({"name": "SUPPORT"})))
        .await;
    dup.assert_error(StatusCode::CONFLICT, "Conflict");
    assert_eq!(dup.json["field"], "name");
    let sales = a
        .send(
            Method::POST,
            "/sources",
            Some(json!({"name": "Sales call"})),
        )
        .await;
    let id = sales.json["id"].as_i64().unwrap();
    a.send(Method::DELETE, &format!("/sources/{id}"), None)
        .await;
    let again = a
        .send(
            Method::POST,
            "/sources",
            Some(json!({"name": "Sales call"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED);
    // Restoring the archived one would now clash.
    a.send(Method::POST, &format!("/sources/{id}/restore"), None)
        .await
        .assert_error(StatusCode::CONFLICT, "Conflict");
}

#[tokio::test]
async fn the_portals_read_the_catalogue_but_only_admins_change_it() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let company = a
        .send(
            Method::POST,
            "/companies",
            Some(json!({"name": "Customer"})),
        )
        .await;
    a.send(Method::POST, "/contacts", Some(json!({"companyId": company.json["id"], "email": "c@customer.test", "firstName": "C", "password": PASSWORD})))
        .await;
    a.send(
        Method::POST,
        "/members",
        Some(
            json!({"email": "t@acme.test", "firstName": "T", "role": "tech", "password": PASSWORD}),
        ),
    )
    .await;
    let contact = app
        .sign_in(&a.t, "portal", "c@customer.test", PASSWORD)
        .await;
    let tech = app.sign_in(&a.t, "tech", "t@acme.test", PASSWORD).await;
    let catalogue = app
        .get(&a.t.host, "/api/v2/portal/request-types")
        .cookie(&contact)
        .send()
        .await;
    assert_eq!(names(&catalogue.json), ["General request"]);
    for path in [
        "/api/v2/tech/queues",
        "/api/v2/tech/priorities",
        "/api/v2/tech/sources",
        "/api/v2/tech/request-types",
    ] {
        let r = app.get(&a.t.host, path).cookie(&tech).send().await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(r.json["totalResults"].as_i64().unwrap() > 0);
        app.get(&a.t.host, path)
            .cookie(&contact)
            .send()
            .await
            .assert_error(StatusCode::FORBIDDEN, "Forbidden");
    }
    app.post(&a.t.host, "/api/v3/admin/queues")
        .cookie(&tech)
        .same_origin(&a.t.host)
        .json(json!({"name": "Mine"}))
        .send()
        .await
        .assert_error(StatusCode::FORBIDDEN, "Forbidden");
}

#[tokio::test]
async fn deskdirectors_older_names_reach_queues_and_request_types() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    assert_eq!(
        names(&a.send(Method::GET, "/boards", None).await.json),
        ["Support"]
    );
    assert_eq!(
        names(&a.send(Method::GET, "/service-types", None).await.json),
        ["General request"]
    );
    let r = a.send(Method::GET, "/boards/1", None).await;
    assert_eq!(r.json["name"], "Support");
}

#[tokio::test]
async fn categories_and_tags_are_managed_by_admins_and_listed_for_technicians() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(
            Method::POST,
            "/categories",
            Some(json!({"name": "Hardware", "description": "Things you can kick"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let hardware = r.json["id"].as_i64().unwrap();
    let r = a
        .send(
            Method::PATCH,
            &format!("/categories/{hardware}"),
            Some(json!({"description": null})),
        )
        .await;
    assert_eq!(r.json["description"], "");
    assert_eq!(r.json["name"], "Hardware");
    let tag = a
        .send(
            Method::POST,
            "/tags",
            Some(json!({"name": "vip-escalation"})),
        )
        .await;
    assert_eq!(tag.status, StatusCode::CREATED);
    assert!(
        tag.json.get("description").is_none(),
        "tags are just a name"
    );
    a.send(
        Method::POST,
        "/tags",
        Some(json!({"name": "VIP-Escalation"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Conflict");
    a.send(
        Method::POST,
        "/members",
        Some(
            json!({"email": "t@acme.test", "firstName": "T", "role": "tech", "password": PASSWORD}),
        ),
    )
    .await;
    let tech = app.sign_in(&a.t, "tech", "t@acme.test", PASSWORD).await;
    let categories = app
        .get(&a.t.host, "/api/v2/tech/categories")
        .cookie(&tech)
        .send()
        .await;
    assert_eq!(names(&categories.json), ["Hardware"]);
    let tags = app
        .get(&a.t.host, "/api/v2/tech/tags")
        .cookie(&tech)
        .send()
        .await;
    assert_eq!(names(&tags.json), ["vip-escalation"]);
}

#[tokio::test]
async fn custom_fields_are_defined_with_rules_that_fit_their_type() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    let r = a
        .send(Method::POST, "/custom-fields", Some(json!({"key": "asset_tag", "label": "Asset tag", "type": "text", "maxLength": 20, "required": true})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let asset = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["type"], "text");
    let r = a
        .send(Method::POST, "/custom-fields", Some(json!({"key": "impact", "label": "Impact", "type": "single_choice", "choices": ["Me", "My team", "Everyone"]})))
        .await;
    assert_eq!(r.json["choices"], json!(["Me", "My team", "Everyone"]));
    let bad = [
        (
            json!({"key": "Bad Key", "label": "x", "type": "text"}),
            "key",
        ),
        (
            json!({"key": "pick", "label": "x", "type": "single_choice"}),
            "choices",
        ),
        (
            json!({"key": "pick", "label": "x", "type": "multiple_choice", "choices": ["a", "A"]}),
            "choices",
        ),
        (
            json!({"key": "count", "label": "x", "type": "text", "choices": ["a"]}),
            "choices",
        ),
        (
            json!({"key": "count", "label": "x", "type": "number", "minValue": 5, "maxValue": 1}),
            "maxValue",
        ),
        (
            json!({"key": "count", "label": "x", "type": "date", "maxLength": 5}),
            "maxLength",
        ),
        (
            json!({"key": "count", "label": "x", "type": "colour"}),
            "type",
        ),
    ];
    for (body, field) in bad {
        let r = a
            .send(Method::POST, "/custom-fields", Some(body.clone()))
            .await;
        r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
        assert_eq!(r.json["field"], field, "{body}: {}", r.text);
    }
    a.send(
        Method::POST,
        "/custom-fields",
        Some(json!({"key": "asset_tag", "label": "Again", "type": "text"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Conflict");
    // The key and type are fixed; the rules can change.
    let r = a
        .send(
            Method::PUT,
            &format!("/custom-fields/{asset}"),
            Some(json!({"key": "asset", "label": "Asset", "type": "text"})),
        )
        .await;
    assert_eq!(r.json["field"], "key");
    let r = a
        .send(
            Method::PUT,
            &format!("/custom-fields/{asset}"),
            Some(json!({"key": "asset_tag", "label": "Asset", "type": "number"})),
        )
        .await;
    assert_eq!(r.json["field"], "type");
    let r = a
        .send(
            Method::PUT,
            &format!("/custom-fields/{asset}"),
            Some(json!({"key": "asset_tag", "label": "Asset", "type": "text"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json["maxLength"],
        Value::Null,
        "PUT clears what it leaves out"
    );
    assert_eq!(r.json["required"], false);
    let r = a
        .send(
            Method::PATCH,
            &format!("/custom-fields/{asset}"),
            Some(json!({"maxLength": 30})),
        )
        .await;
    assert_eq!(r.json["maxLength"], 30);
    assert_eq!(r.json["label"], "Asset");
    // The portals read the definitions to render their forms.
    a.send(
        Method::POST,
        "/companies",
        Some(json!({"name": "Customer"})),
    )
    .await;
    a.send(Method::POST, "/contacts", Some(json!({"companyId": 1, "email": "c@customer.test", "firstName": "C", "password": PASSWORD})))
        .await;
    let contact = app
        .sign_in(&a.t, "portal", "c@customer.test", PASSWORD)
        .await;
    let fields = app
        .get(&a.t.host, "/api/v2/portal/custom-fields")
        .cookie(&contact)
        .send()
        .await;
    assert_eq!(fields.json["totalResults"], 2);
}

#[tokio::test]
async fn contacts_carry_their_roles() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    a.send(
        Method::POST,
        "/companies",
        Some(json!({"name": "Customer"})),
    )
    .await;
    let r = a
        .send(Method::POST, "/contacts", Some(json!({"companyId": 1, "email": "boss@customer.test", "firstName": "Boss", "isApprover": true, "isVip": true})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (
            r.json["isApprover"].as_bool(),
            r.json["isVip"].as_bool(),
            r.json["seesCompanyTickets"].as_bool()
        ),
        (Some(true), Some(true), Some(false))
    );
    let r = a
        .send(
            Method::PATCH,
            "/contacts/1",
            Some(json!({"seesCompanyTickets": true, "isVip": false})),
        )
        .await;
    assert_eq!(
        (
            r.json["isApprover"].as_bool(),
            r.json["isVip"].as_bool(),
            r.json["seesCompanyTickets"].as_bool()
        ),
        (Some(true), Some(false), Some(true))
    );
    let r = a
        .send(
            Method::PATCH,
            "/contacts/1",
            Some(json!({"isApprover": null})),
        )
        .await;
    assert_eq!(r.json["field"], "isApprover");
    // PUT replaces: roles it leaves out are off.
    let r = a
        .send(
            Method::PUT,
            "/contacts/1",
            Some(json!({"companyId": 1, "email": "boss@customer.test", "firstName": "Boss"})),
        )
        .await;
    assert_eq!(
        (
            r.json["isApprover"].as_bool(),
            r.json["seesCompanyTickets"].as_bool()
        ),
        (Some(false), Some(false))
    );
}

#[tokio::test]
async fn contact_groups_hold_contacts_of_their_own_company_as_managers_or_members() {
    let app = TestApp::new().await;
    let a = admin(&app, "acme").await;
    a.send(
        Method::POST,
        "/companies",
        Some(json!({"name": "Customer"})),
    )
    .await;
    a.send(
        Method::POST,
        "/companies",
        Some(json!({"name": "Other customer"})),
    )
    .await;
    for (company, email) in [
        (1, "ann@customer.test"),
        (1, "bob@customer.test"),
        (2, "eve@other.test"),
    ] {
        a.send(Method::POST, "/contacts", Some(json!({"companyId": company, "email": email, "firstName": email.split('@').next().unwrap()})))
            .await;
    }
    let r = a
        .send(
            Method::POST,
            "/companies/1/groups",
            Some(json!({"name": "Finance"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let group = r.json["id"].as_i64().unwrap();
    assert_eq!(r.json["company"], json!({"id": 1, "name": "Customer"}));
    let r = a
        .send(
            Method::PUT,
            &format!("/companies/1/groups/{group}/members/1"),
            Some(json!({"role": "manager"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    a.send(
        Method::PUT,
        &format!("/companies/1/groups/{group}/members/2"),
        Some(json!({"role": "member"})),
    )
    .await;
    // Another company's contact cannot join; a group is reached only through its company.
    let r = a
        .send(
            Method::PUT,
            &format!("/companies/1/groups/{group}/members/3"),
            Some(json!({"role": "member"})),
        )
        .await;
    r.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "ValidationFailed");
    assert_eq!(r.json["field"], "contactId");
    a.send(Method::GET, &format!("/companies/2/groups/{group}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let r = a
        .send(
            Method::PUT,
            &format!("/companies/1/groups/{group}/members/1"),
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!(r.json["field"], "role");
    let r = a
        .send(Method::GET, &format!("/companies/1/groups/{group}"), None)
        .await;
    let roles: Vec<(&str, &str)> = r.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["contact"]["name"].as_str().unwrap(),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(roles, [("ann", "manager"), ("bob", "member")]);

    // DeskDirector's Tech route, with its `guest` role, works for technicians.
    a.send(
        Method::POST,
        "/members",
        Some(
            json!({"email": "t@acme.test", "firstName": "T", "role": "tech", "password": PASSWORD}),
        ),
    )
    .await;
    let tech = app.sign_in(&a.t, "tech", "t@acme.test", PASSWORD).await;
    let r = app
        .call(
            Method::PUT,
            &a.t.host,
            &format!("/api/v3/tech/companies/1/teams/{group}/users/1"),
        )
        .cookie(&tech)
        .same_origin(&a.t.host)
        .json(json!({"role": "guest"}))
        .send()
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["members"][0]["role"], "member");
    let r = a
        .send(
            Method::DELETE,
            &format!("/companies/1/groups/{group}/members/2"),
            None,
        )
        .await;
    assert_eq!(r.json["members"].as_array().unwrap().len(), 1);
    a.send(
        Method::DELETE,
        &format!("/companies/1/groups/{group}/members/2"),
        None,
    )
    .await
    .assert_error(StatusCode::NOT_FOUND, "NotFound");
    let archived = a
        .send(
            Method::DELETE,
            &format!("/companies/1/groups/{group}"),
            None,
        )
        .await;
    assert_eq!(archived.json["isArchived"], true);
    a.send(
        Method::PUT,
        &format!("/companies/1/groups/{group}/members/2"),
        Some(json!({"role": "member"})),
    )
    .await
    .assert_error(StatusCode::CONFLICT, "Archived");
    // Another tenant sees none of it.
    let b = admin(&app, "beta").await;
    b.send(Method::GET, &format!("/companies/1/groups/{group}"), None)
        .await
        .assert_error(StatusCode::NOT_FOUND, "NotFound");
}
