//! The three scored surveys (workshop system, warranty, technical awareness): versioned, typed
//! form definitions that a super admin edits and publishes; periods the manufacturer opens; one
//! response per dealer, kind and period, filled with a live score and reviewed in the approval
//! queue; results against the network's average; reminders before a period closes.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
pub mod workflow;
