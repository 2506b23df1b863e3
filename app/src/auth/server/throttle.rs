//! The sign-in throttle: after [`BACKOFF_AFTER_FAILURES`] failures in a row, each further attempt
//! waits 1 s doubling up to [`BACKOFF_MAX_SECONDS`] ([`backoff_seconds`]); never a lock-out.
//!
//! - Keyed by the e-mail address as typed (normalised), whether or not an account has it, so a
//!   known and an unknown address answer alike and do the same work. Only a SHA-256 of the key is
//!   stored.
//! - A browser that signed in to the account before (its device cookie, see [`devices`]) has a
//!   throttle of its own for that account: failures from elsewhere cannot hold its owner back.
//! - An attempt is claimed before the password is checked, under the key's row lock: it counts
//!   as a failure at once and is cleared on success, so N attempts at the same moment see each
//!   other and at most the allowed number get their password checked.
//!
//! [`BACKOFF_AFTER_FAILURES`]: crate::settings::BACKOFF_AFTER_FAILURES
//! [`BACKOFF_MAX_SECONDS`]: crate::settings::BACKOFF_MAX_SECONDS
//! [`devices`]: super::devices

use chrono::{Duration, NaiveDateTime, Utc};
use sqlx::PgConnection;

use super::devices::KnownDevice;
use super::tokens::hash_token;
use crate::error::AppError;
use crate::settings::{self, BACKOFF_AFTER_FAILURES, BACKOFF_MAX_SECONDS};

/// The wait imposed before another attempt after `failures` consecutive failures: none up to
/// `after`, then 1 s doubling per failure up to `max_secs`. Never a permanent lock-out.
pub fn backoff_seconds(failures: i32, after: i32, max_secs: i64) -> i64 {
    if failures < after {
        return 0;
    }
    let exponent = u32::try_from(failures - after).unwrap_or(u32::MAX).min(30);
    (1_i64 << exponent).min(max_secs)
}

/// Whole seconds (rounded up) left of a `wait_secs` wait that began at `last_failure`, if any.
pub fn remaining_wait(last_failure: Option<NaiveDateTime>, wait_secs: i64) -> Option<u64> {
    let last = last_failure?;
    let left_ms = (last + Duration::seconds(wait_secs) - Utc::now().naive_utc()).num_milliseconds();
    (wait_secs > 0 && left_ms > 0).then(|| u64::try_from((left_ms + 999) / 1000).unwrap_or(1))
}

/// The back-off settings: failures before it starts, and the longest wait.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Failures in a row before any wait.
    pub after: i32,
    /// The longest wait, in seconds.
    pub max_secs: i64,
}

impl Backoff {
    /// Reads the settings.
    pub async fn read(conn: &mut PgConnection) -> Result<Self, AppError> {
        let [after, max_secs] =
            settings::ints(conn, [BACKOFF_AFTER_FAILURES, BACKOFF_MAX_SECONDS]).await?;
        Ok(Self {
            after: i32::try_from(after).unwrap_or(i32::MAX),
            max_secs,
        })
    }

    /// The wait still owed after `failures` failures, the last at `last`, if any.
    pub fn owed(self, failures: i32, last: Option<NaiveDateTime>) -> Option<u64> {
        remaining_wait(last, backoff_seconds(failures, self.after, self.max_secs))
    }
}

/// One sign-in throttle (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    key_hash: String,
}

impl Throttle {
    /// The throttle everyone shares for `email` (its normalised lookup key).
    pub fn shared(email: &str) -> Self {
        Self {
            key_hash: hash_token(&format!("email\n{email}")),
        }
    }

    /// The throttle of `email` from this browser: its own when the browser is a known device of
    /// the account with that address, else the shared one.
    pub fn for_browser(email: &str, device: Option<&KnownDevice>) -> Self {
        match device {
            Some(d) => Self {
                key_hash: hash_token(&format!("device\n{}\n{email}", d.id)),
            },
            None => Self::shared(email),
        }
    }

    /// Claims one attempt: counts it as a failure now (cleared by [`Throttle::clear`] on success)
    /// and returns `Ok`, or returns the whole seconds still to wait. Runs in the caller's
    /// transaction, which holds the key's row lock until it ends: keep it short.
    pub async fn claim(
        &self,
        conn: &mut PgConnection,
        backoff: Backoff,
    ) -> Result<Result<(), u64>, AppError> {
        // One statement that creates or locks the row and reads it: a separate insert and select
        // would lose the row to a concurrent success's `clear` in between (seen in `make soak`).
        let row = sqlx::query!(
            "INSERT INTO login_throttles AS t (key_hash, failures, last_failure)
             VALUES ($1, 0, NULL)
             ON CONFLICT (key_hash) DO UPDATE SET failures = t.failures
             RETURNING failures, last_failure",
            self.key_hash
        )
        .fetch_one(&mut *conn)
        .await?;
        if let Some(wait) = backoff.owed(row.failures, row.last_failure) {
            return Ok(Err(wait));
        }
        sqlx::query!(
            "UPDATE login_throttles SET failures = failures + 1, last_failure = $2 WHERE key_hash = $1",
            self.key_hash,
            Utc::now().naive_utc()
        )
        .execute(&mut *conn)
        .await?;
        Ok(Ok(()))
    }

    /// Forgets the failures (a sign-in succeeded, or the password was reset).
    pub async fn clear(&self, conn: &mut PgConnection) -> Result<(), AppError> {
        sqlx::query!(
            "DELETE FROM login_throttles WHERE key_hash = $1",
            self.key_hash
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}

/// Deletes throttles whose last failure is older than any wait (housekeeping); returns how many.
pub async fn sweep(conn: &mut PgConnection) -> Result<u64, AppError> {
    let backoff = Backoff::read(conn).await?;
    let horizon = Utc::now().naive_utc() - Duration::seconds(backoff.max_secs) - Duration::days(1);
    Ok(sqlx::query!(
        "DELETE FROM login_throttles WHERE last_failure < $1",
        horizon
    )
    .execute(&mut *conn)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_after_the_threshold_doubles_and_is_capped() {
        assert_eq!(backoff_seconds(4, 5, 900), 0);
        assert_eq!(backoff_seconds(5, 5, 900), 1);
        assert_eq!(backoff_seconds(6, 5, 900), 2);
        assert_eq!(backoff_seconds(10, 5, 900), 32);
        assert_eq!(backoff_seconds(40, 5, 900), 900);
        assert_eq!(backoff_seconds(i32::MAX, 5, 900), 900);
    }

    #[test]
    fn a_known_device_has_its_own_throttle_per_account() {
        let device = KnownDevice {
            id: uuid::Uuid::from_u128(7),
            user_id: uuid::Uuid::from_u128(1),
        };
        assert_eq!(
            Throttle::for_browser("a@x.io", None),
            Throttle::shared("a@x.io")
        );
        assert_ne!(
            Throttle::for_browser("a@x.io", Some(&device)),
            Throttle::shared("a@x.io")
        );
        assert_ne!(Throttle::shared("a@x.io"), Throttle::shared("b@x.io"));
    }
}
