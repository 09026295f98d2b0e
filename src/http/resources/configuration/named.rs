//! The named lists: categories and service groups (a name and a description), tags and sources
//! (a name).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::resource::{Api, Exposed, Summaries};
use crate::{
    repo::configuration::named::Named,
    service::configuration::{Categories, Listed, ServiceGroups, Sources, Tags},
};

/// A list item that is just a name: a source or a tag.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SimpleItemView {
    pub id: i32,
    pub name: String,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Named> for SimpleItemView {
    fn from(n: Named) -> Self {
        Self {
            id: n.id,
            name: n.name,
            is_archived: n.archived_at.is_some(),
            created_on: n.created_at,
            modified_on: n.updated_at,
            archived_on: n.archived_at,
        }
    }
}

/// A list item with a name and a description: a service group or a category.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DescribedItemView {
    pub id: i32,
    pub name: String,
    pub description: String,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<Named> for DescribedItemView {
    fn from(n: Named) -> Self {
        Self {
            id: n.id,
            name: n.name,
            description: n.description,
            is_archived: n.archived_at.is_some(),
            created_on: n.created_at,
            modified_on: n.updated_at,
            archived_on: n.archived_at,
        }
    }
}

impl Exposed for Listed<Categories> {
    type View = DescribedItemView;
    const API: Api = Api {
        path: "/categories",
        id: "categoryId",
        one: "category",
        many: "categories",
        summaries: Summaries {
            list: "List ticket categories.",
            create: "Create a ticket category.",
            get: "Get a category.",
            replace: "Replace a category: an absent description is cleared.",
            update: "Update a category with a JSON merge patch.",
            archive: "Archive a category.",
            restore: "Restore an archived category.",
        },
    };
}

impl Exposed for Listed<ServiceGroups> {
    type View = DescribedItemView;
    const API: Api = Api {
        path: "/service-groups",
        id: "serviceGroupId",
        one: "service_group",
        many: "service_groups",
        summaries: Summaries {
            list: "List service groups (the sections of the service catalogue).",
            create: "Create a service group.",
            get: "Get a service group.",
            replace: "Replace a service group: an absent description is cleared.",
            update: "Update a service group with a JSON merge patch.",
            archive: "Archive a service group; refused (409 `InUse`) while request types belong to it.",
            restore: "Restore an archived service group.",
        },
    };
}

impl Exposed for Listed<Tags> {
    type View = SimpleItemView;
    const API: Api = Api {
        path: "/tags",
        id: "tagId",
        one: "tag",
        many: "tags",
        summaries: Summaries {
            list: "List ticket tags.",
            create: "Create a ticket tag.",
            get: "Get a tag.",
            replace: "Rename a tag.",
            update: "Rename a tag with a JSON merge patch.",
            archive: "Archive a tag.",
            restore: "Restore an archived tag.",
        },
    };
}

impl Exposed for Listed<Sources> {
    type View = SimpleItemView;
    const API: Api = Api {
        path: "/sources",
        id: "sourceId",
        one: "source",
        many: "sources",
        summaries: Summaries {
            list: "List ticket sources.",
            create: "Create a ticket source.",
            get: "Get a ticket source.",
            replace: "Rename a ticket source.",
            update: "Rename a ticket source with a JSON merge patch.",
            archive: "Archive a ticket source.",
            restore: "Restore an archived ticket source.",
        },
    };
}
