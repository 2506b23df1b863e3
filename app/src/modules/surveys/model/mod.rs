//! The surveys model: the three kinds, periods, responses (list, one response, a save), the form
//! builder's versions, and the results. The form definition (`form.rs`) and the answers with their
//! checks and score (`answers.rs`) are shared by the browser and the server.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::workflow::SurveyStatus;
use crate::audit::{AuditEntity, keyed_enum};
use crate::error::FieldError;
use crate::list::{Cursor, encode_params};
use crate::modules::Module;
use crate::workflow::{HistoryEntry, Step};

pub mod answers;
pub mod form;
mod results;
#[cfg(test)]
mod tests;

pub use answers::{Answer, Answers, Score, Stored, percent};
pub use form::FormDefinition;
pub use results::*;

keyed_enum! {
    /// The three surveys (`survey_forms.kind`, `survey_periods.kind`), one per module.
    pub enum SurveyKind {
        /// Workshop system: processes, tooling, capacity, DMS use.
        Workshop = "workshop",
        /// Warranty: claim handling, documentation, turnaround, rejections.
        Warranty = "warranty",
        /// Technical awareness: a scored knowledge quiz.
        Technical = "technical",
    }
}

impl SurveyKind {
    /// The module whose permissions govern this survey.
    pub const fn module(self) -> Module {
        match self {
            SurveyKind::Workshop => Module::WorkshopSurvey,
            SurveyKind::Warranty => Module::WarrantySurvey,
            SurveyKind::Technical => Module::TechnicalSurvey,
        }
    }

    /// The survey of a module.
    pub fn of_module(module: Module) -> Option<Self> {
        SurveyKind::ALL
            .iter()
            .copied()
            .find(|k| k.module() == module)
    }

    /// The survey whose module's URL segment is `slug`.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Module::from_slug(slug).and_then(Self::of_module)
    }

    /// The response number's prefix (`WSS-2026-000042`).
    pub const fn prefix(self) -> &'static str {
        match self {
            SurveyKind::Workshop => "WSS",
            SurveyKind::Warranty => "WRS",
            SurveyKind::Technical => "TAS",
        }
    }

    /// The module's page.
    pub const fn path(self) -> &'static str {
        match self {
            SurveyKind::Workshop => "/modules/workshop-survey",
            SurveyKind::Warranty => "/modules/warranty-survey",
            SurveyKind::Technical => "/modules/technical-survey",
        }
    }

    /// A response's page.
    pub fn response_href(self, id: Uuid) -> String {
        format!("{}/{id}", self.path())
    }

    /// The audit trail's entity for responses.
    pub const fn audit_entity(self) -> AuditEntity {
        match self {
            SurveyKind::Workshop => AuditEntity::WorkshopSurvey,
            SurveyKind::Warranty => AuditEntity::WarrantySurvey,
            SurveyKind::Technical => AuditEntity::TechnicalSurvey,
        }
    }

    /// "workshop system survey", in a sentence.
    pub const fn noun(self) -> &'static str {
        match self {
            SurveyKind::Workshop => "workshop system survey",
            SurveyKind::Warranty => "warranty survey",
            SurveyKind::Technical => "technical awareness survey",
        }
    }
}

keyed_enum! {
    /// A form version's state (`survey_forms.status`).
    pub enum FormStatus {
        /// Being edited by a super admin; dealers never see it.
        Draft = "draft",
        /// What dealers answer now. Never changes again.
        Published = "published",
        /// Was published; responses that answered it still show and score by it.
        Retired = "retired",
    }
}

impl FormStatus {
    /// The label shown on badges.
    pub const fn label(self) -> &'static str {
        match self {
            FormStatus::Draft => "Draft",
            FormStatus::Published => "Published",
            FormStatus::Retired => "Retired",
        }
    }
}

/// The longest period name (`survey_period`, VARCHAR(50)).
pub const MAX_PERIOD_NAME: usize = 50;
/// The longest a period runs.
pub const MAX_PERIOD_DAYS: i64 = 366;
/// Days before a period's end when dealers without a submission are reminded.
pub const REMINDER_DAYS: [i32; 2] = [7, 1];
/// The fewest submissions behind a network figure shown to a dealer (fewer would come close to
/// showing another dealer's own score).
pub const MIN_NETWORK: i64 = 3;

