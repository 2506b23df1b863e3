//! Identity: users, roles and passwords.

#[cfg(feature = "ssr")]
pub mod password;
pub mod roles;
