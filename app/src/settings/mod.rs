//! The settings catalogue: every setting an administrator may change, with its default, bounds,
//! label and description, in one list. The settings screen shows and checks values against it,
//! the typed readers ([`ints`], [`roles`]) fall back to its defaults, and the session query reads
//! its keys from it. A bound keeps every safeguard on: a session cannot last a year, back-off
//! cannot be switched off, administrators cannot drop their second factor.

#[cfg(feature = "ssr")]
mod read;
#[cfg(feature = "ssr")]
pub use read::{ints, roles, switch};

use crate::auth::roles::Role;

/// How a setting's value is entered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingKind {
    /// A whole number in `min..=max`, in `unit`.
    Integer {
        /// Smallest accepted.
        min: i64,
        /// Largest accepted.
        max: i64,
        /// Used while unset (or, should the stored text be nonsense, instead of it).
        default: i64,
        /// What it counts.
        unit: &'static str,
    },
    /// On or off (stored as `on` or `off`).
    Switch {
        /// Used while unset.
        default: bool,
    },
    /// A set of roles; administrators' roles are always in it.
    Roles {
        /// Used while unset.
        default: &'static [Role],
    },
}

/// One setting of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// `settings.category`.
    pub category: &'static str,
    /// `settings.key`.
    pub key: &'static str,
    /// Heading on the settings screen.
    pub label: &'static str,
    /// What it does, in a sentence.
    pub description: &'static str,
    /// How it is entered, its bounds and its default.
    pub kind: SettingKind,
}

/// Minutes without a request after which a session ends.
pub const IDLE_TIMEOUT_MINUTES: Setting = Setting {
    category: "session",
    key: "idle_timeout_minutes",
    label: "Idle timeout",
    description: "A session ends after this many minutes without a request.",
    kind: SettingKind::Integer {
        min: 5,
        max: 480,
        default: 30,
        unit: "minutes",
    },
};
/// Hours after sign-in after which a session ends, however active.
pub const ABSOLUTE_TIMEOUT_HOURS: Setting = Setting {
    category: "session",
    key: "absolute_timeout_hours",
    label: "Absolute session lifetime",
    description: "A session ends this many hours after sign-in, however active.",
    kind: SettingKind::Integer {
        min: 1,
        max: 72,
        default: 12,
        unit: "hours",
    },
};
/// Roles that must enrol a second factor before anything else.
pub const MFA_REQUIRED_ROLES: Setting = Setting {
    category: "security",
    key: "mfa_required_roles",
    label: "Roles that must use two-factor authentication",
    description: "Roles that must enrol in two-factor authentication before anything else.",
    kind: SettingKind::Roles {
        default: &[Role::SuperAdmin, Role::ManufacturerAdmin],
    },
};
/// Failed sign-ins before each further attempt must wait.
pub const BACKOFF_AFTER_FAILURES: Setting = Setting {
    category: "security",
    key: "login_backoff_after_failures",
    label: "Failed sign-ins before back-off",
    description: "Failed sign-ins on one account after which each further attempt must wait, \
                  doubling each time.",
    kind: SettingKind::Integer {
        min: 1,
        max: 20,
        default: 5,
        unit: "failures",
    },
};
/// The longest wait imposed after repeated failures.
pub const BACKOFF_MAX_SECONDS: Setting = Setting {
    category: "security",
    key: "login_backoff_max_seconds",
    label: "Longest back-off",
    description: "The longest wait imposed on an account after repeated failures (never a \
                  permanent lock-out).",
    kind: SettingKind::Integer {
        min: 60,
        max: 3600,
        default: 900,
        unit: "seconds",
    },
};
/// Credential requests allowed per minute per IP.
pub const AUTH_RATE_LIMIT_PER_MINUTE: Setting = Setting {
    category: "security",
    key: "auth_rate_limit_per_minute",
    label: "Credential requests per IP (applies after a restart)",
    description: "Sign-in, password reset and two-factor requests allowed per minute from one IP \
                  address (read at start-up).",
    kind: SettingKind::Integer {
        min: 5,
        max: 600,
        default: 30,
        unit: "per minute",
    },
};
/// How long a password reset link stays valid.
pub const RESET_TOKEN_MINUTES: Setting = Setting {
    category: "password",
    key: "reset_token_minutes",
    label: "Password reset link lifetime",
    description: "How long a password reset link stays valid.",
    kind: SettingKind::Integer {
        min: 5,
        max: 240,
        default: 30,
        unit: "minutes",
    },
};
/// How soon after one reset link another may be asked for.
pub const RESET_COOLDOWN_MINUTES: Setting = Setting {
    category: "password",
    key: "reset_cooldown_minutes",
    label: "Time between reset links",
    description: "While a reset link sent this recently is still unused, asking again sends nothing \
                  and keeps that link working (nobody can flood a mailbox or retire a genuine link).",
    kind: SettingKind::Integer {
        min: 1,
        max: 60,
        default: 5,
        unit: "minutes",
    },
};
/// How long an invitation link stays valid.
pub const INVITATION_HOURS: Setting = Setting {
    category: "password",
    key: "invitation_hours",
    label: "Invitation link lifetime",
    description: "How long the link in an invitation to a new user stays valid.",
    kind: SettingKind::Integer {
        min: 1,
        max: 336,
        default: 72,
        unit: "hours",
    },
};

