//! Administration: users, permissions, role templates, dealers, the audit trail, settings and the
//! dashboard.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
