//! What the administration screens exchange with the server, and the validation both sides run:
//! one file per screen, re-exported here.

mod audit;
mod dashboard;
mod dealers;
mod fields;
mod settings;
mod users;

pub use audit::*;
pub use dashboard::*;
pub use dealers::*;
pub use fields::{
    ADDRESS_MAX, CITY_MAX, COUNTRY_MAX, DEALER_CODE_MAX, DEALER_NAME_MAX, DESIGNATION_MAX,
    NAME_MAX, PHONE_MAX, POSTAL_CODE_MAX, STATE_MAX,
};
pub use settings::*;
pub use users::*;
