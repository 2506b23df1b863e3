//! What a PCC application claims (`criteria_data`): the typed, versioned shape, the table of
//! measures that drives the form, the checks and the read-only view, and the one validation the
//! browser runs as the user types and the server runs before saving.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::text::decapitalise;

/// The shape of `criteria_data` this release writes. Older shapes are read by [`Criteria::read`].
pub const CRITERIA_SCHEMA_VERSION: u32 = 1;
/// The longest justification kept.
pub const JUSTIFICATION_MAX: usize = 4_000;
/// The shortest justification a submission accepts.
pub const JUSTIFICATION_MIN: usize = 50;

/// One numeric criterion: its form field, label, bounds and unit. The form, the checks and the
/// record page all read this table, so a bound is written once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    /// The form field's name (and the key inside its section of `criteria_data`).
    pub field: &'static str,
    /// The label.
    pub label: &'static str,
    /// The smallest value accepted.
    pub min: f64,
    /// The largest value accepted.
    pub max: f64,
    /// Whether only whole numbers make sense.
    pub whole: bool,
    /// The unit shown after the value, if any.
    pub unit: &'static str,
}

const fn count(field: &'static str, label: &'static str, max: f64) -> Measure {
    Measure {
        field,
        label,
        min: 0.0,
        max,
        whole: true,
        unit: "",
    }
}

/// The facility criteria.
pub const FACILITY: [Measure; 3] = [
    count("service_bays", "Service bays", 500.0),
    count("lifts", "Vehicle lifts", 500.0),
    count("diagnostic_stations", "Diagnostic stations", 200.0),
];
/// The people criteria.
pub const PEOPLE: [Measure; 3] = [
    count("technicians", "Technicians", 2_000.0),
    count("certified_technicians", "Certified technicians", 2_000.0),
    count("master_technicians", "Master technicians", 2_000.0),
];
/// The performance criteria.
pub const PERFORMANCE: [Measure; 4] = [
    Measure {
        field: "csi_score",
        label: "Customer satisfaction score",
        min: 0.0,
        max: 100.0,
        whole: false,
        unit: "%",
    },
    Measure {
        field: "first_time_fix_rate",
        label: "First-time-fix rate",
        min: 0.0,
        max: 100.0,
        whole: false,
        unit: "%",
    },
    Measure {
        field: "turnaround_hours",
        label: "Average repair turnaround",
        min: 0.0,
        max: 720.0,
        whole: false,
        unit: "hours",
    },
    count(
        "vehicles_per_month",
        "Vehicles serviced per month",
        100_000.0,
    ),
];

/// What a PCC application claims, as stored in `criteria_data`. Every figure may be missing in a
/// draft; a submission needs them all ([`CriteriaForm::check`] with `complete`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Criteria {
    /// The shape's version ([`CRITERIA_SCHEMA_VERSION`] when written by this release).
    pub schema_version: u32,
    /// Figures by field name ([`FACILITY`], [`PEOPLE`], [`PERFORMANCE`]).
    #[serde(default)]
    pub figures: std::collections::BTreeMap<String, f64>,
    /// Whether there is a customer lounge.
    #[serde(default)]
    pub customer_lounge: Option<bool>,
    /// Why the dealer should be a Performance Center.
    #[serde(default)]
    pub justification: String,
}

impl Criteria {
    /// Reads stored criteria of any shape this release knows; unknown or missing data reads as
    /// an empty draft rather than failing the page.
    pub fn read(value: Option<&serde_json::Value>) -> Criteria {
        value
            .and_then(|v| serde_json::from_value::<Criteria>(v.clone()).ok())
            .unwrap_or(Criteria {
                schema_version: CRITERIA_SCHEMA_VERSION,
                ..Criteria::default()
            })
    }

    /// A figure by field name.
    pub fn figure(&self, field: &str) -> Option<f64> {
        self.figures.get(field).copied()
    }

