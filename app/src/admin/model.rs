//! What the administration screens exchange with the server, and the validation both sides run.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::authorize::{Decision, Permissions};
use crate::auth::model::SessionSummary;
use crate::auth::roles::{Role, UserType};
use crate::error::FieldError;
use crate::modules::Module;

/// Rows per page in the admin lists.
pub const PAGE_SIZE: u32 = 50;
/// Lists count matches up to this many (a bounded scan); more is shown as "more than".
pub const COUNT_CAP: i64 = 10_000;

/// "12 users match." or "More than 10,000 users match."
pub fn describe_total(total: i64, noun: &str) -> String {
    if total > COUNT_CAP {
        format!("More than {COUNT_CAP} {noun} match.")
    } else {
        format!("{total} {noun} match.")
    }
}

/// The longest search text accepted.
pub const MAX_SEARCH: usize = 100;

/// The order of the users list. Each has an index, so keyset pagination stays fast at any depth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    /// By name (case-insensitive).
    #[default]
    Name,
    /// By email.
    Email,
    /// By creation time.
    Created,
    /// By last sign-in (never signed in counts as oldest).
    LastLogin,
}

impl UserSort {
    /// Every order.
    pub const ALL: [UserSort; 4] = [
        UserSort::Name,
        UserSort::Email,
        UserSort::Created,
        UserSort::LastLogin,
    ];

    /// The key in URLs.
    pub const fn key(self) -> &'static str {
        match self {
            UserSort::Name => "name",
            UserSort::Email => "email",
            UserSort::Created => "created",
            UserSort::LastLogin => "last_login",
        }
    }

    /// The order whose key is `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// Search, filters, order and position of the users list. Travels in the page URL, so a filtered
/// list can be bookmarked and works before hydration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserQuery {
    /// Part of the name or email.
    pub search: String,
    /// Only this role.
    pub role: Option<Role>,
    /// Only this kind of user.
    pub user_type: Option<UserType>,
    /// Only users of this dealer.
    pub dealer_id: Option<Uuid>,
    /// Only active (true) or deactivated (false) users.
    pub active: Option<bool>,
    /// Order.
    pub sort: UserSort,
    /// Reverse order.
    pub descending: bool,
    /// The cursor of the page to show (from [`UserPage::next`]); the first page without one.
    pub after: Option<String>,
}

impl UserQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        UserQuery {
            search: non_empty("q").unwrap_or_default(),
            role: non_empty("role").and_then(|r| Role::from_key(&r)),
            user_type: non_empty("type").and_then(|t| UserType::from_key(&t)),
            dealer_id: non_empty("dealer").and_then(|d| Uuid::parse_str(&d).ok()),
            active: non_empty("active").and_then(|a| match a.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            }),
            sort: non_empty("sort")
                .and_then(|s| UserSort::from_key(&s))
                .unwrap_or_default(),
            descending: non_empty("dir").is_some_and(|d| d == "desc"),
            after: non_empty("after"),
        }
    }

    /// URL parameters for this query (without the cursor unless `with_cursor`).
    pub fn to_params(&self, with_cursor: bool) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            params.push(("q", self.search.clone()));
        }
        if let Some(r) = self.role {
            params.push(("role", r.key().into()));
        }
        if let Some(t) = self.user_type {
            params.push(("type", t.key().into()));
        }
        if let Some(d) = self.dealer_id {
            params.push(("dealer", d.to_string()));
        }
        if let Some(a) = self.active {
            params.push(("active", if a { "yes" } else { "no" }.into()));
        }
        if self.sort != UserSort::default() {
            params.push(("sort", self.sort.key().into()));
        }
        if self.descending {
            params.push(("dir", "desc".into()));
        }
        if with_cursor && let Some(a) = &self.after {
            params.push(("after", a.clone()));
        }
        encode_params(&params)
    }
}

/// `?a=1&b=2` from pairs (empty when there are none).
pub fn encode_params(params: &[(&str, String)]) -> String {
    if params.is_empty() {
        return String::new();
    }
    let joined: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect();
    format!("?{}", joined.join("&"))
}

/// One user in the admin lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// `users.id`.
    pub id: Uuid,
    /// Sign-in email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Dealer or manufacturer.
    pub user_type: UserType,
    /// Dealer, for dealer users.
    pub dealer_id: Option<Uuid>,
    /// The dealer's code.
    pub dealer_code: Option<String>,
    /// The dealer's name.
    pub dealer_name: Option<String>,
    /// Job title.
    pub designation: Option<String>,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// Last sign-in (UTC).
    pub last_login: Option<NaiveDateTime>,
    /// Created (UTC).
    pub created_at: Option<NaiveDateTime>,
    /// Whether two-factor authentication is on.
    pub mfa_enabled: bool,
    /// Module permissions.
    pub permissions: Permissions,
}

