//! A survey's form definition: sections of typed questions, stored as JSON in `survey_forms` and
//! shared by the browser (the filling page, the builder's preview) and the server. `check` says
//! whether a definition can be answered at all; the builder shows its messages and publishing
//! refuses a definition that fails it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// The most sections a form has.
pub const MAX_SECTIONS: usize = 20;
/// The most questions a form has, over all its sections.
pub const MAX_QUESTIONS: usize = 200;
/// The most options a choice question offers.
pub const MAX_OPTIONS: usize = 20;
/// The heaviest weight a question carries.
pub const MAX_WEIGHT: u32 = 100;
/// The most points an option earns.
pub const MAX_POINTS: u32 = 10;
/// The longest title, label or option text.
pub const MAX_LABEL: usize = 300;
/// The longest help text.
pub const MAX_HELP: usize = 1_000;
/// The longest question, section or option id.
pub const MAX_ID: usize = 40;
/// The widest number a number question accepts as a bound.
pub const MAX_NUMBER: i64 = 1_000_000_000_000;
/// The longest short text answer.
pub const MAX_SHORT_TEXT: usize = 200;
/// The longest long text answer.
pub const MAX_LONG_TEXT: usize = 4_000;
/// The lowest point of a scale question.
pub const SCALE_LOW: i64 = 1;
/// The highest point of a scale question.
pub const SCALE_HIGH: i64 = 5;

/// A survey form: what dealers see and answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormDefinition {
    /// The heading of the form.
    pub title: String,
    /// What the form is for, shown above the first section.
    #[serde(default)]
    pub intro: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

/// A group of questions under a heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// Stable id (`[a-z0-9_]`).
    pub id: String,
    /// Its heading.
    pub title: String,
    /// Help under the heading.
    #[serde(default)]
    pub help: String,
    /// Its questions, in order.
    pub questions: Vec<Question>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable id (`[a-z0-9_]`): answers are keyed by it, across versions.
    pub id: String,
    /// The question itself.
    pub label: String,
    /// Help under the label.
    #[serde(default)]
    pub help: String,
    /// What kind of answer it takes.
    pub kind: QuestionKind,
    /// Whether a submission must answer it (when it is shown).
    #[serde(default)]
    pub required: bool,
    /// Its weight in the score (0: not scored).
    #[serde(default)]
    pub weight: u32,
    /// Shown only when an earlier question was answered so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<ShowIf>,
}

/// What kind of answer a question takes, and how it scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// One option. With `correct` (a knowledge question) it scores full for that option and
    /// nothing otherwise; without, an option scores its points against the best option's.
    SingleChoice {
        /// The options.
        options: Vec<Choice>,
        /// The right answer's option id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        correct: Option<String>,
    },
    /// Any number of options. With `correct`, right picks less wrong picks over the right ones;
    /// without, the points picked over all points.
    MultipleChoice {
        /// The options.
        options: Vec<Choice>,
        /// The right answers' option ids.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        correct: Vec<String>,
    },
    /// 1 to 5; scores 0 at 1 and full at 5.
    Scale {
        /// What 1 means.
        #[serde(default)]
        low_label: String,
        /// What 5 means.
        #[serde(default)]
        high_label: String,
    },
    /// Yes or no; scores full for yes (or for no when `yes_scores` is false).
    YesNo {
        /// Whether yes is the good answer.
        #[serde(default = "yes")]
        yes_scores: bool,
    },
    /// A whole number within bounds; scored along the range when `better` says which end is good.
    Number {
        /// The lowest accepted.
        min: i64,
        /// The highest accepted.
        max: i64,
        /// The unit shown beside the input ("days", "%").
        #[serde(default)]
        unit: String,
        /// Which end of the range scores full.
        #[serde(default)]
        better: Better,
    },
    /// A line of text (not scored).
    ShortText,
    /// Paragraphs of text (not scored).
    LongText,
}

fn yes() -> bool {
    true
}