    /// The form as it would be typed, to fill the editor with.
    pub fn to_form(&self) -> CriteriaForm {
        let mut form = CriteriaForm {
            customer_lounge: match self.customer_lounge {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            justification: self.justification.clone(),
            ..CriteriaForm::default()
        };
        for m in all_measures() {
            if let Some(v) = self.figure(m.field) {
                form.set(m.field, format_figure(v));
            }
        }
        form
    }
}

/// Every numeric criterion, in form order.
pub fn all_measures() -> impl Iterator<Item = &'static Measure> {
    FACILITY
        .iter()
        .chain(PEOPLE.iter())
        .chain(PERFORMANCE.iter())
}

/// A figure as the form shows it (no trailing `.0`).
pub fn format_figure(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The criteria as typed: every field as text, so a bad value can be named and kept.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriteriaForm {
    /// Figures by field name, as typed.
    #[serde(default)]
    pub figures: std::collections::BTreeMap<String, String>,
    /// `yes`, `no` or empty.
    #[serde(default)]
    pub customer_lounge: String,
    /// The justification.
    #[serde(default)]
    pub justification: String,
}

impl CriteriaForm {
    /// The text typed into `field`.
    pub fn get(&self, field: &str) -> String {
        match field {
            "customer_lounge" => self.customer_lounge.clone(),
            "justification" => self.justification.clone(),
            _ => self.figures.get(field).cloned().unwrap_or_default(),
        }
    }

    /// Sets the text of `field`.
    pub fn set(&mut self, field: &str, value: String) {
        match field {
            "customer_lounge" => self.customer_lounge = value,
            "justification" => self.justification = value,
            _ => {
                self.figures.insert(field.to_owned(), value);
            }
        }
    }

    /// The criteria, or every field's problem. A draft (`complete` false) may leave fields empty
    /// but never holds a value out of bounds; a submission needs every field, and the people
    /// figures must nest (certified within technicians, masters within certified).
    pub fn check(&self, complete: bool) -> Result<Criteria, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut criteria = Criteria {
            schema_version: CRITERIA_SCHEMA_VERSION,
            ..Criteria::default()
        };
        let unknown = self
            .figures
            .keys()
            .find(|k| !all_measures().any(|m| m.field == k.as_str()));
        if let Some(k) = unknown {
            errors.push(FieldError::new(k.clone(), "This is not a PCC criterion."));
        }
        for m in all_measures() {
            let text = self.figures.get(m.field).map(|s| s.trim()).unwrap_or("");
            if text.is_empty() {
                if complete {
                    errors.push(FieldError::new(
                        m.field,
                        format!("Enter the {}.", decapitalise(m.label)),
                    ));
                }
                continue;
            }
            match check_measure(m, text) {
                Ok(v) => {
                    criteria.figures.insert(m.field.to_owned(), v);
                }
                Err(message) => errors.push(FieldError::new(m.field, message)),
            }
        }
        criteria.customer_lounge = match self.customer_lounge.trim() {
            "yes" => Some(true),
            "no" => Some(false),
            "" => {
                if complete {
                    errors.push(FieldError::new(
                        "customer_lounge",
                        "Say whether there is a customer lounge.",
                    ));
                }
                None
            }
            _ => {
                errors.push(FieldError::new("customer_lounge", "Choose yes or no."));
                None
            }
        };
        let justification = self.justification.trim();
        let length = justification.chars().count();
        if length > JUSTIFICATION_MAX {
            errors.push(FieldError::new(
                "justification",
                format!("Keep the justification to {JUSTIFICATION_MAX} characters (now {length})."),
            ));
        } else if justification
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            errors.push(FieldError::new(
                "justification",
                "The justification contains characters that cannot be stored.",
            ));
        } else if complete && length < JUSTIFICATION_MIN {
            errors.push(FieldError::new(
                "justification",
                format!(
                    "Explain in at least {JUSTIFICATION_MIN} characters why the dealer qualifies (now {length})."
                ),
            ));
        }
        criteria.justification = justification.to_owned();
        let people = |f: &str| criteria.figure(f);
        if let (Some(all), Some(certified)) =
            (people("technicians"), people("certified_technicians"))
            && certified > all
        {
            errors.push(FieldError::new(
                "certified_technicians",
                "Certified technicians cannot outnumber technicians.",
            ));
        }
        if let (Some(certified), Some(masters)) = (
            people("certified_technicians"),
            people("master_technicians"),
        ) && masters > certified
        {
            errors.push(FieldError::new(
                "master_technicians",
                "Master technicians are certified too: they cannot outnumber certified technicians.",
            ));
        }
        if errors.is_empty() {
            Ok(criteria)
        } else {
            Err(errors)
        }
    }
}

