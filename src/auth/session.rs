//! Session cookies and the Origin check that guards cookie-authenticated unsafe requests.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::error::{Error, Kind};

/// With `Secure`, the `__Host-` prefix makes browsers refuse the cookie unless this very host set it
/// (no `Domain`), so a sibling subdomain cannot plant one. Without `Secure` (plain-http
/// development) browsers refuse `__Host-` cookies, so the bare name is used.
pub const COOKIE_NAME: &str = "__Host-deskd_session";
pub const INSECURE_COOKIE_NAME: &str = "deskd_session";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        COOKIE_NAME
    } else {
        INSECURE_COOKIE_NAME
    }
}

pub fn read_cookie(headers: &HeaderMap, secure: bool) -> Option<&str> {
    let wanted = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

pub fn set_cookie(token: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("session tokens are base64url")
}

/// A cookie without `Max-Age`: the browser drops it when it closes ("remember me" off).
pub fn set_browser_session_cookie(token: &str, secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .expect("session tokens are base64url")
}

pub fn clear_cookie(secure: bool) -> HeaderValue {
    set_cookie("", 0, secure)
}

/// True when the request comes from a page on this host or on one of the tenant's allowed origins.
/// `Origin` is used, else `Referer`; a request with neither is refused.
pub fn origin_allowed(headers: &HeaderMap, host: &str, allowed_origins: &[String]) -> bool {
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v != "null")
        .map(str::to_string)
        .or_else(|| {
            let referer = headers.get(header::REFERER)?.to_str().ok()?;
            let (scheme, rest) = referer.split_once("://")?;
            let authority = rest.split(['/', '?', '#']).next()?;
            Some(format!("{scheme}://{authority}"))
        });
    let Some(origin) = origin else { return false };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
    origin_host == host.to_ascii_lowercase()
        || allowed_origins
            .iter()
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(&origin))
}

pub fn origin_mismatch() -> Error {
    Error::new(
        Kind::Forbidden,
        "OriginMismatch",
        "this request must come from this site's own pages (Origin check failed)",
    )
}
