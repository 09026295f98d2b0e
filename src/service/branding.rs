//! The portal's branding: name, logo and favicon (kept from the attachment store), colours,
//! support contacts, where the portal lives, and which sign-in options it offers.

use uuid::Uuid;

use crate::{
    db::notify::Signal,
    domain::{
        Tenant,
        patch::Patch,
        portal::{BrandingPatch, SignInOption},
    },
    error::{Error, Kind, Result},
    repo::{self, attachments::KeptFile, branding::BrandingRow},
    service::validate,
    state::AppState,
};

const LOGO_MAX: i64 = 512 * 1024;
const FAVICON_MAX: i64 = 64 * 1024;
const LOGO_TYPES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];
const FAVICON_TYPES: &[&str] = &["image/png", "image/vnd.microsoft.icon", "image/gif"];

/// How long an instance trusts its cached branding without hearing of a change.
const CACHED_FOR: std::time::Duration = std::time::Duration::from_secs(300);

/// The branding, with the defaults of a tenant that set none; cached per tenant (every portal page
/// reads it before sign-in) and dropped on every instance when it changes.
pub async fn get(state: &AppState, tenant: &Tenant) -> Result<BrandingRow> {
    if let Some(hit) = state.branding.get(&tenant.id) {
        return Ok(hit);
    }
    let generation = state.branding.generation();
    let row = load(state, tenant).await?;
    state
        .branding
        .insert_unless_evicted(tenant.id, row.clone(), CACHED_FOR, generation);
    Ok(row)
}

async fn load(state: &AppState, tenant: &Tenant) -> Result<BrandingRow> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::branding::get(&mut conn, tenant.id)
        .await?
        .unwrap_or_else(|| BrandingRow {
            sign_in_options: vec![
                SignInOption::Password.as_str().into(),
                SignInOption::LoginCode.as_str().into(),
            ],
            ..BrandingRow::default()
        }))
}

fn colour(field: &str, value: String) -> Result<String> {
    let v = value.trim().to_ascii_lowercase();
    let ok = v.len() == 7 && v.starts_with('#') && v[1..].chars().all(|c| c.is_ascii_hexdigit());
    if !ok {
        return Err(Error::validation(field, "a colour like #1a2b3c"));
    }
    Ok(v)
}

fn phone(value: String) -> Result<String> {
    let v = value.trim().to_string();
    let ok = !v.is_empty()
        && v.len() <= 30
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if !ok {
        return Err(Error::validation(
            "supportPhone",
            "a phone number (digits, + - ( ) . and spaces)",
        ));
    }
    Ok(v)
}

