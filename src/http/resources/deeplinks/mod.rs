//! Portal deep links (`/portal/deeplink?name=…`): each command of DeskDirector's deep-link
//! reference redirects to the portal route it names, first signing the contact in when the link
//! carries credentials. Passwordless sign-in uses one-time login codes, which a contact asks for
//! (delivered by the tenant's webhook or flow) or an integrator mints with an API key.

mod landing;

use std::collections::HashMap;

use axum::{
    Extension, Json,
    extract::State,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::{
        extractors::{AdminCaller, ClientAddr, CurrentTenant},
        session,
    },
    domain::Tenant,
    error::{Error, Kind, Result},
    http::extract::{ApiJson, ApiPath, ApiQuery},
    http::idempotency::{OneTimeSecret, one_time_secret},
    service::{
        branding,
        configuration::{RequestTypes, Resource},
        contacts, content_pages, menus,
        sessions::{self, NewSession},
        tickets,
    },
    state::AppState,
};

/// Where the portal's pages live; a deep link resolves to one of them.
pub const PORTAL: &str = "/portal";

/// The `action`s a ticket link may carry, for the portal to perform or prompt for.
const TICKET_ACTIONS: &[&str] = &[
    "chat",
    "close",
    "approve",
    "decline",
    "auto_approve",
    "auto_decline",
    "reopen",
    "flag",
    "fasttrack",
    "forms",
];
const LIST_STATES: &[&str] = &["open", "closed", "approval"];
/// Every command, for the error that names an unknown one.
const COMMANDS: &[&str] = &[
    "ticket",
    "ticket_list",
    "support_options",
    "pre_ticket_chat",
    "request_types",
    "request_type",
    "notifications",
    "content_page",
    "invoices",
    "invoice",
    "quotes",
    "quote",
    "menu_item",
];

/// The deep link, and the portal routes it leads to (landing pages, or redirects to the portal).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(deeplink))
        .routes(routes!(landing::landing))
        .route("/portal/{route}/{*rest}", get(landing::landing))
        .route("/portal/", get(landing::landing))
}

pub fn portal_open_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(request_login_code))
}

pub fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_login_code))
}

/// A required parameter: present, non-empty, at most 100 characters.
fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str> {
    let value = params
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::bad_request(name, format!("this deep link needs `{name}`")))?;
    if value.len() > 100 {
        return Err(Error::bad_request(
            name,
            format!("`{name}` is at most 100 characters"),
        ));
    }
    Ok(value)
}

fn positive_id(params: &HashMap<String, String>, name: &str) -> Result<String> {
    required(params, name)?
        .parse::<i32>()
        .ok()
        .filter(|id| *id > 0)
        .map(|id| id.to_string())
        .ok_or_else(|| Error::bad_request(name, format!("`{name}` must be a positive number")))
}

fn one_of<'a>(
    params: &'a HashMap<String, String>,
    name: &str,
    allowed: &[&str],
) -> Result<Option<&'a str>> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => Err(Error::bad_request(
            name,
            format!("`{v}` is not a {name}; use one of {}", allowed.join(", ")),
        )),
    }
}

