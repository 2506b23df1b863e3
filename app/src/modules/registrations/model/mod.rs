//! The registrations model: the two kinds of event, the catalogue's rows, the registrations
//! list's query and rows, one registration, and (in `forms.rs`) the event and person forms with
//! their one set of checks, and the CSV import's report.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::workflow::{API_PREFIX, EventStatus, MT_MEET_PREFIX, RegStatus};
use crate::audit::{AuditEntity, keyed_enum};
use crate::list::{Cursor, encode_params};
use crate::modules::Module;
use crate::workflow::{HistoryEntry, Step};

mod forms;

pub use forms::*;

keyed_enum! {
    /// The two kinds of event (`events.kind`), one per registration module.
    pub enum EventKind {
        /// API events: dealers register employees.
        Api = "api",
        /// Master Technician Meets: dealers register master technicians.
        MtMeet = "mt_meet",
    }
}

impl EventKind {
    /// The module whose permissions govern this kind.
    pub const fn module(self) -> Module {
        match self {
            EventKind::Api => Module::ApiRegistration,
            EventKind::MtMeet => Module::MtMeet,
        }
    }

    /// The kind a module registers for.
    pub fn of_module(module: Module) -> Option<Self> {
        EventKind::ALL
            .iter()
            .copied()
            .find(|k| k.module() == module)
    }

    /// The kind whose module's URL segment is `slug`.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Module::from_slug(slug).and_then(Self::of_module)
    }

    /// The registration number's prefix (`API-2026-000042`).
    pub const fn prefix(self) -> &'static str {
        match self {
            EventKind::Api => API_PREFIX,
            EventKind::MtMeet => MT_MEET_PREFIX,
        }
    }

    /// The module's page (`/modules/api-registrations`).
    pub fn href(self) -> String {
        self.module().href()
    }

    /// "API event" / "MT Meet".
    pub const fn event_noun(self) -> &'static str {
        match self {
            EventKind::Api => "API event",
            EventKind::MtMeet => "MT Meet",
        }
    }

    /// "employee" / "technician".
    pub const fn person_noun(self) -> &'static str {
        match self {
            EventKind::Api => "employee",
            EventKind::MtMeet => "technician",
        }
    }

    /// "an employee" / "a technician".
    pub const fn a_person(self) -> &'static str {
        match self {
            EventKind::Api => "an employee",
            EventKind::MtMeet => "a technician",
        }
    }

    /// The column heading of the person's second fact: designation (API) or employee id.
    pub const fn detail_label(self) -> &'static str {
        match self {
            EventKind::Api => "Designation",
            EventKind::MtMeet => "Employee id",
        }
    }

    /// What the audit trail calls a registration of this kind.
    pub const fn audit_entity(self) -> AuditEntity {
        match self {
            EventKind::Api => AuditEntity::ApiRegistration,
            EventKind::MtMeet => AuditEntity::MtMeetRegistration,
        }
    }
}

/// Where the registrations' downloads live: `/api/registrations/{module slug}/…` (served by
/// `server::downloads`, linked from the pages).
pub const DOWNLOADS_PATH: &str = "/api/registrations";

/// An event's participant list: `…/{slug}/events/{id}/participants.{csv|xlsx}`.
pub fn participants_href(kind: EventKind, event: Uuid, format: &str) -> String {
    format!(
        "{DOWNLOADS_PATH}/{}/events/{event}/participants.{format}",
        kind.module().slug()
    )
}

/// A registration's calendar entry: `…/{slug}/{id}/calendar.ics`.
pub fn calendar_href(kind: EventKind, id: Uuid) -> String {
    format!(
        "{DOWNLOADS_PATH}/{}/{id}/calendar.ics",
        kind.module().slug()
    )
}

/// The CSV import's template: `…/{slug}/template.csv`.
pub fn template_href(kind: EventKind) -> String {
    format!("{DOWNLOADS_PATH}/{}/template.csv", kind.module().slug())
}

/// An event of the catalogue, with its seats as the viewer may know them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EventRow {
    /// `events.id`.
    pub id: Uuid,
    /// API event or MT Meet.
    pub kind: EventKind,
    /// Its name.
    pub name: String,
    /// Its day.
    pub event_date: NaiveDate,
    /// Where.
    pub location: String,
    /// Seats in all.
    pub capacity: i32,
    /// Seats one dealer may hold, if limited.
    pub dealer_quota: Option<i32>,
    /// Registrations close at (UTC).
    pub registration_deadline: NaiveDateTime,
    /// Whether it takes registrations.
    pub status: EventStatus,
    /// Who may be registered (MT Meets).
    pub eligibility_note: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The version every change quotes.
    pub version: i32,
    /// Seats held.
    pub taken: i32,
    /// Seats the viewer's dealer holds (0 for manufacturer staff).
    pub dealer_taken: i32,
    /// People waiting in line.
    pub waiting: i32,
}

impl EventRow {
    /// Seats still free.
    pub fn free(&self) -> i32 {
        (self.capacity - self.taken).max(0)
    }

    /// Whether a registration made at `now` is still accepted.
    pub fn takes_registrations(&self, now: NaiveDateTime) -> bool {
        self.status == EventStatus::Open && now <= self.registration_deadline
    }

    /// "12 of 40 seats free · 3 waiting".
    pub fn seats_text(&self) -> String {
        let mut text = format!("{} of {} seats free", self.free(), self.capacity);
        if self.waiting > 0 {
            text.push_str(&format!(" · {} waiting", self.waiting));
        }
        text
    }
}

