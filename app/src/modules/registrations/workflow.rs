//! A registration's state machine (the seed's five statuses) and an event's status.
//!
//! ```text
//! registered --confirm--> confirmed --(on or after the event day)--> attended | no_show
//!     |  (waiting in line: registered with a place, promoted when a seat comes free)
//!     +--withdraw (dealer, before the deadline) / cancel (manufacturer, with a reason)--> cancelled
//! ```

use chrono::{NaiveDate, NaiveDateTime};

use crate::audit::keyed_enum;
use crate::auth::authorize::Action;
use crate::error::AppError;
use crate::workflow::{CommentRule, Side, Step, Transition};

keyed_enum! {
    /// Where a registration stands (the seed's CHECK values).
    pub enum RegStatus {
        /// Registered: holding a seat, or waiting in line for one.
        Registered = "registered",
        /// The manufacturer confirmed the seat.
        Confirmed = "confirmed",
        /// The person came.
        Attended = "attended",
        /// Withdrawn by the dealer or cancelled by the manufacturer.
        Cancelled = "cancelled",
        /// The person did not come.
        NoShow = "no_show",
    }
}

impl RegStatus {
    /// The badge's label.
    pub const fn label(self) -> &'static str {
        match self {
            RegStatus::Registered => "Registered",
            RegStatus::Confirmed => "Confirmed",
            RegStatus::Attended => "Attended",
            RegStatus::Cancelled => "Cancelled",
            RegStatus::NoShow => "No-show",
        }
    }

    /// In a sentence: "This registration is … now".
    pub const fn describe(self) -> &'static str {
        match self {
            RegStatus::Registered => "registered",
            RegStatus::Confirmed => "confirmed",
            RegStatus::Attended => "marked as attended",
            RegStatus::Cancelled => "cancelled",
            RegStatus::NoShow => "marked as a no-show",
        }
    }

    /// The badge's class.
    pub const fn badge(self) -> &'static str {
        match self {
            RegStatus::Confirmed | RegStatus::Attended => "badge ok",
            RegStatus::Cancelled => "badge off",
            RegStatus::NoShow => "badge warn",
            RegStatus::Registered => "badge info",
        }
    }

    /// Still holds (or waits for) a place.
    pub const fn is_active(self) -> bool {
        !matches!(self, RegStatus::Cancelled)
    }
}

keyed_enum! {
    /// Whether an event takes registrations (`events.status`).
    pub enum EventStatus {
        /// Taking registrations until its deadline.
        Open = "open",
        /// No new registrations; existing ones stand.
        Closed = "closed",
        /// Called off: every registration was cancelled.
        Cancelled = "cancelled",
    }
}

impl EventStatus {
    /// The badge's label.
    pub const fn label(self) -> &'static str {
        match self {
            EventStatus::Open => "Open",
            EventStatus::Closed => "Closed",
            EventStatus::Cancelled => "Cancelled",
        }
    }

    /// The badge's class.
    pub const fn badge(self) -> &'static str {
        match self {
            EventStatus::Open => "badge ok",
            EventStatus::Closed => "badge",
            EventStatus::Cancelled => "badge off",
        }
    }
}

use RegStatus::*;

/// Every transition of a registration.
pub const TRANSITIONS: &[Transition<RegStatus>] = &[
    Transition {
        step: Step::Confirm,
        side: Side::Manufacturer,
        from: &[Registered],
        to: Confirmed,
        action: Action::Approve,
        comment: CommentRule::None,
        stamps: &[],
    },
    Transition {
        step: Step::MarkAttended,
        side: Side::Manufacturer,
        from: &[Registered, Confirmed, NoShow],
        to: Attended,
        action: Action::Edit,
        comment: CommentRule::None,
        stamps: &[],
    },
    Transition {
        step: Step::MarkNoShow,
        side: Side::Manufacturer,
        from: &[Registered, Confirmed, Attended],
        to: NoShow,
        action: Action::Edit,
        comment: CommentRule::None,
        stamps: &[],
    },
    Transition {
        step: Step::Withdraw,
        side: Side::Dealer,
        from: &[Registered, Confirmed],
        to: Cancelled,
        action: Action::Edit,
        comment: CommentRule::Optional,
        stamps: &[],
    },
    Transition {
        step: Step::Cancel,
        side: Side::Manufacturer,
        from: &[Registered, Confirmed],
        to: Cancelled,
        action: Action::Edit,
        comment: CommentRule::Required,
        stamps: &[],
    },
];

/// What a step needs to know of the registration and its event beyond the status, to say
/// whether it may be taken now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The registration waits in line.
    pub waiting: bool,
    /// The event's day.
    pub event_date: NaiveDate,
    /// The event's registration deadline.
    pub deadline: NaiveDateTime,
    /// Now (UTC).
    pub now: NaiveDateTime,
}

