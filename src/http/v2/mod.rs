//! API v2, the integration API: the four families plus DeskDirector's `user`, `copilot` and
//! `automate/connector` groups at their real paths.

use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::Family,
    http::{
        openapi::{family, open},
        resources::{
            branding, broadcasts, chats, companies, configuration, connections, connector,
            contacts, content_pages, copilot, credentials, deeplinks, email, forms, learning, live,
            me, menus, notifications, office_hours, people_routes, sessions, surveys, tasks,
            tickets,
        },
    },
    state::AppState,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest("/public", public())
        .nest("/admin", admin())
        .nest("/portal", portal())
        .nest("/tech", tech())
        .nest("/user", user())
        .nest("/copilot", copilot())
        .nest("/automate/connector", connector())
}

fn public() -> OpenApiRouter<AppState> {
    let routes = tickets::staff_routes()
        .merge(companies::routes())
        .merge(contacts::routes())
        .merge(surveys::staff_routes());
    let open_routes = email::unsubscribe_routes()
        .merge(surveys::link_routes())
        .merge(branding::site_routes());
    family(Family::Public, "Public", routes).merge(open("Public", open_routes))
}

fn admin() -> OpenApiRouter<AppState> {
    let routes = people_routes().merge(tickets::staff_routes());
    family(Family::Admin, "Admin", routes)
}

/// The client portal: a contact's own things, and signing in.
fn portal() -> OpenApiRouter<AppState> {
    let routes = me::portal_routes()
        .merge(sessions::portal_routes())
        .merge(configuration::portal_routes())
        .merge(tickets::portal_routes())
        .merge(notifications::inbox_routes())
        .merge(broadcasts::portal_routes())
        .merge(chats::portal_routes())
        .merge(live::portal_routes())
        .merge(email::preference_routes())
        .merge(office_hours::portal_routes())
        .merge(surveys::portal_routes())
        .merge(forms::portal_routes())
        .merge(content_pages::portal_routes())
        .merge(menus::portal_routes())
        .merge(learning::readers::portal_routes());
    let open_routes = sessions::portal_open_routes().merge(deeplinks::portal_open_routes());
    family(Family::Portal, "Portal", routes).merge(open("Portal", open_routes))
}

/// The tech portal: members at work, and signing in.
fn tech() -> OpenApiRouter<AppState> {
    let routes = me::tech_routes()
        .merge(sessions::tech_routes())
        .merge(credentials::personal_tokens::routes())
        .merge(configuration::tech_routes())
        .merge(tickets::staff_routes())
        .merge(tasks::staff_routes())
        .merge(notifications::inbox_routes())
        .merge(chats::tech_routes())
        .merge(live::tech_routes())
        .merge(email::preference_routes())
        .merge(surveys::staff_routes())
        .merge(forms::staff_routes())
        .merge(learning::readers::staff_routes());
    family(Family::Tech, "Tech", routes).merge(open("Tech", sessions::tech_open_routes()))
}

/// DeskDirector's `user` group: access tokens and login codes minted for a person.
fn user() -> OpenApiRouter<AppState> {
    let minted = credentials::user_keys::admin_routes().merge(deeplinks::admin_routes());
    family(Family::Admin, "User", minted).merge(family(
        Family::Portal,
        "User",
        credentials::user_keys::portal_routes(),
    ))
}

/// DeskDirector's Tech connector (Copilot), for members' personal access tokens.
fn copilot() -> OpenApiRouter<AppState> {
    let routes = connections::copilot_routes().merge(copilot::routes());
    family(Family::Tech, "Copilot", routes)
}

/// DeskDirector's Power Automate connector, for API keys.
fn connector() -> OpenApiRouter<AppState> {
    let routes = connections::connector_routes().merge(connector::routes());
    family(Family::Connector, "Automate connector", routes)
}