/// The catalogue's filter: upcoming events (the default) or past ones too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventQuery {
    /// Show events whose day has passed too.
    pub past: bool,
}

/// One event with its participants as the viewer may see them (a dealer user: their own
/// people), and what the viewer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDetail {
    /// The event.
    pub event: EventRow,
    /// Its registrations, seat holders first then the line, by arrival.
    pub participants: Vec<RegRow>,
    /// The viewer may register people now (a dealer user with `create`, the event open).
    pub can_register: bool,
    /// The viewer may change, close or cancel the event.
    pub can_manage: bool,
    /// The viewer may mark attendance (manufacturer staff with `edit`, on or after the day).
    pub can_mark: bool,
    /// The viewer may confirm seats.
    pub can_confirm: bool,
}

/// The order of the registrations list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegSort {
    /// By last change.
    #[default]
    Updated,
    /// By registration number.
    Number,
}

impl RegSort {
    /// Every order.
    pub const ALL: [RegSort; 2] = [RegSort::Updated, RegSort::Number];

    /// The key in URLs.
    pub const fn key(self) -> &'static str {
        match self {
            RegSort::Updated => "updated",
            RegSort::Number => "number",
        }
    }

    /// The label.
    pub const fn label(self) -> &'static str {
        match self {
            RegSort::Updated => "Last change",
            RegSort::Number => "Number",
        }
    }

    /// The order whose key is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Search, filters, order and position of a registrations list (in the page URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegQuery {
    /// Part of the number, the person's name or e-mail (or employee id), or the event's name.
    pub search: String,
    /// Only this event.
    pub event: Option<Uuid>,
    /// Only this status.
    pub status: Option<RegStatus>,
    /// Part of the dealer's code or name.
    pub dealer: String,
    /// Events on or after this day.
    pub from: Option<NaiveDate>,
    /// Events on or before this day.
    pub to: Option<NaiveDate>,
    /// Order.
    pub sort: RegSort,
    /// Oldest (or lowest) first.
    pub ascending: bool,
    /// The page's cursor.
    pub after: Option<Cursor>,
}

impl RegQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let date =
            |k: &str| non_empty(k).and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        RegQuery {
            search: non_empty("q").unwrap_or_default(),
            event: non_empty("event").and_then(|e| Uuid::parse_str(&e).ok()),
            status: non_empty("status").and_then(|s| RegStatus::from_key(&s)),
            dealer: non_empty("dealer").unwrap_or_default(),
            from: date("from"),
            to: date("to"),
            sort: non_empty("sort")
                .and_then(|s| RegSort::from_key(&s))
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
        if let Some(e) = self.event {
            params.push(("event", e.to_string()));
        }
        if let Some(s) = self.status {
            params.push(("status", s.key().into()));
        }
        if !self.dealer.is_empty() {
            params.push(("dealer", self.dealer.clone()));
        }
        if let Some(d) = self.from {
            params.push(("from", d.to_string()));
        }
        if let Some(d) = self.to {
            params.push(("to", d.to_string()));
        }
        if self.sort != RegSort::default() {
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

/// One registration in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct RegRow {
    /// The registration's id.
    pub id: Uuid,
    /// `API-2026-000042`.
    pub number: String,
    /// The dealer.
    pub dealer_id: Uuid,
    /// Its code.
    pub dealer_code: String,
    /// Its name.
    pub dealer_name: String,
    /// The person registered.
    pub person: String,
    /// Their e-mail.
    pub email: Option<String>,
    /// Their designation (API) or employee id (MT Meets).
    pub detail: Option<String>,
    /// The event.
    pub event_id: Option<Uuid>,
    /// Its name.
    pub event_name: String,
    /// Its day.
    pub event_date: Option<NaiveDate>,
    /// Where the registration stands.
    pub status: RegStatus,
    /// Place in line while waiting for a seat (arrival order; smaller is sooner).
    pub waitlist_position: Option<i32>,
    /// The version every step quotes.
    pub version: i32,
    /// When it last changed.
    pub updated_at: NaiveDateTime,
}

impl RegRow {
    /// The status as shown: "Waitlisted" for a registration waiting for a seat.
    pub fn standing(&self) -> (&'static str, &'static str) {
        if self.waitlist_position.is_some() && self.status == RegStatus::Registered {
            ("Waitlisted", "badge warn")
        } else {
            (self.status.label(), self.status.badge())
        }
    }
}

/// One registration, with its event, what the viewer may do and its timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegDetail {
    /// The list row's facts.
    pub row: RegRow,
    /// Phone.
    pub phone: Option<String>,
    /// Who registered the person.
    pub registered_by: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Place in line among those still waiting (1 = next), while waiting.
    pub place_in_line: Option<i64>,
    /// The event (none for a registration made before the catalogue existed).
    pub event: Option<EventRow>,
    /// The steps the viewer may take now.
    pub steps: Vec<Step>,
    /// A calendar entry is offered (confirmed seats).
    pub has_calendar: bool,
    /// The timeline.
    pub history: Vec<HistoryEntry>,
}

/// What a registration answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The new registration.
    pub id: Uuid,
    /// Its number.
    pub number: String,
    /// Its place in line when no seat was free (none: it holds a seat).
    pub waitlist_position: Option<i32>,
}

/// One person's attendance on the sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttendanceMark {
    /// The registration.
    pub id: Uuid,
    /// Its version when the sheet was loaded.
    pub version: i32,
    /// Came (or did not).
    pub attended: bool,
}