/// Where a period stands on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeriodState {
    /// Not started.
    #[default]
    Upcoming,
    /// Responses are taken.
    Open,
    /// Over.
    Closed,
}

impl PeriodState {
    /// The label.
    pub const fn label(self) -> &'static str {
        match self {
            PeriodState::Upcoming => "Upcoming",
            PeriodState::Open => "Open",
            PeriodState::Closed => "Closed",
        }
    }
}

/// One survey period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PeriodRow {
    /// `survey_periods.id`.
    pub id: Uuid,
    /// Its name (`Q1 2026`).
    pub name: String,
    /// First day responses are taken.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Its version (edits quote it).
    pub version: i32,
    /// Responses submitted (or further).
    pub submitted: i64,
    /// Drafts started.
    pub drafts: i64,
    /// Where it stands today (by the server's clock: the browser's may differ).
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub state: PeriodState,
}

impl PeriodRow {
    /// Where it stands on `today`.
    pub fn state_on(&self, today: NaiveDate) -> PeriodState {
        PeriodState::of(self.starts_on, self.ends_on, today)
    }
}

impl PeriodState {
    /// Where a period from `starts` to `ends` (both days included) stands on `today`: the one
    /// rule for whether responses are started, saved, submitted or sent back.
    pub fn of(starts: NaiveDate, ends: NaiveDate, today: NaiveDate) -> Self {
        if today < starts {
            PeriodState::Upcoming
        } else if today > ends {
            PeriodState::Closed
        } else {
            PeriodState::Open
        }
    }
}

/// A new period, or an edit of one, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodForm {
    /// The period edited, or none for a new one.
    pub id: Option<Uuid>,
    /// The version the editor loaded.
    pub version: i32,
    /// Its name.
    pub name: String,
    /// First day (`YYYY-MM-DD`).
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
}

impl PeriodForm {
    /// The name and days, or what is wrong with them.
    pub fn check(&self) -> Result<(String, NaiveDate, NaiveDate), Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Name the period, e.g. Q1 2026."));
        } else if name.chars().count() > MAX_PERIOD_NAME || name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "name",
                format!("Use up to {MAX_PERIOD_NAME} printable characters."),
            ));
        }
        let day = |field: &str, value: &str, errors: &mut Vec<FieldError>| {
            let d = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
            if d.is_none() {
                errors.push(FieldError::new(field, "Enter a date."));
            }
            d
        };
        let starts = day("starts_on", &self.starts_on, &mut errors);
        let ends = day("ends_on", &self.ends_on, &mut errors);
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                errors.push(FieldError::new(
                    "ends_on",
                    "The period ends on or after its first day.",
                ));
            } else if (e - s).num_days() >= MAX_PERIOD_DAYS {
                errors.push(FieldError::new(
                    "ends_on",
                    format!("A period runs at most {MAX_PERIOD_DAYS} days."),
                ));
            }
        }
        match (starts, ends) {
            (Some(s), Some(e)) if errors.is_empty() => Ok((name, s, e)),
            _ => Err(errors),
        }
    }
}

/// Search, filters and position of the responses list (in the page URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseQuery {
    /// Part of the number, or of the dealer's code or name.
    pub search: String,
    /// Only this period.
    pub period: Option<Uuid>,
    /// Only this status.
    pub status: Option<SurveyStatus>,
    /// Oldest change first.
    pub ascending: bool,
    /// The page's cursor.
    pub after: Option<Cursor>,
}

impl ResponseQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        ResponseQuery {
            search: non_empty("q").unwrap_or_default(),
            period: non_empty("period").and_then(|p| Uuid::parse_str(&p).ok()),
            status: non_empty("status").and_then(|s| SurveyStatus::from_key(&s)),
            ascending: non_empty("dir").is_some_and(|d| d == "asc"),
            after: non_empty("after").map(Cursor::from_param),
        }
    }

    /// URL parameters for this query (without the cursor unless `with_cursor`).
    pub fn to_params(&self, with_cursor: bool) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            params.push(("q", self.search.clone()));
        }
        if let Some(p) = self.period {
            params.push(("period", p.to_string()));
        }
        if let Some(s) = self.status {
            params.push(("status", s.key().into()));
        }
        if self.ascending {
            params.push(("dir", "asc".into()));
        }
        if with_cursor && let Some(a) = &self.after {
            params.push(("after", a.as_str().to_owned()));
        }
        encode_params(&params)
    }
}

