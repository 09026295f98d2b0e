//! What a form version turns into: the Markdown a ticket shows of a result, and the JSON Schemas of
//! a result (v2: typed answers by identifier; v1: each answer as text, DeskDirector's automation
//! format with `; ` between entries).

use serde_json::{Map, Value, json};

use crate::domain::forms::{FormDefinition, Question, QuestionType};

/// The answers as Markdown: the form's name, then each answered question's name and answer, with
/// headings kept; unanswered and hidden questions are left out.
pub fn markdown(definition: &FormDefinition, display: &Map<String, Value>) -> String {
    let mut out = format!("### {}\n", definition.name.trim());
    for section in &definition.sections {
        let answered: Vec<&Question> = section
            .questions
            .iter()
            .filter(|q| display.contains_key(&q.identifier))
            .collect();
        if answered.is_empty() {
            continue;
        }
        if !section.title.trim().is_empty() {
            out.push_str(&format!("\n#### {}\n", section.title.trim()));
        }
        for question in &section.questions {
            if question.kind == QuestionType::Heading {
                out.push_str(&format!("\n#### {}\n", question.name.trim()));
                continue;
            }
            let Some(text) = display.get(&question.identifier).and_then(Value::as_str) else {
                continue;
            };
            out.push_str(&format!("\n**{}**\n\n{}\n", question.name.trim(), text));
        }
    }
    out
}

fn labelled(mut schema: Value, question: &Question) -> Value {
    if let Value::Object(map) = &mut schema {
        map.insert("title".into(), json!(question.name));
        map.insert("x-ms-summary".into(), json!(question.name));
        if !question.description.is_empty() {
            map.insert("description".into(), json!(question.description));
        }
    }
    schema
}

/// The JSON Schema of one typed answer.
pub fn answer_schema(question: &Question) -> Value {
    use QuestionType as T;
    let identifiers = || -> Vec<&str> {
        question
            .choices
            .iter()
            .map(|c| c.identifier.as_str())
            .collect()
    };
    let text = |format: Option<&str>| {
        let mut s = json!({"type": "string"});
        if let Some(format) = format {
            s["format"] = json!(format);
        }
        if let Some(max) = question.max_length {
            s["maxLength"] = json!(max);
        }
        if let Some(min) = question.min_length {
            s["minLength"] = json!(min);
        }
        s
    };
    let schema = match question.kind {
        T::ShortText | T::LongText | T::Phone => text(None),
        T::Email => text(Some("email")),
        T::Url => text(Some("uri")),
        T::Number => {
            let mut s = json!({"type": "number"});
            if let Some(min) = question.min {
                s["minimum"] = json!(min);
            }
            if let Some(max) = question.max {
                s["maximum"] = json!(max);
            }
            s
        }
        T::Rating => json!({"type": "integer", "minimum": 1, "maximum": question.max_rating()}),
        T::YesNo => json!({"type": "boolean"}),
        T::Date => json!({"type": "string", "format": "date"}),
        T::DateTime => json!({"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}$"}),
        T::Time => json!({"type": "string", "pattern": "^\\d{2}:\\d{2}$"}),
        T::SingleChoice => json!({"type": "string", "enum": identifiers()}),
        T::MultipleChoice => {
            json!({"type": "array", "items": {"type": "string", "enum": identifiers()}})
        }
        T::ApiSingleSelect => json!({"type": "string"}),
        T::ApiMultiSelect => json!({"type": "array", "items": {"type": "string"}}),
        T::File => json!({"type": "array", "items": {"type": "string", "format": "uuid"}}),
        T::Contact | T::Company => json!({"type": "integer", "minimum": 1}),
        T::Statement | T::Heading => json!({}),
    };
    labelled(schema, question)
}

/// Questions present in every result: required, and shown whatever else is answered.
fn always_present(definition: &FormDefinition) -> Vec<&str> {
    definition
        .sections
        .iter()
        .filter(|s| s.visible_when.is_none())
        .flat_map(|s| s.questions.iter())
        .filter(|q| q.kind.takes_answer() && q.visible_when.is_none())
        .filter(|q| q.required || q.default.is_some())
        .map(|q| q.identifier.as_str())
        .collect()
}

fn envelope(answers_key: &str, answers: Value) -> Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer", "format": "int64", "x-ms-summary": "Result id"},
            "formId": {"type": "integer", "x-ms-summary": "Form id"},
            "formName": {"type": "string", "x-ms-summary": "Form name"},
            "version": {"type": "integer", "x-ms-summary": "Form version"},
            "submittedOn": {"type": "string", "format": "date-time", "x-ms-summary": "Submitted on"},
            "ticketId": {"type": ["integer", "null"], "x-ms-summary": "Ticket id"},
            "contact": {
                "type": ["object", "null"],
                "x-ms-summary": "Contact",
                "properties": {
                    "id": {"type": "integer", "x-ms-summary": "Contact id"},
                    "name": {"type": "string", "x-ms-summary": "Contact name"},
                    "email": {"type": "string", "x-ms-summary": "Contact email"}
                }
            },
            answers_key: answers
        },
        "required": ["id", "formId", "formName", "version", "submittedOn", "ticketId", "contact", answers_key]
    })
}

/// A result with typed answers (`answers`), the v2 shape.
pub fn result_schema(definition: &FormDefinition) -> Value {
    let properties: Map<String, Value> = definition
        .questions()
        .filter(|q| q.kind.takes_answer())
        .map(|q| (q.identifier.clone(), answer_schema(q)))
        .collect();
    envelope(
        "answers",
        json!({
            "type": "object",
            "x-ms-summary": "Answers",
            "properties": properties,
            "required": always_present(definition)
        }),
    )
}

/// A result with every answer as text (`fields`), the v1 shape.
pub fn text_result_schema(definition: &FormDefinition) -> Value {
    let properties: Map<String, Value> = definition
        .questions()
        .filter(|q| q.kind.takes_answer())
        .map(|q| (q.identifier.clone(), labelled(json!({"type": "string"}), q)))
        .collect();
    envelope(
        "fields",
        json!({
            "type": "object",
            "x-ms-summary": "Fields",
            "properties": properties,
            "required": always_present(definition)
        }),
    )
}
