//! The state every server function and handler shares (server only).

use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;

use crate::auth::server::mfa::SecretBox;
use crate::auth::server::password::PasswordWorkers;
use crate::error::AppError;

/// Shared server state. Cheap to clone: every field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' site configuration (output name, site root, address).
    pub leptos_options: LeptosOptions,
    /// The PostgreSQL pool.
    pub pool: PgPool,
    /// Identity settings fixed at start-up.
    pub auth: AuthConfig,
    /// Live updates: this process's fan-out of committed changes to open event streams.
    pub live: crate::live::server::LiveHub,
    /// Big lists' counts, kept while the hub hears of no change ([`crate::list::counts`]).
    pub counts: crate::list::counts::CountCache,
}

/// Identity settings fixed at start-up (the rest live in the `settings` table).
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// The site is served over HTTPS: cookies get `Secure` and the `__Host-` prefix, and HSTS is sent.
    pub https: bool,
    /// The public base URL, for links in mail (no trailing slash).
    pub public_url: String,
    /// Encrypts TOTP secrets at rest.
    pub secrets: SecretBox,
    /// Without SMTP settings on a loopback address, mail is shown in the development mailbox.
    pub dev_mailbox: bool,
    /// Bounded password hashing.
    pub passwords: PasswordWorkers,
}

/// The [`AppState`] of the request being served. Server functions call this rather than reaching
/// for a global, so tests can run many independent states side by side.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}
