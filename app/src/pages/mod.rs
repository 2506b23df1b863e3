//! Top-level pages that belong to no single domain.

mod home;
mod module_page;
mod not_found;

pub use home::ModuleCards;
pub use module_page::ModulePage;
pub use not_found::NotFound;