/// A page of the users list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    /// The rows.
    pub rows: Vec<UserRow>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
    /// How many users match (up to [`COUNT_CAP`] + 1), counted on the first page only.
    pub total: Option<i64>,
}

/// Everything the user detail screen shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    /// The user.
    pub user: UserRow,
    /// Their live sessions.
    pub sessions: Vec<SessionSummary>,
    /// Who created the account, if recorded.
    pub created_by: Option<String>,
    /// Active super admins, for the "last super admin" rule.
    pub active_super_admins: u32,
    /// Whether an invitation or reset link is outstanding.
    pub pending_link: bool,
}

/// The user form as submitted (create and edit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    /// Name.
    pub name: String,
    /// Email (ignored on edit: the address is the sign-in identity).
    pub email: String,
    /// Role key.
    pub role: String,
    /// `dealer` or `manufacturer`.
    pub user_type: String,
    /// Dealer id, empty for manufacturer users.
    pub dealer_id: String,
    /// Job title.
    pub designation: String,
}

/// A user form that passed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUser {
    /// Trimmed name.
    pub name: String,
    /// Lower-cased email.
    pub email: String,
    /// Role.
    pub role: Role,
    /// Kind of user, consistent with the role.
    pub user_type: UserType,
    /// Dealer, exactly when the role is a dealer role.
    pub dealer_id: Option<Uuid>,
    /// Job title, if any.
    pub designation: Option<String>,
}

/// Whether `email` looks like an address mail can be sent to (the mail server has the last word).
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.push(FieldError::new(field, format!("Enter the {label}.")));
        }
        return None;
    }
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("The {label} can have at most {max} characters."),
        ));
        return None;
    }
    if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            format!("The {label} cannot contain control characters."),
        ));
        return None;
    }
    Some(value.to_owned())
}

impl UserForm {
    /// Checks every field; all problems at once, each against its field.
    pub fn validate(&self) -> Result<ValidUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(&mut errors, "name", "name", &self.name, 255, true);
        let email = self.email.trim().to_lowercase();
        if !valid_email(&email) {
            errors.push(FieldError::new(
                "email",
                "Enter an email address such as name@example.com.",
            ));
        }
        let role = Role::from_key(self.role.trim());
        if role.is_none() {
            errors.push(FieldError::new("role", "Choose a role."));
        }
        let user_type = UserType::from_key(self.user_type.trim());
        let dealer_id = match self.dealer_id.trim() {
            "" => None,
            d => match Uuid::parse_str(d) {
                Ok(id) => Some(id),
                Err(_) => {
                    errors.push(FieldError::new(
                        "dealer_id",
                        "Choose a dealer from the list.",
                    ));
                    None
                }
            },
        };
        let designation = text(
            &mut errors,
            "designation",
            "designation",
            &self.designation,
            50,
            false,
        );
        if let Some(role) = role {
            match user_type {
                None => errors.push(FieldError::new(
                    "user_type",
                    "Choose dealer or manufacturer.",
                )),
                Some(t) if t != role.user_type() => errors.push(FieldError::new(
                    "user_type",
                    format!(
                        "A {} is a {} user.",
                        role.label().to_lowercase(),
                        role.user_type().key()
                    ),
                )),
                Some(_) => {}
            }
            match (role.user_type(), dealer_id) {
                (UserType::Dealer, None) if !errors.iter().any(|e| e.field == "dealer_id") => {
                    errors.push(FieldError::new(
                        "dealer_id",
                        "Dealer roles belong to a dealer: choose one.",
                    ))
                }
                (UserType::Manufacturer, Some(_)) => errors.push(FieldError::new(
                    "dealer_id",
                    "Manufacturer staff belong to no dealer: leave the dealer empty.",
                )),
                _ => {}
            }
        }
        match (name, role, errors.is_empty()) {
            (Some(name), Some(role), true) => Ok(ValidUser {
                name,
                email,
                role,
                user_type: role.user_type(),
                dealer_id,
                designation,
            }),
            _ => Err(errors),
        }
    }
}

