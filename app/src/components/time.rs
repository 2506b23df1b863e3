//! Dates as the pages show them (UTC, ISO-like). Written out field by field rather than through
//! chrono's `format`, whose format-string machinery would otherwise be compiled into the WASM.

use chrono::{Datelike, NaiveDateTime, Timelike};

/// `2026-11-25 18:04`.
pub fn minutes(t: &NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// `2026-11-25 18:04:59`.
pub fn seconds(t: &NaiveDateTime) -> String {
    format!("{}:{:02}", minutes(t), t.second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_would_format_them() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 5)
            .unwrap()
            .and_hms_opt(7, 3, 9)
            .unwrap();
        assert_eq!(minutes(&t), t.format("%Y-%m-%d %H:%M").to_string());
        assert_eq!(seconds(&t), t.format("%Y-%m-%d %H:%M:%S").to_string());
    }
}
