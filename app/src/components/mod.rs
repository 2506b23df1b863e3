//! Shared UI pieces.

mod error_panel;
mod form;
mod layout;
pub mod time;

pub use error_panel::ErrorPanel;
pub use form::{Field, FormError, last_error};
pub use layout::AppLayout;
