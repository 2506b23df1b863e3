//! The workflow core every module's records share: the typed transition table a module writes
//! once (in its `workflow.rs`), the rules every transition keeps, and what the record page's
//! timeline shows.
//!
//! A module's table lists each [`Transition`]: the [`Step`] it is, the states it leaves from,
//! the state it reaches, the [`Action`] it needs (the submitter's side needs create or edit, the
//! manufacturer's side needs approve), whether a comment is required, and what it stamps. The
//! browser asks [`available`] which steps to offer; the server asks [`find`] and [`authorize`]
//! again under the record's row lock. The rules that are not the table's (own dealer only,
//! approving only by manufacturer staff and never one's own submission) are `authorize`'s.

use serde::{Deserialize, Serialize};

use crate::auth::authorize::{Action, Actor, Area, Scope, authorize};
use crate::error::{AppError, FieldError};

#[cfg(feature = "ssr")]
pub mod server;
pub mod views;

/// The shortest comment a reject or send-back accepts: the submitter must learn why.
pub const MIN_COMMENT: usize = 10;
/// The longest comment accepted.
pub const MAX_COMMENT: usize = 2_000;

crate::audit::keyed_enum! {
    /// One step a record can take. The names are the modules' shared vocabulary: the queue, bulk
    /// decisions and notifications speak of steps, whatever module the record is in.
    pub enum Step {
        /// The record was created (as a draft).
        Create = "create",
        /// A draft goes to the manufacturer.
        Submit = "submit",
        /// A record sent back for revision goes to the manufacturer again.
        Resubmit = "resubmit",
        /// A reviewer takes the record, so others know it is being looked at.
        TakeForReview = "take_for_review",
        /// The manufacturer accepts the record.
        Approve = "approve",
        /// The manufacturer refuses the record, for good.
        Reject = "reject",
        /// The manufacturer returns the record to its dealer to be changed.
        SendBack = "send_back",
        /// The manufacturer confirms a registration's seat.
        Confirm = "confirm",
        /// The person came to the event.
        MarkAttended = "mark_attended",
        /// The person did not come.
        MarkNoShow = "mark_no_show",
        /// The dealer withdraws its own registration (before the deadline).
        Withdraw = "withdraw",
        /// The manufacturer cancels a registration, saying why.
        Cancel = "cancel",
        /// A seat came free and a waiting registration got it.
        Promote = "promote",
        /// A reviewer has read a submitted survey and says what they found.
        Review = "review",
        /// The manufacturer closes a reviewed survey.
        Complete = "complete",
    }
}

impl Step {
    /// The button's label.
    pub const fn label(self) -> &'static str {
        match self {
            Step::Create => "Create",
            Step::Submit => "Submit",
            Step::Resubmit => "Resubmit",
            Step::TakeForReview => "Take for review",
            Step::Approve => "Approve",
            Step::Reject => "Reject",
            Step::SendBack => "Send back for revision",
            Step::Confirm => "Confirm",
            Step::MarkAttended => "Attended",
            Step::MarkNoShow => "No-show",
            Step::Withdraw => "Withdraw",
            Step::Cancel => "Cancel registration",
            Step::Promote => "Give the seat",
            Step::Review => "Mark reviewed",
            Step::Complete => "Complete",
        }
    }

    /// What happened, for timelines and notifications ("… was approved").
    pub const fn past(self) -> &'static str {
        match self {
            Step::Create => "created",
            Step::Submit => "submitted",
            Step::Resubmit => "resubmitted",
            Step::TakeForReview => "taken for review",
            Step::Approve => "approved",
            Step::Reject => "rejected",
            Step::SendBack => "sent back for revision",
            Step::Confirm => "confirmed",
            Step::MarkAttended => "marked as attended",
            Step::MarkNoShow => "marked as a no-show",
            Step::Withdraw => "withdrawn",
            Step::Cancel => "cancelled",
            Step::Promote => "moved from the waitlist to a seat",
            Step::Review => "reviewed",
            Step::Complete => "completed",
        }
    }

    /// What happened, as a headline ("Sent back for revision").
    pub fn headline(self) -> String {
        crate::text::capitalise(self.past())
    }
}

/// Whether a transition asks for a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommentRule {
    /// No comment is taken.
    None,
    /// A comment may be given.
    Optional,
    /// A comment of at least [`MIN_COMMENT`] characters is required: the submitter sees it.
    Required,
}

/// A column pair a transition fills with who took it and when (and the comment, if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stamp {
    /// `submitted_by`/`submitted_at`, and the record's number on first submission.
    Submitted,
    /// `reviewed_by`/`reviewed_at` (and `review_comments`).
    Reviewed,
    /// `approved_by`/`approved_at` (and `approval_comments`).
    Approved,
}

/// Whose move a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    /// The record's dealer: its own staff prepare, submit and revise it.
    Dealer,
    /// The manufacturer: its staff review and decide.
    Manufacturer,
}

impl Side {
    /// Whether `actor` is on this side of a record of `dealer_id` (`authorize` still decides
    /// whether they hold the permission).
    pub fn includes(self, actor: &Actor, dealer_id: uuid::Uuid) -> bool {
        match self {
            Side::Dealer => actor.dealer_id == Some(dealer_id),
            Side::Manufacturer => actor.user_type == crate::auth::roles::UserType::Manufacturer,
        }
    }

