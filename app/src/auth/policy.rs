//! Password rules that the browser and the server share. The server adds a strength estimate
//! (zxcvbn) that is too large to ship to the browser.

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (generous for passphrases; bounds hashing and estimation work).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Checks the length rule: at least 12 and at most 128 characters, no composition rules.
pub fn check_length(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters (this one has {n}). A few unrelated words make a strong, memorable password."
        ))
    } else if n > MAX_PASSWORD_CHARS {
        Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_characters_pass_and_eleven_do_not() {
        assert!(check_length("abcdefghijk").is_err());
        assert!(check_length("abcdefghijkl").is_ok());
    }

    #[test]
    fn characters_not_bytes_are_counted() {
        assert!(check_length("ééééééééééé").is_err());
        assert!(check_length(&"é".repeat(128)).is_ok());
        assert!(check_length(&"a".repeat(129)).is_err());
    }
}
