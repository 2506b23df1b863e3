//! The session cookie: `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` and the `__Host-` prefix
//! when the site is served over HTTPS.

use cookie::{Cookie, SameSite};

/// Cookie name over plain HTTP (development).
const PLAIN_NAME: &str = "oap_session";
/// Cookie name over HTTPS: the prefix makes browsers insist on Secure, Path=/ and no Domain.
const SECURE_NAME: &str = "__Host-oap_session";

/// The session cookie's name for this deployment.
pub fn name(secure: bool) -> &'static str {
    if secure { SECURE_NAME } else { PLAIN_NAME }
}

/// `Set-Cookie` value carrying `token`. No Max-Age: the server enforces the idle and absolute
/// timeouts, and the cookie ends with the browser session.
pub fn set(token: &str, secure: bool) -> String {
    Cookie::build((name(secure), token))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/")
        .build()
        .to_string()
}

/// `Set-Cookie` value that deletes the session cookie.
pub fn clear(secure: bool) -> String {
    Cookie::build((name(secure), ""))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/")
        .removal()
        .build()
        .to_string()
}

/// The session token in a `Cookie` request header, if any.
pub fn token_from_header(header: &str, secure: bool) -> Option<String> {
    read(header, name(secure))
}

fn read(header: &str, wanted: &str) -> Option<String> {
    Cookie::split_parse(header)
        .filter_map(Result::ok)
        .find(|c| c.name() == wanted)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// The device cookie's name: it marks a browser that completed a sign-in to an account, so that
/// account's sign-in throttle from this browser is its own (see `throttle`).
pub fn device_name(secure: bool) -> &'static str {
    if secure {
        "__Host-oap_device"
    } else {
        "oap_device"
    }
}

/// How long a browser stays known without signing in again.
pub const DEVICE_DAYS: i64 = 180;

/// `Set-Cookie` value carrying a device token, kept for [`DEVICE_DAYS`].
pub fn set_device(token: &str, secure: bool) -> String {
    Cookie::build((device_name(secure), token))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::days(DEVICE_DAYS))
        .build()
        .to_string()
}

/// The device token in a `Cookie` request header, if any.
pub fn device_from_header(header: &str, secure: bool) -> Option<String> {
    read(header, device_name(secure))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_lax_and_secure_with_the_host_prefix_over_https() {
        let c = set("tok", true);
        assert!(c.starts_with("__Host-oap_session=tok"), "{c}");
        for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(c.contains(attr), "{c} lacks {attr}");
        }
        let plain = set("tok", false);
        assert!(plain.starts_with("oap_session=tok") && !plain.contains("Secure"));
    }

    #[test]
    fn the_token_is_read_back_from_a_cookie_header() {
        assert_eq!(
            token_from_header("a=1; oap_session=xyz; b=2", false).as_deref(),
            Some("xyz")
        );
        assert_eq!(token_from_header("a=1", false), None);
        assert_eq!(token_from_header("oap_session=", false), None);
        assert_eq!(
            device_from_header("oap_session=a; oap_device=d", false).as_deref(),
            Some("d")
        );
        let device = set_device("d", true);
        assert!(device.starts_with("__Host-oap_device=d") && device.contains("Max-Age="));
    }
}
