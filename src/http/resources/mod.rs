//! Handlers, one module per resource, each owning its routes (paths relative to their family).
//! The versioned routers mount them; the same handler serves every version that carries it.

pub mod analytics;
pub mod attachments;
pub mod branding;
pub mod broadcasts;
pub mod chats;
pub mod companies;
pub mod configuration;
pub mod connections;
pub mod connector;
pub mod contact_groups;
pub mod contacts;
pub mod content_pages;
pub mod copilot;
pub mod credentials;
pub mod deeplinks;
pub mod desk360;
pub mod desk365;
pub mod email;
pub mod events;
pub mod flows;
pub mod forms;
pub mod learning;
pub mod live;
pub mod me;
pub mod members;
pub mod menus;
pub mod notifications;
pub mod office_hours;
pub mod ops;
pub mod sessions;
pub mod sla;
pub mod surveys;
pub mod tasks;
pub mod tenants;
pub mod tickets;
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

/// Contact groups of companies, with their members, for admins.
pub fn group_routes() -> OpenApiRouter<AppState> {
    contact_groups::admin_routes()
}