/// The brands of the seed's `dealers.brand` CHECK.
pub const BRANDS: [&str; 3] = ["Volkswagen", "Skoda", "Both"];
/// The statuses of the seed's `dealers.status` CHECK.
pub const DEALER_STATUSES: [&str; 3] = ["active", "inactive", "suspended"];

/// Search, filters and position of the dealers list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerQuery {
    /// Part of the code, name or city.
    pub search: String,
    /// Only this status.
    pub status: Option<String>,
    /// Only this brand.
    pub brand: Option<String>,
    /// The cursor of the page to show.
    pub after: Option<String>,
}

impl DealerQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        DealerQuery {
            search: non_empty("q").unwrap_or_default(),
            status: non_empty("status").filter(|s| DEALER_STATUSES.contains(&s.as_str())),
            brand: non_empty("brand").filter(|b| BRANDS.contains(&b.as_str())),
            after: non_empty("after"),
        }
    }

    /// URL parameters for this query (without the cursor unless `with_cursor`).
    pub fn to_params(&self, with_cursor: bool) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            params.push(("q", self.search.clone()));
        }
        if let Some(s) = &self.status {
            params.push(("status", s.clone()));
        }
        if let Some(b) = &self.brand {
            params.push(("brand", b.clone()));
        }
        if with_cursor && let Some(a) = &self.after {
            params.push(("after", a.clone()));
        }
        encode_params(&params)
    }
}

/// A dealer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerRow {
    /// `dealers.id`.
    pub id: Uuid,
    /// Unique dealer code.
    pub dealer_code: String,
    /// Name.
    pub dealer_name: String,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Brand.
    pub brand: Option<String>,
    /// Status.
    pub status: String,
    /// Active users of the dealer.
    pub active_users: i64,
}

/// A page of the dealers list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerPage {
    /// The rows.
    pub rows: Vec<DealerRow>,
    /// The cursor of the next page.
    pub next: Option<String>,
    /// Matches, counted on the first page only.
    pub total: Option<i64>,
}

/// A dealer for a dealer picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerOption {
    /// `dealers.id`.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Status.
    pub status: String,
}

/// The dealer form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerForm {
    /// Unique code.
    pub dealer_code: String,
    /// Name.
    pub dealer_name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Country.
    pub country: String,
    /// Postal code.
    pub postal_code: String,
    /// Phone.
    pub phone: String,
    /// Email.
    pub email: String,
    /// Brand.
    pub brand: String,
    /// Status.
    pub status: String,
}

/// A dealer form that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidDealer {
    /// Upper-cased code.
    pub dealer_code: String,
    /// Name.
    pub dealer_name: String,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Lower-cased email.
    pub email: Option<String>,
    /// Brand.
    pub brand: String,
    /// Status.
    pub status: String,
}

/// Whether `phone` looks like a phone number: digits with optional `+` prefix, spaces, dashes,
/// dots and parentheses; 7 to 15 digits (E.164 allows 15).
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || " -.()".contains(c) || (c == '+' && i == 0));
    allowed && (7..=15).contains(&digits) && phone.len() <= 20
}

