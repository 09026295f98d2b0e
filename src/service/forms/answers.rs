//! Answers against a form version: each value read as its question's type (and normalised), which
//! questions are visible given the others' answers, required ones enforced, answers to hidden ones
//! refused, and references (contacts, companies, files, dynamic choices) confirmed.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Map, Value, json};

use super::definition::{LONG_TEXT_MAX, SHORT_TEXT_MAX, compile};
use crate::{
    domain::forms::{Choice, Condition, FormDefinition, Question, QuestionType},
    error::{Error, Result},
};

/// The most files one question takes (as one ticket change does).
const MAX_FILES: usize = 20;

/// What the references in answers stand for, looked up once per submission. With `verify` off
/// (a definition's defaults and conditions) references are only read, not confirmed.
#[derive(Default)]
pub struct Lookups {
    pub verify: bool,
    /// Dynamic choices by question identifier.
    pub choices: HashMap<String, Vec<Choice>>,
    /// Contacts the submitter may name, as shown.
    pub contacts: HashMap<i64, String>,
    pub companies: HashMap<i64, String>,
    /// The submitter's pending uploads by id, with their file names.
    pub files: HashMap<String, String>,
}

impl Lookups {
    pub fn none() -> Self {
        Self::default()
    }
}

/// Answers that passed: typed values, each also as a person reads it.
#[derive(Debug, Default)]
pub struct Checked {
    pub answers: Map<String, Value>,
    pub display: Map<String, Value>,
}

/// The upload ids typed answers name, each once.
pub fn upload_ids(definition: &FormDefinition, answers: &Map<String, Value>) -> Vec<uuid::Uuid> {
    let mut ids: Vec<uuid::Uuid> = definition
        .questions()
        .filter(|q| q.kind == QuestionType::File)
        .filter_map(|q| answers.get(&q.identifier))
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|v| v.as_str().and_then(|id| uuid::Uuid::parse_str(id).ok()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn text(value: &Value) -> std::result::Result<&str, String> {
    value
        .as_str()
        .map(str::trim)
        .ok_or_else(|| "must be text".into())
}

fn length_checked(question: &Question, value: &str) -> std::result::Result<(), String> {
    let ceiling = if question.kind == QuestionType::LongText {
        LONG_TEXT_MAX
    } else {
        SHORT_TEXT_MAX
    };
    let count = value.chars().count() as u32;
    let max = question.max_length.unwrap_or(ceiling).min(ceiling);
    if count > max {
        return Err(format!("at most {max} characters"));
    }
    if let Some(min) = question.min_length
        && count < min
    {
        return Err(format!("at least {min} characters"));
    }
    if let Some(pattern) = &question.pattern
        && !compile(pattern).is_ok_and(|re| re.is_match(value))
    {
        return Err(format!("must match the pattern {pattern}"));
    }
    Ok(())
}

fn phone(value: &str) -> std::result::Result<String, String> {
    let digits: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let rest = digits.strip_prefix('+').unwrap_or("");
    let ok = rest.len() >= 7
        && rest.len() <= 15
        && !rest.starts_with('0')
        && rest.chars().all(|c| c.is_ascii_digit());
    if ok {
        Ok(digits)
    } else {
        Err("must be a phone number in international form, like +6491234567".into())
    }
}

fn choice<'a>(choices: &'a [Choice], value: &Value) -> std::result::Result<&'a Choice, String> {
    let id = value.as_str().ok_or("must be a choice's identifier")?;
    choices
        .iter()
        .find(|c| c.identifier == id)
        .ok_or_else(|| format!("`{id}` is not one of the choices"))
}

/// The choices a question offers: its own, or those its URL loaded (only known when verifying).
fn offered<'a>(question: &'a Question, lookups: &'a Lookups) -> Option<&'a [Choice]> {
    if question.kind.has_static_choices() {
        Some(&question.choices)
    } else {
        lookups.choices.get(&question.identifier).map(Vec::as_slice)
    }
}

fn reference(
    value: &Value,
    known: &HashMap<i64, String>,
    verify: bool,
    what: &str,
) -> std::result::Result<(Value, String), String> {
    let id = value
        .as_i64()
        .filter(|id| *id > 0 && *id <= i32::MAX as i64)
        .ok_or_else(|| format!("must be a {what} id"))?;
    match known.get(&id) {
        Some(name) => Ok((json!(id), name.clone())),
        None if !verify => Ok((json!(id), id.to_string())),
        None => Err(format!("no {what} {id} you may choose")),
    }
}