/// The portal path and query a command leads to; no `name` is the portal's home (a sign-in link).
fn portal_route(params: &HashMap<String, String>) -> Result<String> {
    let mut url = reqwest::Url::parse("http://portal.invalid").expect("a fixed URL");
    let mut query: Vec<(&str, String)> = vec![];
    let segments: Vec<String> = match params.get("name").map(|n| n.trim()) {
        None | Some("") => vec![],
        Some("ticket") => {
            if let Some(action) = one_of(params, "action", TICKET_ACTIONS)? {
                query.push(("action", action.into()));
            }
            vec!["tickets".into(), positive_id(params, "ticket_id")?]
        }
        Some("ticket_list") => {
            let state = one_of(params, "state", LIST_STATES)?.unwrap_or("open");
            query.push(("state", state.into()));
            vec!["tickets".into()]
        }
        Some("support_options") => vec!["support".into()],
        Some("pre_ticket_chat") => vec!["support".into(), "chat".into()],
        Some("request_types") => vec!["request-types".into()],
        Some("request_type") => vec!["request-types".into(), positive_id(params, "type_id")?],
        Some("notifications") => vec!["notifications".into()],
        Some("content_page") => vec!["pages".into(), positive_id(params, "page_id")?],
        Some("invoices") => vec!["invoices".into()],
        Some("invoice") => vec!["invoices".into(), required(params, "invoice_id")?.into()],
        Some("quotes") => vec!["quotes".into()],
        Some("quote") => vec!["quotes".into(), required(params, "quote_id")?.into()],
        Some("menu_item") => vec!["menu".into(), positive_id(params, "menu_id")?],
        Some(other) => {
            return Err(Error::bad_request(
                "name",
                format!(
                    "`{other}` is not a deep link; use one of {}",
                    COMMANDS.join(", ")
                ),
            ));
        }
    };
    {
        let mut path = url.path_segments_mut().expect("an http URL has a path");
        path.clear().push(PORTAL.trim_start_matches('/'));
        for segment in &segments {
            path.push(segment);
        }
        if segments.is_empty() {
            path.push("");
        }
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    Ok(match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    })
}

/// The page, menu item or request type a link names must exist (and be live): a 404 otherwise, so
/// a link never lands on a route with nothing behind it.
async fn check_target(
    state: &AppState,
    tenant: &Tenant,
    params: &HashMap<String, String>,
) -> Result<()> {
    let id = |name: &str| positive_id(params, name).map(|id| id.parse::<i32>().unwrap_or_default());
    match params.get("name").map(|n| n.trim()) {
        Some("content_page") => {
            content_pages::get(state, tenant, id("page_id")?).await?;
        }
        Some("menu_item") => {
            let item = menus::get(state, tenant, id("menu_id")?).await?;
            if !item.enabled {
                return Err(Error::not_found("menu item"));
            }
        }
        Some("request_type") => {
            let live = RequestTypes::get(state, tenant, id("type_id")?).await?;
            if live.archived_at.is_some() {
                return Err(Error::not_found("request type"));
            }
        }
        _ => {}
    }
    Ok(())
}

/// Where a portal path lands: under the tenant's portal base URL when one is set.
fn land(base: Option<&str>, target: &str) -> String {
    match base {
        None => target.to_string(),
        Some(base) => {
            branding::portal_url(Some(base), target.strip_prefix(PORTAL).unwrap_or(target))
        }
    }
}

/// Carries out `auto_approve` / `auto_decline` for the contact the link itself signed in; the
/// landing says how it went (`approval=granted|declined`, or `approval_error=…`).
async fn approve_from_link(
    state: &AppState,
    tenant: &Tenant,
    params: &HashMap<String, String>,
    contact: i32,
) -> Option<(&'static str, &'static str)> {
    if params.get("name").map(|n| n.trim()) != Some("ticket") {
        return None;
    }
    let grant = match params.get("action").map(|a| a.trim()) {
        Some("auto_approve") => true,
        Some("auto_decline") => false,
        _ => return None,
    };
    let ticket = positive_id(params, "ticket_id").ok()?.parse::<i32>().ok()?;
    let outcome = async {
        let company = contacts::get(state, tenant, contact).await?.company_id;
        let reason = (!grant).then(|| "Declined from the approval link.".to_string());
        tickets::decide_approval(state, tenant, contact, company, ticket, grant, reason).await
    }
    .await;
    Some(match outcome {
        Ok(_) if grant => ("approval", "granted"),
        Ok(_) => ("approval", "declined"),
        Err(e) if e.is(Kind::Forbidden) => ("approval_error", "not_an_approver"),
        Err(e) if e.is(Kind::Conflict) => ("approval_error", "not_awaiting_approval"),
        Err(e) if e.is(Kind::NotFound) => ("approval_error", "ticket_not_found"),
        Err(_) => ("approval_error", "approval_failed"),
    })
}