/// Which end of a number question's range is good.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// Not scored.
    #[default]
    Neither,
    /// The maximum scores full.
    Higher,
    /// The minimum scores full.
    Lower,
}

/// One option of a choice question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable id (`[a-z0-9_]`), what the answer stores.
    pub id: String,
    /// What the dealer reads.
    pub label: String,
    /// What it earns (0 to [`MAX_POINTS`]) when the question has no correct answer.
    #[serde(default)]
    pub points: u32,
}

/// A condition on an earlier question's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShowIf {
    /// The earlier question's id.
    pub question: String,
    /// Shown when its answer is (or, for multiple choice, includes) one of these: option ids,
    /// `yes`/`no`, or a scale point.
    pub any_of: Vec<String>,
}

/// The kinds, for the builder's select: key and label.
pub const KINDS: &[(&str, &str)] = &[
    ("single_choice", "Single choice"),
    ("multiple_choice", "Multiple choice"),
    ("scale", "Scale 1–5"),
    ("yes_no", "Yes / no"),
    ("number", "Number"),
    ("short_text", "Short text"),
    ("long_text", "Long text"),
];

impl QuestionKind {
    /// The key of this kind (see [`KINDS`]).
    pub const fn key(&self) -> &'static str {
        match self {
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::Scale { .. } => "scale",
            QuestionKind::YesNo { .. } => "yes_no",
            QuestionKind::Number { .. } => "number",
            QuestionKind::ShortText => "short_text",
            QuestionKind::LongText => "long_text",
        }
    }

    /// A fresh question of the kind `key`, keeping the options of `self` where both have them.
    pub fn switch_to(&self, key: &str) -> QuestionKind {
        let options = match self {
            QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultipleChoice { options, .. } => options.clone(),
            _ => vec![
                Choice {
                    id: "a".into(),
                    label: "First option".into(),
                    points: 0,
                },
                Choice {
                    id: "b".into(),
                    label: "Second option".into(),
                    points: MAX_POINTS,
                },
            ],
        };
        match key {
            "single_choice" => QuestionKind::SingleChoice {
                options,
                correct: None,
            },
            "multiple_choice" => QuestionKind::MultipleChoice {
                options,
                correct: Vec::new(),
            },
            "scale" => QuestionKind::Scale {
                low_label: "Poor".into(),
                high_label: "Excellent".into(),
            },
            "yes_no" => QuestionKind::YesNo { yes_scores: true },
            "number" => QuestionKind::Number {
                min: 0,
                max: 100,
                unit: String::new(),
                better: Better::Neither,
            },
            "long_text" => QuestionKind::LongText,
            _ => QuestionKind::ShortText,
        }
    }

    /// The options of a choice question.
    pub fn options(&self) -> &[Choice] {
        match self {
            QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultipleChoice { options, .. } => options,
            _ => &[],
        }
    }

    /// Whether an answer of this kind can earn points at all (the weight decides whether it does).
    pub fn scorable(&self) -> bool {
        match self {
            QuestionKind::SingleChoice { options, correct } => {
                correct.is_some() || options.iter().any(|o| o.points > 0)
            }
            QuestionKind::MultipleChoice { options, correct } => {
                !correct.is_empty() || options.iter().any(|o| o.points > 0)
            }
            QuestionKind::Scale { .. } | QuestionKind::YesNo { .. } => true,
            QuestionKind::Number { better, .. } => *better != Better::Neither,
            QuestionKind::ShortText | QuestionKind::LongText => false,
        }
    }

    /// The values a show-if condition on this kind may name, or none when it cannot be a
    /// condition (numbers and text).
    pub fn condition_values(&self) -> Option<Vec<String>> {
        match self {
            QuestionKind::SingleChoice { options, .. }
            | QuestionKind::MultipleChoice { options, .. } => {
                Some(options.iter().map(|o| o.id.clone()).collect())
            }
            QuestionKind::YesNo { .. } => Some(vec!["yes".into(), "no".into()]),
            QuestionKind::Scale { .. } => {
                Some((SCALE_LOW..=SCALE_HIGH).map(|n| n.to_string()).collect())
            }
            _ => None,
        }
    }
}

