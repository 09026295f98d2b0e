//! API v3: administration (people, contact groups, service configuration, API keys, tenant
//! settings), the portals' `me`, DeskDirector's Tech team route, and the platform (provisioning)
//! API served on the base domain.

use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::Family,
    http::{
        openapi::{family, open},
        resources::{
            analytics, branding, broadcasts, chats, configuration, contact_groups, content_pages,
            credentials, email, events, flows, forms, group_routes, learning, me, menus,
            notifications, office_hours, people_routes, sla, surveys, tasks, tenants, tickets,
            webhooks, workflows,
        },
    },
    state::AppState,
};

pub fn routes() -> OpenApiRouter<AppState> {
    let admin = people_routes()
        .merge(group_routes())
        .merge(tickets::staff_routes())
        .merge(configuration::admin_routes())
        .merge(credentials::api_keys::routes())
        .merge(tenants::settings::admin_routes())
        .merge(events::routes())
        .merge(webhooks::routes())
        .merge(workflows::routes())
        .merge(flows::routes())
        .merge(tasks::admin_routes())
        .merge(tasks::staff_routes())
        .merge(tenants::rate_limits::admin_routes())
        .merge(notifications::admin_routes())
        .merge(broadcasts::admin_routes())
        .merge(chats::admin_routes())
        .merge(email::admin_routes())
        .merge(office_hours::admin_routes())
        .merge(sla::admin_routes())
        .merge(surveys::admin_routes())
        .merge(surveys::staff_routes())
        .merge(analytics::admin_routes())
        .merge(forms::admin_routes())
        .merge(forms::staff_routes())
        .merge(branding::admin_routes())
        .merge(content_pages::admin_routes())
        .merge(menus::admin_routes())
        .merge(learning::admin::routes())
        .merge(credentials::personal_tokens::admin_routes());
    OpenApiRouter::new()
        .nest("/public", open("Public", branding::site_routes()))
        .nest(
            "/admin",
            family(Family::Admin, "Admin", admin)
                .merge(open("Admin", email::mailboxes::inbound_routes())),
        )
        .nest(
            "/portal",
            family(Family::Portal, "Portal", me::portal_routes()),
        )
        .nest(
            "/tech",
            family(
                Family::Tech,
                "Tech",
                me::tech_routes()
                    .merge(credentials::personal_tokens::routes())
                    .merge(contact_groups::tech_routes()),
            ),
        )
        .nest("/platform", tenants::platform_routes())
}
