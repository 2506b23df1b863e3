//! Dates as the pages show them (UTC; ISO-like for times, English month names for days). Every
//! page formats dates here. Written out field by field rather than through chrono's `format`,
//! whose format-string machinery would otherwise be compiled into the WASM.

use chrono::{Datelike, NaiveDateTime, Timelike};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn month(d: &impl Datelike) -> &'static str {
    MONTHS[d.month0() as usize]
}

fn short(name: &'static str) -> &'static str {
    &name[..3]
}

/// `December 2026`.
pub fn month_year(d: &impl Datelike) -> String {
    format!("{} {}", month(d), d.year())
}

/// `Dec 2026`.
pub fn short_month_year(d: &impl Datelike) -> String {
    format!("{} {}", short(month(d)), d.year())
}

/// `4 Dec`.
pub fn day_month(d: &impl Datelike) -> String {
    format!("{} {}", d.day(), short(month(d)))
}

/// `4 Dec 2026`.
pub fn day_month_year(d: &impl Datelike) -> String {
    format!("{} {}", day_month(d), d.year())
}

/// `Fri 4 Dec 2026`.
pub fn weekday_date(d: &impl Datelike) -> String {
    let weekday = WEEKDAYS[d.weekday().num_days_from_monday() as usize];
    format!("{} {}", short(weekday), day_month_year(d))
}

/// `2026-11-25T18:04`: the value of a `datetime-local` input.
pub fn input_minutes(t: &NaiveDateTime) -> String {
    minutes(t).replacen(' ', "T", 1)
}

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
        assert_eq!(input_minutes(&t), t.format("%Y-%m-%dT%H:%M").to_string());
    }

    #[test]
    fn days_read_as_chrono_would_format_them() {
        // Two years, day by day: every month and weekday name, one- and two-digit days, a leap day.
        let mut d = chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
        while d.year() >= 2026 {
            assert_eq!(month_year(&d), d.format("%B %Y").to_string());
            assert_eq!(short_month_year(&d), d.format("%b %Y").to_string());
            assert_eq!(day_month(&d), d.format("%-d %b").to_string());
            assert_eq!(day_month_year(&d), d.format("%-d %b %Y").to_string());
            assert_eq!(weekday_date(&d), d.format("%a %-d %b %Y").to_string());
            d = d.pred_opt().unwrap();
        }
        let leap = chrono::NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(weekday_date(&leap), "Tue 29 Feb 2028");
    }
}
