//! DeskDirector's Power Automate connector (v1.6) at `/api/v2/automate/connector`, for `DdApi`
//! keys: every operation of its definition, each under the definition's `operationId`. The
//! actions answer with the Admin API's views; the designer's schemas are generated from them.

mod actions;
mod chats;
mod email_templates;
mod forms;
mod lists;
mod schemas;
mod tasks;
mod triggers;
mod unsupported;

use utoipa_axum::router::OpenApiRouter;

pub use schemas::dynamic_type_ids;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    actions::routes()
        .merge(tasks::routes())
        .merge(lists::routes())
        .merge(schemas::routes())
        .merge(triggers::routes())
        .merge(chats::routes())
        .merge(email_templates::routes())
        .merge(forms::routes())
        .merge(unsupported::routes())
}
