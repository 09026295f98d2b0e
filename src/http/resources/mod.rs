//! Handlers, one module per resource, each owning its routes (paths relative to their family).
//! The versioned routers mount them; the same handler serves every version that carries it.

pub mod api_keys;
pub mod attachments;
pub mod broadcasts;
pub mod categories;
pub mod chats;
pub mod companies;
pub mod connections;
pub mod connector;
pub mod contact_groups;
pub mod contacts;
pub mod copilot;
pub mod custom_fields;
pub mod deeplink;
pub mod events;
pub mod me;
pub mod members;
pub mod notifications;
pub mod ops;
pub mod personal_tokens;
pub mod platform;
pub mod priorities;
pub mod queues;
pub mod rate_limits;
pub mod request_types;
pub mod sessions;
pub mod sources;
pub mod streams;
pub mod tasks;
pub mod tenant_settings;
pub mod tickets;
pub mod user_keys;
pub mod webhooks;
pub mod workflows;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Members, companies and contacts: the provisioning resources every version's Admin family carries.
pub fn people_routes() -> OpenApiRouter<AppState> {
    members::routes()
        .merge(companies::routes())
        .merge(contacts::routes())
}

/// Queues and statuses, priorities, categories, tags, sources, service groups, request types and
/// custom ticket fields, for admins.
pub fn configuration_routes() -> OpenApiRouter<AppState> {
    queues::admin_routes()
        .merge(priorities::admin_routes())
        .merge(categories::admin_routes())
        .merge(custom_fields::admin_routes())
        .merge(sources::admin_routes())
        .merge(request_types::admin_routes())
}

/// The read-only configuration lists the tech portal needs to file and triage tickets.
pub fn configuration_read_routes() -> OpenApiRouter<AppState> {
    queues::read_routes()
        .merge(priorities::read_routes())
        .merge(categories::read_routes())
        .merge(custom_fields::read_routes())
        .merge(sources::read_routes())
        .merge(request_types::read_routes())
}

/// Contact groups of companies, with their members, for admins.
pub fn group_routes() -> OpenApiRouter<AppState> {
    contact_groups::admin_routes()
}
