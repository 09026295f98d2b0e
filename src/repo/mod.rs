//! All SQL. One module per table group; every function takes the tenant first and filters by it.

pub mod analytics;
pub mod attachments;
pub mod audiences;
pub mod branding;
pub mod broadcasts;
pub mod chats;
pub mod companies;
pub mod configuration;
pub mod contact_groups;
pub mod contacts;
pub mod content_pages;
pub mod credentials;
pub mod email;
pub mod events;
pub mod flows;
pub mod forms;
pub mod idempotency;
pub mod ids;
pub mod learning;
pub mod live;
pub mod login_codes;
pub mod login_failures;
pub mod lookups;
pub mod members;
pub mod menus;
pub mod notifications;
pub mod office_hours;
pub mod retention;
pub mod seed;
pub mod signing_keys;
pub mod sla;
pub mod surveys;

pub mod tasks;
pub mod tenants;
pub mod tickets;
pub mod webhooks;
pub mod workflows;

/// True when `error` is a unique violation of the named constraint or index.
pub fn is_unique_violation(error: &sqlx::Error, constraint: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() && e.constraint() == Some(constraint))
}

/// Whether the database refused a write for the named constraint (or a trigger's rule by that name).
pub fn violates(error: &sqlx::Error, constraint: &str) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.constraint() == Some(constraint))
}

/// Escapes LIKE wildcards so a search term matches literally.
pub fn like_pattern(term: &str) -> String {
    let escaped = term
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// How a list is narrowed and paged.
pub struct ListOptions<'a> {
    pub search: Option<&'a str>,
    pub include_archived: bool,
    pub skip: i64,
    pub take: i64,
}

impl ListOptions<'_> {
    /// The search term as a LIKE pattern matching it literally.
    pub fn pattern(&self) -> Option<String> {
        self.search.map(like_pattern)
    }
}

/// A page of a list, and how many rows match in all.
pub struct Slice<T> {
    pub rows: Vec<T>,
    pub total: i64,
}
