//! The PCC application's state machine: the seed's six statuses and the steps between them.
//!
//! ```text
//! draft --submit--> pending --take for review--> under_review
//!                      |  \                        |
//!                      |   approve / reject / send back (from either)
//!                      v                           v
//!        approved   rejected   revision_requested --resubmit--> pending
//! ```

use crate::audit::keyed_enum;
use crate::auth::authorize::Action;
use crate::workflow::{CommentRule, Side, Stamp, Step, Transition};

keyed_enum! {
    /// Where an application stands (`dealer_pcc.status`, the seed's CHECK values).
    pub enum PccStatus {
        /// Being written by the dealer; not yet sent.
        Draft = "draft",
        /// Sent, waiting for a reviewer.
        Pending = "pending",
        /// A reviewer has taken it.
        UnderReview = "under_review",
        /// Accepted: the dealer is a Performance Center.
        Approved = "approved",
        /// Refused, for good.
        Rejected = "rejected",
        /// Returned to the dealer to be changed and resubmitted.
        RevisionRequested = "revision_requested",
    }
}

impl PccStatus {
    /// The label shown on badges.
    pub const fn label(self) -> &'static str {
        match self {
            PccStatus::Draft => "Draft",
            PccStatus::Pending => "Pending",
            PccStatus::UnderReview => "Under review",
            PccStatus::Approved => "Approved",
            PccStatus::Rejected => "Rejected",
            PccStatus::RevisionRequested => "Revision requested",
        }
    }

    /// In a sentence: "This record is … now".
    pub const fn describe(self) -> &'static str {
        match self {
            PccStatus::Draft => "a draft",
            PccStatus::Pending => "pending",
            PccStatus::UnderReview => "under review",
            PccStatus::Approved => "approved",
            PccStatus::Rejected => "rejected",
            PccStatus::RevisionRequested => "back with its dealer for revision",
        }
    }

    /// Still open: a dealer has at most one open application.
    pub const fn is_open(self) -> bool {
        !matches!(self, PccStatus::Approved | PccStatus::Rejected)
    }

    /// Waiting for the manufacturer's decision (in the approval queue).
    pub const fn awaits_decision(self) -> bool {
        matches!(self, PccStatus::Pending | PccStatus::UnderReview)
    }

    /// Whether the dealer's own staff may change the criteria in this status, and with which
    /// permission: a draft is still being created; a returned application is edited.
    pub const fn edit_action(self) -> Option<Action> {
        match self {
            PccStatus::Draft => Some(Action::Create),
            PccStatus::RevisionRequested => Some(Action::Edit),
            _ => None,
        }
    }

    /// The badge's class.
    pub const fn badge(self) -> &'static str {
        match self {
            PccStatus::Approved => "badge ok",
            PccStatus::Rejected => "badge off",
            PccStatus::RevisionRequested => "badge warn",
            PccStatus::Pending | PccStatus::UnderReview => "badge info",
            PccStatus::Draft => "badge",
        }
    }
}

use PccStatus::*;

/// Every transition of a PCC application.
pub const TRANSITIONS: &[Transition<PccStatus>] = &[
    Transition {
        step: Step::Submit,
        side: Side::Dealer,
        from: &[Draft],
        to: Pending,
        action: Action::Create,
        comment: CommentRule::None,
        stamps: &[Stamp::Submitted],
    },
    Transition {
        step: Step::Resubmit,
        side: Side::Dealer,
        from: &[RevisionRequested],
        to: Pending,
        action: Action::Edit,
        comment: CommentRule::Optional,
        stamps: &[Stamp::Submitted],
    },
    Transition {
        step: Step::TakeForReview,
        side: Side::Manufacturer,
        from: &[Pending],
        to: UnderReview,
        action: Action::Approve,
        comment: CommentRule::None,
        stamps: &[Stamp::Reviewed],
    },
    Transition {
        step: Step::Approve,
        side: Side::Manufacturer,
        from: &[Pending, UnderReview],
        to: Approved,
        action: Action::Approve,
        comment: CommentRule::Optional,
        stamps: &[Stamp::Approved],
    },
    Transition {
        step: Step::Reject,
        side: Side::Manufacturer,
        from: &[Pending, UnderReview],
        to: Rejected,
        action: Action::Approve,
        comment: CommentRule::Required,
        stamps: &[Stamp::Reviewed],
    },
    Transition {
        step: Step::SendBack,
        side: Side::Manufacturer,
        from: &[Pending, UnderReview],
        to: RevisionRequested,
        action: Action::Approve,
        comment: CommentRule::Required,
        stamps: &[Stamp::Reviewed],
    },
];

/// The number prefix (`PCC-2026-000123`).
pub const NUMBER_PREFIX: &str = "PCC";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::find;

    /// The machine as a plain table: step, from, to, the permission, and whether a comment is
    /// required. Every row of `TRANSITIONS` must appear here and nothing else may be possible.
    const EXPECTED: &[(Step, PccStatus, PccStatus, Action, bool)] = &[
        (Step::Submit, Draft, Pending, Action::Create, false),
        (
            Step::Resubmit,
            RevisionRequested,
            Pending,
            Action::Edit,
            false,
        ),
        (
            Step::TakeForReview,
            Pending,
            UnderReview,
            Action::Approve,
            false,
        ),
        (Step::Approve, Pending, Approved, Action::Approve, false),
        (Step::Approve, UnderReview, Approved, Action::Approve, false),
        (Step::Reject, Pending, Rejected, Action::Approve, true),
        (Step::Reject, UnderReview, Rejected, Action::Approve, true),
        (
            Step::SendBack,
            Pending,
            RevisionRequested,
            Action::Approve,
            true,
        ),
        (
            Step::SendBack,
            UnderReview,
            RevisionRequested,
            Action::Approve,
            true,
        ),
    ];

    const STEPS: [Step; 6] = [
        Step::Submit,
        Step::Resubmit,
        Step::TakeForReview,
        Step::Approve,
        Step::Reject,
        Step::SendBack,
    ];

    #[test]
    fn every_step_from_every_status_matches_the_plain_table() {
        for &from in PccStatus::ALL {
            for step in STEPS {
                let expected = EXPECTED.iter().find(|e| e.0 == step && e.1 == from);
                match (find(TRANSITIONS, from, step, PccStatus::describe), expected) {
                    (Ok(t), Some(&(_, _, to, action, comment))) => {
                        let side = if action == Action::Approve {
                            Side::Manufacturer
                        } else {
                            Side::Dealer
                        };
                        assert_eq!(t.side, side, "{step:?} from {from:?}");
                        assert_eq!(t.to, to, "{step:?} from {from:?}");
                        assert_eq!(t.action, action, "{step:?} from {from:?}");
                        assert_eq!(t.comment == CommentRule::Required, comment);
                    }
                    (Err(e), None) => assert_eq!(e.status(), 409),
                    (got, want) => panic!("{step:?} from {from:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn decided_applications_are_final_and_only_open_ones_are_edited() {
        for s in [Approved, Rejected] {
            assert!(TRANSITIONS.iter().all(|t| !t.from.contains(&s)));
            assert!(!s.is_open());
        }
        assert_eq!(Draft.edit_action(), Some(Action::Create));
        assert_eq!(RevisionRequested.edit_action(), Some(Action::Edit));
        assert_eq!(Pending.edit_action(), None);
        assert!(
            PccStatus::ALL
                .iter()
                .filter(|s| s.awaits_decision())
                .count()
                == 2
        );
    }
}
