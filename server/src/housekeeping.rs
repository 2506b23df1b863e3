//! Housekeeping the server runs every minute: sessions whose time is up are ended (and audited)
//! so no list shows them as live, and sign-in throttles and known devices past any use are
//! forgotten; background exports that stopped progressing are failed (and their owners told), and
//! finished files past their keeping time deleted. Every ten minutes, the audit entries appended since the last check are checked
//! against the chain ([`audit_check`]).

use app::auth::server::{devices, session, throttle};
use app::error::AppError;

/// What one sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Sessions ended as expired.
    pub sessions: usize,
    /// Throttle rows deleted.
    pub throttles: u64,
    /// Known devices forgotten.
    pub devices: u64,
    /// Background exports found stopped.
    pub exports_failed: usize,
    /// Background export files deleted as too old.
    pub exports_deleted: usize,
}

impl Swept {
    /// Nothing was done.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One sweep.
pub async fn sweep(pool: &sqlx::PgPool) -> Result<Swept, AppError> {
    let sessions = session::sweep_expired(pool).await?;
    let mut conn = pool.acquire().await?;
    let (exports_failed, exports_deleted) = app::export::jobs::sweep(&mut conn).await?;
    Ok(Swept {
        sessions,
        throttles: throttle::sweep(&mut conn).await?,
        devices: devices::sweep(&mut conn).await?,
        exports_failed,
        exports_deleted,
    })
}

/// Checks the audit entries appended since the last intact check; logs an error on a break.
pub async fn audit_check(pool: &sqlx::PgPool) -> Result<(), AppError> {
    let mut conn = pool.acquire().await?;
    let report = app::audit::chain::check_new(&mut conn).await?;
    if let Some(broken) = &report.broken {
        tracing::error!(%broken, "the audit chain is broken");
    }
    Ok(())
}
