//! Administration services and queries (server only), one file per feature. Each public function
//! is a service: it takes the admitted caller's [`Ctx`](crate::auth::server::Ctx), owns its
//! transaction, and decides again on what it locks.

pub mod accounts;
pub mod audit;
pub mod dashboard;
pub mod dealers;
pub mod permissions;
pub mod settings;
pub mod users;
