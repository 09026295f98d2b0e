//! HTTP: the global layers, the error envelope, casing, OpenAPI and Swagger, and the versioned routers.

pub mod aliases;
pub mod availability;
pub mod casing;
pub mod context;
pub mod cors;
pub mod dialects;
pub mod envelope;
pub mod extract;
pub mod idempotency;
pub mod json_schema;
pub mod limits;
pub mod multipart;
pub mod openapi;
pub mod pagination;
pub mod rate_limit;
pub mod resources;
pub mod server;
pub mod strict_json;
pub mod v1;
pub mod v2;
pub mod v3;

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request},
    http::StatusCode,
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::Value;
use tower::Layer;
use tower_http::{catch_panic::CatchPanicLayer, timeout::TimeoutLayer};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::{Config, SwaggerUi, Url};

use crate::{auth, state::AppState, tenancy};

/// The routes of every version, and each document's name (`v1`, `v2`, `v3`, and the façades'
/// `desk365` and `desk360`) with its OpenAPI document.
pub struct Api {
    pub router: Router<AppState>,
    pub documents: Vec<(&'static str, Value)>,
}

pub fn api() -> Api {
    let (v1, doc1) = OpenApiRouter::new()
        .nest("/api/v1", v1::routes())
        .split_for_parts();
    let (v2, doc2) = OpenApiRouter::new()
        .nest("/api/v2", v2::routes())
        .merge(openapi::open("Portal", resources::deeplinks::routes()))
        .split_for_parts();
    let (v3, doc3) = OpenApiRouter::new()
        .merge(openapi::open("Operations", resources::ops::routes()))
        .nest("/api/v3", v3::routes())
        .split_for_parts();
    let (desk365, doc365) = OpenApiRouter::new()
        .nest("/apis/v3", resources::desk365::routes())
        .split_for_parts();
    let (desk360, doc360) = OpenApiRouter::new()
        .nest("/v1", resources::desk360::routes())
        .split_for_parts();
    let router = Router::new()
        .merge(v1)
        .merge(v2)
        .merge(v3)
        .merge(desk365)
        .merge(desk360);
    Api {
        router,
        documents: vec![
            ("v1", openapi::finalize(1, doc1)),
            ("v2", openapi::finalize(2, doc2)),
            ("v3", openapi::finalize(3, doc3)),
            ("desk365", openapi::facade(openapi::Facade::Desk365, doc365)),
            ("desk360", openapi::facade(openapi::Facade::Desk360, doc360)),
        ],
    }
}

/// The whole application: routes, Swagger UI, and the layers every request passes through.
pub fn router(state: AppState) -> Router {
    let Api { router, documents } = api();
    // Swagger UI's online validator would send the document's address to an outside service.
    let swagger = SwaggerUi::new("/swagger")
        .config(Config::default().validator_url("none"))
        .external_urls_from_iter_unchecked(documents.into_iter().map(|(name, doc)| {
            let url = match name {
                "v1" => "/swagger/v1/swagger.json",
                "v2" => "/swagger/v2/swagger.json",
                "v3" => "/swagger/v3/swagger.json",
                "desk365" => "/swagger/desk365/swagger.json",
                _ => "/swagger/desk360/swagger.json",
            };
            (Url::new(name, url), doc)
        }));
    let config = &state.config;
    // Layers run outside-in from the last added: context (and metrics) → v1 casing → envelope → panic →
    // timeout → database gate → body limits → tenancy → CORS → credentials → rate limits →
    // idempotency → handler.
    let app = router
        .merge(swagger)
        .fallback(envelope::unknown_route)
        .layer(middleware::from_fn(swagger_version))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotent,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            rate_limit::rate_limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::resolve::resolve,
        ))
        .layer(middleware::from_fn(cors::tenant_cors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            tenancy::resolve_site,
        ))
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::body_limit,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            availability::database_gate,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(CatchPanicLayer::custom(envelope::panic_response))
        .layer(middleware::from_fn(envelope::envelope))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            casing::pascal_case,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            context::request_context,
        ))
        .with_state(state);
    // Routing happens inside `app`; older resource names are rewritten before it.
    Router::new().fallback_service(tower::util::MapRequestLayer::new(aliases::rewrite).layer(app))
}

/// `/swagger/v2` (or `/swagger/v2/`) opens Swagger UI on that version's document. (Swagger UI
/// owns every path under `/swagger`, so this is a layer in front of it, not a route.)
async fn swagger_version(request: Request, next: Next) -> Response {
    let version = request
        .uri()
        .path()
        .strip_prefix("/swagger/")
        .map(|v| v.trim_end_matches('/'));
    match version {
        Some(v @ ("v1" | "v2" | "v3" | "desk365" | "desk360")) => {
            Redirect::temporary(&format!("/swagger/?urls.primaryName={v}")).into_response()
        }
        _ => next.run(request).await,
    }
}
