//! Field checks shared by the use cases. Each failure names the field.

use crate::{
    domain::patch::Patch,
    error::{Error, Result},
};

/// Trimmed, non-empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::validation(
            field,
            format!("{field} must not be empty"),
        ));
    }
    optional_text(field, value, max)
}

/// Trimmed, at most `max` characters (may be empty).
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Error::validation(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

pub fn email(field: &str, value: &str) -> Result<String> {
    let value = required_text(field, value, 254)?;
    let valid = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    }) && !value.chars().any(char::is_whitespace);
    if !valid {
        return Err(Error::validation(
            field,
            format!("{field} is not an email address"),
        ));
    }
    Ok(value)
}

/// A DNS host name (lowercased), e.g. a custom domain.
pub fn host_name(field: &str, value: &str) -> Result<String> {
    let value = value.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if value.len() > 253 || !value.contains('.') || !value.split('.').all(label_ok) {
        return Err(Error::validation(
            field,
            format!("`{value}` is not a host name"),
        ));
    }
    Ok(value)
}

/// An origin as browsers send it: `https://host[:port]`, no path.
pub fn origin(field: &str, value: &str) -> Result<String> {
    let value = value.trim().trim_end_matches('/').to_ascii_lowercase();
    let valid = value.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https")
            && !rest.is_empty()
            && !rest.contains(['/', '?', '#', '@', ' '])
    });
    if !valid {
        return Err(Error::validation(
            field,
            format!("`{value}` is not an origin like https://example.com"),
        ));
    }
    Ok(value)
}

/// A merge-patch of a field that cannot be empty: absent keeps `current`, `null` is refused.
pub fn not_cleared<T>(patch: Patch<T>, current: T, field: &str) -> Result<T> {
    match patch {
        Patch::Absent => Ok(current),
        Patch::Value(v) => Ok(v),
        Patch::Null => Err(Error::validation(
            field,
            format!("{field} cannot be cleared"),
        )),
    }
}

/// A unique violation of a person's email index as the 409 it is; any other error as it is.
pub fn email_taken(error: sqlx::Error, index: &str) -> Error {
    if crate::repo::is_unique_violation(&error, index) {
        Error::conflict(
            "email",
            "another active person in this helpdesk has this email",
        )
    } else {
        error.into()
    }
}
