//! Ticket priorities.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::resource::{Api, Exposed, Summaries};
use crate::{repo::configuration::priorities::Priority, service::configuration::Priorities};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriorityView {
    pub id: i32,
    pub name: String,
    pub order: i32,
    pub colour: String,
    pub is_default: bool,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Priority> for PriorityView {
    fn from(p: Priority) -> Self {
        Self {
            id: p.id,
            name: p.name,
            order: p.sort_order,
            colour: p.colour,
            is_default: p.is_default,
            is_archived: p.archived_at.is_some(),
            created_on: p.created_at,
            modified_on: p.updated_at,
            archived_on: p.archived_at,
        }
    }
}

impl Exposed for Priorities {
    type View = PriorityView;
    const API: Api = Api {
        path: "/priorities",
        id: "priorityId",
        one: "priority",
        many: "priorities",
        summaries: Summaries {
            list: "List priorities, lowest order first.",
            create: "Create a priority; making it the default takes the mark from the previous default.",
            get: "Get a priority.",
            replace: "Replace a priority.",
            update: "Update a priority with a JSON merge patch.",
            archive: "Archive a priority; refused (409 `InUse`) for the default one or one request types use.",
            restore: "Restore an archived priority.",
        },
    };
}
