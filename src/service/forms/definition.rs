//! Checking a form definition before it is saved: every rule a question's type allows, identifiers
//! unique, conditions that name an answerable question and form no cycle, dynamic-choice URLs that
//! pass the webhook guard, and defaults that are valid answers. Each failure names its field path.

use std::collections::{HashMap, HashSet};

use regex::RegexBuilder;

use crate::cache::TtlCache;

use super::answers::{self, Lookups};
use crate::{
    domain::forms::{Condition, FormDefinition, Question, QuestionType},
    error::{Error, Result},
    outbound,
};

pub const MAX_SECTIONS: usize = 50;
pub const MAX_QUESTIONS: usize = 200;
pub const MAX_CHOICES: usize = 500;
/// Short text's and long text's ceilings, whatever `maxLength` says.
pub const SHORT_TEXT_MAX: u32 = 255;
pub const LONG_TEXT_MAX: u32 = 10_000;
/// A pattern's compiled size, so a definition cannot make the server compile a huge automaton.
const PATTERN_SIZE: usize = 64 * 1024;

/// Compiled patterns, so answering a form does not compile its patterns again each time.
static PATTERNS: std::sync::LazyLock<TtlCache<String, regex::Regex>> =
    std::sync::LazyLock::new(|| TtlCache::new(1000));

/// A pattern that must match the whole answer.
pub fn compile(pattern: &str) -> std::result::Result<regex::Regex, regex::Error> {
    if let Some(hit) = PATTERNS.get(&pattern.to_string()) {
        return Ok(hit);
    }
    let compiled = RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(PATTERN_SIZE)
        .build()?;
    PATTERNS.insert(
        pattern.to_string(),
        compiled.clone(),
        std::time::Duration::from_secs(3600),
    );
    Ok(compiled)
}