impl DealerForm {
    /// Checks every field; all problems at once, each against its field.
    pub fn validate(&self) -> Result<ValidDealer, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = self.dealer_code.trim().to_uppercase();
        if code.is_empty() {
            errors.push(FieldError::new("dealer_code", "Enter the dealer code."));
        } else if code.len() > 50
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(FieldError::new(
                "dealer_code",
                "Use up to 50 letters, digits, dashes and underscores.",
            ));
        }
        let dealer_name = text(
            &mut errors,
            "dealer_name",
            "dealer name",
            &self.dealer_name,
            255,
            true,
        );
        let address = text(
            &mut errors,
            "address",
            "address",
            &self.address,
            1000,
            false,
        );
        let city = text(&mut errors, "city", "city", &self.city, 100, false);
        let state = text(&mut errors, "state", "state", &self.state, 100, false);
        let country = text(&mut errors, "country", "country", &self.country, 100, false);
        let postal_code = text(
            &mut errors,
            "postal_code",
            "postal code",
            &self.postal_code,
            20,
            false,
        );
        let phone = match self.phone.trim() {
            "" => None,
            p if valid_phone(p) => Some(p.to_owned()),
            _ => {
                errors.push(FieldError::new(
                    "phone",
                    "Enter a phone number of 7 to 15 digits, such as +91 22 5555 0100.",
                ));
                None
            }
        };
        let email = match self.email.trim().to_lowercase() {
            e if e.is_empty() => None,
            e if valid_email(&e) && e.len() <= 255 => Some(e),
            _ => {
                errors.push(FieldError::new(
                    "email",
                    "Enter an email address such as service@dealer.example.",
                ));
                None
            }
        };
        let brand = self.brand.trim();
        if !BRANDS.contains(&brand) {
            errors.push(FieldError::new(
                "brand",
                "Choose Volkswagen, Skoda or Both.",
            ));
        }
        let status = self.status.trim();
        if !DEALER_STATUSES.contains(&status) {
            errors.push(FieldError::new(
                "status",
                "Choose active, inactive or suspended.",
            ));
        }
        match (dealer_name, errors.is_empty()) {
            (Some(dealer_name), true) => Ok(ValidDealer {
                dealer_code: code,
                dealer_name,
                address,
                city,
                state,
                country,
                postal_code,
                phone,
                email,
                brand: brand.to_owned(),
                status: status.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// Filters and position of the audit viewer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Part of the acting user's email or name.
    pub actor: String,
    /// Entity type, e.g. `user`.
    pub entity_type: String,
    /// One record.
    pub entity_id: Option<Uuid>,
    /// Action prefix, e.g. `user.` or `auth.login`.
    pub action: String,
    /// From this day (inclusive, `YYYY-MM-DD`, UTC).
    pub from: String,
    /// To this day (inclusive, `YYYY-MM-DD`, UTC).
    pub to: String,
    /// The cursor of the page to show.
    pub after: Option<String>,
}

impl AuditQuery {
    /// The query described by URL parameters.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let value = |k: &str| get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        AuditQuery {
            actor: value("actor"),
            entity_type: value("entity"),
            entity_id: get("id").and_then(|i| Uuid::parse_str(i.trim()).ok()),
            action: value("action"),
            from: value("from"),
            to: value("to"),
            after: get("after").filter(|a| !a.is_empty()),
        }
    }

    /// URL parameters for this query (without the cursor unless `with_cursor`).
    pub fn to_params(&self, with_cursor: bool) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("actor", &self.actor),
            ("entity", &self.entity_type),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                params.push((k, v.clone()));
            }
        }
        if let Some(id) = self.entity_id {
            params.push(("id", id.to_string()));
        }
        if with_cursor && let Some(a) = &self.after {
            params.push(("after", a.clone()));
        }
        encode_params(&params)
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    /// `audit_logs.id`.
    pub id: Uuid,
    /// When (UTC).
    pub created_at: NaiveDateTime,
    /// Who acted.
    pub actor_id: Option<Uuid>,
    /// Their email, if they are a user.
    pub actor_email: Option<String>,
    /// What happened.
    pub action: String,
    /// The kind of record.
    pub entity_type: String,
    /// The record.
    pub entity_id: Option<Uuid>,
    /// State before.
    pub old_values: Option<Value>,
    /// State after, or details.
    pub new_values: Option<Value>,
    /// Client address.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// A page of audit entries, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The rows.
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page.
    pub next: Option<String>,
}

/// One field of an audit entry, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The field.
    pub field: String,
    /// Its value before, as JSON text.
    pub old: Option<String>,
    /// Its value after, as JSON text.
    pub new: Option<String>,
}

impl FieldDiff {
    /// Whether the value changed.
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field-by-field comparison of an entry's old and new values, fields in name order. Values
/// that are not objects are compared as one field called `value`.
pub fn diff(old: Option<&Value>, new: Option<&Value>) -> Vec<FieldDiff> {
    let as_fields = |v: Option<&Value>| -> Vec<(String, String)> {
        match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), show(v))).collect(),
            Some(other) => vec![("value".to_owned(), show(other))],
        }
    };
    let old = as_fields(old);
    let new = as_fields(new);
    let mut fields: Vec<String> = old
        .iter()
        .chain(new.iter())
        .map(|(k, _)| k.clone())
        .collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .map(|field| FieldDiff {
            old: old
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.clone()),
            new: new
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.clone()),
            field,
        })
        .collect()
}

/// How a setting's value is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number in `min..=max`, in `unit`.
    Integer {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
        /// What it counts.
        unit: &'static str,
    },
    /// A set of role keys.
    Roles,
}

/// A setting the settings screen edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownSetting {
    /// `settings.category`.
    pub category: &'static str,
    /// `settings.key`.
    pub key: &'static str,
    /// Heading.
    pub label: &'static str,
    /// How it is entered.
    pub kind: SettingKind,
}

