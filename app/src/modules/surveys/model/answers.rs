//! Answers to a form, which questions they show, whether they are complete, and their score: one
//! piece of code for the filling page's live checks and score and for the server, which stores
//! the only score that counts.
//!
//! Scores are whole basis points (0 to 10 000, that is 0.00 to 100.00) computed with integers
//! only, so the browser and the server cannot disagree by a rounding step.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::form::{
    Better, FormDefinition, MAX_LONG_TEXT, MAX_SHORT_TEXT, Question, QuestionKind, SCALE_HIGH,
    SCALE_LOW,
};
use crate::error::FieldError;

/// A full score, in basis points.
pub const FULL: u32 = 10_000;

/// One answer. Its shape follows the question: an option id or text (`Text`), option ids
/// (`Many`), a number or scale point (`Number`), yes or no (`Flag`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// Yes (true) or no.
    Flag(bool),
    /// A number or a scale point.
    Number(i64),
    /// An option id, or text.
    Text(String),
    /// Option ids.
    Many(Vec<String>),
}

/// Answers by question id.
pub type Answers = BTreeMap<String, Answer>;

impl Answer {
    /// Whether it says nothing (blank text, no option picked).
    pub fn is_blank(&self) -> bool {
        match self {
            Answer::Text(t) => t.trim().is_empty(),
            Answer::Many(v) => v.is_empty(),
            _ => false,
        }
    }

    /// Whether it matches one of a condition's values.
    fn matches(&self, values: &[String]) -> bool {
        match self {
            Answer::Flag(b) => values.iter().any(|v| v == if *b { "yes" } else { "no" }),
            Answer::Number(n) => values.iter().any(|v| v.parse() == Ok(*n)),
            Answer::Text(t) => values.contains(t),
            Answer::Many(picked) => picked.iter().any(|p| values.contains(p)),
        }
    }
}

/// The ids of the questions shown for `answers`: those without a condition, and those whose
/// condition's question is shown and answered as it asks.
pub fn shown<'a>(def: &'a FormDefinition, answers: &Answers) -> BTreeSet<&'a str> {
    let mut out = BTreeSet::new();
    for q in def.questions() {
        let visible = match &q.show_if {
            None => true,
            Some(c) => {
                out.contains(c.question.as_str())
                    && answers
                        .get(&c.question)
                        .is_some_and(|a| a.matches(&c.any_of))
            }
        };
        if visible {
            out.insert(q.id.as_str());
        }
    }
    out
}

/// What is wrong with `answers`, keyed by question id: answers of the wrong shape, out of bounds
/// or naming no option, answers to questions the form does not have, and (when `complete`, for a
/// submission) shown required questions left blank. A draft may be incomplete; hidden questions
/// are never required.
pub fn check(def: &FormDefinition, answers: &Answers, complete: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for id in answers.keys() {
        if def.question(id).is_none() {
            errors.push(FieldError::new(
                id.clone(),
                "This question is not part of the form.",
            ));
        }
    }
    let visible = shown(def, answers);
    for q in def.questions() {
        let answer = answers.get(&q.id).filter(|a| !a.is_blank());
        match answer {
            Some(a) => {
                if let Err(m) = check_one(q, a) {
                    errors.push(FieldError::new(q.id.clone(), m));
                }
            }
            None if complete && q.required && visible.contains(q.id.as_str()) => {
                errors.push(FieldError::new(
                    q.id.clone(),
                    "This question needs an answer.",
                ));
            }
            None => {}
        }
    }
    errors
}

/// Whether `a` is a possible answer to `q`.
pub fn check_one(q: &Question, a: &Answer) -> Result<(), String> {
    match (&q.kind, a) {
        (QuestionKind::SingleChoice { options, .. }, Answer::Text(id)) => {
            if options.iter().any(|o| &o.id == id) {
                Ok(())
            } else {
                Err("Choose one of the options.".into())
            }
        }
        (QuestionKind::SingleChoice { .. }, _) => Err("Choose one of the options.".into()),
        (QuestionKind::MultipleChoice { options, .. }, Answer::Many(ids)) => {
            let distinct: BTreeSet<&String> = ids.iter().collect();
            if distinct.len() != ids.len()
                || !ids.iter().all(|i| options.iter().any(|o| &o.id == i))
            {
                Err("Choose from the options given.".into())
            } else {
                Ok(())
            }
        }
        (QuestionKind::MultipleChoice { .. }, _) => Err("Choose from the options given.".into()),
        (QuestionKind::Scale { .. }, Answer::Number(n)) if (SCALE_LOW..=SCALE_HIGH).contains(n) => {
            Ok(())
        }
        (QuestionKind::Scale { .. }, _) => {
            Err(format!("Choose a point from {SCALE_LOW} to {SCALE_HIGH}."))
        }
        (QuestionKind::YesNo { .. }, Answer::Flag(_)) => Ok(()),
        (QuestionKind::YesNo { .. }, _) => Err("Answer yes or no.".into()),
        (QuestionKind::Number { min, max, .. }, Answer::Number(n)) if (min..=max).contains(&n) => {
            Ok(())
        }
        (QuestionKind::Number { min, max, .. }, _) => {
            Err(format!("Enter a whole number from {min} to {max}."))
        }
        (QuestionKind::ShortText, Answer::Text(t)) => text_answer(t, MAX_SHORT_TEXT, false),
        (QuestionKind::LongText, Answer::Text(t)) => text_answer(t, MAX_LONG_TEXT, true),
        (QuestionKind::ShortText | QuestionKind::LongText, _) => Err("Enter text.".into()),
    }
}

