//! The home page by role: what needs the user now. Dealer staff see their open to-dos (changes
//! asked for, surveys not yet answered, registration deadlines), their dealer's latest activity
//! and their survey scores against the network's; approvers see their queue by age against the
//! target time (a setting) and their own recent decisions; administrators see the network's
//! figures over a date range, each leading to the list it counts. One server function answers
//! with the parts the user may see; the page is a lazy route whose charts are SVG drawn on the
//! server (`components::chart`).

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;
