//! The OpenAPI documents: committed copies match the code, Swagger serves them, security is declared.

use axum::http::StatusCode;
use serde_json::Value;

use crate::support::TestApp;

#[test]
fn the_committed_openapi_documents_match_what_the_code_generates() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi");
    for (name, document) in deskd::http::api().documents {
        let path = dir.join(format!("{name}.json"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == deskd::http::openapi::to_pretty_json(&document),
            "{} differs from the code: run `cargo run -- openapi` and commit the result",
            path.display()
        );
    }
}

fn operation<'a>(doc: &'a Value, path: &str, method: &str) -> &'a Value {
    doc["paths"][path]
        .get(method)
        .unwrap_or_else(|| panic!("{method} {path} is documented"))
}

fn schemes(op: &Value) -> Vec<String> {
    op["security"]
        .as_array()
        .map(|reqs| {
            reqs.iter()
                .flat_map(|r| r.as_object().unwrap().keys().cloned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn swagger_serves_each_version_with_its_security_schemes() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let mut documents = std::collections::HashMap::new();
    for v in 1..=3 {
        let r = app
            .get(&t.host, &format!("/swagger/v{v}/swagger.json"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.json["openapi"].as_str().unwrap().starts_with("3.1"));
        let declared = r.json["components"]["securitySchemes"].as_object().unwrap();
        for scheme in ["DdApi", "DdAccessToken", "Basic", "cookie"] {
            assert!(declared.contains_key(scheme), "v{v} declares {scheme}");
        }
        documents.insert(v, r.json);
    }
    let ui = app.get(&t.host, "/swagger/").send().await;
    assert!(
        ui.text.contains("<html") || ui.text.contains("<!DOCTYPE"),
        "Swagger UI page"
    );
    // The version selector lists the three documents.
    let initializer = app
        .get(&t.host, "/swagger/swagger-initializer.js")
        .send()
        .await
        .text;
    for v in 1..=3 {
        assert!(
            initializer.contains(&format!("/swagger/v{v}/swagger.json")),
            "{initializer}"
        );
        // `/swagger/v2` opens the page on that version.
        let r = app.get(&t.host, &format!("/swagger/v{v}")).send().await;
        assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(
            r.headers["location"],
            format!("/swagger/?urls.primaryName=v{v}").as_str()
        );
    }
    // The page never sends the document's address to the online validator.
    assert!(
        initializer.contains("\"validatorUrl\": \"none\""),
        "{initializer}"
    );

    let v2 = &documents[&2];
    assert_eq!(
        schemes(operation(v2, "/api/v2/tech/me", "get")),
        ["DdAccessToken", "Basic", "cookie"]
    );
    assert_eq!(
        schemes(operation(v2, "/api/v2/portal/me", "get")),
        ["DdAccessToken", "cookie"]
    );
    assert_eq!(
        schemes(operation(
            v2,
            "/api/v2/automate/connector/connections/test",
            "get"
        )),
        ["DdApi"]
    );
    assert!(schemes(operation(v2, "/api/v2/tech/auth/login", "post")).is_empty());
    assert!(
        schemes(operation(
            v2,
            "/api/v2/user/member/{memberId}/userkey",
            "get"
        ))
        .contains(&"DdApi".to_string())
    );
    let v3 = &documents[&3];
    assert_eq!(
        schemes(operation(v3, "/api/v3/admin/members", "post")),
        ["DdApi", "DdAccessToken", "Basic", "cookie"]
    );
    assert_eq!(
        schemes(operation(v3, "/api/v3/platform/tenants", "post")),
        ["PlatformToken"]
    );
    assert!(operation(v3, "/api/v3/admin/members", "get")["responses"]["default"].is_object());
    // Operation ids are unique in each document, even for handlers mounted in two families.
    for (v, doc) in &documents {
        let mut ids: Vec<String> = vec![];
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                if let Some(id) = op["operationId"].as_str() {
                    ids.push(id.to_string());
                }
            }
        }
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "v{v} repeats an operationId");
    }
    // v1 documents the same schemas in PascalCase.
    let v1 = &documents[&1];
    let company = &v1["components"]["schemas"]["CompanyView"]["properties"];
    assert!(
        company.get("Name").is_some() && company.get("name").is_none(),
        "{company}"
    );
}

#[tokio::test]
async fn the_facades_have_documents_of_their_own_and_the_connector_keeps_its_operation_ids() {
    let app = TestApp::new().await;
    let t = app.tenant("acme").await;
    let initializer = app
        .get(&t.host, "/swagger/swagger-initializer.js")
        .send()
        .await
        .text;
    for (name, scheme, path) in [
        ("desk365", "Desk365Key", "/apis/v3/tickets"),
        (
            "desk360",
            "Desk360Token",
            "/v1/products/{productId}/tickets",
        ),
    ] {
        assert!(initializer.contains(&format!("/swagger/{name}/swagger.json")));
        let r = app
            .get(&t.host, &format!("/swagger/{name}/swagger.json"))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.json["components"]["securitySchemes"][scheme].is_object());
        let op = operation(&r.json, path, "get");
        assert_eq!(schemes(op), [scheme]);
        assert_eq!(
            op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/FacadeError"
        );
        let r = app.get(&t.host, &format!("/swagger/{name}")).send().await;
        assert_eq!(r.status, StatusCode::TEMPORARY_REDIRECT);
    }
    // The Power Automate connector's operations keep the definition's exact ids.
    let definition: Value = serde_json::from_str(include_str!(
        "../fixtures/deskdirector-connector-v1.6.swagger.json"
    ))
    .unwrap();
    let v2: Value = serde_json::from_str(include_str!("../../openapi/v2.json")).unwrap();
    let ours: Vec<&str> = v2["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter(|op| op["tags"][0] == "Automate connector")
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    for item in definition["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                assert!(ours.contains(&id), "{id} is not in the v2 document");
            }
        }
    }
}
