//! Field checks and limits shared by the administration forms. The limits are the seed's column
//! sizes; the forms' `maxlength`s and the server's checks both read them from here.

use crate::error::FieldError;

/// A person's name (`users.name`).
pub const NAME_MAX: usize = 255;
/// A job title (`users.designation`).
pub const DESIGNATION_MAX: usize = 50;
/// A dealer code (`dealers.dealer_code`).
pub const DEALER_CODE_MAX: usize = 50;
/// A dealer's name (`dealers.dealer_name`).
pub const DEALER_NAME_MAX: usize = 255;
/// A street address (`dealers.address`).
pub const ADDRESS_MAX: usize = 1000;
/// A city (`dealers.city`).
pub const CITY_MAX: usize = 100;
/// A state (`dealers.state`).
pub const STATE_MAX: usize = 100;
/// A country (`dealers.country`).
pub const COUNTRY_MAX: usize = 100;
/// A postal code (`dealers.postal_code`).
pub const POSTAL_CODE_MAX: usize = 20;
/// A phone number as typed (`dealers.phone`).
pub const PHONE_MAX: usize = 20;

/// A trimmed text field: `None` when empty (an error if `required`), too long, or holding control
/// characters; each problem reported against `field` in words that use `label`.
pub(super) fn text(
    errors: &mut Vec<FieldError>,
    field: &str,
    label: &str,
    value: &str,
    max: usize,
    required: bool,
) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.push(FieldError::new(field, format!("Enter the {label}.")));
        }
        return None;
    }
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("The {label} can have at most {max} characters."),
        ));
        return None;
    }
    if value.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field,
            format!("The {label} cannot contain control characters."),
        ));
        return None;
    }
    Some(value.to_owned())
}
