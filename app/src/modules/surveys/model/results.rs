//! What the results page shows: for one survey and period, the network's score distribution and
//! average, each question's average, the trend over periods and (for manufacturer staff) each
//! dealer's scores over those periods. A dealer user sees their own scores against the network's
//! averages, never another dealer's figures.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::SurveyKind;
use super::answers::FULL;
use crate::list::encode_params;

/// How many bands the distribution has (0–10, 10–20, … 90–100).
pub const BANDS: usize = 10;
/// How many periods the trend shows (up to the one chosen).
pub const TREND_PERIODS: i64 = 12;
/// How many dealers the manufacturer's trend table shows at once.
pub const TREND_DEALERS: i64 = 50;

/// The results page's choices (in the URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultsQuery {
    /// The period; the latest with submissions when none.
    pub period: Option<Uuid>,
    /// Narrows the dealers' trend table (code or name).
    pub dealer: String,
}

impl ResultsQuery {
    /// The query described by URL parameters.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        ResultsQuery {
            period: non_empty("period").and_then(|p| Uuid::parse_str(&p).ok()),
            dealer: non_empty("dealer").unwrap_or_default(),
        }
    }

    /// URL parameters for this query.
    pub fn to_params(&self) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(p) = self.period {
            params.push(("period", p.to_string()));
        }
        if !self.dealer.is_empty() {
            params.push(("dealer", self.dealer.clone()));
        }
        encode_params(&params)
    }
}

/// A period, by id and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRef {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// The network's figures for one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    /// Submitted responses.
    pub responses: i64,
    /// Their average score (basis points); none when too few to show.
    pub average: Option<u32>,
    /// Responses per score band ([`BANDS`] of them; empty for a dealer user).
    pub distribution: Vec<i64>,
}

/// The dealer user's own response to the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Own {
    /// Its page, if there is one.
    pub response: Option<Uuid>,
    /// Its score, once submitted.
    pub score: Option<u32>,
}

/// One question's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionResult {
    /// Its id.
    pub id: String,
    /// Its text (from the latest published form; the id when it has been removed since).
    pub label: String,
    /// Its section's title.
    pub section: String,
    /// Responses that scored it.
    pub answered: i64,
    /// The network's average on it (basis points).
    pub network: Option<u32>,
    /// The dealer's own (dealer users only).
    pub own: Option<u32>,
}

/// One period of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The period.
    pub period: PeriodRef,
    /// Submitted responses.
    pub responses: i64,
    /// The network's average.
    pub network: Option<u32>,
    /// The dealer's own (dealer users only).
    pub own: Option<u32>,
}

/// One dealer's scores over the trend's periods (manufacturer staff only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerTrend {
    /// Its code.
    pub dealer_code: String,
    /// Its name.
    pub dealer_name: String,
    /// Its score in each of the trend's periods, in the same order.
    pub scores: Vec<Option<u32>>,
}

/// Everything the results page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    /// The survey.
    pub kind: SurveyKind,
    /// Every period, newest first (the page's select).
    pub periods: Vec<PeriodRef>,
    /// The period shown.
    pub period: Option<PeriodRef>,
    /// The network's figures for it.
    pub network: Network,
    /// The dealer user's own (none for manufacturer staff).
    pub own: Option<Own>,
    /// Each scored question.
    pub questions: Vec<QuestionResult>,
    /// The trend, oldest first, ending at the period shown.
    pub trend: Vec<TrendPoint>,
    /// Each dealer's trend (manufacturer staff only), by dealer code.
    pub dealers: Vec<DealerTrend>,
    /// How many dealers match the dealer search (the table shows up to [`TREND_DEALERS`]).
    pub dealers_total: i64,
}

/// The label of distribution band `i` ("70–80").
pub fn band_label(i: usize) -> String {
    let width = FULL as usize / BANDS / 100;
    format!("{}–{}", i * width, (i + 1) * width)
}