/// The rules of a step that are about time and seats, not status: one home for what the record
/// page offers and what the server enforces. A 409 with the reason when the step cannot be taken.
pub fn timing_allows(step: Step, t: Timing) -> Result<(), AppError> {
    let refuse = |message: &str| {
        Err(AppError::Conflict {
            message: message.to_owned(),
            changed_by: None,
            changed_at: None,
        })
    };
    match step {
        Step::Confirm if t.waiting => {
            refuse("This person is on the waitlist; a seat must come free before it is confirmed.")
        }
        Step::MarkAttended | Step::MarkNoShow if t.now.date() < t.event_date => {
            refuse("Attendance is marked on or after the event's day.")
        }
        Step::MarkAttended | Step::MarkNoShow if t.waiting => {
            refuse("This person never got a seat; cancel the registration instead.")
        }
        Step::Withdraw if t.now > t.deadline => refuse(
            "The registration deadline has passed; ask the manufacturer to cancel the registration.",
        ),
        _ => Ok(()),
    }
}

/// The number prefix of a kind's registrations.
pub const API_PREFIX: &str = "API";
/// The number prefix of MT Meet registrations.
pub const MT_MEET_PREFIX: &str = "MTM";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::find;

    /// The machine as a plain table: step, from, to, side, and whether a comment is required.
    const EXPECTED: &[(Step, RegStatus, RegStatus, Side, bool)] = &[
        (
            Step::Confirm,
            Registered,
            Confirmed,
            Side::Manufacturer,
            false,
        ),
        (
            Step::MarkAttended,
            Registered,
            Attended,
            Side::Manufacturer,
            false,
        ),
        (
            Step::MarkAttended,
            Confirmed,
            Attended,
            Side::Manufacturer,
            false,
        ),
        (
            Step::MarkAttended,
            NoShow,
            Attended,
            Side::Manufacturer,
            false,
        ),
        (
            Step::MarkNoShow,
            Registered,
            NoShow,
            Side::Manufacturer,
            false,
        ),
        (
            Step::MarkNoShow,
            Confirmed,
            NoShow,
            Side::Manufacturer,
            false,
        ),
        (
            Step::MarkNoShow,
            Attended,
            NoShow,
            Side::Manufacturer,
            false,
        ),
        (Step::Withdraw, Registered, Cancelled, Side::Dealer, false),
        (Step::Withdraw, Confirmed, Cancelled, Side::Dealer, false),
        (
            Step::Cancel,
            Registered,
            Cancelled,
            Side::Manufacturer,
            true,
        ),
        (Step::Cancel, Confirmed, Cancelled, Side::Manufacturer, true),
    ];

    #[test]
    fn every_step_from_every_status_matches_the_plain_table() {
        for &from in RegStatus::ALL {
            for &step in Step::ALL {
                let expected = EXPECTED.iter().find(|e| e.0 == step && e.1 == from);
                match (find(TRANSITIONS, from, step, RegStatus::describe), expected) {
                    (Ok(t), Some(&(_, _, to, side, comment))) => {
                        assert_eq!(t.to, to, "{step:?} from {from:?}");
                        assert_eq!(t.side, side, "{step:?} from {from:?}");
                        assert_eq!(t.comment == CommentRule::Required, comment);
                    }
                    (Err(e), None) => assert_eq!(e.status(), 409),
                    (got, want) => panic!("{step:?} from {from:?}: got {got:?}, want {want:?}"),
                }
            }
        }
        assert!(TRANSITIONS.iter().all(|t| !t.from.contains(&Cancelled)));
    }

    #[test]
    fn time_and_seats_decide_what_the_status_allows() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let at = |d: u32, h: u32| {
            NaiveDate::from_ymd_opt(2026, 12, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
        };
        let t = Timing {
            waiting: false,
            event_date: day,
            deadline: at(8, 17),
            now: at(8, 12),
        };
        assert!(timing_allows(Step::Withdraw, t).is_ok());
        assert!(
            timing_allows(
                Step::Withdraw,
                Timing {
                    now: at(8, 18),
                    ..t
                }
            )
            .is_err()
        );
        assert!(timing_allows(Step::MarkAttended, t).is_err());
        assert!(
            timing_allows(
                Step::MarkNoShow,
                Timing {
                    now: at(10, 9),
                    ..t
                }
            )
            .is_ok()
        );
        assert!(timing_allows(Step::Confirm, t).is_ok());
        assert!(timing_allows(Step::Confirm, Timing { waiting: true, ..t }).is_err());
        // The manufacturer cancels at any time.
        assert!(
            timing_allows(
                Step::Cancel,
                Timing {
                    now: at(20, 9),
                    ..t
                }
            )
            .is_ok()
        );
    }
}