/// How long backups (and the WAL between them) are kept.
pub const BACKUP_RETENTION_DAYS: Setting = Setting {
    category: "backup",
    key: "retention_days",
    label: "Backup retention",
    description: "The portal can be restored to any minute of this many past days (embedded database; applied at the next backup).",
    kind: SettingKind::Integer {
        min: 7,
        max: 365,
        default: 30,
        unit: "days",
    },
};

/// Whether the submitter of a record also gets an e-mail when it is decided.
pub const EMAIL_DECISIONS: Setting = Setting {
    category: "notifications",
    key: "email_decisions",
    label: "E-mail decisions to submitters",
    description: "When on, whoever submitted a record also gets an e-mail when it is approved, rejected or sent back for revision (the notification in the portal is always sent).",
    kind: SettingKind::Switch { default: false },
};

/// How long a record may wait for a decision before the approvers' home counts it as late.
pub const QUEUE_TARGET_HOURS: Setting = Setting {
    category: "workflow",
    key: "decision_target_hours",
    label: "Decision target",
    description: "Approvers' home pages count records waiting longer than this many hours as past the target.",
    kind: SettingKind::Integer {
        min: 1,
        max: 720,
        default: 48,
        unit: "hours",
    },
};

/// Whether survey reminders also go out by e-mail.
pub const EMAIL_SURVEY_REMINDERS: Setting = Setting {
    category: "notifications",
    key: "email_survey_reminders",
    label: "E-mail survey reminders",
    description: "When on, a dealer's staff who fill a survey also get an e-mail when a period closes in 7 days or tomorrow and their dealer has not submitted (the notification in the portal is always sent).",
    kind: SettingKind::Switch { default: false },
};

/// Rows past which an export is prepared in the background.
pub const EXPORT_BACKGROUND_ROWS: Setting = Setting {
    category: "exports",
    key: "background_rows",
    label: "Background exports from",
    description: "An export of more rows than this is prepared in the background, and the user is notified with a download link when it is ready.",
    kind: SettingKind::Integer {
        min: 1,
        max: 10_000_000,
        default: 100_000,
        unit: "rows",
    },
};

/// Every setting, in the order the settings screen shows them.
pub const CATALOGUE: [Setting; 14] = [
    IDLE_TIMEOUT_MINUTES,
    ABSOLUTE_TIMEOUT_HOURS,
    MFA_REQUIRED_ROLES,
    BACKOFF_AFTER_FAILURES,
    BACKOFF_MAX_SECONDS,
    AUTH_RATE_LIMIT_PER_MINUTE,
    RESET_TOKEN_MINUTES,
    RESET_COOLDOWN_MINUTES,
    INVITATION_HOURS,
    BACKUP_RETENTION_DAYS,
    EMAIL_DECISIONS,
    EMAIL_SURVEY_REMINDERS,
    QUEUE_TARGET_HOURS,
    EXPORT_BACKGROUND_ROWS,
];

/// Roles as stored: keys separated by commas, in [`Role::ALL`] order.
fn roles_text(roles: &[Role]) -> String {
    Role::ALL
        .into_iter()
        .filter(|r| roles.contains(r))
        .map(Role::key)
        .collect::<Vec<_>>()
        .join(",")
}

/// A switch as stored.
const fn switch_text(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

/// A switch as typed: on/off, yes/no, true/false (any case).
fn parse_switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Some(true),
        "off" | "no" | "false" => Some(false),
        _ => None,
    }
}

/// The roles named in stored text (unknown keys ignored).
pub fn parse_roles(value: &str) -> Vec<Role> {
    value
        .split(',')
        .filter_map(|r| Role::from_key(r.trim()))
        .collect()
}

