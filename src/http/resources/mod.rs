//! Handlers, one module per resource, each owning its routes (paths relative to their family).
//! The versioned routers mount them; the same handler serves every version that carries it.

pub mod api_keys;
pub mod companies;
pub mod connections;
pub mod contacts;
pub mod me;
pub mod members;
pub mod ops;
pub mod personal_tokens;
pub mod platform;
pub mod sessions;
pub mod tenant_settings;
pub mod user_keys;

use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

/// Members, companies and contacts: the provisioning resources every version's Admin family carries.
pub fn people_routes() -> OpenApiRouter<AppState> {
    members::routes()
        .merge(companies::routes())
        .merge(contacts::routes())
}
