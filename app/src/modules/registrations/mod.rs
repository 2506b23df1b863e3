//! Event registrations: the two registration modules, API events (`api_registrations`) and MT
//! Meets (`mt_meet_registrations`), and the event catalogue they register for (`events`).
//!
//! The two modules are one capability that differs in words and column names only (an employee
//! with a designation for API events; a master technician with an employee id for MT Meets), so
//! they share this folder: every function takes the [`model::EventKind`], which names its module,
//! its number prefix and (on the server) its table. Manufacturer staff keep the catalogue and
//! confirm, mark attendance and cancel; dealer staff register their people, alone or from a CSV
//! file, and withdraw them before the deadline. Seats are given in arrival order; past capacity
//! (or a dealer's quota) people wait in line and are promoted as seats come free.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
pub mod workflow;
