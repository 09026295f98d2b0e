//! Service configuration for admins (every operation) and for the portals (the lists they need
//! to file and triage tickets). All resources but statuses are served by the one generic handler
//! set in `resource`.

pub mod custom_fields;
pub mod named;
pub mod priorities;
pub mod queues;
pub mod request_types;
pub mod resource;

use utoipa_axum::router::OpenApiRouter;

use crate::{
    service::configuration::{
        Categories, CustomFields, Listed, Priorities, Queues, RequestTypes, ServiceGroups, Sources,
        Tags,
    },
    state::AppState,
};
use resource::{admin_routes as all, read_routes as listed};

/// Every configuration resource, for admins.
pub fn admin_routes() -> OpenApiRouter<AppState> {
    all::<Queues>()
        .merge(queues::status_routes())
        .merge(all::<Priorities>())
        .merge(all::<Listed<Categories>>())
        .merge(all::<Listed<Tags>>())
        .merge(all::<CustomFields>())
        .merge(all::<Listed<Sources>>())
        .merge(all::<Listed<ServiceGroups>>())
        .merge(all::<RequestTypes>())
}

/// The lists technicians read to file and triage tickets.
pub fn tech_routes() -> OpenApiRouter<AppState> {
    listed::<Queues>()
        .merge(listed::<Priorities>())
        .merge(listed::<Listed<Categories>>())
        .merge(listed::<Listed<Tags>>())
        .merge(listed::<CustomFields>())
        .merge(listed::<Listed<Sources>>())
        .merge(listed::<RequestTypes>())
}

/// The lists contacts read to raise tickets.
pub fn portal_routes() -> OpenApiRouter<AppState> {
    listed::<RequestTypes>().merge(listed::<CustomFields>())
}