/// One response in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ResponseRow {
    /// The response's id.
    pub id: Uuid,
    /// `WSS-2026-000042`.
    pub number: String,
    /// The dealer.
    pub dealer_id: Uuid,
    /// Its code.
    pub dealer_code: String,
    /// Its name.
    pub dealer_name: String,
    /// The period.
    pub period_id: Uuid,
    /// Its name.
    pub period_name: String,
    /// Where it stands.
    pub status: SurveyStatus,
    /// The score stored at submission, in basis points.
    pub score: Option<i32>,
    /// The form version answered.
    pub form_version: i32,
    /// When it was submitted.
    pub submitted_at: Option<NaiveDateTime>,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

/// One response, with its form, answers and what the viewer may do with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseDetail {
    /// The kind.
    pub kind: SurveyKind,
    /// The list row's facts.
    pub row: ResponseRow,
    /// The version every save and step must quote.
    pub version: i32,
    /// The form version it answers, exactly as it was published.
    pub form: FormDefinition,
    /// The answers.
    pub answers: Answers,
    /// The score stored at submission (each question's too).
    pub score: Option<Score>,
    /// The period's last day.
    pub period_ends: NaiveDate,
    /// Whether the period takes changes today (drafts saved and submitted, submissions sent back).
    pub period_open: bool,
    /// The form's correct answers were left out (a dealer user's copy): knowledge questions are
    /// scored when the response is submitted, not live.
    pub answer_key_hidden: bool,
    /// Who filled it (last submitted it).
    pub submitted_by: Option<String>,
    /// The reviewer's comment.
    pub review_comments: Option<String>,
    /// The comment on completion.
    pub completion_comments: Option<String>,
    /// The steps the viewer may take now.
    pub steps: Vec<Step>,
    /// Whether the viewer may change the answers now.
    pub can_edit: bool,
    /// The timeline.
    pub history: Vec<HistoryEntry>,
}

/// A save of a draft's answers (the filling page sends one as the dealer types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveAnswers {
    /// The response.
    pub id: Uuid,
    /// The version the page holds.
    pub version: i32,
    /// Every answer so far.
    pub answers: Answers,
}

/// One open period as a dealer sees it: their response, if started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenPeriod {
    /// The period.
    pub period: PeriodRow,
    /// The dealer's response to it, and where it stands.
    pub response: Option<(Uuid, SurveyStatus)>,
}

/// A dealer that has not submitted a period's response (the manufacturer's chase list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct MissingDealer {
    /// The dealer.
    pub dealer_id: Uuid,
    /// Its code.
    pub dealer_code: String,
    /// Its name.
    pub dealer_name: String,
    /// Its city.
    pub city: Option<String>,
    /// Whether it has started a draft.
    pub has_draft: bool,
}

/// One version of a survey's form, in the builder's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct FormVersionRow {
    /// Its number (1, 2, …).
    pub version: i32,
    /// Where it stands.
    pub status: FormStatus,
    /// When it was published.
    pub published_at: Option<NaiveDateTime>,
    /// By whom.
    pub published_by: Option<String>,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
    /// Responses that answered it.
    pub responses: i64,
}

/// One form version, for the builder (or its preview).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormVersion {
    /// The survey.
    pub kind: SurveyKind,
    /// Its number.
    pub version: i32,
    /// Where it stands.
    pub status: FormStatus,
    /// The definition.
    pub definition: FormDefinition,
    /// Its edit counter (saves quote it).
    pub lock: i32,
    /// Who changed it last.
    pub updated_by: Option<String>,
}

/// A save of a draft form version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSave {
    /// The survey.
    pub kind: SurveyKind,
    /// The draft's number.
    pub version: i32,
    /// Its edit counter as loaded.
    pub lock: i32,
    /// The definition as edited.
    pub definition: FormDefinition,
}
