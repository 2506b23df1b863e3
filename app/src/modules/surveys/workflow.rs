//! A survey response's state machine: the seed's four statuses and the steps between them.
//!
//! ```text
//! draft --submit--> submitted --review (comment)--> reviewed --complete--> completed
//!   ^                   |
//!   +----send back------+   (comment: what to correct; the dealer submits again)
//! ```

use crate::audit::keyed_enum;
use crate::auth::authorize::Action;
use crate::workflow::{CommentRule, Side, Stamp, Step, Transition};

keyed_enum! {
    /// Where a response stands (the survey tables' `status`, the seed's CHECK values).
    pub enum SurveyStatus {
        /// Being filled by the dealer; saves itself as they type.
        Draft = "draft",
        /// Sent, scored, waiting for a reviewer.
        Submitted = "submitted",
        /// A reviewer has read it and commented.
        Reviewed = "reviewed",
        /// Closed by the manufacturer.
        Completed = "completed",
    }
}

impl SurveyStatus {
    /// The label shown on badges.
    pub const fn label(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "Draft",
            SurveyStatus::Submitted => "Submitted",
            SurveyStatus::Reviewed => "Reviewed",
            SurveyStatus::Completed => "Completed",
        }
    }

    /// In a sentence: "This record is … now".
    pub const fn describe(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "a draft",
            SurveyStatus::Submitted => "submitted",
            SurveyStatus::Reviewed => "reviewed",
            SurveyStatus::Completed => "completed",
        }
    }

    /// Whether the response has been submitted (it has a score, and counts in the results).
    pub const fn is_submitted(self) -> bool {
        !matches!(self, SurveyStatus::Draft)
    }

    /// The badge's class.
    pub const fn badge(self) -> &'static str {
        match self {
            SurveyStatus::Draft => "badge",
            SurveyStatus::Submitted => "badge info",
            SurveyStatus::Reviewed => "badge warn",
            SurveyStatus::Completed => "badge ok",
        }
    }
}

use SurveyStatus::*;

/// Every transition of a survey response.
pub const TRANSITIONS: &[Transition<SurveyStatus>] = &[
    Transition {
        step: Step::Submit,
        side: Side::Dealer,
        from: &[Draft],
        to: Submitted,
        action: Action::Create,
        comment: CommentRule::None,
        stamps: &[Stamp::Submitted],
    },
    Transition {
        step: Step::Review,
        side: Side::Manufacturer,
        from: &[Submitted],
        to: Reviewed,
        action: Action::Approve,
        comment: CommentRule::Required,
        stamps: &[Stamp::Reviewed],
    },
    Transition {
        step: Step::SendBack,
        side: Side::Manufacturer,
        from: &[Submitted],
        to: Draft,
        action: Action::Approve,
        comment: CommentRule::Required,
        stamps: &[Stamp::Reviewed],
    },
    Transition {
        step: Step::Complete,
        side: Side::Manufacturer,
        from: &[Reviewed],
        to: Completed,
        action: Action::Approve,
        comment: CommentRule::Optional,
        stamps: &[Stamp::Approved],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::find;

    /// The machine as a plain table: step, from, to, the permission, and whether a comment is
    /// required. Nothing else may be possible.
    const EXPECTED: &[(Step, SurveyStatus, SurveyStatus, Action, bool)] = &[
        (Step::Submit, Draft, Submitted, Action::Create, false),
        (Step::Review, Submitted, Reviewed, Action::Approve, true),
        (Step::SendBack, Submitted, Draft, Action::Approve, true),
        (Step::Complete, Reviewed, Completed, Action::Approve, false),
    ];

    #[test]
    fn every_step_from_every_status_matches_the_plain_table() {
        for &from in SurveyStatus::ALL {
            for &step in Step::ALL {
                let expected = EXPECTED.iter().find(|e| e.0 == step && e.1 == from);
                match (
                    find(TRANSITIONS, from, step, SurveyStatus::describe),
                    expected,
                ) {
                    (Ok(t), Some(&(_, _, to, action, comment))) => {
                        assert_eq!(t.to, to, "{step:?} from {from:?}");
                        assert_eq!(t.action, action, "{step:?} from {from:?}");
                        assert_eq!(t.comment == CommentRule::Required, comment);
                        let manufacturer = action == Action::Approve;
                        assert_eq!(t.side == Side::Manufacturer, manufacturer);
                    }
                    (Err(e), None) => assert_eq!(e.status(), 409),
                    (got, want) => panic!("{step:?} from {from:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn completed_is_final() {
        assert!(TRANSITIONS.iter().all(|t| !t.from.contains(&Completed)));
        assert!(!Draft.is_submitted() && Completed.is_submitted());
    }
}