/// The target with the link's `action` replaced by what carrying it out gave.
fn with_outcome(target: &str, (key, value): (&str, &str)) -> String {
    let mut url =
        reqwest::Url::parse(&format!("http://portal.invalid{target}")).expect("a portal path");
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "action")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair(key, value);
    format!("{}?{}", url.path(), url.query().unwrap_or_default())
}

/// Why a link's sign-in failed, as the login page's `error` (never the credentials themselves).
fn failure_code(error: &Error) -> &'static str {
    match error.kind {
        Kind::TooManyRequests => "too_many_attempts",
        Kind::Forbidden => "method_switched_off",
        Kind::Unauthenticated | Kind::Malformed | Kind::Invalid => "invalid_credentials",
        _ => "sign_in_failed",
    }
}

/// Which credentials a link carries; `None` when it carries none.
async fn sign_in_from_link(
    state: &AppState,
    tenant: &Tenant,
    params: &HashMap<String, String>,
    client: std::net::IpAddr,
) -> Option<Result<NewSession, &'static str>> {
    let get = |name: &str| {
        params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let result = match (
        get("access_token"),
        get("auth_username"),
        get("auth_password"),
        get("auth_token"),
    ) {
        (Some(token), ..) => sessions::sign_in_with_access_token(state, tenant, token).await,
        (None, Some(email), Some(password), _) => {
            sessions::sign_in(
                state,
                tenant,
                crate::domain::UserKind::Contact,
                email,
                password.to_string(),
                client,
            )
            .await
        }
        (None, Some(email), None, Some(code)) => {
            sessions::sign_in_with_code(state, tenant, email, code, client).await
        }
        (None, Some(_), None, None) => return Some(Err("missing_credentials")),
        (None, None, ..) => return None,
    };
    Some(result.map_err(|e| failure_code(&e)))
}

