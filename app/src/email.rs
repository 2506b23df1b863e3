//! E-mail addresses: one rule for what the product accepts as one, used by sign-in, password
//! reset, the user and dealer forms and the `create-admin` command alike.

use serde::{Deserialize, Serialize};

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL: usize = 254;
/// The longest local part (before the `@`).
const MAX_LOCAL: usize = 64;

/// A normalised e-mail address: trimmed, lower-cased, and shaped like an address mail can be
/// sent to (the mail server has the last word on whether it exists).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a text is not an address, in words for the field error.
pub const EMAIL_HINT: &str = "Enter an email address such as name@example.com.";

impl Email {
    /// `text` as an address, or `None` when it is not one.
    pub fn parse(text: &str) -> Option<Email> {
        let email = text.trim().to_lowercase();
        let (local, domain) = email.split_once('@')?;
        let ok = !local.is_empty()
            && local.chars().count() <= MAX_LOCAL
            && email.chars().count() <= MAX_EMAIL
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        ok.then_some(Email(email))
    }

    /// The normalised form used to look accounts up, even for text that is no address (so a
    /// sign-in with a malformed address costs what one with an unknown address costs).
    pub fn lookup_key(text: &str) -> String {
        text.trim()
            .to_lowercase()
            .chars()
            .take(MAX_EMAIL + 1)
            .collect()
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = &'static str;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Email::parse(&value).ok_or(EMAIL_HINT)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse(" Asha@Dealer.Example ").unwrap().as_str(),
            "asha@dealer.example"
        );
    }

    #[test]
    fn an_address_needs_a_local_part_and_a_dotted_domain_and_no_spaces() {
        for bad in [
            "", "a@b", "@b.co", "a b@c.co", "a@.co", "a@co.", "a@b..co", "a@b@c.co", "a\0@b.co",
        ] {
            assert_eq!(Email::parse(bad), None, "{bad:?}");
        }
        assert!(Email::parse("a@b.co").is_some());
        assert!(Email::parse(&format!("{}@b.co", "x".repeat(65))).is_none());
        assert!(Email::parse(&format!("a@{}.co", "x".repeat(260))).is_none());
    }
}
