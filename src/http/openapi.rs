//! OpenAPI: one document per API version, generated from the handlers' annotations. Families set
//! their operations' security from the same rule that guards them, so the spec cannot drift.

use axum::{
    extract::Request,
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use serde_json::Value;
use utoipa::{
    PartialSchema,
    openapi::{
        self, ContentBuilder, OpenApi, RefOr, ResponseBuilder,
        path::Operation,
        security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
        },
    },
};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::{Authentication, Family},
    http::{
        casing::{Case, convert_schema_properties},
        envelope::ErrorBody,
    },
    state::AppState,
};

/// Routes that need `family`'s credentials: guarded here, and documented as such.
pub fn family(
    family: Family,
    tag: &str,
    routes: OpenApiRouter<AppState>,
) -> OpenApiRouter<AppState> {
    let mut routes =
        routes.route_layer(middleware::from_fn(move |request: Request, next: Next| {
            guard(family, request, next)
        }));
    if family == Family::Public {
        keep_reads(routes.get_openapi_mut());
    }
    for_each_operation(routes.get_openapi_mut(), |operation| {
        operation.tags = Some(vec![tag.to_string()]);
        operation.security = Some(
            family
                .security_schemes()
                .iter()
                .map(|scheme| SecurityRequirement::new(*scheme, Vec::<String>::new()))
                .collect(),
        );
    });
    routes
}

/// Leaves out of a document the writes its family refuses (the Public family only reads and
/// queries: GET and `POST …/find`).
fn keep_reads(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.ends_with("/find") {
            item.post = None;
        }
        (item.put, item.patch, item.delete) = (None, None, None);
    }
    doc.paths
        .paths
        .retain(|_, item| item.get.is_some() || item.post.is_some() || item.head.is_some());
}

/// Routes anyone may call (sign-in, health); documented without security.
pub fn open(tag: &str, mut routes: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    for_each_operation(routes.get_openapi_mut(), |operation| {
        operation.tags = Some(vec![tag.to_string()]);
    });
    routes
}

/// The platform API: one bearer token, set by the operator.
pub fn platform_security(doc: &mut OpenApi) {
    for_each_operation(doc, |operation| {
        operation.tags = Some(vec!["Platform".to_string()]);
        operation.security = Some(vec![SecurityRequirement::new(
            "PlatformToken",
            Vec::<String>::new(),
        )]);
    });
}

async fn guard(family: Family, request: Request, next: Next) -> Response {
    let anonymous = Authentication::Anonymous;
    let authentication = request
        .extensions()
        .get::<Authentication>()
        .unwrap_or(&anonymous);
    match family.admit(authentication, request.method(), request.uri().path()) {
        Ok(_) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

pub fn for_each_operation(doc: &mut OpenApi, mut f: impl FnMut(&mut Operation)) {
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ]
        .into_iter()
        .flatten()
        {
            f(operation);
        }
    }
}

/// Titles, security schemes and the shared error response; for v1, PascalCase schemas.
pub fn finalize(version: u8, mut doc: OpenApi) -> Value {
    doc.info = openapi::InfoBuilder::new()
        .title(format!("deskd API v{version}"))
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(match version {
            1 => "Legacy API. JSON properties are PascalCase.",
            2 => "The integration API (DeskDirector v2): portal, tech, user, copilot and Power Automate connector groups. camelCase JSON.",
            _ => "Administration API (v3) and the platform (provisioning) API on the base domain. camelCase JSON.",
        }))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .schemas
        .insert("ErrorBody".into(), ErrorBody::schema());
    add_security_schemes(components, version);
    let error_response = ResponseBuilder::new()
        .description("Any failure: the standard error body.")
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(openapi::Ref::from_schema_name(
                    "ErrorBody",
                ))))
                .build(),
        )
        .build();
    for_each_operation(&mut doc, |operation| {
        operation
            .responses
            .responses
            .insert("default".into(), RefOr::T(error_response.clone()));
    });
    document_costs(&mut doc);
    describe_responses(&mut doc);
    unique_operation_ids(&mut doc);
    let mut value = serde_json::to_value(&doc).expect("an OpenAPI document serialises");
    close_forms(&mut value);
    if version == 1 {
        convert_schema_properties(&mut value, Case::Pascal);
    }
    value
}

