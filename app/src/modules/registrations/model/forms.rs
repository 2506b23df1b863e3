//! The forms of the registrations modules and their one set of checks, run by the server on every
//! registration (one at a time or from a CSV file) and every event change: the person registered,
//! the event of the catalogue, and the CSV import's options and report.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::EventKind;
use crate::email::{EMAIL_HINT, Email, MAX_EMAIL};
use crate::error::FieldError;

/// The longest person or event name (the seed's column).
pub const MAX_NAME: usize = 255;
/// The longest phone number (the seed's column).
pub const MAX_PHONE: usize = 20;
/// The longest designation (the seed's column).
pub const MAX_DESIGNATION: usize = 100;
/// The longest employee id (the seed's column).
pub const MAX_EMPLOYEE_ID: usize = 50;
/// The longest location (the seed's column).
pub const MAX_LOCATION: usize = 255;
/// The longest eligibility note.
pub const MAX_NOTE: usize = 2_000;
/// The most seats an event may have.
pub const MAX_CAPACITY: i32 = 100_000;

/// A person as typed (or as a CSV row gives them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonForm {
    /// Full name.
    pub name: String,
    /// E-mail (required for API events; the same address is registered once per event).
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Designation (API events).
    pub designation: String,
    /// The dealer's employee id (MT Meets: required, once per event and per day).
    pub employee_id: String,
}

/// A person who passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Full name, trimmed.
    pub name: String,
    /// Normalised e-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Designation (API) or employee id (MT Meets).
    pub detail: Option<String>,
}

/// Text that may be stored: no control characters (a name like `=HYPERLINK(…)` is kept as typed:
/// it is text, and exports neutralise it).
fn printable(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

fn optional(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

impl PersonForm {
    /// The person, or a message per field that is wrong.
    pub fn check(&self, kind: EventKind) -> Result<Person, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "Enter the person's full name."));
        } else if name.chars().count() > MAX_NAME || !printable(name) {
            errors.push(FieldError::new(
                "name",
                format!("Keep the name to {MAX_NAME} characters, without control characters."),
            ));
        }
        let email = match (optional(&self.email), kind) {
            (None, EventKind::Api) => {
                errors.push(FieldError::new(
                    "email",
                    "Enter the employee's e-mail: it tells people apart.",
                ));
                None
            }
            (None, EventKind::MtMeet) => None,
            (Some(text), _) => match Email::parse(&text) {
                Some(e) if text.chars().count() <= MAX_EMAIL => Some(e.as_str().to_owned()),
                _ => {
                    errors.push(FieldError::new("email", EMAIL_HINT));
                    None
                }
            },
        };
        let phone = optional(&self.phone);
        if let Some(p) = &phone {
            let ok = p.chars().count() <= MAX_PHONE
                && p.chars().any(|c| c.is_ascii_digit())
                && p.chars()
                    .all(|c| c.is_ascii_digit() || " +-()./".contains(c));
            if !ok {
                errors.push(FieldError::new(
                    "phone",
                    format!(
                        "Enter a phone number of at most {MAX_PHONE} digits, spaces and + - ( )."
                    ),
                ));
            }
        }
        let detail = match kind {
            EventKind::Api => {
                let d = optional(&self.designation);
                if d.as_ref()
                    .is_some_and(|d| d.chars().count() > MAX_DESIGNATION || !printable(d))
                {
                    errors.push(FieldError::new(
                        "designation",
                        format!("Keep the designation to {MAX_DESIGNATION} characters."),
                    ));
                }
                d
            }
            EventKind::MtMeet => match optional(&self.employee_id) {
                None => {
                    errors.push(FieldError::new(
                        "employee_id",
                        "Enter the technician's employee id.",
                    ));
                    None
                }
                Some(id)
                    if id.chars().count() > MAX_EMPLOYEE_ID
                        || !id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c)) =>
                {
                    errors.push(FieldError::new(
                        "employee_id",
                        format!(
                            "Use at most {MAX_EMPLOYEE_ID} letters, digits and - _ / . for the employee id."
                        ),
                    ));
                    None
                }
                Some(id) => Some(id),
            },
        };
        if errors.is_empty() {
            Ok(Person {
                name: name.to_owned(),
                email,
                phone,
                detail,
            })
        } else {
            Err(errors)
        }
    }
}

