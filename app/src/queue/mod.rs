//! The approval queue: every record awaiting a decision the user may take, across modules,
//! oldest first. Each module contributes its waiting records through the same [`QueueItem`]
//! shape (today PCC; the registrations and surveys join through it), and decisions go back to
//! the module's own step service, so the rules stay the module's.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dealers::Brand;
use crate::modules::Module;
use crate::workflow::Step;

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;

/// The most records a bulk decision takes at once.
pub const BULK_MAX: usize = 100;
/// The most records the queue shows at once (oldest first; the rest follow as they are decided).
pub const QUEUE_MAX: i64 = 200;

/// One record awaiting a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    /// Its module.
    pub module: Module,
    /// Its id.
    pub id: Uuid,
    /// Its number.
    pub number: String,
    /// Its version (decisions quote it).
    pub version: i32,
    /// Its status, as a label.
    pub status: String,
    /// Its dealer's code.
    pub dealer_code: String,
    /// Its dealer's name.
    pub dealer_name: String,
    /// Its dealer's brand.
    pub brand: Option<Brand>,
    /// When it was (last) submitted: its age runs from here.
    pub submitted_at: NaiveDateTime,
    /// Who has taken it for review.
    pub reviewer: Option<String>,
    /// The steps the user may take on it.
    pub steps: Vec<Step>,
    /// Its page.
    pub href: String,
}

/// The queue's filters (in the page URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueQuery {
    /// Only this module.
    pub module: Option<Module>,
    /// Part of the dealer's code or name.
    pub dealer: String,
    /// Only dealers of this brand.
    pub brand: Option<Brand>,
    /// Only records waiting at least this many days.
    pub min_age_days: Option<u32>,
}

impl QueueQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        QueueQuery {
            module: non_empty("module").and_then(|m| Module::from_key(&m)),
            dealer: non_empty("dealer").unwrap_or_default(),
            brand: non_empty("brand").and_then(|b| Brand::from_key(&b)),
            min_age_days: non_empty("age")
                .and_then(|a| a.parse().ok())
                .filter(|d| *d <= 3650),
        }
    }
}

/// One record of a bulk decision, as the user saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkItem {
    /// Its module.
    pub module: Module,
    /// Its id.
    pub id: Uuid,
    /// Its version when the queue showed it.
    pub version: i32,
}

/// What became of one record of a bulk decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The record.
    pub id: Uuid,
    /// Decided.
    pub done: bool,
    /// Why not (changed meanwhile, own submission, no permission), or what it is now.
    pub message: String,
}
