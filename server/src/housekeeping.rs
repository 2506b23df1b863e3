//! Housekeeping the server runs every minute: sessions whose time is up are ended (and audited)
//! so no list shows them as live, and sign-in throttles and known devices past any use are
//! forgotten.

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
    Ok(Swept {
        sessions,
        throttles: throttle::sweep(&mut conn).await?,
        devices: devices::sweep(&mut conn).await?,
    })
}
