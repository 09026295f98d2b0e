//! Forms: the definition admins write (sections of questions, with validation and conditions), as
//! DeskDirector Forms names its question types, and the answers people send.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A question's type; the value each takes is described in `service::forms::answers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    /// A line of text.
    ShortText,
    /// Paragraphs of text.
    LongText,
    Number,
    /// `2022-01-24`.
    Date,
    /// `2022-01-24T13:34`, without a zone (as DeskDirector sends it).
    DateTime,
    /// `13:34`.
    Time,
    /// One of `choices`, shown as a drop-down or radio buttons (`render`).
    SingleChoice,
    /// Any of `choices`.
    MultipleChoice,
    /// `true` or `false`.
    YesNo,
    /// 1 to `maxRating` (5 unless set).
    Rating,
    Email,
    /// E.164 (`+6491234567`); spaces, dashes, dots and brackets are dropped.
    Phone,
    /// An http(s) URL.
    Url,
    /// Ids of earlier uploads (`POST …/attachments`).
    File,
    /// A contact's id (a contact picks among their own company's contacts).
    Contact,
    /// A company's id (a contact can pick only their own).
    Company,
    /// One choice loaded from `choicesUrl` (DeskDirector's dynamic field).
    ApiSingleSelect,
    /// Any choices loaded from `choicesUrl`.
    ApiMultiSelect,
    /// Read-only text between questions (Markdown); takes no answer.
    Statement,
    /// A heading between questions; takes no answer.
    Heading,
}

impl QuestionType {
    /// Statements and headings are shown, never answered.
    pub fn takes_answer(self) -> bool {
        !matches!(self, QuestionType::Statement | QuestionType::Heading)
    }

    pub fn is_text(self) -> bool {
        matches!(
            self,
            QuestionType::ShortText
                | QuestionType::LongText
                | QuestionType::Email
                | QuestionType::Phone
                | QuestionType::Url
        )
    }

    pub fn has_static_choices(self) -> bool {
        matches!(
            self,
            QuestionType::SingleChoice | QuestionType::MultipleChoice
        )
    }

    pub fn has_dynamic_choices(self) -> bool {
        matches!(
            self,
            QuestionType::ApiSingleSelect | QuestionType::ApiMultiSelect
        )
    }

    /// Takes a list of values rather than one.
    pub fn is_many(self) -> bool {
        matches!(
            self,
            QuestionType::MultipleChoice | QuestionType::ApiMultiSelect | QuestionType::File
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::ShortText => "short_text",
            QuestionType::LongText => "long_text",
            QuestionType::Number => "number",
            QuestionType::Date => "date",
            QuestionType::DateTime => "date_time",
            QuestionType::Time => "time",
            QuestionType::SingleChoice => "single_choice",
            QuestionType::MultipleChoice => "multiple_choice",
            QuestionType::YesNo => "yes_no",
            QuestionType::Rating => "rating",
            QuestionType::Email => "email",
            QuestionType::Phone => "phone",
            QuestionType::Url => "url",
            QuestionType::File => "file",
            QuestionType::Contact => "contact",
            QuestionType::Company => "company",
            QuestionType::ApiSingleSelect => "api_single_select",
            QuestionType::ApiMultiSelect => "api_multi_select",
            QuestionType::Statement => "statement",
            QuestionType::Heading => "heading",
        }
    }
}

/// Where a ticket shows the answers of its request type's form.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type,
)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum FormPlacement {
    /// After the description the contact wrote.
    #[default]
    Description,
    /// As the ticket's first public note, by the contact.
    Note,
}

/// How a single choice is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceRender {
    Dropdown,
    Radio,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    /// What answers carry: 1–50 characters.
    pub identifier: String,
    /// What people see: 1–100 characters.
    pub name: String,
}

/// Show a question (or a section) only when another question's answer matches: equal to `equals`,
/// one of `anyOf`, or — with neither — any answer at all. A multiple choice matches when it
/// includes the value. A question hidden by its own condition has no answer to match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Condition {
    /// The identifier of the question it depends on.
    pub question: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Question {
    /// Unique in the form: a lower-case letter, then up to 49 lower-case letters, digits or `_`.
    pub identifier: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// The question as shown.
    pub name: String,
    /// Help text (Markdown).
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub required: bool,
    /// Taken as the answer when a visible question is left unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Text: fewest characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub min_length: Option<u32>,
    /// Text: most characters (short text 255 and long text 10,000 at most anyway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1)]
    pub max_length: Option<u32>,
    /// Number: smallest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Number: largest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Text: a regular expression the whole answer must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Single and multiple choice: the choices, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render: Option<ChoiceRender>,
    /// Dynamic choices: an https URL answering `{"value": [{"identifier", "name"}]}` (DeskDirector's
    /// dynamic-field contract), fetched through the same guard as webhooks and kept for 5 minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choices_url: Option<String>,
    /// Rating: the top of the scale, 2–10 (5 unless set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 2, maximum = 10)]
    pub max_rating: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_when: Option<Condition>,
}

impl Question {
    pub fn max_rating(&self) -> u8 {
        self.max_rating.unwrap_or(5)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Section {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_when: Option<Condition>,
    pub questions: Vec<Question>,
}

/// A form as admins write it: saved as the draft, frozen into a version when published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FormDefinition {
    pub name: String,
    /// Shown above the questions (Markdown).
    #[serde(default)]
    pub description: String,
    pub sections: Vec<Section>,
}

impl FormDefinition {
    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, identifier: &str) -> Option<&Question> {
        self.questions().find(|q| q.identifier == identifier)
    }
}

/// A form as admins send it: its definition, and whether contacts may fill it in on its own.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FormInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub sections: Vec<Section>,
    /// Contacts may submit it on its own in the portal (otherwise only with a ticket).
    #[serde(default)]
    pub standalone: bool,
}

impl FormInput {
    pub fn split(self) -> (FormDefinition, bool) {
        let definition = FormDefinition {
            name: self.name,
            description: self.description,
            sections: self.sections,
        };
        (definition, self.standalone)
    }
}

/// Answers by question identifier.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FormAnswers {
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}
