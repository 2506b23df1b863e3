//! System status: what the running instance and its database report about themselves.

pub mod api;
#[cfg(feature = "ssr")]
pub mod repo;
pub mod views;
