//! API v1 (legacy): PascalCase JSON, through the casing layer applied in `http::api`.

use utoipa_axum::router::OpenApiRouter;

use crate::{
    auth::Family,
    http::{
        openapi::{family, open},
        resources::{branding, me, people_routes},
    },
    state::AppState,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest("/public", open("Public", branding::site_routes()))
        .nest("/admin", family(Family::Admin, "Admin", people_routes()))
        .nest(
            "/portal",
            family(Family::Portal, "Portal", me::portal_routes()),
        )
        .nest("/tech", family(Family::Tech, "Tech", me::tech_routes()))
}