/// One answer read as its question's type: the stored value and how it reads.
pub fn check_value(
    question: &Question,
    value: &Value,
    lookups: &Lookups,
) -> std::result::Result<(Value, String), String> {
    use QuestionType as T;
    if question.kind.is_many() {
        let items = value.as_array().ok_or("must be a list")?;
        if items.len() > 500 {
            return Err("at most 500 entries".into());
        }
        let mut values = Vec::new();
        let mut shown = Vec::new();
        for item in items {
            let (value, label) = match question.kind {
                T::File => {
                    let id = item
                        .as_str()
                        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
                        .ok_or("must list upload ids")?
                        .to_ascii_lowercase();
                    let name = match lookups.files.get(&id) {
                        Some(name) => name.clone(),
                        None if !lookups.verify => id.clone(),
                        None => return Err(format!("{id} is none of your pending uploads")),
                    };
                    (json!(id), name)
                }
                _ => match offered(question, lookups) {
                    Some(choices) => {
                        let c = choice(choices, item)?;
                        (json!(c.identifier), c.name.clone())
                    }
                    None => {
                        let id = item.as_str().ok_or("must list choice identifiers")?;
                        (json!(id), id.to_string())
                    }
                },
            };
            if !values.contains(&value) {
                values.push(value);
                shown.push(label);
            }
        }
        if question.kind == T::File && values.len() > MAX_FILES {
            return Err(format!("at most {MAX_FILES} files"));
        }
        return Ok((Value::Array(values), shown.join("; ")));
    }
    let answer = match question.kind {
        T::ShortText | T::LongText => {
            let s = text(value)?;
            length_checked(question, s)?;
            (json!(s), s.to_string())
        }
        T::Email => {
            let s = text(value)?;
            let email = crate::service::validate::email("answer", s)
                .map_err(|_| "must be an email address".to_string())?;
            length_checked(question, &email)?;
            (json!(email), email)
        }
        T::Phone => {
            let s = phone(text(value)?)?;
            length_checked(question, &s)?;
            (json!(s), s)
        }
        T::Url => {
            let s = text(value)?;
            let ok = s.len() <= crate::outbound::MAX_URL
                && reqwest::Url::parse(s)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.has_host());
            if !ok {
                return Err("must be an http or https URL".into());
            }
            length_checked(question, s)?;
            (json!(s), s.to_string())
        }
        T::Number => {
            let n = value.as_f64().ok_or("must be a number")?;
            if question.min.is_some_and(|min| n < min) || question.max.is_some_and(|max| n > max) {
                let bound = |b: Option<f64>| b.map_or("any".into(), |b| b.to_string());
                return Err(format!(
                    "must be from {} to {}",
                    bound(question.min),
                    bound(question.max)
                ));
            }
            (value.clone(), value.to_string())
        }
        T::Rating => {
            let top = question.max_rating() as i64;
            let n = value
                .as_i64()
                .or_else(|| {
                    value
                        .as_f64()
                        .filter(|f| f.fract() == 0.0)
                        .map(|f| f as i64)
                })
                .filter(|n| (1..=top).contains(n))
                .ok_or_else(|| format!("must be a whole number from 1 to {top}"))?;
            (json!(n), format!("{n} / {top}"))
        }
        T::YesNo => {
            let b = value.as_bool().ok_or("must be true or false")?;
            (json!(b), if b { "Yes" } else { "No" }.to_string())
        }
        T::Date => {
            let d = NaiveDate::parse_from_str(text(value)?, "%Y-%m-%d")
                .map_err(|_| "must be a date like 2026-01-24")?;
            let s = d.format("%Y-%m-%d").to_string();
            (json!(s), s)
        }
        T::DateTime => {
            let raw = text(value)?;
            let t = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| "must be a date and time like 2026-01-24T13:34")?;
            let s = t.format("%Y-%m-%dT%H:%M").to_string();
            (json!(s), s)
        }
        T::Time => {
            let t = NaiveTime::parse_from_str(text(value)?, "%H:%M")
                .map_err(|_| "must be a time like 13:34")?;
            let s = t.format("%H:%M").to_string();
            (json!(s), s)
        }
        T::SingleChoice | T::ApiSingleSelect => match offered(question, lookups) {
            Some(choices) => {
                let c = choice(choices, value)?;
                (json!(c.identifier), c.name.clone())
            }
            None => {
                let id = value.as_str().ok_or("must be a choice's identifier")?;
                (json!(id), id.to_string())
            }
        },
        T::Contact => reference(value, &lookups.contacts, lookups.verify, "contact")?,
        T::Company => reference(value, &lookups.companies, lookups.verify, "company")?,
        T::Statement | T::Heading => return Err("takes no answer".into()),
        T::MultipleChoice | T::ApiMultiSelect | T::File => unreachable!("lists are read above"),
    };
    Ok(answer)
}