impl Question {
    /// Whether it counts towards the score.
    pub fn scored(&self) -> bool {
        self.weight > 0 && self.kind.scorable()
    }
}

impl FormDefinition {
    /// Whether any question has a correct answer (a knowledge question).
    pub fn has_answer_key(&self) -> bool {
        self.questions().any(|q| match &q.kind {
            QuestionKind::SingleChoice { correct, .. } => correct.is_some(),
            QuestionKind::MultipleChoice { correct, .. } => !correct.is_empty(),
            _ => false,
        })
    }

    /// The form without its correct answers: what a dealer user receives, so the answer key of a
    /// quiz never reaches the browser of someone taking it.
    pub fn without_answer_key(mut self) -> Self {
        for q in self
            .sections
            .iter_mut()
            .flat_map(|s| s.questions.iter_mut())
        {
            match &mut q.kind {
                QuestionKind::SingleChoice { correct, .. } => *correct = None,
                QuestionKind::MultipleChoice { correct, .. } => correct.clear(),
                _ => {}
            }
        }
        self
    }

    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    /// The question with id `id`.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }

    /// Whether the definition can be answered and scored; the messages are keyed `title`,
    /// `s{section}` and `s{section}q{question}` (positions from 0), as the builder shows them.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |key: String, message: String| errors.push(FieldError::new(key, message));
        text(&self.title, "The form needs a title.", MAX_LABEL)
            .unwrap_or_else(|m| err("title".into(), m));
        if self.intro.chars().count() > MAX_HELP {
            err(
                "title".into(),
                format!("Keep the introduction to {MAX_HELP} characters."),
            );
        }
        if self.sections.is_empty() {
            err("title".into(), "Add at least one section.".into());
        }
        if self.sections.len() > MAX_SECTIONS {
            err(
                "title".into(),
                format!("A form has at most {MAX_SECTIONS} sections."),
            );
        }
        if self.questions().count() > MAX_QUESTIONS {
            err(
                "title".into(),
                format!("A form has at most {MAX_QUESTIONS} questions."),
            );
        }
        let mut section_ids = BTreeSet::new();
        // Questions seen so far: a condition may only name one of these.
        let mut earlier: Vec<&Question> = Vec::new();
        for (si, s) in self.sections.iter().enumerate() {
            let key = format!("s{si}");
            if let Err(m) = ident(&s.id) {
                err(key.clone(), format!("Section id: {m}"));
            } else if !section_ids.insert(s.id.as_str()) {
                err(
                    key.clone(),
                    format!("Another section has the id “{}”.", s.id),
                );
            }
            text(&s.title, "The section needs a title.", MAX_LABEL)
                .unwrap_or_else(|m| err(key.clone(), m));
            if s.help.chars().count() > MAX_HELP {
                err(
                    key.clone(),
                    format!("Keep the help to {MAX_HELP} characters."),
                );
            }
            if s.questions.is_empty() {
                err(key, "Add at least one question to this section.".into());
            }
            for (qi, q) in s.questions.iter().enumerate() {
                let key = format!("s{si}q{qi}");
                for m in check_question(q, &earlier) {
                    err(key.clone(), m);
                }
                earlier.push(q);
            }
        }
        if !self.questions().any(|q| q.scored() && q.show_if.is_none()) {
            err(
                "title".into(),
                "Give a question that is always shown a weight above 0, or a response can have no score."
                    .into(),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What is wrong with one question, given the questions before it.
fn check_question(q: &Question, earlier: &[&Question]) -> Vec<String> {
    let mut out = Vec::new();
    match ident(&q.id) {
        Err(m) => out.push(format!("Question id: {m}")),
        Ok(()) if earlier.iter().any(|e| e.id == q.id) => {
            out.push(format!("Another question has the id “{}”.", q.id))
        }
        Ok(()) => {}
    }
    if let Err(m) = text(&q.label, "The question needs its text.", MAX_LABEL) {
        out.push(m);
    }
    if q.help.chars().count() > MAX_HELP {
        out.push(format!("Keep the help to {MAX_HELP} characters."));
    }
    if q.weight > MAX_WEIGHT {
        out.push(format!("The weight is at most {MAX_WEIGHT}."));
    }
    match &q.kind {
        QuestionKind::SingleChoice { options, correct } => {
            out.extend(check_options(options));
            if let Some(c) = correct
                && !options.iter().any(|o| &o.id == c)
            {
                out.push(format!(
                    "The correct answer “{c}” is not one of the options."
                ));
            }
        }
        QuestionKind::MultipleChoice { options, correct } => {
            out.extend(check_options(options));
            for (i, c) in correct.iter().enumerate() {
                if !options.iter().any(|o| &o.id == c) {
                    out.push(format!(
                        "The correct answer “{c}” is not one of the options."
                    ));
                } else if correct[..i].contains(c) {
                    out.push(format!("The correct answer “{c}” is given twice."));
                }
            }
        }
        QuestionKind::Scale {
            low_label,
            high_label,
        } => {
            if low_label.chars().count() > MAX_LABEL || high_label.chars().count() > MAX_LABEL {
                out.push(format!(
                    "Keep the scale's labels to {MAX_LABEL} characters."
                ));
            }
        }
        QuestionKind::Number { min, max, unit, .. } => {
            if min >= max {
                out.push("The lowest number must be below the highest.".into());
            }
            if min.abs() > MAX_NUMBER || max.abs() > MAX_NUMBER {
                out.push(format!("Keep the bounds within ±{MAX_NUMBER}."));
            }
            if unit.chars().count() > 20 {
                out.push("Keep the unit to 20 characters.".into());
            }
        }
        QuestionKind::YesNo { .. } | QuestionKind::ShortText | QuestionKind::LongText => {}
    }
    if let Some(c) = &q.show_if {
        match earlier.iter().find(|e| e.id == c.question) {
            None => out.push(format!(
                "It is shown depending on “{}”, which is not an earlier question: a condition can only look back.",
                c.question
            )),
            Some(e) => match e.kind.condition_values() {
                None => out.push(format!(
                    "“{}” is a number or text question; a condition needs a choice, yes/no or scale question.",
                    e.id
                )),
                Some(values) => {
                    if c.any_of.is_empty() {
                        out.push("Say which answers show this question.".into());
                    }
                    for v in &c.any_of {
                        if !values.contains(v) {
                            out.push(format!("“{v}” is not an answer of “{}”.", e.id));
                        }
                    }
                }
            },
        }
    }
    out
}

fn check_options(options: &[Choice]) -> Vec<String> {
    let mut out = Vec::new();
    if options.len() < 2 {
        out.push("A choice question needs at least two options.".into());
    }
    if options.len() > MAX_OPTIONS {
        out.push(format!(
            "A choice question has at most {MAX_OPTIONS} options."
        ));
    }
    let mut ids = BTreeSet::new();
    for o in options {
        if let Err(m) = ident(&o.id) {
            out.push(format!("Option id: {m}"));
        } else if !ids.insert(o.id.as_str()) {
            out.push(format!("Two options have the id “{}”.", o.id));
        }
        if let Err(m) = text(&o.label, "Every option needs a label.", MAX_LABEL) {
            out.push(m);
        }
        if o.points > MAX_POINTS {
            out.push(format!("An option earns at most {MAX_POINTS} points."));
        }
    }
    out
}

/// A stable id: 1 to [`MAX_ID`] of `a-z`, `0-9` and `_`, starting with a letter.
pub fn ident(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "use 1 to {MAX_ID} lowercase letters, digits or _, starting with a letter (not “{id}”)."
        ))
    }
}

fn text(value: &str, missing: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(missing.into())
    } else if value.chars().count() > max {
        Err(format!("Keep it to {max} characters."))
    } else if value.chars().any(char::is_control) {
        Err("It contains characters that cannot be stored.".into())
    } else {
        Ok(())
    }
}
