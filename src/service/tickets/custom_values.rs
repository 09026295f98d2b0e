//! Checking a ticket's custom field values against their definitions.

use serde_json::{Map, Value, json};

use crate::{
    domain::configuration::FieldType,
    error::{Error, Result},
    repo::configuration::custom_fields::CustomField,
};

/// Checks `values` (by key) against the live `definitions` and answers what to store: `null`
/// values are dropped, dates are normalised. Unknown keys, wrong types, values out of bounds or not
/// among the choices, and missing required fields are 422s naming `customFields.{key}`.
pub fn check(definitions: &[CustomField], values: Map<String, Value>) -> Result<Value> {
    let mut stored = Map::new();
    for (key, value) in values {
        let field = format!("customFields.{key}");
        let definition = definitions
            .iter()
            .find(|d| d.key == key)
            .ok_or_else(|| Error::validation(&field, format!("no custom field `{key}`")))?;
        if value.is_null() {
            continue;
        }
        let value = check_one(definition, value)
            .map_err(|problem| Error::validation(&field, format!("{key}: {problem}")))?;
        stored.insert(key, value);
    }
    if let Some(missing) = definitions
        .iter()
        .find(|d| d.required && !stored.contains_key(&d.key))
    {
        return Err(Error::validation(
            &format!("customFields.{}", missing.key),
            format!("{} is required", missing.label),
        ));
    }
    Ok(Value::Object(stored))
}

/// The JSON Schema of the values `check` accepts for one field.
pub fn json_schema(d: &CustomField) -> Value {
    let mut schema = match d.field_type {
        FieldType::Text => json!({"type": "string"}),
        FieldType::Number => json!({"type": "number"}),
        FieldType::Date => json!({"type": "string", "format": "date"}),
        FieldType::Boolean => json!({"type": "boolean"}),
        FieldType::SingleChoice => json!({"type": "string", "enum": d.choices}),
        FieldType::MultipleChoice => {
            json!({"type": "array", "items": {"type": "string", "enum": d.choices}})
        }
    };
    schema["x-ms-summary"] = json!(d.label);
    if let Some(max) = d.max_length {
        schema["maxLength"] = json!(max);
    }
    if let Some(min) = d.min_value {
        schema["minimum"] = json!(min);
    }
    if let Some(max) = d.max_value {
        schema["maximum"] = json!(max);
    }
    schema
}

fn check_one(d: &CustomField, value: Value) -> Result<Value, String> {
    match d.field_type {
        FieldType::Text => {
            let text = value.as_str().ok_or("expected text")?;
            if let Some(max) = d.max_length
                && text.chars().count() > max as usize
            {
                return Err(format!("at most {max} characters"));
            }
            Ok(value)
        }
        FieldType::Number => {
            let n = value.as_f64().ok_or("expected a number")?;
            if d.min_value.is_some_and(|min| n < min) || d.max_value.is_some_and(|max| n > max) {
                return Err(format!(
                    "must be between {} and {}",
                    d.min_value.map_or("-∞".into(), |v| v.to_string()),
                    d.max_value.map_or("∞".into(), |v| v.to_string())
                ));
            }
            Ok(value)
        }
        FieldType::Date => {
            let text = value.as_str().ok_or("expected a date like 2026-01-31")?;
            let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| "expected a date like 2026-01-31")?;
            Ok(Value::String(date.format("%Y-%m-%d").to_string()))
        }
        FieldType::Boolean => value
            .is_boolean()
            .then_some(value)
            .ok_or_else(|| "expected true or false".into()),
        FieldType::SingleChoice => {
            let choice = value.as_str().ok_or("expected one of the choices")?;
            if !d.choices.iter().any(|c| c == choice) {
                return Err(format!("`{choice}` is not one of the choices"));
            }
            Ok(value)
        }
        FieldType::MultipleChoice => {
            let picked = value.as_array().ok_or("expected a list of choices")?;
            let mut out: Vec<Value> = Vec::with_capacity(picked.len());
            for item in picked {
                let choice = item.as_str().ok_or("expected a list of choices")?;
                if !d.choices.iter().any(|c| c == choice) {
                    return Err(format!("`{choice}` is not one of the choices"));
                }
                if !out.contains(item) {
                    out.push(item.clone());
                }
            }
            Ok(Value::Array(out))
        }
    }
}
