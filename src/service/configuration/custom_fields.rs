//! Custom ticket field definitions: text, number, date, boolean, single and multiple choice. A
//! field's `key` and type are fixed once it exists, since stored values depend on them.

use super::{Resource, rules::live};
use crate::{
    domain::{
        Tenant,
        configuration::{CustomFieldInput, CustomFieldPatch, FieldType},
        patch::Patch,
    },
    error::{Error, Result},
    repo::{
        self,
        configuration::{
            Table,
            custom_fields::{self, CustomField, CustomFieldRules},
        },
    },
    service::validate,
    state::AppState,
};

pub const MAX_CHOICES: usize = 200;

pub struct CustomFields;

impl Resource for CustomFields {
    type Row = CustomField;
    type Input = CustomFieldInput;
    type Patch = CustomFieldPatch;

    async fn list(
        state: &AppState,
        tenant: &Tenant,
        include_archived: bool,
    ) -> Result<Vec<CustomField>> {
        Ok(custom_fields::list(&state.pool, tenant.id, include_archived).await?)
    }

    async fn get(state: &AppState, tenant: &Tenant, id: i32) -> Result<CustomField> {
        let mut conn = state.pool.acquire().await?;
        custom_fields::get(&mut conn, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found("custom field"))
    }

    async fn create(
        state: &AppState,
        tenant: &Tenant,
        input: CustomFieldInput,
    ) -> Result<CustomField> {
        let key = field_key(&input.key)?;
        let label = validate::required_text("label", &input.label, 100)?;
        let choices = field_choices(input.field_type, input.choices)?;
        let rules = CustomFieldRules {
            label: &label,
            required: input.required,
            choices: &choices,
            min_value: input.min_value,
            max_value: input.max_value,
            max_length: input.max_length,
            sort_order: input.order.unwrap_or(0),
        };
        check_field_rules(input.field_type, &rules)?;
        let mut conn = state.pool.acquire().await?;
        custom_fields::insert(&mut conn, tenant.id, &key, input.field_type, &rules)
            .await
            .map_err(key_conflict)
    }

    async fn replace(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        input: CustomFieldInput,
    ) -> Result<CustomField> {
        let current = Self::get(state, tenant, id).await?;
        if input.key != current.key {
            return Err(Error::validation(
                "key",
                "a custom field's key cannot change",
            ));
        }
        if input.field_type != current.field_type {
            return Err(Error::validation(
                "type",
                "a custom field's type cannot change",
            ));
        }
        let patch = CustomFieldPatch {
            label: Patch::Value(input.label),
            required: Patch::Value(input.required),
            choices: Patch::Value(input.choices),
            min_value: input.min_value.map_or(Patch::Null, Patch::Value),
            max_value: input.max_value.map_or(Patch::Null, Patch::Value),
            max_length: input.max_length.map_or(Patch::Null, Patch::Value),
            order: Patch::Value(input.order.unwrap_or(0)),
        };
        Self::patch(state, tenant, id, patch).await
    }

    async fn patch(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        patch: CustomFieldPatch,
    ) -> Result<CustomField> {
        let mut tx = state.pool.begin().await?;
        let current = live(
            custom_fields::get(&mut tx, tenant.id, id).await?,
            |f| f.archived_at,
            Table::CustomFields,
        )?;
        let label = validate::required_text(
            "label",
            &validate::not_cleared(patch.label, current.label, "label")?,
            100,
        )?;
        let choices = field_choices(
            current.field_type,
            patch
                .choices
                .apply(Some(current.choices))
                .unwrap_or_default(),
        )?;
        let rules = CustomFieldRules {
            label: &label,
            required: validate::not_cleared(patch.required, current.required, "required")?,
            choices: &choices,
            min_value: patch.min_value.apply(current.min_value),
            max_value: patch.max_value.apply(current.max_value),
            max_length: patch.max_length.apply(current.max_length),
            sort_order: validate::not_cleared(patch.order, current.sort_order, "order")?,
        };
        check_field_rules(current.field_type, &rules)?;
        custom_fields::update(&mut tx, tenant.id, id, &rules).await?;
        let field = custom_fields::get(&mut tx, tenant.id, id)
            .await?
            .ok_or_else(|| Error::not_found("custom field"))?;
        tx.commit().await?;
        Ok(field)
    }

    async fn set_archived(
        state: &AppState,
        tenant: &Tenant,
        id: i32,
        archived: bool,
    ) -> Result<CustomField> {
        let mut conn = state.pool.acquire().await?;
        if !repo::configuration::set_archived(
            &mut conn,
            Table::CustomFields,
            tenant.id,
            id,
            archived,
        )
        .await
        .map_err(key_conflict)?
        {
            return Err(Error::not_found("custom field"));
        }
        drop(conn);
        Self::get(state, tenant, id).await
    }
}

fn field_key(key: &str) -> Result<String> {
    let valid = (1..=50).contains(&key.len())
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid {
        return Err(Error::validation(
            "key",
            "key must be 1 to 50 lowercase letters, digits or `_`, starting with a letter",
        ));
    }
    Ok(key.to_string())
}

/// Choice fields need distinct, non-empty choices; other fields have none.
fn field_choices(field_type: FieldType, choices: Vec<String>) -> Result<Vec<String>> {
    if !field_type.has_choices() {
        if !choices.is_empty() {
            return Err(Error::validation(
                "choices",
                "only choice fields have choices",
            ));
        }
        return Ok(choices);
    }
    if choices.is_empty() || choices.len() > MAX_CHOICES {
        return Err(Error::validation(
            "choices",
            format!("a choice field needs 1 to {MAX_CHOICES} choices"),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    choices
        .into_iter()
        .map(|c| {
            let c = validate::required_text("choices", &c, 100)?;
            if !seen.insert(c.to_lowercase()) {
                return Err(Error::validation(
                    "choices",
                    format!("`{c}` is listed twice"),
                ));
            }
            Ok(c)
        })
        .collect()
}

fn check_field_rules(field_type: FieldType, rules: &CustomFieldRules<'_>) -> Result<()> {
    let is_number = field_type == FieldType::Number;
    if !is_number && (rules.min_value.is_some() || rules.max_value.is_some()) {
        return Err(Error::validation(
            "minValue",
            "only number fields have bounds",
        ));
    }
    if let (Some(min), Some(max)) = (rules.min_value, rules.max_value)
        && min > max
    {
        return Err(Error::validation(
            "maxValue",
            "maxValue must not be below minValue",
        ));
    }
    match rules.max_length {
        Some(_) if field_type != FieldType::Text => Err(Error::validation(
            "maxLength",
            "only text fields have a maximum length",
        )),
        Some(n) if !(1..=10_000).contains(&n) => Err(Error::validation(
            "maxLength",
            "maxLength must be 1 to 10000",
        )),
        _ => Ok(()),
    }
}

fn key_conflict(error: sqlx::Error) -> Error {
    if repo::is_unique_violation(&error, "custom_fields_key") {
        Error::conflict("key", "another active custom field has this key")
    } else {
        error.into()
    }
}
