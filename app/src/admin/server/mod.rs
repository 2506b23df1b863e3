//! Administration services and queries (server only).

pub mod dealers;
pub mod oversight;
pub mod users;

/// `text` with LIKE's wildcards and escape character matched literally.
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A LIKE pattern matching lower-cased text that contains `text` (trimmed, any case).
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(&text.trim().to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern(" 50%_Off\\ "), "%50\\%\\_off\\\\%");
    }
}