/// The settings an administrator may change, and their bounds. Bounds keep every safeguard on:
/// a session cannot last a year, back-off cannot be switched off.
pub const KNOWN_SETTINGS: [KnownSetting; 8] = [
    KnownSetting {
        category: "session",
        key: "idle_timeout_minutes",
        label: "Idle timeout",
        kind: SettingKind::Integer {
            min: 5,
            max: 480,
            unit: "minutes",
        },
    },
    KnownSetting {
        category: "session",
        key: "absolute_timeout_hours",
        label: "Absolute session lifetime",
        kind: SettingKind::Integer {
            min: 1,
            max: 72,
            unit: "hours",
        },
    },
    KnownSetting {
        category: "security",
        key: "mfa_required_roles",
        label: "Roles that must use two-factor authentication",
        kind: SettingKind::Roles,
    },
    KnownSetting {
        category: "security",
        key: "login_backoff_after_failures",
        label: "Failed sign-ins before back-off",
        kind: SettingKind::Integer {
            min: 1,
            max: 20,
            unit: "failures",
        },
    },
    KnownSetting {
        category: "security",
        key: "login_backoff_max_seconds",
        label: "Longest back-off",
        kind: SettingKind::Integer {
            min: 60,
            max: 3600,
            unit: "seconds",
        },
    },
    KnownSetting {
        category: "security",
        key: "auth_rate_limit_per_minute",
        label: "Credential requests per IP (applies after a restart)",
        kind: SettingKind::Integer {
            min: 5,
            max: 600,
            unit: "per minute",
        },
    },
    KnownSetting {
        category: "password",
        key: "reset_token_minutes",
        label: "Password reset link lifetime",
        kind: SettingKind::Integer {
            min: 5,
            max: 240,
            unit: "minutes",
        },
    },
    KnownSetting {
        category: "password",
        key: "invitation_hours",
        label: "Invitation link lifetime",
        kind: SettingKind::Integer {
            min: 1,
            max: 336,
            unit: "hours",
        },
    },
];

impl KnownSetting {
    /// What values are accepted, in words.
    pub fn hint(&self) -> String {
        match self.kind {
            SettingKind::Integer { min, max, unit } => format!("{min} to {max} {unit}."),
            SettingKind::Roles => format!(
                "Role keys separated by commas: {}.",
                Role::ALL.map(Role::key).join(", ")
            ),
        }
    }

    /// The known setting `category.key`.
    pub fn find(category: &str, key: &str) -> Option<&'static KnownSetting> {
        KNOWN_SETTINGS
            .iter()
            .find(|s| s.category == category && s.key == key)
    }

    /// `value` in its stored form, or what is wrong with it.
    pub fn normalise(&self, value: &str) -> Result<String, String> {
        match self.kind {
            SettingKind::Integer { min, max, unit } => match value.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                _ => Err(format!(
                    "Enter a whole number from {min} to {max} ({unit})."
                )),
            },
            SettingKind::Roles => {
                let mut roles = Vec::new();
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match Role::from_key(part) {
                        Some(r) if !roles.contains(&r) => roles.push(r),
                        Some(_) => {}
                        None => return Err(format!("“{part}” is not a role.")),
                    }
                }
                // Administrators always need a second factor: the screen cannot switch that off.
                for admin in [Role::SuperAdmin, Role::ManufacturerAdmin] {
                    if !roles.contains(&admin) {
                        return Err(format!(
                            "{} must stay in the list: administrators always use two-factor authentication.",
                            admin.key()
                        ));
                    }
                }
                Ok(Role::ALL
                    .into_iter()
                    .filter(|r| roles.contains(r))
                    .map(Role::key)
                    .collect::<Vec<_>>()
                    .join(","))
            }
        }
    }
}

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

/// A role's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleTemplate {
    /// The role.
    pub role: Role,
    /// The permissions a new user of the role gets.
    pub permissions: Permissions,
}

/// A user in the dashboard's list of recent sign-ins (`v_active_users`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveUser {
    /// `users.id`.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role key.
    pub role: String,
    /// Dealer code.
    pub dealer_code: Option<String>,
    /// Last sign-in (UTC).
    pub last_login: Option<NaiveDateTime>,
    /// Modules with any access.
    pub accessible_modules: i64,
}

/// One row of `v_module_statistics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleStat {
    /// The module.
    pub module: Module,
    /// Users with access.
    pub total_users: i64,
    /// Users who may create.
    pub can_create: i64,
    /// Users who may edit.
    pub can_edit: i64,
    /// Users who may approve.
    pub can_approve: i64,
}