/// An https URL without credentials, query or fragment, kept without a trailing slash.
pub fn base_url(value: &str, allow_http: bool) -> Result<String> {
    let invalid = |m: &str| Error::validation("portalBaseUrl", m);
    let url = reqwest::Url::parse(value.trim()).map_err(|_| invalid("not a URL"))?;
    let scheme_ok = url.scheme() == "https" || (allow_http && url.scheme() == "http");
    if !scheme_ok || !url.has_host() {
        return Err(invalid("an https URL"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials do not belong in the URL"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL has no query or fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// An image the caller uploaded and has not used: the right type and size, or a 4xx naming `field`.
async fn image(
    conn: &mut sqlx::PgConnection,
    tenant: &Tenant,
    owner: (&str, &str),
    id: Uuid,
    field: &str,
    (types, max): (&[&str], i64),
) -> Result<KeptFile> {
    let file = repo::attachments::pending_upload(conn, tenant.id, id, owner)
        .await?
        .ok_or_else(|| Error::validation(field, "one of your own uploads not yet used"))?;
    if !types.contains(&file.content_type.as_str()) {
        return Err(Error::validation(
            field,
            format!(
                "an image of type {}, not {}",
                types.join(", "),
                file.content_type
            ),
        ));
    }
    if file.size_bytes > max {
        return Err(Error::new(
            Kind::TooLarge,
            "PayloadTooLarge",
            format!("{field} is at most {} KB", max / 1024),
        )
        .with_field(field));
    }
    Ok(file)
}

pub async fn update(
    state: &AppState,
    tenant: &Tenant,
    owner: (&str, &str),
    patch: BrandingPatch,
) -> Result<BrandingRow> {
    let mut b = load(state, tenant).await?;
    let text = |p: Patch<String>, current: Option<String>| {
        p.apply(current).filter(|v| !v.trim().is_empty())
    };
    b.portal_name = validate::optional_text(
        "portalName",
        &patch
            .portal_name
            .apply(Some(b.portal_name))
            .unwrap_or_default(),
        100,
    )?;
    b.primary_color = text(patch.primary_color, b.primary_color)
        .map(|v| colour("primaryColor", v))
        .transpose()?;
    b.accent_color = text(patch.accent_color, b.accent_color)
        .map(|v| colour("accentColor", v))
        .transpose()?;
    b.support_email = text(patch.support_email, b.support_email)
        .map(|v| validate::email("supportEmail", &v))
        .transpose()?;
    b.support_phone = text(patch.support_phone, b.support_phone)
        .map(phone)
        .transpose()?;
    b.portal_base_url = text(patch.portal_base_url, b.portal_base_url)
        .map(|v| base_url(&v, state.config.webhooks_allow_private))
        .transpose()?;
    if let Some(options) = patch.sign_in_options.apply(None) {
        let mut names: Vec<String> = options.iter().map(|o| o.as_str().to_string()).collect();
        names.sort();
        names.dedup();
        if names.is_empty() {
            return Err(Error::validation(
                "signInOptions",
                "offer at least one way to sign in",
            ));
        }
        b.sign_in_options = names;
    }
    let mut tx = state.pool.begin().await?;
    let mut released = vec![];
    for (patch, current, field, rule) in [
        (
            patch.logo_id,
            &mut b.logo_id,
            "logoId",
            (LOGO_TYPES, LOGO_MAX),
        ),
        (
            patch.favicon_id,
            &mut b.favicon_id,
            "faviconId",
            (FAVICON_TYPES, FAVICON_MAX),
        ),
    ] {
        let next = match patch {
            Patch::Absent => continue,
            Patch::Null => None,
            Patch::Value(id) if Some(id) == *current => continue,
            Patch::Value(id) => Some(image(&mut tx, tenant, owner, id, field, rule).await?.id),
        };
        released.extend(current.take());
        *current = next;
    }
    let kept: Vec<Uuid> = [b.logo_id, b.favicon_id].into_iter().flatten().collect();
    repo::attachments::set_kept(&mut tx, tenant.id, &kept, true).await?;
    released.retain(|id| !kept.contains(id));
    repo::attachments::set_kept(&mut tx, tenant.id, &released, false).await?;
    repo::branding::save(&mut tx, tenant.id, &b).await?;
    tx.commit().await?;
    state.invalidate(Signal::Branding(tenant.id)).await;
    get(state, tenant).await
}

/// The logo or favicon, to serve before sign-in.
pub async fn image_file(state: &AppState, tenant: &Tenant, favicon: bool) -> Result<KeptFile> {
    let b = get(state, tenant).await?;
    let id =
        if favicon { b.favicon_id } else { b.logo_id }.ok_or_else(|| Error::not_found("image"))?;
    let mut conn = state.pool.acquire().await?;
    repo::attachments::kept_file(&mut conn, tenant.id, id)
        .await?
        .ok_or_else(|| Error::not_found("image"))
}

/// Where a portal page lives: under the configured base URL, else this host's `/portal`.
pub fn portal_url(base: Option<&str>, path: &str) -> String {
    let base = base.unwrap_or("/portal").trim_end_matches('/');
    format!("{base}/{}", path.trim_start_matches('/'))
}
