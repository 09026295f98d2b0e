//! The email template engine: Liquid templates per kind, each with a documented set of variables,
//! shipped defaults, and checks that name the line of a mistake. HTML bodies see every variable
//! HTML-escaped; subjects and text bodies see them as written, and subjects lose line breaks.

use std::sync::LazyLock;

use serde_json::{Map, Value, json};

mod kinds;

pub use kinds::KINDS;

use super::text::{escape_html, html_to_text};

use crate::error::{Error, Result};

/// One kind of mail, its default template and what it can use.
pub struct TemplateKind {
    pub name: &'static str,
    pub description: &'static str,
    pub subject: &'static str,
    pub html: &'static str,
    /// Sample values for every variable the kind offers; the variables' documentation.
    sample: fn() -> Value,
}

impl TemplateKind {
    pub fn sample(&self) -> Value {
        (self.sample)()
    }

    /// The variables, as dotted paths (`ticket.summary`), in the sample's order.
    pub fn variables(&self) -> Vec<String> {
        let mut out = vec![];
        flatten("", &self.sample(), &mut out);
        out
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

pub fn kind(name: &str) -> Result<&'static TemplateKind> {
    KINDS
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| Error::not_found("email template"))
}

/// A template's three parts; `text` `None` is generated from the HTML.
#[derive(Clone, Debug)]
pub struct Template {
    pub subject: String,
    pub html: String,
    pub text: Option<String>,
}

impl Template {
    pub fn default_of(kind: &TemplateKind) -> Self {
        Self {
            subject: kind.subject.into(),
            html: kind.html.into(),
            text: None,
        }
    }
}

/// A rendered message.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Liquid without what could make a render cost more than its template's size: no loops
/// (`for`, `tablerow`), no assignments (`assign`, `capture`, `increment`), no partials, and no
/// filters that multiply text (`replace`, `split`, `join`, …). No variable is a list, so loops
/// would have nothing to iterate anyway.
static PARSER: LazyLock<liquid::Parser> = LazyLock::new(|| {
    use liquid_lib::stdlib;
    liquid::ParserBuilder::new()
        .block(stdlib::RawBlock)
        .block(stdlib::IfBlock)
        .block(stdlib::UnlessBlock)
        .block(stdlib::CommentBlock)
        .block(stdlib::CaseBlock)
        .filter(stdlib::Abs)
        .filter(stdlib::Capitalize)
        .filter(stdlib::Ceil)
        .filter(stdlib::Date)
        .filter(stdlib::Default)
        .filter(stdlib::DividedBy)
        .filter(stdlib::Downcase)
        .filter(stdlib::Escape)
        .filter(stdlib::Floor)
        .filter(stdlib::Lstrip)
        .filter(stdlib::Minus)
        .filter(stdlib::Modulo)
        .filter(stdlib::NewlineToBr)
        .filter(stdlib::Plus)
        .filter(stdlib::Round)
        .filter(stdlib::Rstrip)
        .filter(stdlib::Size)
        .filter(stdlib::Strip)
        .filter(stdlib::StripHtml)
        .filter(stdlib::StripNewlines)
        .filter(stdlib::Times)
        .filter(stdlib::Truncate)
        .filter(stdlib::TruncateWords)
        .filter(stdlib::Upcase)
        .filter(stdlib::UrlEncode)
        .build()
        .expect("the parser builds")
});

/// The most one rendered part may hold.
const MAX_RENDERED: usize = 1_000_000;

/// Checks that every part parses and uses only the kind's variables; the error names the part
/// and the line.
pub fn check(kind: &TemplateKind, template: &Template) -> Result<()> {
    let sample = kind.sample();
    let rendered = render(template, &sample)?;
    // A subject is stored in the send log as it is: one-time secrets stay in the sealed bodies.
    if let Some(code) = sample["code"].as_str()
        && rendered.subject.contains(code)
    {
        return Err(Error::validation(
            "subject",
            "subject: the code belongs in the body (subjects are kept in the send log)",
        ));
    }
    Ok(())
}

/// Renders with `values` (the kind's variables). Every failure is a 422 naming part and line.
pub fn render(template: &Template, values: &Value) -> Result<Rendered> {
    Compiled::new(template)?.render(values)
}

/// A template parsed once, to render many messages (planning renders a kind once per recipient).
pub struct Compiled {
    source: Template,
    subject: liquid::Template,
    html: liquid::Template,
    text: Option<liquid::Template>,
}

impl Compiled {
    pub fn new(template: &Template) -> Result<Self> {
        let parse = |part: &str, source: &str| {
            PARSER
                .parse(source)
                .map_err(|e| template_error(part, source, &e))
        };
        Ok(Self {
            subject: parse("subject", &template.subject)?,
            html: parse("html", &template.html)?,
            text: match &template.text {
                Some(text) => Some(parse("text", text)?),
                None => None,
            },
            source: template.clone(),
        })
    }

