//! Headers and origins: the security headers every response carries, and the same-origin rule
//! for requests that change something.

use app::error::AppError;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{HeaderValue, Method, header};
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

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

/// The Content-Security-Policy of an HTML page: scripts only with this response's `nonce` (Leptos
/// puts it on its hydration and streaming scripts) and WASM compilation.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// What any other response gets: a policy that allows nothing.
const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The nonce a page request renders with, minted here and handed to Leptos (see
/// [`provide_page_nonce`]), so that the header and the page's scripts always agree whichever
/// handler answers and whenever Leptos reads its response options.
#[derive(Clone)]
struct PageNonce(Nonce);

/// Gives Leptos the nonce [`security_headers`] minted for this request; called in the context of
/// every page Leptos renders.
pub(super) fn provide_page_nonce() {
    let minted = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned());
    if let Some(PageNonce(nonce)) = minted {
        provide_context(nonce);
    }
}

/// Headers every response carries, the security policy among them: an HTML page's allows the
/// scripts that carry the nonce minted here; anything else's allows nothing.
pub(super) async fn security_headers(
    State(https): State<bool>,
    mut request: Request,
    next: Next,
) -> Response {
    let cacheable = request.uri().path().starts_with("/pkg/");
    let nonce =
        (matches!(*request.method(), Method::GET | Method::HEAD) && !cacheable).then(Nonce::new);
    if let Some(nonce) = &nonce {
        request.extensions_mut().insert(PageNonce(nonce.clone()));
    }
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match (&nonce, html) {
        (Some(nonce), true) => HeaderValue::from_str(&page_policy(nonce)).ok(),
        _ => None,
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        policy.unwrap_or(HeaderValue::from_static(NOTHING_POLICY)),
    );
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