fn identifier_ok(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && id.len() <= 50
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Checks `definition`; `allow_private` is the webhook setting for dynamic-choice URLs.
pub async fn check(definition: &FormDefinition, allow_private: bool) -> Result<()> {
    crate::service::validate::required_text("name", &definition.name, 100)?;
    crate::service::validate::optional_text("description", &definition.description, 10_000)?;
    if definition.sections.is_empty() {
        return Err(Error::validation(
            "sections",
            "a form has at least one section",
        ));
    }
    if definition.sections.len() > MAX_SECTIONS {
        return Err(Error::validation(
            "sections",
            format!("at most {MAX_SECTIONS} sections"),
        ));
    }
    if definition.questions().count() > MAX_QUESTIONS {
        return Err(Error::validation(
            "sections",
            format!("at most {MAX_QUESTIONS} questions in all"),
        ));
    }
    let mut seen = HashSet::new();
    for (s, section) in definition.sections.iter().enumerate() {
        let at = format!("sections[{s}]");
        crate::service::validate::optional_text(&format!("{at}.title"), &section.title, 200)?;
        crate::service::validate::optional_text(
            &format!("{at}.description"),
            &section.description,
            10_000,
        )?;
        for (q, question) in section.questions.iter().enumerate() {
            let at = format!("{at}.questions[{q}]");
            if !identifier_ok(&question.identifier) {
                return Err(Error::validation(
                    &format!("{at}.identifier"),
                    "a lower-case letter, then up to 49 lower-case letters, digits or `_`",
                ));
            }
            if !seen.insert(question.identifier.as_str()) {
                return Err(Error::validation(
                    &format!("{at}.identifier"),
                    format!("`{}` is used twice", question.identifier),
                ));
            }
            check_question(question, &at, allow_private).await?;
        }
    }
    for (s, section) in definition.sections.iter().enumerate() {
        if let Some(condition) = &section.visible_when {
            check_condition(
                definition,
                condition,
                None,
                &format!("sections[{s}].visibleWhen"),
            )?;
        }
        for (q, question) in section.questions.iter().enumerate() {
            if let Some(condition) = &question.visible_when {
                let at = format!("sections[{s}].questions[{q}].visibleWhen");
                check_condition(definition, condition, Some(&question.identifier), &at)?;
            }
        }
    }
    check_acyclic(definition)
}

async fn check_question(question: &Question, at: &str, allow_private: bool) -> Result<()> {
    let field = |name: &str| format!("{at}.{name}");
    let kind = question.kind;
    crate::service::validate::required_text(&field("name"), &question.name, 500)?;
    crate::service::validate::optional_text(&field("description"), &question.description, 10_000)?;
    if !kind.takes_answer() && (question.required || question.default.is_some()) {
        return Err(Error::validation(
            &field("required"),
            format!("a {} takes no answer", kind.as_str()),
        ));
    }
    let text_only = [
        ("minLength", question.min_length.is_some()),
        ("maxLength", question.max_length.is_some()),
        ("pattern", question.pattern.is_some()),
    ];
    for (name, set) in text_only {
        if set && !kind.is_text() {
            return Err(Error::validation(
                &field(name),
                format!("only text questions take {name}"),
            ));
        }
    }
    if (question.min.is_some() || question.max.is_some()) && kind != QuestionType::Number {
        return Err(Error::validation(
            &field("min"),
            "only numbers take min and max",
        ));
    }
    if let (Some(min), Some(max)) = (question.min, question.max)
        && min > max
    {
        return Err(Error::validation(&field("min"), "min is above max"));
    }
    if [question.min, question.max]
        .iter()
        .flatten()
        .any(|v| !v.is_finite())
    {
        return Err(Error::validation(
            &field("min"),
            "min and max are finite numbers",
        ));
    }
    let ceiling = if kind == QuestionType::LongText {
        LONG_TEXT_MAX
    } else {
        SHORT_TEXT_MAX
    };
    if let Some(max) = question.max_length
        && !(1..=ceiling).contains(&max)
    {
        return Err(Error::validation(
            &field("maxLength"),
            format!("1 to {ceiling}"),
        ));
    }
    if let (Some(min), Some(max)) = (question.min_length, question.max_length)
        && min > max
    {
        return Err(Error::validation(
            &field("minLength"),
            "minLength is above maxLength",
        ));
    }
    if let Some(pattern) = &question.pattern
        && (pattern.len() > 1000 || compile(pattern).is_err())
    {
        return Err(Error::validation(
            &field("pattern"),
            "not a regular expression deskd can use (at most 1,000 characters)",
        ));
    }
    if question.max_rating.is_some() && kind != QuestionType::Rating {
        return Err(Error::validation(
            &field("maxRating"),
            "only ratings take maxRating",
        ));
    }
    if !(2..=10).contains(&question.max_rating()) {
        return Err(Error::validation(&field("maxRating"), "2 to 10"));
    }
    if question.render.is_some() && kind != QuestionType::SingleChoice {
        return Err(Error::validation(
            &field("render"),
            "only single choices take render",
        ));
    }
    check_choices(question, at)?;
    match (&question.choices_url, kind.has_dynamic_choices()) {
        (Some(url), true) => {
            if !url.starts_with("https://") && !allow_private {
                return Err(Error::validation(
                    &field("choicesUrl"),
                    "the URL must be https",
                ));
            }
            outbound::check_url(url, allow_private)
                .await
                .map_err(|e| Error::validation(&field("choicesUrl"), e.message))?;
        }
        (None, true) => {
            return Err(Error::validation(
                &field("choicesUrl"),
                "a dynamic choice needs the URL its choices come from",
            ));
        }
        (Some(_), false) => {
            return Err(Error::validation(
                &field("choicesUrl"),
                "only api_single_select and api_multi_select load choices",
            ));
        }
        (None, false) => {}
    }
    if let Some(default) = &question.default {
        if matches!(
            kind,
            QuestionType::File
                | QuestionType::Contact
                | QuestionType::Company
                | QuestionType::ApiSingleSelect
                | QuestionType::ApiMultiSelect
        ) {
            return Err(Error::validation(
                &field("default"),
                format!("a {} takes no default", kind.as_str()),
            ));
        }
        answers::check_value(question, default, &Lookups::none())
            .map_err(|m| Error::validation(&field("default"), m))?;
    }
    Ok(())
}

fn check_choices(question: &Question, at: &str) -> Result<()> {
    let field = format!("{at}.choices");
    if !question.kind.has_static_choices() {
        if !question.choices.is_empty() {
            return Err(Error::validation(
                &field,
                "only single and multiple choices list choices",
            ));
        }
        return Ok(());
    }
    if question.choices.is_empty() || question.choices.len() > MAX_CHOICES {
        return Err(Error::validation(
            &field,
            format!("1 to {MAX_CHOICES} choices"),
        ));
    }
    let mut seen = HashSet::new();
    for (c, choice) in question.choices.iter().enumerate() {
        let id = choice.identifier.trim();
        if id.is_empty() || id.chars().count() > 50 || id != choice.identifier {
            return Err(Error::validation(
                &format!("{field}[{c}].identifier"),
                "1 to 50 characters, without surrounding spaces",
            ));
        }
        crate::service::validate::required_text(&format!("{field}[{c}].name"), &choice.name, 100)?;
        if !seen.insert(id) {
            return Err(Error::validation(
                &format!("{field}[{c}].identifier"),
                format!("`{id}` is used twice"),
            ));
        }
    }
    Ok(())
}

fn check_condition(
    definition: &FormDefinition,
    condition: &Condition,
    own: Option<&str>,
    at: &str,
) -> Result<()> {
    let target = definition
        .question(&condition.question)
        .filter(|q| q.kind.takes_answer())
        .ok_or_else(|| {
            Error::validation(
                &format!("{at}.question"),
                format!(
                    "`{}` is no answerable question of this form",
                    condition.question
                ),
            )
        })?;
    if own == Some(condition.question.as_str()) {
        return Err(Error::validation(
            &format!("{at}.question"),
            "a question cannot depend on itself",
        ));
    }
    if target.kind == QuestionType::File {
        return Err(Error::validation(
            &format!("{at}.question"),
            "a condition cannot depend on a file question",
        ));
    }
    let values = condition.equals.iter().chain(condition.any_of.iter());
    for value in values {
        answers::check_condition_value(target, value).map_err(|m| {
            Error::validation(&format!("{at}.equals"), format!("never matches: {m}"))
        })?;
    }
    Ok(())
}

/// A question's visibility may depend on another's only along a chain that ends.
fn check_acyclic(definition: &FormDefinition) -> Result<()> {
    let mut depends: HashMap<&str, Vec<&str>> = HashMap::new();
    for section in &definition.sections {
        for question in &section.questions {
            let edges = depends.entry(question.identifier.as_str()).or_default();
            edges.extend(question.visible_when.as_ref().map(|c| c.question.as_str()));
            edges.extend(section.visible_when.as_ref().map(|c| c.question.as_str()));
        }
    }
    // 0 unvisited, 1 on the path, 2 done.
    let mut mark: HashMap<&str, u8> = HashMap::new();
    fn visit<'a>(
        node: &'a str,
        depends: &HashMap<&'a str, Vec<&'a str>>,
        mark: &mut HashMap<&'a str, u8>,
    ) -> bool {
        match mark.get(node) {
            Some(1) => return false,
            Some(2) => return true,
            _ => {}
        }
        mark.insert(node, 1);
        for next in depends.get(node).into_iter().flatten() {
            if !visit(next, depends, mark) {
                return false;
            }
        }
        mark.insert(node, 2);
        true
    }
    for question in definition.questions() {
        if !visit(&question.identifier, &depends, &mut mark) {
            return Err(Error::validation(
                "sections",
                format!(
                    "the conditions around `{}` form a cycle",
                    question.identifier
                ),
            ));
        }
    }
    Ok(())
}
