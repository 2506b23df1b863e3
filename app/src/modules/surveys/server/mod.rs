//! The surveys' server side: queries (`repo`), response use cases (`service`), the list
//! (`lists`), form definitions and the builder (`forms`), periods (`periods`), results
//! (`results`) and reminders (`reminders`).

pub mod forms;
pub mod lists;
pub mod periods;
pub mod reminders;
pub mod repo;
pub mod results;
pub mod service;
