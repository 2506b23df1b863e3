//! The PCC module's server side: queries (`repo`) and use cases (`service`).

pub mod repo;
pub mod service;
