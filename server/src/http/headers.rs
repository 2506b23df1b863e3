//! Headers and origins: the security headers every response carries, and the same-origin rule
//! for requests that change something.

use app::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, Method, header};

use super::error_response;

/// Refuses state-changing requests that another site's page could have made the browser send
/// (Leptos server functions have no CSRF protection of their own): a non-GET request must come
/// from this site, by `Sec-Fetch-Site` or, from browsers that do not send it, by `Origin`.
pub(super) async fn same_origin_only(
    State(https): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let same_origin = match (fetch_site, origin) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => host.is_some_and(|host| {
            let scheme = if https { "https" } else { "http" };
            origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"))
        }),
        (None, None) => false,
    };
    if same_origin {
        return next.run(request).await;
    }
    tracing::warn!(?origin, ?fetch_site, ?host, "refused a cross-site request");
    error_response(&AppError::Forbidden {
        reason: "This request did not come from this site.".into(),
    })
}

/// Headers every response carries. HTML pages set their own nonce-based CSP (see `app`); anything
/// else gets a policy that allows nothing.
pub(super) async fn security_headers(
    State(https): State<bool>,
    request: Request,
    next: Next,
) -> Response {
    let cacheable = request.uri().path().starts_with("/pkg/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        // Same-origin: forms posted before hydration are sent back to their page (Leptos uses the
        // Referer), while no URL (a reset link's token, say) ever leaks to another site.
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), payment=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if !cacheable && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    response
}
