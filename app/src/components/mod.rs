//! Shared UI pieces.

mod error_panel;
mod form;
mod hooks;
mod layout;
pub mod time;

pub use error_panel::ErrorPanel;
pub use form::{Field, FormError, last_error};
pub use hooks::{hydrated, query};
pub use layout::AppLayout;