    /// Why someone on the other side may not take the step.
    pub const fn refusal(self) -> &'static str {
        match self {
            Side::Dealer => "Only the dealer's own staff prepare, submit and revise its records.",
            Side::Manufacturer => "Only manufacturer staff review and decide.",
        }
    }
}

/// One row of a module's transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition<S: 'static> {
    /// Which step.
    pub step: Step,
    /// Whose move it is.
    pub side: Side,
    /// The states it may be taken from.
    pub from: &'static [S],
    /// The state it reaches.
    pub to: S,
    /// The permission it needs ([`Action::Approve`] for the manufacturer's side).
    pub action: Action,
    /// Whether a comment is needed.
    pub comment: CommentRule,
    /// What it stamps.
    pub stamps: &'static [Stamp],
}

/// The transition `step` out of `status` in `table`, or a conflict saying the record is no longer
/// where the caller thought.
pub fn find<S: Copy + PartialEq + std::fmt::Debug>(
    table: &'static [Transition<S>],
    status: S,
    step: Step,
    describe: impl Fn(S) -> &'static str,
) -> Result<&'static Transition<S>, AppError> {
    table
        .iter()
        .find(|t| t.step == step && t.from.contains(&status))
        .ok_or_else(|| AppError::Conflict {
            message: format!(
                "This record is {} now, so it cannot be {}.",
                describe(status),
                step.past()
            ),
            changed_by: None,
            changed_at: None,
        })
}

/// The steps `actor` may take on a record of `dealer_id` in `status` in `area`: on their side,
/// and allowed by `authorize`. What the record page offers; the server decides again under the
/// row lock.
pub fn available<S: Copy + PartialEq>(
    table: &'static [Transition<S>],
    status: S,
    actor: &Actor,
    area: Area,
    scope: Scope,
) -> Vec<Step> {
    let dealer_id = match scope {
        Scope::DealerRecord { dealer_id, .. } => Some(dealer_id),
        _ => None,
    };
    table
        .iter()
        .filter(|t| t.from.contains(&status))
        .filter(|t| dealer_id.is_some_and(|d| t.side.includes(actor, d)))
        .filter(|t| authorize(actor, t.action, area, scope).allowed)
        .map(|t| t.step)
        .collect()
}

/// The comment a transition keeps: trimmed, bounded, and present where the rule needs it.
pub fn check_comment(rule: CommentRule, comment: &str) -> Result<Option<String>, FieldError> {
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(FieldError::new(
            "comment",
            format!("Keep the comment to {MAX_COMMENT} characters."),
        ));
    }
    if comment
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(
            "comment",
            "The comment contains characters that cannot be stored.",
        ));
    }
    match rule {
        CommentRule::None => Ok(None),
        CommentRule::Required if comment.chars().count() < MIN_COMMENT => Err(FieldError::new(
            "comment",
            format!("Say why in at least {MIN_COMMENT} characters: the dealer sees this comment."),
        )),
        _ => Ok((!comment.is_empty()).then(|| comment.to_owned())),
    }
}

/// A request to take a step: what the user saw (the version) and their comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRequest {
    /// The record.
    pub id: uuid::Uuid,
    /// The step.
    pub step: Step,
    /// The record's version when the user loaded it.
    pub version: i32,
    /// The comment (may be empty where none is needed).
    #[serde(default)]
    pub comment: String,
}

/// What a step answers: the record's new status label and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepDone {
    /// The record.
    pub id: uuid::Uuid,
    /// Its version after the step.
    pub version: i32,
    /// Its number (given at first submission).
    pub number: Option<String>,
}

/// What a save answers: the new version, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The version after the save.
    pub version: i32,
    /// When it was saved.
    pub at: chrono::NaiveDateTime,
}

/// One entry of a record's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// What happened.
    pub step: Step,
    /// The status it left (none for creation).
    pub from_status: Option<String>,
    /// The status it reached.
    pub to_status: String,
    /// Who took it, by name.
    pub actor_name: String,
    /// When.
    pub at: chrono::NaiveDateTime,
    /// Their comment.
    pub comment: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_comments_need_ten_characters_and_are_trimmed() {
        assert!(check_comment(CommentRule::Required, "   too short ").is_err());
        assert_eq!(
            check_comment(CommentRule::Required, "  Lounge photos missing  ").unwrap(),
            Some("Lounge photos missing".into())
        );
        assert_eq!(check_comment(CommentRule::Optional, "  ").unwrap(), None);
        assert_eq!(check_comment(CommentRule::None, "ignored").unwrap(), None);
        assert!(check_comment(CommentRule::Optional, &"x".repeat(MAX_COMMENT + 1)).is_err());
        assert!(check_comment(CommentRule::Optional, "nul\0byte here").is_err());
    }

    #[test]
    fn step_keys_round_trip_and_read_as_headlines() {
        for s in Step::ALL {
            assert_eq!(Step::from_key(s.key()), Some(*s));
        }
        assert_eq!(Step::SendBack.headline(), "Sent back for revision");
    }
}
