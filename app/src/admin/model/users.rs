//! The users screens' model: the list's query and rows, one user, the user form and its checks,
//! and the "why" panel's answer.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::fields::{DESIGNATION_MAX, NAME_MAX, text};
use crate::auth::authorize::{Decision, Permissions};
use crate::auth::model::SessionSummary;
use crate::auth::roles::{Role, UserType};
use crate::email::{EMAIL_HINT, Email};
use crate::error::FieldError;
use crate::list::{Cursor, encode_params};

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
    /// Part of the code or name of the users' dealer.
    #[serde(default)]
    pub dealer: String,
    /// Only active (true) or deactivated (false) users.
    pub active: Option<bool>,
    /// Order.
    pub sort: UserSort,
    /// Reverse order.
    pub descending: bool,
    /// The cursor of the page to show (from the previous page's `next`); none for the first.
    pub after: Option<Cursor>,
}

impl UserQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        UserQuery {
            search: non_empty("q").unwrap_or_default(),
            role: non_empty("role").and_then(|r| Role::from_key(&r)),
            user_type: non_empty("type").and_then(|t| UserType::from_key(&t)),
            dealer: non_empty("dealer").unwrap_or_default(),
            active: non_empty("active").and_then(|a| match a.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            }),
            sort: non_empty("sort")
                .and_then(|s| UserSort::from_key(&s))
                .unwrap_or_default(),
            descending: non_empty("dir").is_some_and(|d| d == "desc"),
            after: non_empty("after").map(Cursor::from_param),
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
        if !self.dealer.is_empty() {
            params.push(("dealer", self.dealer.clone()));
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
            params.push(("after", a.as_str().to_owned()));
        }
        encode_params(&params)
    }
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
    /// The sign-in address.
    pub email: Email,
    /// Role.
    pub role: Role,
    /// Kind of user, consistent with the role.
    pub user_type: UserType,
    /// Dealer, exactly when the role is a dealer role.
    pub dealer_id: Option<Uuid>,
    /// Job title, if any.
    pub designation: Option<String>,
}

impl UserForm {
    /// Checks every field; all problems at once, each against its field.
    pub fn validate(&self) -> Result<ValidUser, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = text(&mut errors, "name", "name", &self.name, NAME_MAX, true);
        let email = Email::parse(&self.email);
        if email.is_none() {
            errors.push(FieldError::new("email", EMAIL_HINT));
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
            DESIGNATION_MAX,
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
        match (name, role, email, errors.is_empty()) {
            (Some(name), Some(role), Some(email), true) => Ok(ValidUser {
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
        assert_eq!(ok.email.as_str(), "asha@dealer.example");
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
    fn list_queries_round_trip_through_the_url() {
        let q = UserQuery {
            search: "asha rao".into(),
            role: Some(Role::ServiceHead),
            active: Some(false),
            sort: UserSort::LastLogin,
            descending: true,
            after: Some(Cursor::from_param("c")),
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
