//! The registrations' server side: queries (`repo`), the registration use cases (`service`), the list and queue (`lists`),
//! the event catalogue's (`catalogue`), the CSV import (`import`) and the downloads
//! (`downloads`: participant lists, calendar entries, the import template).

pub mod catalogue;
pub mod downloads;
pub mod import;
pub mod lists;
pub mod repo;
pub mod service;