/// A value a condition compares with must be one the question could hold (one entry of a list).
pub fn check_condition_value(
    question: &Question,
    value: &Value,
) -> std::result::Result<(), String> {
    let value = if question.kind.is_many() {
        json!([value])
    } else {
        value.clone()
    };
    check_value(question, &value, &Lookups::none()).map(|_| ())
}

fn matches(condition: &Condition, value: Option<&Value>) -> bool {
    let Some(value) = value else { return false };
    if condition.equals.is_none() && condition.any_of.is_empty() {
        return true;
    }
    let same = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    };
    let hit = |v: &Value| {
        condition
            .equals
            .iter()
            .chain(condition.any_of.iter())
            .any(|c| same(c, v))
    };
    match value {
        Value::Array(items) => items.iter().any(hit),
        one => hit(one),
    }
}

/// Which questions are visible, given the (typed) answers; defaults count as answers.
pub fn visibility(
    definition: &FormDefinition,
    answers: &Map<String, Value>,
) -> HashMap<String, bool> {
    struct Walk<'a> {
        owners: HashMap<&'a str, (&'a Question, Option<&'a Condition>)>,
        answers: &'a Map<String, Value>,
        seen: HashMap<String, bool>,
    }
    impl Walk<'_> {
        fn visible(&mut self, id: &str) -> bool {
            if let Some(known) = self.seen.get(id) {
                return *known;
            }
            // A cycle cannot be saved; this guards the walk anyway.
            self.seen.insert(id.to_string(), false);
            let Some((question, section)) = self.owners.get(id).copied() else {
                return false;
            };
            let shown = [section, question.visible_when.as_ref()]
                .into_iter()
                .flatten()
                .all(|c| self.visible(&c.question) && matches(c, self.value(&c.question)));
            self.seen.insert(id.to_string(), shown);
            shown
        }

        fn value(&self, id: &str) -> Option<&Value> {
            let question = self.owners.get(id)?.0;
            self.answers.get(id).or(question.default.as_ref())
        }
    }
    let mut walk = Walk {
        owners: definition
            .sections
            .iter()
            .flat_map(|s| {
                s.questions
                    .iter()
                    .map(move |q| (q.identifier.as_str(), (q, s.visible_when.as_ref())))
            })
            .collect(),
        answers,
        seen: HashMap::new(),
    };
    definition
        .questions()
        .map(|q| (q.identifier.clone(), walk.visible(&q.identifier)))
        .collect()
}

fn invalid(identifier: &str, message: impl Into<String>) -> Error {
    Error::validation(&format!("answers.{identifier}"), message)
}

/// Reads each given answer as its type (before references are looked up), refusing unknown
/// questions and answers to questions that take none.
pub fn read(definition: &FormDefinition, given: &Map<String, Value>) -> Result<Map<String, Value>> {
    let mut typed = Map::new();
    for (identifier, value) in given {
        let question = definition
            .question(identifier)
            .ok_or_else(|| invalid(identifier, "no such question in this form"))?;
        if is_empty(value) {
            continue;
        }
        let (value, _) =
            check_value(question, value, &Lookups::none()).map_err(|m| invalid(identifier, m))?;
        typed.insert(identifier.clone(), value);
    }
    Ok(typed)
}

/// The full check, once references are looked up: hidden questions answered are refused, required
/// visible ones must be answered, defaults fill the rest.
pub fn check(
    definition: &FormDefinition,
    typed: &Map<String, Value>,
    lookups: &Lookups,
) -> Result<Checked> {
    let visible = visibility(definition, typed);
    let mut checked = Checked::default();
    for question in definition.questions().filter(|q| q.kind.takes_answer()) {
        let id = &question.identifier;
        let shown = visible.get(id).copied().unwrap_or(false);
        let given = typed.get(id);
        if !shown {
            if given.is_some() {
                return Err(invalid(
                    id,
                    "this question is hidden by its condition; leave it out",
                ));
            }
            continue;
        }
        let Some(value) = given.or(question.default.as_ref()) else {
            if question.required {
                return Err(invalid(id, format!("`{}` is required", question.name)));
            }
            continue;
        };
        let (value, shown) = check_value(question, value, lookups).map_err(|m| invalid(id, m))?;
        checked.answers.insert(id.clone(), value);
        checked.display.insert(id.clone(), Value::String(shown));
    }
    Ok(checked)
}
