//! The PCC module's model: the application's criteria (`criteria.rs`), the list's query and rows,
//! and one application.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::workflow::PccStatus;
use crate::dealers::Brand;
use crate::list::{Cursor, encode_params};
use crate::workflow::{HistoryEntry, Step};

mod criteria;

pub use criteria::*;

/// The order of the applications list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PccSort {
    /// By last change.
    #[default]
    Updated,
    /// By application number (drafts last).
    Number,
}

impl PccSort {
    /// Every order.
    pub const ALL: [PccSort; 2] = [PccSort::Updated, PccSort::Number];

    /// The key in URLs.
    pub const fn key(self) -> &'static str {
        match self {
            PccSort::Updated => "updated",
            PccSort::Number => "number",
        }
    }

    /// The label.
    pub const fn label(self) -> &'static str {
        match self {
            PccSort::Updated => "Last change",
            PccSort::Number => "Number",
        }
    }

    /// The order whose key is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Search, filters, order and position of the applications list (in the page URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PccQuery {
    /// Part of the number, or of the dealer's code or name.
    pub search: String,
    /// Only this status.
    pub status: Option<PccStatus>,
    /// Only dealers of this brand.
    pub brand: Option<Brand>,
    /// Applied on or after this day.
    pub from: Option<NaiveDate>,
    /// Applied on or before this day.
    pub to: Option<NaiveDate>,
    /// Order.
    pub sort: PccSort,
    /// Oldest (or lowest) first.
    pub ascending: bool,
    /// The page's cursor.
    pub after: Option<Cursor>,
}

impl PccQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let date =
            |k: &str| non_empty(k).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        PccQuery {
            search: non_empty("q").unwrap_or_default(),
            status: non_empty("status").and_then(|s| PccStatus::from_key(&s)),
            brand: non_empty("brand").and_then(|b| Brand::from_key(&b)),
            from: date("from"),
            to: date("to"),
            sort: non_empty("sort")
                .and_then(|s| PccSort::from_key(&s))
                .unwrap_or_default(),
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
        if let Some(s) = self.status {
            params.push(("status", s.key().into()));
        }
        if let Some(b) = self.brand {
            params.push(("brand", b.key().into()));
        }
        if let Some(d) = self.from {
            params.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            params.push(("to", d.to_string()));
        }
        if self.sort != PccSort::default() {
            params.push(("sort", self.sort.key().into()));
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

/// One application in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct PccRow {
    /// `dealer_pcc.id`.
    pub id: Uuid,
    /// `PCC-2026-000123`, or none for a draft.
    pub number: Option<String>,
    /// The dealer.
    pub dealer_id: Uuid,
    /// Its code.
    pub dealer_code: String,
    /// Its name.
    pub dealer_name: String,
    /// Its brand.
    pub brand: Option<Brand>,
    /// Where the application stands.
    pub status: PccStatus,
    /// The day it was made (or submitted).
    pub application_date: NaiveDate,
    /// When it was last submitted.
    pub submitted_at: Option<NaiveDateTime>,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
    /// Who took it for review, if anyone.
    pub reviewer: Option<String>,
}

/// One application, with what the viewer may do with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PccDetail {
    /// The list row's facts.
    pub row: PccRow,
    /// The version every save and step must quote.
    pub version: i32,
    /// The criteria.
    pub criteria: Criteria,
    /// Who made it.
    pub submitted_by: Option<String>,
    /// The submitter's id (the record's facts for `authorize`).
    pub submitted_by_id: Uuid,
    /// The reviewer's latest comment (a revision request or rejection says why here).
    pub review_comments: Option<String>,
    /// The approver's comment.
    pub approval_comments: Option<String>,
    /// Who changed it last, and when.
    pub updated_by: Option<String>,
    /// The steps the viewer may take now.
    pub steps: Vec<Step>,
    /// Whether the viewer may change the criteria now.
    pub can_edit: bool,
    /// Whether the viewer may delete it (drafts only).
    pub can_delete: bool,
    /// The timeline.
    pub history: Vec<HistoryEntry>,
}

/// A save of a draft's (or a returned application's) criteria.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PccSave {
    /// The application.
    pub id: Uuid,
    /// The version the editor loaded.
    pub version: i32,
    /// The criteria as typed.
    pub form: CriteriaForm,
}

pub use crate::workflow::Saved;
