//! The state every server function and handler shares (server only).

use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;

use crate::error::AppError;

/// Shared server state. Cheap to clone: every field is a handle.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' site configuration (output name, site root, address).
    pub leptos_options: LeptosOptions,
    /// The PostgreSQL pool.
    pub pool: PgPool,
}

/// The [`AppState`] of the request being served. Server functions call this rather than reaching
/// for a global, so tests can run many independent states side by side.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}
