//! API v2, the integration API: the four families plus DeskDirector's `user`, `copilot` and
//! `automate/connector` groups at their real paths.

use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::Family,
    http::{
        openapi::{family, open},
        resources::{
            broadcasts, chats, companies, configuration, connections, connector, contacts, copilot,
            credentials, deeplinks, live, me, notifications, people_routes, sessions, tasks,
            tenants, tickets,
        },
    },
    state::AppState,
};

pub fn routes() -> OpenApiRouter<AppState> {
    let portal = family(
        Family::Portal,
        "Portal",
        me::portal_routes()
            .merge(sessions::portal_routes())
            .merge(configuration::portal_routes())
            .merge(tickets::portal_routes())
            .merge(notifications::inbox_routes())
            .merge(broadcasts::portal_routes())
            .merge(chats::portal_routes())
            .merge(live::portal_routes()),
    )
    .merge(open(
        "Portal",
        sessions::portal_open_routes().merge(deeplinks::portal_open_routes()),
    ));
    let tech = family(
        Family::Tech,
        "Tech",
        me::tech_routes()
            .merge(sessions::tech_routes())
            .merge(credentials::personal_tokens::routes())
            .merge(configuration::tech_routes())
            .merge(tickets::staff_routes())
            .merge(tasks::staff_routes())
            .merge(notifications::inbox_routes())
            .merge(chats::tech_routes())
            .merge(live::tech_routes()),
    )
    .merge(open("Tech", sessions::tech_open_routes()));
    let user = family(
        Family::Admin,
        "User",
        credentials::user_keys::admin_routes().merge(deeplinks::admin_routes()),
    )
    .merge(family(
        Family::Portal,
        "User",
        credentials::user_keys::portal_routes(),
    ));
    OpenApiRouter::new()
        .nest(
            "/public",
            family(
                Family::Public,
                "Public",
                tenants::settings::public_routes()
                    .merge(tickets::staff_routes())
                    .merge(companies::routes())
                    .merge(contacts::routes()),
            ),
        )
        .nest(
            "/admin",
            family(
                Family::Admin,
                "Admin",
                people_routes().merge(tickets::staff_routes()),
            ),
        )
        .nest("/portal", portal)
        .nest("/tech", tech)
        .nest("/user", user)
        .nest(
            "/copilot",
            family(
                Family::Tech,
                "Copilot",
                connections::copilot_routes().merge(copilot::routes()),
            ),
        )
        .nest(
            "/automate/connector",
            family(
                Family::Connector,
                "Automate connector",
                connections::connector_routes().merge(connector::routes()),
            ),
        )
}