fn check_measure(m: &Measure, text: &str) -> Result<f64, String> {
    let value = parse_figure(text).ok_or_else(|| "Enter a number.".to_owned())?;
    if m.whole && value.fract() != 0.0 {
        return Err("Enter a whole number.".into());
    }
    if value < m.min || value > m.max {
        return Err(format!(
            "Enter a value from {} to {}{}.",
            format_figure(m.min),
            format_figure(m.max),
            if m.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", m.unit)
            }
        ));
    }
    Ok((value * 100.0).round() / 100.0)
}

/// Digits past this many significant ones are dropped: a figure is kept to two decimals, and up
/// to here the value is exact (see [`parse_figure`]).
const FIGURE_DIGITS: u32 = 15;

/// A figure as people type it: digits with an optional sign, thousands commas and one decimal
/// point (`1,250.5`, `-3`, `.5`); no exponents, no `inf` or `NaN`.
///
/// Written out rather than `str::parse::<f64>`: the standard parser brings a 10 KB table of powers
/// of five that the browser bundle's first module would carry for this one form. Up to
/// [`FIGURE_DIGITS`] significant digits the mantissa and the power of ten are exact doubles, so
/// the one division rounds correctly and the result equals the standard parser's.
pub fn parse_figure(text: &str) -> Option<f64> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let whole_digits = whole.bytes().filter(|&b| b != b',');
    if whole.starts_with(',')
        || whole.ends_with(',')
        || whole.contains(",,")
        || (whole.is_empty() && fraction.is_empty())
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit() || b == b',')
        || fraction.contains(',')
    {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut significant = 0;
    let mut scale: i32 = 0;
    for digit in whole_digits.map(|b| u64::from(b - b'0')) {
        if significant < FIGURE_DIGITS {
            mantissa = mantissa * 10 + digit;
            significant += u32::from(mantissa > 0);
        } else {
            scale += 1;
        }
    }
    for digit in fraction.bytes().map(|b| u64::from(b - b'0')) {
        if significant < FIGURE_DIGITS {
            mantissa = mantissa * 10 + digit;
            significant += u32::from(mantissa > 0);
            scale -= 1;
        }
    }
    // `mantissa` < 10^15 < 2^53: exact as a double, as is 10^k for k <= 22.
    let value = if scale >= 0 {
        mantissa as f64 * 10f64.powi(scale)
    } else if scale >= -22 {
        mantissa as f64 / 10f64.powi(-scale)
    } else {
        mantissa as f64 / 1e22 / 10f64.powi(-scale - 22)
    };
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Plain decimals of up to 15 significant digits read exactly as the standard parser
        /// reads them, with or without thousands commas.
        #[test]
        fn figures_read_as_the_standard_parser_reads_them(
            negative in any::<bool>(),
            whole in 0u64..1_000_000_000,
            fraction in proptest::option::of("[0-9]{0,6}"),
        ) {
            let sign = if negative { "-" } else { "" };
            let plain = match &fraction {
                Some(f) => format!("{sign}{whole}.{f}"),
                None => format!("{sign}{whole}"),
            };
            let expected: f64 = plain.parse().unwrap();
            prop_assert_eq!(parse_figure(&plain), Some(expected));
            let grouped = whole
                .to_string()
                .as_bytes()
                .rchunks(3)
                .rev()
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect::<Vec<_>>()
                .join(",");
            let grouped = match &fraction {
                Some(f) => format!("{sign}{grouped}.{f}"),
                None => format!("{sign}{grouped}"),
            };
            prop_assert_eq!(parse_figure(&grouped), Some(expected), "{}", grouped);
        }
    }

    #[test]
    fn figures_that_are_not_plain_decimals_are_refused() {
        for text in [
            "", "-", "+", ".", "1e3", "inf", "NaN", "1.2.3", "1,2.5,0", ",5", "5,", "1,,000",
            "1.5,0", "12a", " 1", "--1", "0x10",
        ] {
            assert_eq!(parse_figure(text), None, "{text:?}");
        }
        assert_eq!(parse_figure(".5"), Some(0.5));
        assert_eq!(parse_figure("5."), Some(5.0));
        assert_eq!(parse_figure("+7"), Some(7.0));
        assert_eq!(parse_figure("1,250.75"), Some(1250.75));
        // Past 15 significant digits the rest is dropped; two decimals are all that is kept.
        assert_eq!(
            parse_figure("12.345678901234567890"),
            Some(12.3456789012345)
        );
        assert_eq!(
            parse_figure("0.000000000000000000000000123"),
            Some(1.23e-25)
        );
    }

    fn complete() -> CriteriaForm {
        let mut f = CriteriaForm::default();
        for (k, v) in [
            ("service_bays", "12"),
            ("lifts", "10"),
            ("diagnostic_stations", "4"),
            ("technicians", "20"),
            ("certified_technicians", "12"),
            ("master_technicians", "3"),
            ("csi_score", "91.5"),
            ("first_time_fix_rate", "88"),
            ("turnaround_hours", "26.5"),
            ("vehicles_per_month", "640"),
        ] {
            f.set(k, v.into());
        }
        f.customer_lounge = "yes".into();
        f.justification =
            "Twelve bays, three master technicians and a CSI above 90 for two years.".into();
        f
    }

    #[test]
    fn a_complete_form_passes_and_round_trips_through_the_stored_shape() {
        let c = complete().check(true).unwrap();
        assert_eq!(c.schema_version, CRITERIA_SCHEMA_VERSION);
        let stored = serde_json::to_value(&c).unwrap();
        let back = Criteria::read(Some(&stored));
        assert_eq!(back, c);
        assert_eq!(back.to_form().check(true).unwrap(), c);
    }

    #[test]
    fn drafts_may_be_partial_but_never_out_of_bounds() {
        let mut f = CriteriaForm::default();
        f.set("lifts", "3".into());
        assert!(f.check(false).is_ok());
        let errors = f.check(true).unwrap_err();
        assert!(errors.iter().any(|e| e.field == "service_bays"));
        assert!(errors.iter().any(|e| e.field == "justification"));
        f.set("csi_score", "101".into());
        let errors = f.check(false).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "csi_score");
        f.set("csi_score", "NaN".into());
        assert!(f.check(false).is_err());
        f.set("csi_score", "".into());
        f.set("lifts", "2.5".into());
        assert_eq!(
            f.check(false).unwrap_err()[0].message,
            "Enter a whole number."
        );
    }

    #[test]
    fn people_figures_must_nest() {
        let mut f = complete();
        f.set("master_technicians", "13".into());
        let errors = f.check(true).unwrap_err();
        assert_eq!(errors[0].field, "master_technicians");
        let mut f = complete();
        f.set("certified_technicians", "21".into());
        assert_eq!(f.check(true).unwrap_err()[0].field, "certified_technicians");
    }

    #[test]
    fn unknown_fields_and_shapes_are_refused_or_read_as_empty() {
        let mut f = complete();
        f.set("helipads", "1".into());
        assert_eq!(f.check(true).unwrap_err()[0].field, "helipads");
        let odd = serde_json::json!({"something": "else", "schema_version": "x"});
        assert_eq!(Criteria::read(Some(&odd)).figures.len(), 0);
        assert_eq!(Criteria::read(None).schema_version, CRITERIA_SCHEMA_VERSION);
    }
}
