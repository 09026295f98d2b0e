//! Every field of a ticket that deskd's own API answers is reachable through each façade: a new
//! native field fails this test until both façades show it.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{support::PASSWORD, tickets::desk};

/// `2026-12-07T18:01:02.123Z` as the façades write it: `2026-12-07 18:01:02`.
fn facade_date(v: &Value) -> Value {
    v.as_str()
        .map_or(Value::Null, |s| json!(s[..19].replace('T', " ")))
}

#[tokio::test]
async fn every_native_ticket_field_is_reachable_through_both_facades() {
    let app = crate::support::TestApp::new().await;
    let d = desk(&app, "acme").await;
    d.contact(1, "ann@customer.test", json!({})).await;
    for name in ["Hardware", "Printer"] {
        d.admin(Method::POST, "/categories", Some(json!({"name": name})))
            .await;
    }
    d.admin(Method::POST, "/tags", Some(json!({"name": "urgent"})))
        .await;
    d.admin(
        Method::POST,
        "/custom-fields",
        Some(json!({"key": "asset", "label": "Asset", "type": "text"})),
    )
    .await;
    let r = d
        .admin(
            Method::POST,
            "/tickets",
            Some(json!({
                "summary": "Printer on fire", "description": "Smoke everywhere", "contactId": 1,
                "requestTypeId": 1, "sourceId": 3, "categoryIds": [1, 2], "tags": ["urgent"],
                "customFields": {"asset": "PR-7"}, "assignedMemberIds": [1]
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = app
        .post(&d.t.host, &format!("/api/v3/admin/tickets/{id}/notes"))
        .auth(&format!("DdApi {}", d.key))
        .multipart(&[
            ("payload", None, br#"{"note": "Extinguisher sent"}"#),
            ("file", Some("photo.html"), b"<p>x</p>"),
        ])
        .send()
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let native = d
        .admin(Method::GET, &format!("/tickets/{id}"), None)
        .await
        .json;

    let key = d.key.clone();
    let get = |path: String, auth: String| {
        let app = &app;
        let host = d.t.host.clone();
        async move {
            let r = app.get(&host, &path).auth(&auth).send().await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
            r.json
        }
    };
    let d365 = get(
        format!("/apis/v3/tickets/details?ticket_number={id}&include_survey_details=1"),
        key.clone(),
    )
    .await;
    let conversations = get(
        format!("/apis/v3/tickets/conversations?ticket_number={id}"),
        key.clone(),
    )
    .await;
    let d365_history = get(
        format!("/apis/v3/tickets/activities?ticket_number={id}"),
        key.clone(),
    )
    .await;
    let login = app
        .post(&d.t.host, "/v1/login")
        .json(json!({"email": d.t.admin_email, "password": PASSWORD}))
        .send()
        .await;
    let bearer = format!("Bearer {}", login.json["access_token"].as_str().unwrap());
    let queue = native["queue"]["id"].as_i64().unwrap();
    let d360 = get(format!("/v1/products/{queue}/tickets/{id}"), bearer.clone()).await;
    let d360_history = get(
        format!("/v1/products/{queue}/tickets/{id}/activities"),
        bearer.clone(),
    )
    .await;
    let names = |v: &Value, field: &str| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].clone())
            .collect()
    };
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);

    for (field, value) in native.as_object().unwrap() {
        match field.as_str() {
            "id" => {
                assert_eq!(d365["ticket_number"], *value);
                assert_eq!(d360["id"], *value);
            }
            "summary" => {
                assert_eq!(d365["subject"], *value);
                assert_eq!(d360["subject"], *value);
            }
            "description" => {
                assert_eq!(d365["description_text"], *value);
                assert_eq!(d360["messages"][0]["message"], *value);
            }
            "requestType" => {
                assert_eq!(d365["type"], value["name"]);
                assert_eq!(d360["reason_id"], value["id"]);
            }
            "account" => {
                assert_eq!(d365["company_name"], value["name"]);
                assert_eq!(d360["company_name"], value["name"]);
            }
            "contact" => {
                assert_eq!(d365["contact_name"], value["name"]);
                assert_eq!(d360["name"], value["name"]);
            }
            "contactGroup" => {
                assert_eq!(
                    d365["contact_group"],
                    value.get("name").cloned().unwrap_or(Value::Null)
                );
                assert_eq!(d360["contact_group"], d365["contact_group"]);
            }
            "categories" => {
                assert_eq!(
                    d365["categories"].as_array().unwrap(),
                    &names(value, "name")
                );
                let ids: Vec<Value> = names(value, "id")
                    .iter()
                    .map(|i| json!(i.as_str().unwrap().parse::<i64>().unwrap()))
                    .collect();
                assert_eq!(d360["type_ids"].as_array().unwrap(), &ids);
            }
            "source" => {
                assert_eq!(value["name"], "Portal");
                assert_eq!(d365["source"], "6");
                assert_eq!(d360["channel"], value["name"]);
            }
            "queue" => {
                assert_eq!(d365["group"], value["name"]);
                // Desk360 reached it under its product, the queue.
            }
            "status" => {
                assert_eq!(
                    d365["status"],
                    json!(value["name"].as_str().unwrap().to_lowercase())
                );
                assert_eq!(d360["status"], 0);
            }
            "priority" => {
                assert_eq!(value["name"], "Medium");
                assert_eq!(
                    (d365["priority"].as_i64(), d360["priority"].as_i64()),
                    (Some(5), Some(1))
                );
            }
            "assignedAgents" => {
                assert_eq!(d365["assigned_agents"], json!([d.t.admin_email]));
                assert_eq!(d360["agent_ids"].as_array().unwrap(), &names(value, "id"));
            }
            "tags" => {
                assert_eq!(d365["tags"], *value);
                assert_eq!(d360["tags"], *value);
            }
            "customFields" => {
                assert_eq!(d365["custom_fields"]["cf_asset"], value["asset"]);
                assert_eq!(
                    d360["custom_fields"],
                    json!([{"name": "asset", "value": value["asset"]}])
                );
            }
            "isClosed" => {
                assert_eq!(d365["closed_on"].is_null(), !value.as_bool().unwrap());
                assert_eq!(d360["closed_at"].is_null(), !value.as_bool().unwrap());
            }
            "approval" => {
                assert_eq!(d365["approval"], *value);
                assert_eq!(d360["approval"], *value);
            }
            "mergedInto" => {
                assert_eq!(d365["merged_into"], *value);
                assert_eq!(d360["merged_into"], *value);
            }
            "isArchived" => {
                assert_eq!(d365["is_archived"], *value);
                assert_eq!(d360["is_archived"], *value);
            }
            "createdOn" => {
                assert_eq!(d365["created_on"], facade_date(value));
                assert_eq!(d360["created_at"], facade_date(value));
            }
            "modifiedOn" => {
                assert_eq!(d365["updated_on"], facade_date(value));
                assert_eq!(d360["updated_at"], facade_date(value));
            }
            "closedOn" => {
                assert_eq!(d365["closed_on"], facade_date(value));
                assert_eq!(d360["closed_at"], facade_date(value));
            }
            "sla" => {
                let policy = value.get("policyName").cloned().unwrap_or(Value::Null);
                assert_eq!(d365["sla"], policy);
                assert_eq!(d360["sla_name"], policy);
            }
            "survey" => {
                assert_eq!(d365["survey_rating"].is_null(), value.is_null());
                assert_eq!(d360["survey"].is_null(), value.is_null());
            }
            "notes" => {
                assert_eq!(count(&conversations["conversations"]), count(value));
                assert_eq!(
                    count(&d360["messages"]),
                    count(value) + 1,
                    "the description is first"
                );
            }
            "activities" => {
                assert_eq!(count(&d365_history), count(value));
                assert_eq!(count(&d360_history), count(value));
                assert_eq!(d365_history[0]["type"], value[0]["type"]);
            }
            "attachments" => {
                assert_eq!(count(&d365["attachments"]), count(value));
                let files: usize = d360["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| {
                        ["images", "videos", "files", "others"]
                            .iter()
                            .map(|k| count(&m["attachments"][*k]))
                            .sum::<usize>()
                    })
                    .sum();
                assert_eq!(files, count(value));
            }
            other => panic!("the native ticket field `{other}` is not shown by the façades"),
        }
    }
}
