//! A form posted without JavaScript (or before hydration) and refused, carried back to its page.
//!
//! Leptos answers such a post with a redirect to the page it came from, naming the refused form
//! ([`FORM_PARAM`]: its server function's path) and the error ([`ERROR_PARAM`]); its router reads
//! them back and seeds that form's `ServerAction` with the error, so the page renders the field
//! messages. What was typed would be lost: the server's middleware adds it to the redirect
//! ([`back_to_form`]), except secrets ([`is_secret`]), and the form's fields start from it
//! ([`posted_value`]). A successful post is left alone: it redirects where its server function
//! says.

use crate::list::encode_params;

/// The query parameter naming the refused form's server function, e.g. `/api/admin/dealers/create`
/// (Leptos' own name for it).
pub const FORM_PARAM: &str = "__path";
/// The query parameter holding the refusal: the `AppError` as its server-function encoding (JSON),
/// in URL-safe base64, as Leptos' `ServerFnUrlError` writes and reads it.
pub const ERROR_PARAM: &str = "__err";

/// Whether a field must never travel back in a URL (URLs end up in logs and browser history):
/// passwords, tokens, secrets, and the second factor's `code`.
pub fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "code"
        || ["password", "token", "secret"]
            .iter()
            .any(|s| name.contains(s))
}

/// Where a refused post goes back to: the page it came from (`from`: path and query, any earlier
/// round trip's parameters dropped), naming the form and its error, with the non-secret values
/// that were posted.
pub fn back_to_form(
    from: &str,
    form_path: &str,
    encoded_error: &str,
    posted: &[(String, String)],
) -> String {
    let (path, query) = from.split_once('?').unwrap_or((from, ""));
    let posted_names: Vec<&str> = posted.iter().map(|(k, _)| k.as_str()).collect();
    let mut params: Vec<(&str, String)> = query
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let keep =
                !k.is_empty() && k != FORM_PARAM && k != ERROR_PARAM && !posted_names.contains(&k);
            keep.then(|| {
                (
                    k,
                    urlencoding::decode(v)
                        .map(|v| v.into_owned())
                        .unwrap_or_default(),
                )
            })
        })
        .collect();
    params.push((FORM_PARAM, form_path.to_owned()));
    params.push((ERROR_PARAM, encoded_error.to_owned()));
    params.extend(
        posted
            .iter()
            .filter(|(k, _)| !is_secret(k) && k != FORM_PARAM && k != ERROR_PARAM)
            .map(|(k, v)| (k.as_str(), v.clone())),
    );
    format!("{path}{}", encode_params(&params))
}

/// The value of field `name` as posted in a refused form that came back (see the module doc);
/// `None` on any other visit. `query` reads a URL query parameter.
pub fn posted_value(query: impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    query(FORM_PARAM)?;
    query(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(url: &str) -> Vec<(String, String)> {
        url.split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
            .split('&')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_owned(), urlencoding::decode(v).unwrap().into_owned())
            })
            .collect()
    }

    #[test]
    fn a_refused_post_goes_back_with_its_error_and_values_but_never_secrets() {
        let url = back_to_form(
            "/admin/dealers/new?tab=x&__err=old&dealer_name=stale",
            "/api/admin/dealers/create",
            "eyJraW5kIjoibm90X2ZvdW5kIn0=",
            &[
                ("dealer_name".into(), "Mumbai & Co".into()),
                ("new_password".into(), "hunter2hunter2".into()),
                ("code".into(), "123456".into()),
            ],
        );
        assert!(url.starts_with("/admin/dealers/new?"));
        let p = params(&url);
        assert_eq!(
            p,
            [
                ("tab".to_owned(), "x".to_owned()),
                (
                    FORM_PARAM.to_owned(),
                    "/api/admin/dealers/create".to_owned()
                ),
                (
                    ERROR_PARAM.to_owned(),
                    "eyJraW5kIjoibm90X2ZvdW5kIn0=".to_owned()
                ),
                ("dealer_name".to_owned(), "Mumbai & Co".to_owned()),
            ]
        );
    }

    #[test]
    fn values_are_read_back_only_from_a_form_that_came_back() {
        let came_back = |k: &str| match k {
            FORM_PARAM => Some("/api/x".to_owned()),
            "name" => Some("Asha".to_owned()),
            _ => None,
        };
        assert_eq!(posted_value(came_back, "name").as_deref(), Some("Asha"));
        let plain_visit = |k: &str| (k == "name").then(|| "Asha".to_owned());
        assert_eq!(posted_value(plain_visit, "name"), None);
    }

    #[test]
    fn secret_looking_fields_are_recognised_whatever_their_case() {
        for name in [
            "password",
            "current_password",
            "Confirm_Password",
            "token",
            "code",
        ] {
            assert!(is_secret(name), "{name}");
        }
        for name in ["dealer_name", "dealer_code", "postal_code", "email", "next"] {
            assert!(!is_secret(name), "{name}");
        }
    }
}