/// An event as typed in the catalogue's editor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventForm {
    /// Name.
    pub name: String,
    /// Day (`YYYY-MM-DD`).
    pub event_date: String,
    /// Where.
    pub location: String,
    /// Seats.
    pub capacity: String,
    /// Seats per dealer (empty: no limit).
    pub dealer_quota: String,
    /// Registrations close at (`YYYY-MM-DDTHH:MM`, UTC).
    pub deadline: String,
    /// Who may be registered (MT Meets).
    pub eligibility_note: String,
}

/// An event that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInput {
    /// Name.
    pub name: String,
    /// Day.
    pub event_date: NaiveDate,
    /// Where.
    pub location: String,
    /// Seats.
    pub capacity: i32,
    /// Seats per dealer.
    pub dealer_quota: Option<i32>,
    /// Registrations close at.
    pub deadline: NaiveDateTime,
    /// Who may be registered.
    pub eligibility_note: Option<String>,
}

impl EventForm {
    /// The form filled from a stored event (for editing).
    pub fn from_row(e: &super::EventRow) -> Self {
        EventForm {
            name: e.name.clone(),
            event_date: e.event_date.to_string(),
            location: e.location.clone(),
            capacity: e.capacity.to_string(),
            dealer_quota: e.dealer_quota.map(|q| q.to_string()).unwrap_or_default(),
            deadline: crate::components::time::input_minutes(&e.registration_deadline),
            eligibility_note: e.eligibility_note.clone().unwrap_or_default(),
        }
    }

    /// The event, or a message per field that is wrong.
    pub fn check(&self) -> Result<EventInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut text = |field: &str, value: &str, max: usize, what: &str| {
            let v = value.trim();
            if v.is_empty() {
                errors.push(FieldError::new(field, format!("Enter the {what}.")));
            } else if v.chars().count() > max || !printable(v) {
                errors.push(FieldError::new(
                    field,
                    format!("Keep the {what} to {max} characters."),
                ));
            }
            v.to_owned()
        };
        let name = text("name", &self.name, MAX_NAME, "event's name");
        let location = text("location", &self.location, MAX_LOCATION, "location");
        let event_date = NaiveDate::parse_from_str(self.event_date.trim(), "%Y-%m-%d").ok();
        if event_date.is_none() {
            errors.push(FieldError::new("event_date", "Choose the event's day."));
        }
        let capacity = self.capacity.trim().parse::<i32>().ok();
        if !capacity.is_some_and(|c| (1..=MAX_CAPACITY).contains(&c)) {
            errors.push(FieldError::new(
                "capacity",
                format!("Enter the number of seats, 1 to {MAX_CAPACITY}."),
            ));
        }
        let dealer_quota = match optional(&self.dealer_quota) {
            None => None,
            Some(q) => match q.parse::<i32>() {
                Ok(q) if q >= 1 && capacity.is_none_or(|c| q <= c) => Some(q),
                _ => {
                    errors.push(FieldError::new(
                        "dealer_quota",
                        "Enter seats per dealer between 1 and the event's seats, or leave it empty.",
                    ));
                    None
                }
            },
        };
        let deadline = NaiveDateTime::parse_from_str(self.deadline.trim(), "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(self.deadline.trim(), "%Y-%m-%dT%H:%M:%S"))
            .ok();
        match (deadline, event_date) {
            (None, _) => errors.push(FieldError::new(
                "deadline",
                "Choose when registrations close (day and time).",
            )),
            (Some(d), Some(day)) if d.date() > day => errors.push(FieldError::new(
                "deadline",
                "Registrations must close on or before the event's day.",
            )),
            _ => {}
        }
        let note = optional(&self.eligibility_note);
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
            errors.push(FieldError::new(
                "eligibility_note",
                format!("Keep the note to {MAX_NOTE} characters."),
            ));
        }
        match (errors.is_empty(), event_date, capacity, deadline) {
            (true, Some(event_date), Some(capacity), Some(deadline)) => Ok(EventInput {
                name,
                event_date,
                location,
                capacity,
                dealer_quota,
                deadline,
                eligibility_note: note,
            }),
            _ => Err(errors),
        }
    }
}

