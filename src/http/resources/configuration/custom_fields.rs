//! Custom ticket field definitions.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::resource::{Api, Exposed, Summaries};
use crate::{
    domain::configuration::FieldType, repo::configuration::custom_fields::CustomField,
    service::configuration::CustomFields,
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldView {
    pub id: i32,
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    pub required: bool,
    pub choices: Vec<String>,
    pub min_value: Option<f64>,
    pub max_value: Option<f64>,
    pub max_length: Option<i32>,
    pub order: i32,
    pub is_archived: bool,
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub archived_on: Option<DateTime<Utc>>,
}

impl From<CustomField> for CustomFieldView {
    fn from(f: CustomField) -> Self {
        Self {
            id: f.id,
            key: f.key,
            label: f.label,
            field_type: f.field_type,
            required: f.required,
            choices: f.choices,
            min_value: f.min_value,
            max_value: f.max_value,
            max_length: f.max_length,
            order: f.sort_order,
            is_archived: f.archived_at.is_some(),
            created_on: f.created_at,
            modified_on: f.updated_at,
            archived_on: f.archived_at,
        }
    }
}

impl Exposed for CustomFields {
    type View = CustomFieldView;
    const API: Api = Api {
        path: "/custom-fields",
        id: "fieldId",
        one: "custom_field",
        many: "custom_fields",
        summaries: Summaries {
            list: "List custom ticket fields.",
            create: "Define a custom ticket field: text, number, date, boolean, single or multiple choice.",
            get: "Get a custom field definition.",
            replace: "Replace a custom field's rules; `key` and `type` must stay as they are.",
            update: "Update a custom field's rules with a JSON merge patch.",
            archive: "Archive a custom field: it is no longer asked for.",
            restore: "Restore an archived custom field.",
        },
    };
}
