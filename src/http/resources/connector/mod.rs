//! DeskDirector's Power Automate connector (v1.6) at `/api/v2/automate/connector`, for `DdApi`
//! keys: every operation of its definition, each under the definition's `operationId`. The
//! actions answer with the Admin API's views; the designer's schemas are generated from them.

mod actions;
mod chats;
mod lists;
mod schemas;
mod tasks;
mod triggers;
mod unsupported;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use schemas::dynamic_type_ids;

use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    use unsupported::*;
    OpenApiRouter::new()
        // Actions.
        .routes(routes!(actions::find_companies))
        .routes(routes!(actions::get_company))
        .routes(routes!(actions::find_user_groups))
        .routes(routes!(actions::create_contact))
        .routes(routes!(actions::find_contacts))
        .routes(routes!(actions::get_contact))
        .routes(routes!(actions::find_members))
        .routes(routes!(actions::get_member))
        .routes(routes!(actions::create_ticket))
        .routes(routes!(actions::find_tickets))
        .routes(routes!(actions::get_ticket, actions::update_ticket))
        .routes(routes!(actions::notify_contact))
        .routes(routes!(actions::notify_member))
        .routes(routes!(tasks::find_task_templates))
        .routes(routes!(tasks::get_ticket_tasks, tasks::create_ticket_tasks))
        // Pickers.
        .routes(routes!(lists::list_members))
        .routes(routes!(lists::list_companies))
        .routes(routes!(lists::list_company_teams))
        .routes(routes!(lists::list_boards))
        .routes(routes!(lists::list_statuses))
        .routes(routes!(lists::list_priorities))
        .routes(routes!(lists::list_sources))
        .routes(routes!(lists::list_request_types))
        .routes(routes!(lists::list_ticket_events))
        .routes(routes!(lists::list_workflow_types))
        .routes(routes!(lists::list_workflows))
        .routes(routes!(tasks::list_task_templates))
        // Schemas.
        .routes(routes!(schemas::dynamic_schema))
        .routes(routes!(schemas::create_ticket_schema))
        .routes(routes!(schemas::ticket_trigger_schema))
        .routes(routes!(schemas::ticket_trigger_filters_schema))
        .routes(routes!(schemas::workflow_trigger_schema))
        .routes(routes!(schemas::workflow_parameters_schema))
        // Triggers.
        .routes(routes!(triggers::subscribe_ticket_flow))
        .routes(routes!(triggers::unsubscribe_ticket_flow))
        .routes(routes!(triggers::subscribe_workflow_flow))
        .routes(routes!(triggers::unsubscribe_workflow_flow))
        // Chats.
        .routes(routes!(chats::get_chat_session))
        .routes(routes!(chats::add_chat_system_message))
        .routes(routes!(chats::invite_users_to_chat))
        .routes(routes!(chats::subscribe_chat_flow))
        .routes(routes!(chats::unsubscribe_chat_flow))
        .routes(routes!(chats::chat_flow_parameters_schema))
        .routes(routes!(chats::chat_trigger_schema))
        .routes(routes!(chats::list_chat_events))
        // Not available: 501.
        .routes(routes!(render_email_template))
        .routes(routes!(list_email_templates))
        .routes(routes!(email_template_schema))
        .routes(routes!(get_form_result))
        .routes(routes!(get_form_result_v2))
        .routes(routes!(list_forms))
        .routes(routes!(list_form_field_choices))
        .routes(routes!(form_result_schema))
        .routes(routes!(form_result_schema_v2))
        .routes(routes!(call_advanced_action))
        .routes(routes!(list_advanced_action_options))
        .routes(routes!(advanced_action_request_schema))
        .routes(routes!(advanced_action_response_schema))
        .routes(routes!(list_advanced_actions))
        .routes(routes!(list_advanced_action_categories))
        .routes(routes!(subscribe_advanced_event))
        .routes(routes!(unsubscribe_advanced_event))
        .routes(routes!(respond_to_advanced_event))
        .routes(routes!(advanced_event_trigger_schema))
        .routes(routes!(advanced_event_subscribe_schema))
        .routes(routes!(advanced_event_respond_schema))
        .routes(routes!(list_advanced_event_categories))
        .routes(routes!(list_advanced_event_types))
}
