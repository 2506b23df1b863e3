//! Shared UI pieces.

mod error_panel;
mod layout;

pub use error_panel::ErrorPanel;
pub use layout::AppLayout;
