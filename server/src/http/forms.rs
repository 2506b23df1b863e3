//! What server functions answer: the status their error names, and a refused form posted without
//! JavaScript sent back filled in.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use app::error::AppError;

use super::{BODY_LIMIT, MAX_ERROR_BODY, is_api};

/// Server functions answer every error with 500; this gives a failed call the status its
/// [`AppError`] names (401, 403, 422, ...), so clients, logs and tests see what really happened.
pub(super) async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let response = next.run(request).await;
    if !api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        // Not an AppError (they are small); the body could not be read back, so say so plainly.
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = err.status();
        if let AppError::RateLimited { retry_after_secs } = err
            && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            parts.headers.insert(header::RETRY_AFTER, v);
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A form posted without JavaScript that its server function refuses: Leptos redirects back to
/// the page it came from with the error (`__path`, `__err`), which seeds the form's action on the
/// next render, but drops what was typed. This adds the posted values (never a secret) to that
/// redirect (see [`app::posted`]), so the page shows the messages with the form filled in as it was.
pub(super) async fn refused_form_round_trip(request: Request, next: Next) -> Response {
    let is_form_post = request.method() == Method::POST
        && is_api(request.uri().path())
        && header_contains(request.headers(), header::ACCEPT, "text/html")
        && header_contains(
            request.headers(),
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        );
    if !is_form_post {
        return next.run(request).await;
    }
    let form_path = request.uri().path().to_owned();
    let (parts, body) = request.into_parts();
    let Ok(posted) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request too large").into_response();
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&posted)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut response = next
        .run(Request::from_parts(parts, Body::from(posted)))
        .await;
    if !response.status().is_redirection() {
        return response;
    }
    let back = response
        .headers()
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .and_then(|l| url::Url::parse(l).ok())
        .and_then(|to| {
            // Only the refusal of this very form; a success redirects where its function says.
            let error = to
                .query_pairs()
                .find(|(k, _)| k == app::posted::ERROR_PARAM)?
                .1
                .into_owned();
            to.query_pairs()
                .any(|(k, v)| k == app::posted::FORM_PARAM && v == form_path.as_str())
                .then(|| {
                    let from = match to.query() {
                        Some(q) => format!("{}?{q}", to.path()),
                        None => to.path().to_owned(),
                    };
                    app::posted::back_to_form(&from, &form_path, &error, &fields)
                })
        });
    if let Some(location) = back
        && let Ok(value) = HeaderValue::from_str(&location)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn header_contains(headers: &HeaderMap, name: header::HeaderName, needle: &str) -> bool {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(needle))
}
