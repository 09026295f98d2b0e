//! Connector operations deskd answers with 501 and a clear error: DeskDirector's advanced actions
//! and events, which its own function service hosts (`functions.deskdirector.com`), not a tenant's
//! site.

use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    auth::extractors::ConnectorCaller,
    error::{Error, Kind},
    state::AppState,
};

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
