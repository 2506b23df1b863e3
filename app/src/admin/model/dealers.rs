//! The dealers screens' model: the list's query and rows, the picker's options, and the dealer form
//! and its checks.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::fields::{
    ADDRESS_MAX, CITY_MAX, COUNTRY_MAX, DEALER_CODE_MAX, DEALER_NAME_MAX, PHONE_MAX,
    POSTAL_CODE_MAX, STATE_MAX, text,
};
use crate::dealers::{Brand, DealerStatus};
use crate::email::Email;
use crate::error::FieldError;
use crate::list::{Cursor, encode_params};

/// Search, filters and position of the dealers list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerQuery {
    /// Part of the code, name or city.
    pub search: String,
    /// Only this status.
    #[serde(default, deserialize_with = "crate::list::empty_is_none")]
    pub status: Option<DealerStatus>,
    /// Only this brand.
    #[serde(default, deserialize_with = "crate::list::empty_is_none")]
    pub brand: Option<Brand>,
    /// The cursor of the page to show.
    pub after: Option<Cursor>,
}

impl DealerQuery {
    /// The query described by URL parameters (unknown values are ignored).
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        DealerQuery {
            search: non_empty("q").unwrap_or_default(),
            status: non_empty("status").and_then(|s| DealerStatus::from_key(&s)),
            brand: non_empty("brand").and_then(|b| Brand::from_key(&b)),
            after: non_empty("after").map(Cursor::from_param),
        }
    }

    /// URL parameters for this query (without the cursor unless `with_cursor`).
    pub fn to_params(&self, with_cursor: bool) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        if !self.search.is_empty() {
            params.push(("q", self.search.clone()));
        }
        if let Some(s) = self.status {
            params.push(("status", s.key().to_owned()));
        }
        if let Some(b) = self.brand {
            params.push(("brand", b.key().to_owned()));
        }
        if with_cursor && let Some(a) = &self.after {
            params.push(("after", a.as_str().to_owned()));
        }
        encode_params(&params)
    }
}

/// A dealer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerRow {
    /// `dealers.id`.
    pub id: Uuid,
    /// Unique dealer code.
    pub dealer_code: String,
    /// Name.
    pub dealer_name: String,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Brand.
    pub brand: Option<Brand>,
    /// Status.
    pub status: DealerStatus,
    /// Active users of the dealer.
    pub active_users: i64,
}

/// A dealer for a dealer picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerOption {
    /// `dealers.id`.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Status.
    pub status: DealerStatus,
}

/// The dealer form as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DealerForm {
    /// Unique code.
    pub dealer_code: String,
    /// Name.
    pub dealer_name: String,
    /// Street address.
    pub address: String,
    /// City.
    pub city: String,
    /// State.
    pub state: String,
    /// Country.
    pub country: String,
    /// Postal code.
    pub postal_code: String,
    /// Phone.
    pub phone: String,
    /// Email.
    pub email: String,
    /// Brand.
    pub brand: String,
    /// Status.
    pub status: String,
}

/// A dealer form that passed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidDealer {
    /// Upper-cased code.
    pub dealer_code: String,
    /// Name.
    pub dealer_name: String,
    /// Street address.
    pub address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State.
    pub state: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<Email>,
    /// Brand.
    pub brand: Brand,
    /// Status.
    pub status: DealerStatus,
}

/// Whether `phone` looks like a phone number: digits with optional `+` prefix, spaces, dashes,
/// dots and parentheses; 7 to 15 digits (E.164 allows 15).
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .char_indices()
        .all(|(i, c)| c.is_ascii_digit() || " -.()".contains(c) || (c == '+' && i == 0));
    allowed && (7..=15).contains(&digits) && phone.len() <= PHONE_MAX
}

impl DealerForm {
    /// Checks every field; all problems at once, each against its field.
    pub fn validate(&self) -> Result<ValidDealer, Vec<FieldError>> {
        let mut errors = Vec::new();
        let code = self.dealer_code.trim().to_ascii_uppercase();
        if code.is_empty() {
            errors.push(FieldError::new("dealer_code", "Enter the dealer code."));
        } else if code.len() > DEALER_CODE_MAX
            || !code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(FieldError::new(
                "dealer_code",
                "Use up to 50 letters, digits, dashes and underscores.",
            ));
        }
        let dealer_name = text(
            &mut errors,
            "dealer_name",
            "dealer name",
            &self.dealer_name,
            DEALER_NAME_MAX,
            true,
        );
        let address = text(
            &mut errors,
            "address",
            "address",
            &self.address,
            ADDRESS_MAX,
            false,
        );
        let city = text(&mut errors, "city", "city", &self.city, CITY_MAX, false);
        let state = text(&mut errors, "state", "state", &self.state, STATE_MAX, false);
        let country = text(
            &mut errors,
            "country",
            "country",
            &self.country,
            COUNTRY_MAX,
            false,
        );
        let postal_code = text(
            &mut errors,
            "postal_code",
            "postal code",
            &self.postal_code,
            POSTAL_CODE_MAX,
            false,
        );
        let phone = match self.phone.trim() {
            "" => None,
            p if valid_phone(p) => Some(p.to_owned()),
            _ => {
                errors.push(FieldError::new(
                    "phone",
                    "Enter a phone number of 7 to 15 digits, such as +91 22 5555 0100.",
                ));
                None
            }
        };
        let email = match self.email.trim() {
            "" => None,
            e => match Email::parse(e) {
                Some(email) => Some(email),
                None => {
                    errors.push(FieldError::new(
                        "email",
                        "Enter an email address such as service@dealer.example.",
                    ));
                    None
                }
            },
        };
        let brand = Brand::from_key(self.brand.trim());
        if brand.is_none() {
            errors.push(FieldError::new(
                "brand",
                "Choose Volkswagen, Skoda or Both.",
            ));
        }
        let status = DealerStatus::from_key(self.status.trim());
        if status.is_none() {
            errors.push(FieldError::new(
                "status",
                "Choose active, inactive or suspended.",
            ));
        }
        match (dealer_name, brand, status, errors.is_empty()) {
            (Some(dealer_name), Some(brand), Some(status), true) => Ok(ValidDealer {
                dealer_code: code,
                dealer_name,
                address,
                city,
                state,
                country,
                postal_code,
                phone,
                email,
                brand,
                status,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dealer_forms_check_code_phone_email_brand_and_status() {
        let mut f = DealerForm {
            dealer_code: "mum-001".into(),
            dealer_name: "Mumbai Motors".into(),
            phone: "+91 22 5555 0100".into(),
            email: "Service@Mumbai.Example".into(),
            brand: "Skoda".into(),
            status: "active".into(),
            ..DealerForm::default()
        };
        let ok = f.validate().unwrap();
        assert_eq!(ok.dealer_code, "MUM-001");
        assert_eq!(
            ok.email.as_ref().map(Email::as_str),
            Some("service@mumbai.example")
        );
        f.phone = "12ab".into();
        f.email = "nope".into();
        f.brand = "Audi".into();
        f.status = "closed".into();
        f.dealer_code = "bad code!".into();
        let fields: Vec<String> = f
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["dealer_code", "phone", "email", "brand", "status"]);
    }
}
