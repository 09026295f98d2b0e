//! Satisfaction surveys: what admins define, and the answer a contact gives.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The question's scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum SurveyKind {
    /// 1 to 5 stars.
    FiveStar,
    /// Bad (-1), neutral (0) or good (1).
    Csat,
    /// Net promoter score, 0 to 10.
    Nps,
    /// Down (0) or up (1).
    Thumbs,
}

impl SurveyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SurveyKind::FiveStar => "five_star",
            SurveyKind::Csat => "csat",
            SurveyKind::Nps => "nps",
            SurveyKind::Thumbs => "thumbs",
        }
    }

    /// The ratings the scale takes.
    pub fn range(self) -> (i16, i16) {
        match self {
            SurveyKind::FiveStar => (1, 5),
            SurveyKind::Csat => (-1, 1),
            SurveyKind::Nps => (0, 10),
            SurveyKind::Thumbs => (0, 1),
        }
    }

    /// The rating on a 0–100 scale, comparable across kinds.
    pub fn score(self, rating: i16) -> i16 {
        let (low, high) = self.range();
        (rating - low) * 100 / (high - low)
    }

    /// Whether the rating counts as satisfied: 4 or 5 stars, good, a promoter (9–10), thumbs up.
    pub fn is_satisfied(self, rating: i16) -> bool {
        match self {
            SurveyKind::FiveStar => rating >= 4,
            SurveyKind::Csat | SurveyKind::Thumbs => rating == 1,
            SurveyKind::Nps => rating >= 9,
        }
    }
}

/// A survey as admins write it.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyInput {
    #[schema(min_length = 1, pattern = r"\S")]
    pub name: String,
    /// What the contact is asked, e.g. "How did we do?".
    #[schema(min_length = 1, pattern = r"\S")]
    pub question: String,
    pub kind: SurveyKind,
    /// Offer a comment box beside the rating.
    #[serde(default = "yes")]
    pub ask_comment: bool,
    /// Surveys are tried in this order (lowest first); the first that matches a closing ticket is
    /// sent.
    #[serde(default)]
    pub position: i32,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Only tickets of these queues; empty: all.
    #[serde(default)]
    pub queue_ids: Vec<i32>,
    /// Only tickets of these request types; empty: all.
    #[serde(default)]
    pub request_type_ids: Vec<i32>,
}

fn yes() -> bool {
    true
}

/// A contact's answer.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyAnswer {
    /// On the survey's scale: five_star 1–5, csat -1–1, nps 0–10, thumbs 0–1.
    pub rating: i16,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A contact's answer in the portal, naming the ticket.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortalSurveyAnswer {
    pub ticket_id: i32,
    pub rating: i16,
    #[serde(default)]
    pub comment: Option<String>,
}
