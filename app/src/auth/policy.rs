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

/// The path to continue to after signing in, if `next` is a plain local path; `/` otherwise. Never
/// another site (`//evil`, `https://...`), and no control, space or non-ASCII characters (browsers
/// drop tabs and newlines, turning `/<tab>/evil` into `//evil`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/modules/pcc?x=1")), "/modules/pcc?x=1");
        for hostile in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "javascript:x",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil",
            "/\u{e9}",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/", "{hostile:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

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
