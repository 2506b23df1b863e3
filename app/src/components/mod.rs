//! Shared UI pieces.

pub mod chart;
mod dealer_search;
mod error_panel;
mod form;
mod hooks;
mod layout;
mod list;
mod nav;
pub mod time;

pub use dealer_search::{DealerSearch, SUGGESTIONS};
pub use error_panel::ErrorPanel;
pub use form::{Field, FormError, SelectField, last_error};
pub use hooks::{hydrated, query};
pub use layout::AppLayout;
pub use list::{ListPage, Notice, Pager};
pub use nav::{ADMIN_LINKS, AdminLink, admin_links_for};
