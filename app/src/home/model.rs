//! What the home page shows, as the server sends it; the queue's age bands and the date range's
//! checks (shared with the browser).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dealers::Brand;
use crate::modules::Module;

/// The parts of the home page the user may see (each `None` when not theirs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Home {
    /// Dealer staff: their dealer's to-dos, activity and scores.
    pub dealer: Option<DealerHome>,
    /// Whoever decides in some module: their queue and decisions.
    pub approver: Option<ApproverHome>,
    /// Administrators: the network's figures.
    pub network: Option<NetworkHome>,
}

/// Something that needs the user, with where to do it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Todo {
    /// What it is, in a sentence.
    pub text: String,
    /// Where to act on it.
    pub href: String,
    /// By when, if there is a deadline.
    pub due: Option<NaiveDateTime>,
}

/// One step of a record's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// When.
    pub at: NaiveDateTime,
    /// The record's module.
    pub module: Module,
    /// Its page.
    pub href: String,
    /// The step, as a label.
    pub step: String,
    /// The status it led to, as stored.
    pub to_status: String,
    /// Who took it.
    pub actor: String,
}

/// A dealer's score in a survey's latest period with results, and the network's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreVsNetwork {
    /// The survey.
    pub module: Module,
    /// The period.
    pub period: String,
    /// The dealer's score, in basis points.
    pub own_bp: Option<i32>,
    /// The network's average, in basis points.
    pub network_bp: Option<i32>,
    /// How many dealers' responses the average is over.
    pub responses: i64,
}

/// A dealer user's home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealerHome {
    /// The dealer's name.
    pub dealer_name: String,
    /// What needs them.
    pub todos: Vec<Todo>,
    /// The dealer's latest steps.
    pub recent: Vec<Activity>,
    /// Their scores against the network's.
    pub scores: Vec<ScoreVsNetwork>,
}

/// How long records have waited, in bands.
pub const AGE_BANDS: [(&str, i64); 4] = [
    ("Under a day", 24),
    ("1 to 3 days", 72),
    ("3 to 7 days", 168),
    ("Over a week", i64::MAX),
];

/// An approver's home.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApproverHome {
    /// Waiting records per band of [`AGE_BANDS`].
    pub bands: Vec<i64>,
    /// Waiting records per module.
    pub by_module: Vec<(Module, i64)>,
    /// How many have waited longer than the target.
    pub past_target: i64,
    /// The target, in hours (the setting).
    pub target_hours: i64,
    /// Whether more wait than the queue shows at once (the counts are then of the oldest).
    pub more: bool,
    /// The user's own latest decisions.
    pub decisions: Vec<Activity>,
}

impl ApproverHome {
    /// The band of a record that has waited `hours`.
    pub fn band(hours: i64) -> usize {
        AGE_BANDS
            .iter()
            .position(|(_, below)| hours < *below)
            .unwrap_or(AGE_BANDS.len() - 1)
    }
}

/// Submissions of one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthCount {
    /// The month's first day.
    pub month: NaiveDate,
    /// Submissions per module, in [`Module::ALL`] order.
    pub per_module: Vec<i64>,
}

/// Registrations of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventCount {
    /// The event.
    pub id: Uuid,
    /// Its module.
    pub module: Module,
    /// Its name.
    pub name: String,
    /// Its day.
    pub date: NaiveDate,
    /// Registrations not cancelled.
    pub registered: i64,
    /// Its seats.
    pub capacity: i32,
}

/// Survey scores of one brand's dealers, in bands of ten points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandScores {
    /// The brand (`None`: dealers without one).
    pub brand: Option<Brand>,
    /// Responses scoring 0–9, 10–19, …, 90–100.
    pub bands: Vec<i64>,
    /// Their average, in basis points.
    pub average_bp: Option<i32>,
}

/// The network's figures over a date range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkHome {
    /// The range's first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// Submissions per month and module.
    pub months: Vec<MonthCount>,
    /// PCC decisions in the range.
    pub approved: i64,
    /// …of which rejections.
    pub rejected: i64,
    /// The median time from submission to decision, in hours.
    pub median_decision_hours: Option<f64>,
    /// The events of the range with the most registrations.
    pub events: Vec<EventCount>,
    /// Survey scores by brand (responses submitted in the range).
    pub scores: Vec<BrandScores>,
}

impl NetworkHome {
    /// Approvals among decisions, as a percentage.
    pub fn approval_rate(&self) -> Option<f64> {
        let decided = self.approved + self.rejected;
        (decided > 0).then(|| self.approved as f64 * 100.0 / decided as f64)
    }
}

/// The longest range the figures cover.
pub const MAX_RANGE_DAYS: i64 = 731;

/// The range asked for, checked: the end on or after the start, at most [`MAX_RANGE_DAYS`]; by
/// default the twelve months up to `today`.
pub fn range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), crate::error::AppError> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or_else(|| to - chrono::Duration::days(364));
    crate::list::check_range(Some(from), Some(to))?;
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(crate::error::AppError::field(
            "from",
            "Choose a range of at most two years.",
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_fall_into_their_bands() {
        assert_eq!(ApproverHome::band(0), 0);
        assert_eq!(ApproverHome::band(23), 0);
        assert_eq!(ApproverHome::band(24), 1);
        assert_eq!(ApproverHome::band(100), 2);
        assert_eq!(ApproverHome::band(10_000), 3);
    }

    #[test]
    fn the_range_defaults_to_a_year_and_refuses_backwards_or_long_ones() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let today = d(12, 1);
        assert_eq!(
            range(None, None, today).unwrap(),
            (d(12, 1) - chrono::Duration::days(364), today)
        );
        assert!(range(Some(d(12, 2)), Some(d(12, 1)), today).is_err());
        let long = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        assert!(range(Some(long), Some(today), today).is_err());
        assert_eq!(
            range(Some(d(1, 1)), Some(d(1, 31)), today).unwrap(),
            (d(1, 1), d(1, 31))
        );
    }

    #[test]
    fn the_approval_rate_needs_decisions() {
        let mut n = NetworkHome {
            from: NaiveDate::MIN,
            to: NaiveDate::MIN,
            months: vec![],
            approved: 0,
            rejected: 0,
            median_decision_hours: None,
            events: vec![],
            scores: vec![],
        };
        assert_eq!(n.approval_rate(), None);
        n.approved = 3;
        n.rejected = 1;
        assert_eq!(n.approval_rate(), Some(75.0));
    }
}