/// Follow a portal deep link. Commands (`name`): ticket (`ticket_id`, optional `action`),
/// ticket_list (`state`), support_options, pre_ticket_chat, request_types, request_type
/// (`type_id`), notifications, content_page (`page_id`), invoices, invoice (`invoice_id`), quotes,
/// quote (`quote_id`), menu_item (`menu_id`); a page, menu item or request type that does not exist
/// is a 404. The redirect goes to the tenant's portal base URL (branding) when one is set, else to
/// this host's `/portal`. With `access_token`, `auth_username` + `auth_password`, or
/// `auth_username` + `auth_token` (a one-time login code) the contact is signed in first
/// (`auth_remember_me=false` for a cookie that ends with the browser session); bad credentials
/// redirect to `/portal/login?error=…&return_to=…`. A ticket link with `action=auto_approve` or
/// `auto_decline` that signs its approver in carries out the decision and lands on the ticket with
/// `approval=granted|declined` or `approval_error=not_an_approver|not_awaiting_approval|…`;
/// without credentials in the link (a cookie alone) nothing is decided.
#[utoipa::path(get, path = "/portal/deeplink", responses((status = 303, description = "To the portal route, or to the login page with an error code"), (status = 400, body = crate::http::envelope::ErrorBody)))]
pub async fn deeplink(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ClientAddr(client): ClientAddr,
    ApiQuery(params): ApiQuery<HashMap<String, String>>,
) -> Result<Response> {
    let target = portal_route(&params)?;
    check_target(&state, &tenant, &params).await?;
    let base = branding::get(&state, &tenant).await?.portal_base_url;
    let remember = !matches!(
        params
            .get("auth_remember_me")
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref(),
        Some("false" | "0" | "no")
    );
    let mut headers = vec![
        // The link may carry a password: keep it out of caches and of the next page's Referer.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
    ];
    let location = match sign_in_from_link(&state, &tenant, &params, client).await {
        None => land(base.as_deref(), &target),
        Some(Ok(session)) => {
            let secure = state.config.cookie_secure;
            headers.push((
                header::SET_COOKIE,
                if remember {
                    session::set_cookie(&session.token, state.config.session_ttl.as_secs(), secure)
                } else {
                    session::set_browser_session_cookie(&session.token, secure)
                },
            ));
            // Only a link that itself signed the contact in carries out an approval; a cookie
            // alone never does (that would be a cross-site request).
            match approve_from_link(&state, &tenant, &params, session.user_id).await {
                Some(outcome) => land(base.as_deref(), &with_outcome(&target, outcome)),
                None => land(base.as_deref(), &target),
            }
        }
        Some(Err(code)) => {
            let mut url =
                reqwest::Url::parse("http://portal.invalid/portal/login").expect("a fixed URL");
            url.query_pairs_mut()
                .append_pair("error", code)
                .append_pair("return_to", &target);
            land(
                base.as_deref(),
                &format!("{}?{}", url.path(), url.query().unwrap_or_default()),
            )
        }
    };
    headers.push((
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(Error::internal)?,
    ));
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().extend(headers);
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
pub struct LoginCodeRequest {
    pub email: String,
}

/// Accepted: whether or not the email is known, the answer is the same.
#[derive(Serialize, ToSchema)]
pub struct LoginCodeAccepted {}

/// Ask for a one-time login code (six digits, usable once, for 15 minutes). The code goes out as
/// a `contact.login_code_requested` event for the tenant's webhook or flow to deliver.
#[utoipa::path(post, path = "/auth/login-code", request_body = LoginCodeRequest, responses((status = 202, body = LoginCodeAccepted)))]
pub async fn request_login_code(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ClientAddr(client): ClientAddr,
    ApiJson(input): ApiJson<LoginCodeRequest>,
) -> Result<(StatusCode, Json<LoginCodeAccepted>)> {
    sessions::request_login_code(&state, &tenant, &input.email, client).await?;
    Ok((StatusCode::ACCEPTED, Json(LoginCodeAccepted {})))
}

/// A one-time login code minted for a contact, with a deep link that signs them in.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginCodeView {
    pub code: String,
    pub expires_on: DateTime<Utc>,
    /// `/portal/deeplink?auth_username=…&auth_token=…`, relative to the tenant's host.
    pub login_link: String,
}

/// Mint a one-time login code for a contact, to send in your own message. Read-only keys cannot;
/// a contact holds at most five codes from one quarter hour (then 429).
#[utoipa::path(post, path = "/contact/{contactId}/login-code", params(("contactId" = i32, Path)), responses((status = 201, body = LoginCodeView)))]
pub async fn create_login_code(
    State(state): State<AppState>,
    caller: AdminCaller,
    ApiPath(contact): ApiPath<i32>,
) -> Result<(StatusCode, Extension<OneTimeSecret>, Json<LoginCodeView>)> {
    if caller.principal.is_read_only_key() {
        return Err(Error::forbidden(
            "a read-only API key cannot mint login codes",
        ));
    }
    let email = contacts::get(&state, &caller.tenant, contact).await?.email;
    let code = sessions::issue_login_code(&state, &caller.tenant, contact)
        .await?
        .ok_or_else(|| {
            Error::new(
                Kind::TooManyRequests,
                "too_many_requests",
                "this contact already holds five login codes from the last 15 minutes",
            )
            .with_retry_after(sessions::LOGIN_CODE_TTL.as_secs())
        })?;
    let mut link =
        reqwest::Url::parse("http://portal.invalid/portal/deeplink").expect("a fixed URL");
    link.query_pairs_mut()
        .append_pair("auth_username", &email)
        .append_pair("auth_token", &code.code);
    Ok((
        StatusCode::CREATED,
        one_time_secret(),
        Json(LoginCodeView {
            code: code.code,
            expires_on: code.expires_at,
            login_link: format!("{}?{}", link.path(), link.query().unwrap_or_default()),
        }),
    ))
}
