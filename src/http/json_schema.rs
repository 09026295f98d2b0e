//! JSON Schemas for Power Automate, generated from the `ToSchema` derives of the very types the
//! handlers serialise and parse, so a schema cannot disagree with its data. The flow designer
//! follows neither `$ref` nor `oneOf`, so references are inlined and `oneOf [X, null]` becomes a
//! nullable `X`; every property gets an `x-ms-summary` label.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// Deeper than any of our types nests; a guard against a self-referencing one.
const MAX_DEPTH: usize = 24;

/// The standalone JSON Schema of `T`.
pub fn of<T: ToSchema>() -> Value {
    let mut parts = Vec::new();
    T::schemas(&mut parts);
    let definitions: HashMap<String, Value> = parts
        .into_iter()
        .map(|(name, schema)| (name, to_value(schema)))
        .collect();
    inline(to_value(T::schema()), &definitions, 0)
}

fn to_value(schema: impl serde::Serialize) -> Value {
    serde_json::to_value(schema).expect("an OpenAPI schema is plain JSON")
}

fn inline(value: Value, definitions: &HashMap<String, Value>, depth: usize) -> Value {
    let mut map = match value {
        Value::Object(map) => map,
        Value::Array(items) => {
            return Value::Array(
                items
                    .into_iter()
                    .map(|v| inline(v, definitions, depth))
                    .collect(),
            );
        }
        other => return other,
    };
    if let Some(Value::String(reference)) = map.get("$ref") {
        let name = reference.rsplit('/').next().unwrap_or_default();
        let target = definitions.get(name).cloned();
        let mut resolved = match target {
            Some(target) if depth < MAX_DEPTH => inline(target, definitions, depth + 1),
            _ => json!({"type": "object"}),
        };
        if let (Some(description), Value::Object(resolved)) =
            (map.remove("description"), &mut resolved)
        {
            resolved.insert("description".into(), description);
        }
        return resolved;
    }
    if let Some(nullable) = nullable_alternative(&map) {
        map.remove("oneOf");
        let mut resolved = inline(nullable, definitions, depth);
        allow_null(&mut resolved);
        if let Value::Object(resolved) = resolved {
            for (key, value) in resolved {
                map.entry(key).or_insert(value);
            }
        }
    }
    for value in map.values_mut() {
        *value = inline(value.take(), definitions, depth);
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            if let Value::Object(property) = property {
                property
                    .entry("x-ms-summary")
                    .or_insert_with(|| Value::String(label(name)));
            }
        }
    }
    Value::Object(map)
}

/// `X` of `oneOf: [X, {type: null}]`, the form utoipa gives an optional reference.
fn nullable_alternative(map: &Map<String, Value>) -> Option<Value> {
    let Some(Value::Array(alternatives)) = map.get("oneOf") else {
        return None;
    };
    let is_null = |v: &Value| v.get("type") == Some(&Value::from("null"));
    match alternatives.as_slice() {
        [a, b] if is_null(b) => Some(a.clone()),
        [a, b] if is_null(a) => Some(b.clone()),
        _ => None,
    }
}

fn allow_null(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    match map.get_mut("type") {
        Some(Value::String(single)) => {
            let single = single.clone();
            map.insert("type".into(), json!([single, "null"]));
        }
        Some(Value::Array(types)) if !types.contains(&Value::from("null")) => {
            types.push("null".into());
        }
        _ => {}
    }
    if let Some(Value::Array(choices)) = map.get_mut("enum")
        && !choices.contains(&Value::Null)
    {
        choices.push(Value::Null);
    }
}

/// `createdOn` → `Created On`.
pub fn label(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else if c.is_uppercase() {
            out.push(' ');
            out.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        id: i32,
    }

    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "camelCase")]
    struct Outer {
        /// The inner one.
        maybe_inner: Option<Inner>,
        inners: Vec<Inner>,
    }

    #[test]
    fn references_are_inlined_and_optional_ones_become_nullable() {
        let schema = of::<Outer>();
        let maybe = &schema["properties"]["maybeInner"];
        assert_eq!(maybe["type"], json!(["object", "null"]));
        assert_eq!(maybe["properties"]["id"]["type"], "integer");
        assert_eq!(maybe["x-ms-summary"], "Maybe Inner");
        assert_eq!(
            schema["properties"]["inners"]["items"]["properties"]["id"]["x-ms-summary"],
            "Id"
        );
        assert!(!schema.to_string().contains("$ref"));
        assert!(!schema.to_string().contains("oneOf"));
    }
}
