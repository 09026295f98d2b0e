//! Where a deep link lands when the tenant runs no portal front end of its own: deskd answers the
//! portal routes itself with a short branded page that says what the link was for and how it
//! went (an approval carried out, a sign-in that failed). With a portal base URL configured, the
//! same routes redirect there, so a link made before it was set still reaches the portal.

use std::collections::HashMap;

use axum::{
    extract::State,
    http::{HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};

use crate::{
    auth::extractors::CurrentTenant,
    error::{Error, Result},
    http::extract::ApiQuery,
    repo::branding::BrandingRow,
    service::{branding, email::text::escape_html},
    state::AppState,
};

/// What a portal route shows: its heading, and a sentence about the place it names; `None` for
/// what no link leads to.
fn heading(segments: &[&str], query: &HashMap<String, String>) -> Option<(String, String)> {
    let state = query.get("state").map(String::as_str).unwrap_or("open");
    let (title, about) = match segments {
        [] | [""] => ("Welcome", "You are at the support portal's home."),
        ["login"] => ("Sign in", "Sign in to the support portal to continue."),
        ["tickets"] => match state {
            "closed" => (
                "Your closed tickets",
                "This link lists your closed tickets.",
            ),
            "approval" => (
                "Tickets awaiting approval",
                "This link lists the tickets waiting for your approval.",
            ),
            _ => ("Your open tickets", "This link lists your open tickets."),
        },
        ["tickets", id] => return Some((format!("Ticket #{id}"), ticket_action(query))),
        ["support"] => (
            "Support options",
            "This link shows the ways to get support.",
        ),
        ["support", "chat"] => (
            "Chat with us",
            "This link starts a chat with the support team.",
        ),
        ["request-types"] => ("Raise a request", "This link lists what you can ask for."),
        ["request-types", id] => {
            return Some((
                format!("Request type {id}"),
                "This link raises a request of this type.".into(),
            ));
        }
        ["notifications"] => ("Notifications", "This link shows your notifications."),
        ["pages", id] => {
            return Some((
                format!("Page {id}"),
                "This link opens a page of the portal.".into(),
            ));
        }
        ["menu", id] => {
            return Some((
                format!("Menu item {id}"),
                "This link opens an item of the portal's menu.".into(),
            ));
        }
        ["invoices", ..] => ("Invoices", "This link shows invoices."),
        ["quotes", ..] => ("Quotes", "This link shows quotes."),
        _ => return None,
    };
    Some((title.into(), about.into()))
}

fn ticket_action(query: &HashMap<String, String>) -> String {
    match query.get("action").map(String::as_str) {
        Some("approve" | "auto_approve") => "This link asks you to approve the ticket.",
        Some("decline" | "auto_decline") => "This link asks you to decline the ticket.",
        Some("chat") => "This link opens a chat about the ticket.",
        Some("close") => "This link asks you to close the ticket.",
        Some("reopen") => "This link asks you to reopen the ticket.",
        _ => "This link opens the ticket.",
    }
    .into()
}

/// What carrying the link out gave, when the link says (approval or sign-in results).
fn outcome(query: &HashMap<String, String>) -> Option<&'static str> {
    if let Some(result) = query.get("approval") {
        return Some(match result.as_str() {
            "granted" => "Thank you: the ticket is approved.",
            "declined" => "Thank you: the ticket is declined.",
            _ => "The approval was recorded.",
        });
    }
    if let Some(error) = query.get("approval_error") {
        return Some(match error.as_str() {
            "not_an_approver" => "Nothing was changed: you are not an approver of this ticket.",
            "not_awaiting_approval" => {
                "Nothing was changed: the ticket is not waiting for an approval (it may have been decided already)."
            }
            "ticket_not_found" => "Nothing was changed: the ticket was not found.",
            _ => "Nothing was changed: the approval could not be carried out.",
        });
    }
    query.get("error").map(|error| match error.as_str() {
        "invalid_credentials" => {
            "The link's sign-in details were not accepted (a code works once and for 15 minutes)."
        }
        "too_many_attempts" => "Too many sign-in attempts: wait a minute and try again.",
        "method_switched_off" => "This way of signing in is switched off for this portal.",
        _ => "The link could not sign you in.",
    })
}

/// The page, every value escaped; it runs no script and loads nothing.
fn page(branding: &BrandingRow, title: &str, about: &str, outcome: Option<&str>) -> String {
    let name = escape_html(&branding.portal_name);
    let colour = branding
        .primary_color
        .as_deref()
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|x| x.is_ascii_hexdigit())
        })
        .unwrap_or("#1f4e79");
    let outcome = outcome
        .map(|o| format!("<p class=\"outcome\">{}</p>", escape_html(o)))
        .unwrap_or_default();
    let contact: Vec<String> = [&branding.support_email, &branding.support_phone]
        .into_iter()
        .flatten()
        .map(|c| escape_html(c))
        .collect();
    let contact = if contact.is_empty() {
        String::new()
    } else {
        format!("<p>Support: {}</p>", contact.join(" · "))
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {name}</title><style>\
         body{{font-family:system-ui,sans-serif;margin:0;color:#222}}\
         header{{background:{colour};color:#fff;padding:1rem 2rem;font-size:1.2rem}}\
         main{{padding:1rem 2rem;max-width:40rem}}.outcome{{font-weight:600}}\
         </style></head><body><header>{name}</header><main><h1>{title}</h1>{outcome}<p>{about}</p>\
         <p>The portal's own pages are not set up on this address yet; your support team can \
         help you with this link.</p>{contact}</main></body></html>\n",
        title = escape_html(title),
        about = escape_html(about),
    )
}

/// A portal page behind a deep link: redirected to the tenant's portal when it has a base URL,
/// else a short page that says what the link was for and how carrying it out went.
#[utoipa::path(get, path = "/portal/{route}", params(("route" = String, Path, description = "The portal route a deep link led to, e.g. `tickets/42`")),
    responses((status = 200, description = "The landing page", content_type = "text/html", body = String),
              (status = 303, description = "To the same route under the tenant's portal base URL"),
              (status = 404, description = "No deep link leads there", body = crate::http::envelope::ErrorBody)))]
pub async fn landing(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    uri: Uri,
    ApiQuery(query): ApiQuery<HashMap<String, String>>,
) -> Result<Response> {
    let route = uri.path().strip_prefix(super::PORTAL).unwrap_or_default();
    let branding = branding::get(&state, &tenant).await?;
    if let Some(base) = branding.portal_base_url.as_deref() {
        let mut target = branding::portal_url(Some(base), route);
        if !query.is_empty() {
            let pairs = serde_urlencoded::to_string(&query).map_err(Error::internal)?;
            target = format!("{target}?{pairs}");
        }
        let mut response = StatusCode::SEE_OTHER.into_response();
        response.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&target).map_err(Error::internal)?,
        );
        return Ok(response);
    }
    let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let (title, about) =
        heading(&segments, &query).ok_or_else(|| Error::not_found("portal page"))?;
    let html = page(&branding, &title, &about, outcome(&query));
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    Ok(response)
}
