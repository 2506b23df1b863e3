//! The settings screen's model (the settings themselves are the catalogue in `crate::settings`).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// A setting as the settings screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    /// `settings.category`.
    pub category: String,
    /// `settings.key`.
    pub key: String,
    /// Heading.
    pub label: String,
    /// Stored value.
    pub value: String,
    /// What it does.
    pub description: Option<String>,
    /// Whether the value is a number.
    pub numeric: bool,
    /// What values are accepted.
    pub hint: String,
    /// Last change (UTC).
    pub updated_at: Option<NaiveDateTime>,
}