/// The credential schemes operations refer to: `DdApi`, `DdAccessToken`, `Basic` and `cookie`, and
/// in v3 the platform token.
fn add_security_schemes(components: &mut openapi::Components, version: u8) {
    let header = |description: &str| {
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            description,
        )))
    };
    components.add_security_scheme(
        "DdApi",
        header("`Authorization: DdApi <api key>`: a tenant API key (acts as an admin)."),
    );
    components.add_security_scheme(
        "DdAccessToken",
        header("`Authorization: DdAccessToken <jwt>`: a 60-minute access token; audience `portal` (contacts) or `tech` (members)."),
    );
    components.add_security_scheme(
        "Basic",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some("`Authorization: Basic <personal access token>`: the raw token, as DeskDirector's Tech connector sends it (base64 `user:token` also works)."))
                .build(),
        ),
    );
    components.add_security_scheme(
        "cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::session::COOKIE_NAME,
            "The session cookie set by `…/auth/login` (named `deskd_session` when DESKD_COOKIE_SECURE=false). Unsafe methods must come from the site's own pages (Origin check).",
        ))),
    );
    if version == 3 {
        components.add_security_scheme(
            "MailboxSecret",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <mailbox secret>` (or Basic with the secret as the password), for a mailbox's inbound endpoint only.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "PlatformToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "`Authorization: Bearer <DESKD_PLATFORM_TOKEN>`, on the base domain only.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Operations that cost more than one rate-limit unit say so, from the table the limiter uses.
fn document_costs(doc: &mut OpenApi) {
    use axum::http::Method;

    use crate::http::rate_limit::{WORD_SEARCH_COST, cost_of};
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, operation) in [
            (Method::GET, &mut item.get),
            (Method::POST, &mut item.post),
            (Method::PUT, &mut item.put),
            (Method::PATCH, &mut item.patch),
            (Method::DELETE, &mut item.delete),
        ] {
            let Some(operation) = operation else { continue };
            let cost = cost_of(&method, path, None);
            let with_words = cost_of(&method, path, Some("q=words"));
            if cost == 1 && with_words == 1 {
                continue;
            }
            let note = if with_words > cost {
                format!(
                    "Rate-limit cost: {cost} units ({WORD_SEARCH_COST} when `q` searches words)."
                )
            } else {
                format!("Rate-limit cost: {cost} units.")
            };
            operation.description = Some(match operation.description.take() {
                Some(text) if !text.is_empty() => format!("{text}\n\n{note}"),
                _ => note,
            });
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .insert("x-rate-limit-cost".into(), serde_json::json!(cost));
        }
    }
}

/// The multipart forms as the server reads them: `payload` is JSON, and no part beyond `payload` and
/// the files is taken (utoipa has no attribute for either).
fn close_forms(document: &mut Value) {
    if let Some(schemas) = document.pointer_mut("/components/schemas") {
        for form in ["FormWithFiles", "FilesForm"] {
            if let Some(Value::Object(schema)) = schemas.get_mut(form) {
                schema.insert("additionalProperties".into(), Value::Bool(false));
            }
        }
    }
    let Some(Value::Object(paths)) = document.get_mut("paths") else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        if let Some(form) = operation.pointer_mut("/requestBody/content/multipart~1form-data")
            && form.pointer("/schema/$ref").and_then(Value::as_str)
                == Some("#/components/schemas/FormWithFiles")
        {
            form["encoding"] = serde_json::json!({"payload": {"contentType": "application/json"}});
        }
    }
}

/// OpenAPI requires a description on every response; those the annotations leave without one get
/// their status's reason phrase ("OK", "Created", "No Content" …).
fn describe_responses(doc: &mut OpenApi) {
    for_each_operation(doc, |operation| {
        for (status, response) in operation.responses.responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            if response.description.is_empty() {
                response.description = status
                    .parse::<u16>()
                    .ok()
                    .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
                    .and_then(|code| code.canonical_reason())
                    .unwrap_or("The answer.")
                    .to_string();
            }
        }
    });
}

/// The family whose operationIds stay exactly as DeskDirector's Power Automate connector names
/// them, even where the Tech connector (copilot) uses the same names (`FindTickets`, `GetTicket`).
const CONNECTOR_TAG: &str = "Automate connector";

/// A handler mounted in two families of one version (a shared read-only list) would repeat its
/// operationId; the repeats get their family's tag appended, except in the connector's family.
fn unique_operation_ids(doc: &mut OpenApi) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for_each_operation(doc, |operation| {
        if let Some(id) = &operation.operation_id {
            *seen.entry(id.clone()).or_default() += 1;
        }
    });
    for_each_operation(doc, |operation| {
        let Some(id) = operation.operation_id.clone() else {
            return;
        };
        if seen.get(&id).is_some_and(|n| *n > 1) {
            let tag = operation
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_default();
            if tag == CONNECTOR_TAG {
                return;
            }
            operation.operation_id = Some(format!("{id}_{}", tag.to_lowercase().replace(' ', "_")));
        }
    });
}

/// The committed form of a document: pretty JSON with a trailing newline.
pub fn to_pretty_json(document: &Value) -> String {
    let mut text = serde_json::to_string_pretty(document).expect("JSON values serialise");
    text.push('\n');
    text
}

/// The helpdesks whose APIs deskd also speaks, each with a document of its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facade {
    Desk365,
    Desk360,
}

/// A façade's document: its title, its one credential scheme, and its own error body.
pub fn facade(facade: Facade, mut doc: OpenApi) -> Value {
    let (title, description, tag, scheme_name, scheme, error) = match facade {
        Facade::Desk365 => (
            "Desk365-compatible API v3",
            "Desk365's API v3 on the tenant's host (`/apis/v3/…`), over deskd's tickets, contacts, companies and surveys. Send the tenant's API key bare: `Authorization: <api key>`. Errors: `{status, error, message}`.",
            "Desk365",
            "Desk365Key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The tenant's API key, sent bare (no scheme), as Desk365 sends its key.",
            ))),
            serde_json::json!({
                "type": "object",
                "required": ["status", "error", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "error": {"type": "string"},
                    "message": {"type": "string"}
                }
            }),
        ),
        Facade::Desk360 => (
            "Desk360-compatible API v1",
            "Desk360's API v1 on the tenant's host (`/v1/…`). A product is a deskd queue. Sign in with `POST /v1/login` (a member's email and password) or use a member's personal access token: `Authorization: Bearer <token>`. Errors: `{\"error\": {code, message, doc_url}}`.",
            "Desk360",
            "Desk360Token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A member's personal access token, from `POST /v1/login` or made by an admin.",
                    ))
                    .build(),
            ),
            serde_json::json!({
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message", "doc_url"],
                        "properties": {
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                            "doc_url": {"type": "string"}
                        }
                    }
                }
            }),
        ),
    };
    doc.info = openapi::InfoBuilder::new()
        .title(title)
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(description))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(scheme_name, scheme);
    let open = ["/v1/login"];
    for (path, item) in doc.paths.paths.iter_mut() {
        let is_open = open.contains(&path.as_str());
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            operation.tags = Some(vec![tag.to_string()]);
            if !is_open {
                operation.security = Some(vec![SecurityRequirement::new(
                    scheme_name,
                    Vec::<String>::new(),
                )]);
            }
            operation.responses.responses.insert(
                "default".into(),
                RefOr::T(
                    ResponseBuilder::new()
                        .description("Any failure, in this API's error shape.")
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(openapi::Ref::from_schema_name(
                                    "FacadeError",
                                ))))
                                .build(),
                        )
                        .build(),
                ),
            );
        }
    }
    describe_responses(&mut doc);
    let mut value = serde_json::to_value(&doc).expect("an OpenAPI document serialises");
    value["components"]["schemas"]["FacadeError"] = error;
    value
}
