//! Identity: users, roles, passwords, sessions, the second factor and password reset.

pub mod api;
pub mod authorize;
pub mod flags;
pub mod model;
pub mod policy;
pub mod roles;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
