//! The PCC module's server side: queries (`repo`), the list and its export (`lists`) and use
//! cases (`service`).

pub mod lists;
pub mod repo;
pub mod service;
