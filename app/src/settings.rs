//! Typed reads of the `settings` table (server only). A missing, unparsable or non-positive value
//! falls back to the setting's default, so a bad edit never disables a safeguard.

use sqlx::PgConnection;

use crate::error::AppError;

/// A whole-number setting and the value used when it is unset or nonsense.
#[derive(Debug, Clone, Copy)]
pub struct IntSetting {
    /// `settings.category`.
    pub category: &'static str,
    /// `settings.key`.
    pub key: &'static str,
    /// Used when the row is missing or its value is not a positive integer.
    pub default: i64,
}

/// Minutes without a request after which a session ends.
pub const IDLE_TIMEOUT_MINUTES: IntSetting = IntSetting {
    category: "session",
    key: "idle_timeout_minutes",
    default: 30,
};
/// Hours after sign-in after which a session ends, however active.
pub const ABSOLUTE_TIMEOUT_HOURS: IntSetting = IntSetting {
    category: "session",
    key: "absolute_timeout_hours",
    default: 12,
};
/// Failed sign-ins before each further attempt must wait.
pub const BACKOFF_AFTER_FAILURES: IntSetting = IntSetting {
    category: "security",
    key: "login_backoff_after_failures",
    default: 5,
};
/// The longest wait imposed after repeated failures.
pub const BACKOFF_MAX_SECONDS: IntSetting = IntSetting {
    category: "security",
    key: "login_backoff_max_seconds",
    default: 900,
};
/// Credential requests allowed per minute per IP.
pub const AUTH_RATE_LIMIT_PER_MINUTE: IntSetting = IntSetting {
    category: "security",
    key: "auth_rate_limit_per_minute",
    default: 30,
};
/// How long a password reset link stays valid.
pub const RESET_TOKEN_MINUTES: IntSetting = IntSetting {
    category: "password",
    key: "reset_token_minutes",
    default: 30,
};
/// How long an invitation link stays valid.
pub const INVITATION_HOURS: IntSetting = IntSetting {
    category: "password",
    key: "invitation_hours",
    default: 72,
};
/// Roles that must enrol a second factor when `security.mfa_required_roles` is unset.
pub const MFA_REQUIRED_ROLES_DEFAULT: &str = "super_admin,manufacturer_admin";

/// `value` as a positive integer, or `default`.
pub fn parse_int(value: Option<&str>, default: i64) -> i64 {
    value
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

/// The values of `wanted`, in the same order, read in one query.
pub async fn ints<const N: usize>(
    conn: &mut PgConnection,
    wanted: [IntSetting; N],
) -> Result<[i64; N], AppError> {
    let categories: Vec<String> = wanted.iter().map(|s| s.category.to_owned()).collect();
    let keys: Vec<String> = wanted.iter().map(|s| s.key.to_owned()).collect();
    let rows = sqlx::query!(
        r#"SELECT category, key, value FROM settings
            WHERE (category, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))"#,
        &categories,
        &keys
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(wanted.map(|s| {
        let value = rows
            .iter()
            .find(|r| r.category == s.category && r.key == s.key)
            .and_then(|r| r.value.as_deref());
        parse_int(value, s.default)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_fall_back_to_defaults_when_missing_or_nonsense() {
        assert_eq!(parse_int(Some("45"), 30), 45);
        assert_eq!(parse_int(Some(" 45 "), 30), 45);
        assert_eq!(parse_int(Some("-5"), 30), 30);
        assert_eq!(parse_int(Some("0"), 30), 30);
        assert_eq!(parse_int(Some("soon"), 30), 30);
        assert_eq!(parse_int(None, 30), 30);
    }
}