impl Setting {
    /// The catalogue's setting `category.key`.
    pub fn find(category: &str, key: &str) -> Option<&'static Setting> {
        CATALOGUE
            .iter()
            .find(|s| s.category == category && s.key == key)
    }

    /// The default, as it would be stored.
    pub fn default_text(&self) -> String {
        match self.kind {
            SettingKind::Integer { default, .. } => default.to_string(),
            SettingKind::Switch { default } => switch_text(default).to_owned(),
            SettingKind::Roles { default } => roles_text(default),
        }
    }

    /// What values are accepted, in words.
    pub fn hint(&self) -> String {
        match self.kind {
            SettingKind::Integer { min, max, unit, .. } => format!("{min} to {max} {unit}."),
            SettingKind::Switch { .. } => "on or off.".to_owned(),
            SettingKind::Roles { .. } => format!(
                "Role keys separated by commas: {}.",
                Role::ALL.map(Role::key).join(", ")
            ),
        }
    }

    /// `value` in its stored form, or what is wrong with it.
    pub fn normalise(&self, value: &str) -> Result<String, String> {
        match self.kind {
            SettingKind::Integer { min, max, unit, .. } => match value.trim().parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n.to_string()),
                _ => Err(format!(
                    "Enter a whole number from {min} to {max} ({unit})."
                )),
            },
            SettingKind::Switch { .. } => parse_switch(value)
                .map(|on| switch_text(on).to_owned())
                .ok_or_else(|| "Enter on or off.".to_owned()),
            SettingKind::Roles { .. } => {
                let mut roles = Vec::new();
                for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    match Role::from_key(part) {
                        Some(r) => roles.push(r),
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
                Ok(roles_text(&roles))
            }
        }
    }

    /// The stored integer `value` as used: the default when it is unset, not a number, or not
    /// positive, so that a bad edit behind the screen's back never disables a safeguard. (The
    /// screen's bounds are checked when a value is saved; operators may store others directly.)
    pub fn int_or_default(&self, value: Option<&str>) -> i64 {
        match self.kind {
            SettingKind::Integer { default, .. } => value
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|v| *v > 0)
                .unwrap_or(default),
            SettingKind::Switch { .. } | SettingKind::Roles { .. } => 0,
        }
    }

    /// The stored switch `value` as used: the default when unset or unreadable.
    pub fn switch_or_default(&self, value: Option<&str>) -> bool {
        match self.kind {
            SettingKind::Switch { default } => value.and_then(parse_switch).unwrap_or(default),
            _ => false,
        }
    }

    /// The stored roles `value` as used: the default when unset.
    pub fn roles_or_default(&self, value: Option<&str>) -> Vec<Role> {
        match (self.kind, value) {
            (SettingKind::Roles { .. }, Some(v)) => parse_roles(v),
            (SettingKind::Roles { default }, None) => default.to_vec(),
            (SettingKind::Integer { .. } | SettingKind::Switch { .. }, _) => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_bounded_and_roles_normalised() {
        let idle = Setting::find("session", "idle_timeout_minutes").unwrap();
        assert_eq!(idle.normalise(" 45 ").unwrap(), "45");
        assert!(idle.normalise("0").is_err());
        assert!(idle.normalise("100000").is_err());
        let roles = Setting::find("security", "mfa_required_roles").unwrap();
        assert_eq!(
            roles
                .normalise("manufacturer_admin, super_admin,super_admin")
                .unwrap(),
            "super_admin,manufacturer_admin"
        );
        assert!(roles.normalise("janitor").is_err());
    }

    #[test]
    fn stored_values_fall_back_to_the_default_when_missing_nonsense_or_not_positive() {
        let idle = IDLE_TIMEOUT_MINUTES;
        assert_eq!(idle.int_or_default(Some("45")), 45);
        assert_eq!(idle.int_or_default(Some(" 45 ")), 45);
        assert_eq!(idle.int_or_default(Some("-5")), 30);
        assert_eq!(idle.int_or_default(Some("0")), 30);
        assert_eq!(idle.int_or_default(Some("1")), 1);
        assert_eq!(idle.int_or_default(Some("soon")), 30);
        assert_eq!(idle.int_or_default(None), 30);
        assert_eq!(
            MFA_REQUIRED_ROLES.roles_or_default(None),
            [Role::SuperAdmin, Role::ManufacturerAdmin]
        );
        assert_eq!(
            MFA_REQUIRED_ROLES.default_text(),
            "super_admin,manufacturer_admin"
        );
    }

    #[test]
    fn switches_take_on_and_off_in_any_spelling_and_fall_back_to_off() {
        assert_eq!(EMAIL_DECISIONS.normalise(" Yes ").unwrap(), "on");
        assert_eq!(EMAIL_DECISIONS.normalise("FALSE").unwrap(), "off");
        assert!(EMAIL_DECISIONS.normalise("maybe").is_err());
        assert!(EMAIL_DECISIONS.switch_or_default(Some("on")));
        assert!(!EMAIL_DECISIONS.switch_or_default(Some("nonsense")));
        assert!(!EMAIL_DECISIONS.switch_or_default(None));
        assert_eq!(EMAIL_DECISIONS.default_text(), "off");
    }

    #[test]
    fn every_default_is_within_its_own_bounds_and_keys_are_unique() {
        for s in CATALOGUE {
            assert_eq!(
                s.normalise(&s.default_text()),
                Ok(s.default_text()),
                "{}",
                s.key
            );
            assert_eq!(
                CATALOGUE
                    .iter()
                    .filter(|o| (o.category, o.key) == (s.category, s.key))
                    .count(),
                1
            );
        }
    }
}
