//! The One Aftersales Platform server, as a library so integration tests can build the real router
//! and database setup that the binary runs.

pub mod bench_bare;
pub mod config;
pub mod create_admin;
pub mod db;
pub mod demo_data;
pub mod housekeeping;
pub mod http;
pub mod live;
pub mod mail;
pub mod metrics;
pub mod ops;
pub mod secrets;
pub mod telemetry;