    pub fn render(&self, values: &Value) -> Result<Rendered> {
        let plain = liquid::to_object(values).map_err(Error::internal)?;
        let escaped = liquid::to_object(&escape_all(values)).map_err(Error::internal)?;
        let source = &self.source;
        let subject = render_part("subject", &source.subject, &self.subject, &plain)?;
        let html = render_part("html", &source.html, &self.html, &escaped)?;
        let text = match (&self.text, &source.text) {
            (Some(text), Some(text_source)) => render_part("text", text_source, text, &plain)?,
            _ => html_to_text(&html),
        };
        Ok(Rendered {
            // A subject is one header line, whatever a variable holds.
            subject: subject
                .split(['\r', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            html,
            text,
        })
    }
}

fn render_part(
    part: &str,
    source: &str,
    template: &liquid::Template,
    values: &liquid::Object,
) -> Result<String> {
    let rendered = template
        .render(values)
        .map_err(|e| template_error(part, source, &e))?;
    if rendered.len() > MAX_RENDERED {
        return Err(Error::validation(
            part,
            format!("{part}: renders to more than {MAX_RENDERED} bytes"),
        ));
    }
    Ok(rendered)
}

fn template_error(part: &str, source: &str, error: &liquid::Error) -> Error {
    let message = error.to_string();
    let line = line_of(source, &message);
    let first = message
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("liquid: ");
    let detail = unknown_name(&message)
        .map(|name| format!("unknown variable `{name}`"))
        .unwrap_or_else(|| first.to_string());
    Error::validation(part, format!("{part}, line {line}: {detail}"))
}

/// The variable an "Unknown variable" or "Unknown index" error names.
fn unknown_name(message: &str) -> Option<String> {
    if !message.contains("Unknown") {
        return None;
    }
    message.lines().find_map(|l| {
        let l = l.trim();
        l.strip_prefix("requested variable=")
            .or_else(|| l.strip_prefix("requested index="))
            .map(str::to_string)
    })
}

/// The line a Liquid error points at: its `--> line:column`, or the first line that uses the
/// unknown name, or 1.
fn line_of(source: &str, message: &str) -> usize {
    if let Some(pos) = message.find("--> ") {
        let rest = &message[pos + 4..];
        if let Some(line) = rest
            .split(':')
            .next()
            .and_then(|n| n.trim().parse::<usize>().ok())
        {
            return line;
        }
    }
    if let Some(name) = unknown_name(message) {
        let needle = name.trim_matches('"');
        if let Some(i) = source.lines().position(|l| l.contains(needle)) {
            return i + 1;
        }
    }
    1
}

/// The sample's shape with every value empty (`null` renders as nothing).
pub fn blank(sample: &Value) -> Value {
    match sample {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), blank(v))).collect())
        }
        _ => Value::Null,
    }
}

/// Sets in `base` the values `given` names that `base` has (nested objects merge); others are
/// ignored, so a caller cannot add variables a template could not have been checked against.
pub fn overlay(base: &mut Value, given: &Value) {
    let (Value::Object(base), Value::Object(given)) = (base, given) else {
        return;
    };
    for (key, value) in given {
        match base.get_mut(key) {
            Some(inner @ Value::Object(_)) => overlay(inner, value),
            Some(slot) if !value.is_object() && !value.is_array() => *slot = value.clone(),
            _ => {}
        }
    }
}

/// A JSON Schema for the variables of a kind (for the connector's designer): the sample's shape,
/// each leaf typed as its sample value.
pub fn variables_schema(sample: &Value) -> Value {
    match sample {
        Value::Object(map) => json!({
            "type": "object",
            "properties": map.iter().map(|(k, v)| (k.clone(), variables_schema(v))).collect::<Map<String, Value>>(),
        }),
        Value::Number(n) if n.is_i64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::Bool(_) => json!({"type": "boolean"}),
        _ => json!({"type": "string"}),
    }
}

/// The same values with every string HTML-escaped, for the HTML body.
fn escape_all(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(escape_html(s)),
        Value::Array(items) => Value::Array(items.iter().map(escape_all).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), escape_all(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_renders_with_its_sample() {
        for kind in KINDS.iter() {
            let rendered = render(&Template::default_of(kind), &kind.sample()).unwrap();
            assert!(!rendered.subject.is_empty(), "{}", kind.name);
            assert!(rendered.text.ends_with('\n'), "{}", kind.name);
        }
    }

    #[test]
    fn variables_are_escaped_in_html_only() {
        let t = Template {
            subject: "{{ x }}".into(),
            html: "<p>{{ x }}</p>".into(),
            text: None,
        };
        let r = render(&t, &json!({"x": "<b>a & b</b>\r\nBcc: evil@example.com"})).unwrap();
        assert_eq!(r.subject, "<b>a & b</b> Bcc: evil@example.com");
        assert!(r.html.contains("&lt;b&gt;a &amp; b&lt;/b&gt;"));
        assert!(r.text.contains("<b>a & b</b>"));
    }

    #[test]
    fn an_unknown_variable_names_its_line() {
        let kind = kind("ticket_created").unwrap();
        let t = Template {
            subject: "ok".into(),
            html: "<p>fine</p>\n<p>{{ ticket.nope }}</p>".into(),
            text: None,
        };
        let e = check(kind, &t).unwrap_err();
        assert!(e.message.contains("html, line 2"), "{}", e.message);
        assert!(e.message.contains("nope"), "{}", e.message);
    }

    #[test]
    fn loops_assignments_and_multiplying_filters_are_not_offered() {
        let kind = kind("ticket_created").unwrap();
        for html in [
            "{% for i in (1..2000000000) %}x{% endfor %}",
            "{% assign s = ticket.summary %}",
            "{{ ticket.summary | replace: 'a', 'aaaaaaaaaa' }}",
            "{% capture x %}y{% endcapture %}",
        ] {
            let t = Template {
                subject: "ok".into(),
                html: html.into(),
                text: None,
            };
            assert!(check(kind, &t).is_err(), "{html}");
        }
    }

    #[test]
    fn a_login_code_stays_out_of_the_subject() {
        let kind = kind("login_code").unwrap();
        let t = Template {
            subject: "Your code: {{ code }}".into(),
            html: "<p>{{ code }}</p>".into(),
            text: None,
        };
        assert!(check(kind, &t).is_err());
    }
}
