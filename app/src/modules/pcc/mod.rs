//! The Performance Center Program (`dealer_pcc`): dealers apply with their facility, people and
//! performance figures; manufacturer reviewers take applications for review and approve, reject
//! or send them back for revision. The first module built on the workflow core, and the template
//! the other five follow (see `../README.md`).

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
pub mod workflow;
