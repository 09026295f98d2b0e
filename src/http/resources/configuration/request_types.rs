//! Request types (service types).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::resource::{Api, Exposed, Summaries};
use crate::{
    domain::{Reference, forms::FormPlacement},
    repo::configuration::request_types::RequestType,
    service::configuration::RequestTypes,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestTypeView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub service_group: Option<Reference>,
    pub default_queue: Reference,
    pub default_priority: Reference,
    pub requires_approval: bool,
    /// The form contacts answer when raising a ticket of this type.
    pub form: Option<Reference>,
    pub form_placement: FormPlacement,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<RequestType> for RequestTypeView {
    fn from(r: RequestType) -> Self {
        Self {
            id: r.id,
            name: r.name,
            description: r.description,
            service_group: r
                .service_group_id
                .zip(r.service_group_name)
                .map(|(id, name)| Reference { id, name }),
            default_queue: Reference {
                id: r.default_queue_id,
                name: r.default_queue_name,
            },
            default_priority: Reference {
                id: r.default_priority_id,
                name: r.default_priority_name,
            },
            requires_approval: r.requires_approval,
            form: r
                .form_id
                .zip(r.form_name)
                .map(|(id, name)| Reference { id, name }),
            form_placement: r.form_placement,
            is_archived: r.archived_at.is_some(),
            created_on: r.created_at,
            modified_on: r.updated_at,
            archived_on: r.archived_at,
        }
    }
}

impl Exposed for RequestTypes {
    type View = RequestTypeView;
    const API: Api = Api {
        path: "/request-types",
        id: "requestTypeId",
        one: "request_type",
        many: "request_types",
        summaries: Summaries {
            list: "List request types (the service catalogue).",
            create: "Create a request type. Its queue, priority and service group must be live ones of this tenant.",
            get: "Get a request type.",
            replace: "Replace a request type: absent optional fields are cleared.",
            update: "Update a request type with a JSON merge patch.",
            archive: "Archive a request type: contacts can no longer choose it.",
            restore: "Restore an archived request type.",
        },
    };
}
