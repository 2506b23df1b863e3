//! Changing the case of the app's own English labels ("Sent back for revision" from "sent back
//! for revision"). ASCII only, by design: `char::to_uppercase` is Unicode-complete and brings
//! a 12 KB case table that the browser bundle's first module would carry (the split tool keeps
//! all data there) for labels that are ASCII anyway. Text people type is never case-changed here.

/// `label` with its first letter upper-cased.
pub fn capitalise(label: &str) -> String {
    let mut text = label.to_owned();
    if let Some(first) = text.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// `label` with its first letter lower-cased, for a label inside a sentence ("Enter the vehicle
/// lifts."); an acronym ("CSI score") stays as it is.
pub fn decapitalise(label: &str) -> String {
    let mut text = label.to_owned();
    let acronym = text.as_bytes().get(1).is_some_and(u8::is_ascii_uppercase);
    if let Some(first) = text.get_mut(..1).filter(|_| !acronym) {
        first.make_ascii_lowercase();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_letter_changes() {
        assert_eq!(
            capitalise("sent back for revision"),
            "Sent back for revision"
        );
        assert_eq!(capitalise("Already"), "Already");
        assert_eq!(capitalise(""), "");
        assert_eq!(capitalise("é"), "é");
        assert_eq!(decapitalise("Vehicle Lifts"), "vehicle Lifts");
        assert_eq!(decapitalise("CSI score"), "CSI score");
        assert_eq!(decapitalise(""), "");
    }
}