/// The administrators' dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Active users (`v_active_users`).
    pub active_users: i64,
    /// Active dealer users.
    pub active_dealer_users: i64,
    /// Active users who never signed in.
    pub never_signed_in: i64,
    /// The most recent sign-ins.
    pub recent: Vec<ActiveUser>,
    /// Permissions per module (`v_module_statistics`).
    pub modules: Vec<ModuleStat>,
    /// Dealers per status.
    pub dealers_by_status: Vec<(String, i64)>,
}

/// The answer of the "why" panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// The facts it was made on, in words.
    pub facts: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(role: &str, user_type: &str, dealer: &str) -> UserForm {
        UserForm {
            name: "Asha Rao".into(),
            email: " Asha@Dealer.Example ".into(),
            role: role.into(),
            user_type: user_type.into(),
            dealer_id: dealer.into(),
            designation: String::new(),
        }
    }

    #[test]
    fn dealer_roles_need_a_dealer_and_manufacturer_users_have_none() {
        let dealer = Uuid::new_v4().to_string();
        let ok = form("service_head", "dealer", &dealer).validate().unwrap();
        assert_eq!(ok.email, "asha@dealer.example");
        assert_eq!(ok.user_type, UserType::Dealer);
        let errs = form("service_head", "dealer", "").validate().unwrap_err();
        assert_eq!(errs[0].field, "dealer_id");
        let errs = form("manufacturer_admin", "manufacturer", &dealer)
            .validate()
            .unwrap_err();
        assert_eq!(errs[0].field, "dealer_id");
        let errs = form("service_head", "manufacturer", &dealer)
            .validate()
            .unwrap_err();
        assert_eq!(errs[0].field, "user_type");
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let errs = UserForm::default().validate().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email", "role"]);
    }

    #[test]
    fn dealer_forms_check_code_phone_email_brand_and_status() {
        let mut f = DealerForm {
            dealer_code: "mum-001".into(),
            dealer_name: "Mumbai Motors".into(),
            phone: "+91 22 5555 0100".into(),
            email: "Service@Mumbai.Example".into(),
            brand: "Skoda".into(),
            status: "active".into(),
            ..DealerForm::default()
        };
        let ok = f.validate().unwrap();
        assert_eq!(ok.dealer_code, "MUM-001");
        assert_eq!(ok.email.as_deref(), Some("service@mumbai.example"));
        f.phone = "12ab".into();
        f.email = "nope".into();
        f.brand = "Audi".into();
        f.status = "closed".into();
        f.dealer_code = "bad code!".into();
        let fields: Vec<String> = f
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["dealer_code", "phone", "email", "brand", "status"]);
    }

    #[test]
    fn audit_diffs_line_up_fields_and_mark_changes() {
        let old = serde_json::json!({ "name": "A", "role": "service_head" });
        let new = serde_json::json!({ "name": "B", "role": "service_head", "active": false });
        let d = diff(Some(&old), Some(&new));
        let changed: Vec<&str> = d
            .iter()
            .filter(|f| f.changed())
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(changed, ["active", "name"]);
        assert_eq!(d[1].old.as_deref(), Some("A"));
        assert_eq!(d[1].new.as_deref(), Some("B"));
    }

    #[test]
    fn settings_are_bounded_and_roles_normalised() {
        let idle = KnownSetting::find("session", "idle_timeout_minutes").unwrap();
        assert_eq!(idle.normalise(" 45 ").unwrap(), "45");
        assert!(idle.normalise("0").is_err());
        assert!(idle.normalise("100000").is_err());
        let roles = KnownSetting::find("security", "mfa_required_roles").unwrap();
        assert_eq!(
            roles
                .normalise("manufacturer_admin, super_admin,super_admin")
                .unwrap(),
            "super_admin,manufacturer_admin"
        );
        assert!(roles.normalise("janitor").is_err());
    }

    #[test]
    fn list_queries_round_trip_through_the_url() {
        let q = UserQuery {
            search: "asha rao".into(),
            role: Some(Role::ServiceHead),
            active: Some(false),
            sort: UserSort::LastLogin,
            descending: true,
            after: Some("c".into()),
            ..UserQuery::default()
        };
        let params = q.to_params(true);
        let pairs: Vec<(String, String)> = params
            .trim_start_matches('?')
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), urlencoding::decode(v).unwrap().into_owned())
            })
            .collect();
        let back =
            UserQuery::from_params(|k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()));
        assert_eq!(back, q);
    }
}
