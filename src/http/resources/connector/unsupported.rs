//! Connector operations deskd answers with 501 and a clear error: those whose feature is not built
//! yet (forms), and DeskDirector's advanced actions and
//! events, which its own function service hosts (`functions.deskdirector.com`), not a tenant's site.

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    error::{Error, Kind},
    state::AppState,
};

/// The 501 for an operation of a feature deskd does not have yet.
pub fn not_built(feature: &str) -> Error {
    Error::new(
        Kind::NotImplemented,
        "NotImplemented",
        format!("{feature} are not available in deskd yet; this operation will work once they are"),
    )
}

fn hosted_elsewhere() -> Error {
    Error::new(
        Kind::NotImplemented,
        "NotImplemented",
        "advanced actions and events run on DeskDirector's function service, which deskd does not provide",
    )
}

/// One documented handler per operation, all answering 501 once the key has been checked.
macro_rules! unsupported {
    ($($name:ident: $method:ident $path:literal [$($param:literal),*] $operation:literal => $error:expr;)*) => {$(
        #[utoipa::path($method, path = $path, operation_id = $operation, params($(($param = String, Path)),*), responses((status = 501, body = crate::http::envelope::ErrorBody)))]
        pub async fn $name(_caller: ConnectorCaller) -> Error {
            $error
        }
    )*};
}

unsupported! {
    get_form_result: get "/forms/{formId}/results/{resultId}" ["formId", "resultId"] "GetFormResult" => not_built("forms");
    get_form_result_v2: get "/v2/forms/{formId}/results/{resultId}" ["formId", "resultId"] "GetFormResult_V2" => not_built("forms");
    list_forms: get "/forms" [] "ListForms" => not_built("forms");
    list_form_field_choices: get "/forms/{formId}/fields/{fieldId}/choices" ["formId", "fieldId"] "ListFormFiledChoices" => not_built("forms");
    form_result_schema: get "/schema/form/{formId}/$result-response" ["formId"] "GetFormResultSchema" => not_built("forms");
    form_result_schema_v2: get "/schema/v2/form/{formId}/$result-response" ["formId"] "GetFormResultSchemaV2" => not_built("forms");
    call_advanced_action: post "/functions/{function}" ["function"] "CallAdvancedAction" => hosted_elsewhere();
    list_advanced_action_options: get "/functions/{function}/options" ["function"] "ListAdvancedActionOptions" => hosted_elsewhere();
    advanced_action_request_schema: get "/functions/{function}/$request" ["function"] "GetCallAdvancedActionRequestSchema" => hosted_elsewhere();
    advanced_action_response_schema: get "/functions/{function}/$response" ["function"] "GetCallAdvancedActionResponseSchema" => hosted_elsewhere();
    list_advanced_actions: get "/functions/listAdvancedActions" [] "ListAdvancedActions" => hosted_elsewhere();
    list_advanced_action_categories: get "/functions/listAdvancedActionCategories" [] "ListAdvancedActionCategories" => hosted_elsewhere();
    subscribe_advanced_event: post "/events/{eventType}/subscriptions" ["eventType"] "AdvancedEventSubscribe" => hosted_elsewhere();
    unsubscribe_advanced_event: delete "/events/{eventType}/subscriptions/{subscriptionId}" ["eventType", "subscriptionId"] "AdvancedEventUnsubscribe" => hosted_elsewhere();
    respond_to_advanced_event: post "/events/{eventType}/{eventId}/response" ["eventType", "eventId"] "AdvancedEventResponseHandle" => hosted_elsewhere();
    advanced_event_trigger_schema: get "/events/{eventType}/$trigger" ["eventType"] "AdvancedEventSubscribeTriggerSchema" => hosted_elsewhere();
    advanced_event_subscribe_schema: get "/events/{eventType}/$subscribe-request" ["eventType"] "AdvancedEventSubscribeRequestSchema" => hosted_elsewhere();
    advanced_event_respond_schema: get "/events/{eventType}/$respond-request" ["eventType"] "AdvancedEventResponseHandleRequestSchema" => hosted_elsewhere();
    list_advanced_event_categories: get "/events/categories" [] "AdvancedEventCategoriesList" => hosted_elsewhere();
    list_advanced_event_types: get "/events/types" [] "AdvancedEventTypesList" => hosted_elsewhere();
}

/// The operations answered with 501.
pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
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