/// What an import does with the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check every row and register nothing.
    #[default]
    Check,
    /// Register every row, or none if any row is refused.
    All,
    /// Register the rows that pass; report the others.
    ValidOnly,
}

/// The most rows one file may hold.
pub const IMPORT_MAX_ROWS: usize = 500;
/// The largest file accepted, in bytes.
pub const IMPORT_MAX_BYTES: usize = 256 * 1024;

/// The CSV template's header (one home: the template, the parser and the help text use it).
pub fn import_header(kind: EventKind) -> &'static [&'static str] {
    match kind {
        EventKind::Api => &["name", "email", "phone", "designation"],
        EventKind::MtMeet => &["name", "employee_id", "email", "phone"],
    }
}

/// What happened to one row of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RowOutcome {
    /// Registered (or would be, when only checking), holding a seat or waiting.
    Registered {
        /// Its number (empty when only checking).
        number: String,
        /// Place in line when no seat was free.
        waitlist_position: Option<i32>,
    },
    /// Refused, with why.
    Refused {
        /// The reasons, per field.
        reasons: Vec<String>,
    },
    /// Valid, but not registered because another row was refused.
    NotApplied,
}

/// One row's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// Its line in the file (the header is line 1).
    pub line: usize,
    /// The person's name as given.
    pub name: String,
    /// What happened.
    pub outcome: RowOutcome,
}

/// What an import answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// Whether anything was registered.
    pub applied: bool,
    /// Each row's outcome, in file order.
    pub rows: Vec<ImportRow>,
}

impl ImportReport {
    /// Rows that passed (or were registered).
    pub fn passed(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| !matches!(r.outcome, RowOutcome::Refused { .. }))
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, email: &str, id: &str) -> PersonForm {
        PersonForm {
            name: name.into(),
            email: email.into(),
            employee_id: id.into(),
            ..Default::default()
        }
    }

    #[test]
    fn api_people_need_an_email_and_mt_technicians_an_employee_id() {
        let e = person("Asha Rao", "", "")
            .check(EventKind::Api)
            .unwrap_err();
        assert_eq!(e[0].field, "email");
        let e = person("Asha Rao", "", "")
            .check(EventKind::MtMeet)
            .unwrap_err();
        assert_eq!(e[0].field, "employee_id");
        let p = person(" Asha Rao ", "ASHA@Dealer.example", "T-100")
            .check(EventKind::MtMeet)
            .unwrap();
        assert_eq!(p.name, "Asha Rao");
        assert_eq!(p.email.as_deref(), Some("asha@dealer.example"));
        assert_eq!(p.detail.as_deref(), Some("T-100"));
        assert!(
            person("A", "not-an-address", "")
                .check(EventKind::Api)
                .is_err()
        );
        assert!(
            person("A", "a@b.example", "T 1")
                .check(EventKind::MtMeet)
                .is_err()
        );
        assert!(
            person("bad\u{7}", "a@b.example", "")
                .check(EventKind::Api)
                .is_err()
        );
    }

    #[test]
    fn formula_like_names_are_kept_as_text() {
        let p = person("=HYPERLINK(\"http://x\",\"y\")", "a@b.example", "")
            .check(EventKind::Api)
            .unwrap();
        assert!(p.name.starts_with("=HYPERLINK"));
    }

    #[test]
    fn events_need_seats_a_day_and_a_deadline_on_or_before_it() {
        let ok = EventForm {
            name: "Diagnostics 2027".into(),
            event_date: "2027-03-10".into(),
            location: "Pune".into(),
            capacity: "40".into(),
            dealer_quota: "4".into(),
            deadline: "2027-03-01T17:00".into(),
            eligibility_note: String::new(),
        };
        let e = ok.check().unwrap();
        assert_eq!((e.capacity, e.dealer_quota), (40, Some(4)));
        let late = EventForm {
            deadline: "2027-03-11T09:00".into(),
            ..ok.clone()
        };
        assert_eq!(late.check().unwrap_err()[0].field, "deadline");
        let over = EventForm {
            dealer_quota: "41".into(),
            ..ok.clone()
        };
        assert_eq!(over.check().unwrap_err()[0].field, "dealer_quota");
        let none = EventForm {
            capacity: "0".into(),
            ..ok
        };
        assert_eq!(none.check().unwrap_err()[0].field, "capacity");
    }
}