fn text_answer(t: &str, max: usize, lines: bool) -> Result<(), String> {
    if t.chars().count() > max {
        return Err(format!("Keep the answer to {max} characters."));
    }
    let bad = |c: char| c.is_control() && !(lines && (c == '\n' || c == '\r' || c == '\t'));
    if t.chars().any(bad) {
        return Err("The answer contains characters that cannot be stored.".into());
    }
    Ok(())
}

/// The answers a submission keeps: those to shown questions, not blank. Hidden questions'
/// answers (typed before a condition changed) are dropped.
pub fn kept(def: &FormDefinition, answers: &Answers) -> Answers {
    let visible = shown(def, answers);
    answers
        .iter()
        .filter(|(id, a)| visible.contains(id.as_str()) && !a.is_blank())
        .map(|(id, a)| (id.clone(), a.clone()))
        .collect()
}

/// A score: the total and each scored, shown question's own, in basis points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// The weighted total, 0 to [`FULL`].
    pub total: u32,
    /// Each scored question shown: what its answer earned, 0 to [`FULL`].
    pub questions: BTreeMap<String, u32>,
}

/// The score of `answers`: each shown, scored question earns a share of [`FULL`] (nothing when
/// unanswered or answered wrongly), and the total is their weighted mean. Hidden questions never
/// count. None when no shown question is scored.
pub fn score(def: &FormDefinition, answers: &Answers) -> Option<Score> {
    let visible = shown(def, answers);
    let mut questions = BTreeMap::new();
    let (mut earned, mut weights) = (0u64, 0u64);
    for q in def
        .questions()
        .filter(|q| q.scored() && visible.contains(q.id.as_str()))
    {
        let points = answers
            .get(&q.id)
            .filter(|a| check_one(q, a).is_ok())
            .map_or(0, |a| earned_by(q, a));
        questions.insert(q.id.clone(), points);
        earned += u64::from(q.weight) * u64::from(points);
        weights += u64::from(q.weight);
    }
    (weights > 0).then(|| Score {
        total: ratio(earned, weights) as u32,
        questions,
    })
}

/// `num / den` rounded half up (`den` > 0).
fn ratio(num: u64, den: u64) -> u64 {
    (2 * num + den) / (2 * den)
}

/// `num / den` of [`FULL`], rounded half up and clamped to 0..=FULL.
fn share(num: i64, den: i64) -> u32 {
    if den <= 0 || num <= 0 {
        return 0;
    }
    let num = num.min(den) as u64;
    ratio(num * u64::from(FULL), den as u64) as u32
}

/// What a valid answer to a scored question earns.
fn earned_by(q: &Question, a: &Answer) -> u32 {
    match (&q.kind, a) {
        (QuestionKind::SingleChoice { options, correct }, Answer::Text(id)) => match correct {
            Some(c) => {
                if c == id {
                    FULL
                } else {
                    0
                }
            }
            None => {
                let best = options.iter().map(|o| o.points).max().unwrap_or(0);
                let got = options.iter().find(|o| &o.id == id).map_or(0, |o| o.points);
                share(got.into(), best.into())
            }
        },
        (QuestionKind::MultipleChoice { options, correct }, Answer::Many(ids)) => {
            if correct.is_empty() {
                let all: u32 = options.iter().map(|o| o.points).sum();
                let got: u32 = options
                    .iter()
                    .filter(|o| ids.contains(&o.id))
                    .map(|o| o.points)
                    .sum();
                share(got.into(), all.into())
            } else {
                let right = ids.iter().filter(|i| correct.contains(i)).count() as i64;
                let wrong = ids.len() as i64 - right;
                share(right - wrong, correct.len() as i64)
            }
        }
        (QuestionKind::Scale { .. }, Answer::Number(n)) => {
            share(n - SCALE_LOW, SCALE_HIGH - SCALE_LOW)
        }
        (QuestionKind::YesNo { yes_scores }, Answer::Flag(yes)) if yes == yes_scores => FULL,
        (
            QuestionKind::Number {
                min, max, better, ..
            },
            Answer::Number(n),
        ) => {
            // i128: the bounds may be ±10¹², their span twice that.
            let (span, up) = (
                i128::from(*max) - i128::from(*min),
                i128::from(*n) - i128::from(*min),
            );
            let got = match better {
                Better::Higher => up,
                Better::Lower => span - up,
                Better::Neither => 0,
            };
            // Scaled down to i64 range without losing the ratio's rounding materially.
            let scale = (span / i128::from(i32::MAX)).max(1);
            share((got / scale) as i64, (span / scale) as i64)
        }
        _ => 0,
    }
}

/// A score as a percentage with two decimals ("87.50"), with integers only.
pub fn percent(points: u32) -> String {
    format!("{}.{:02}", points / 100, points % 100)
}

/// What a response stores in its `responses` column: the form version it answered and the
/// answers (and, once submitted, the score computed then).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    /// The version of the form answered.
    pub form_version: i32,
    /// The answers.
    pub answers: Answers,
    /// The score at submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
}
