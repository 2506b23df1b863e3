//! What pages answer: the status of what happened to their data, not always 200.
//!
//! Leptos streams a page and sends its status before the data below the shell has arrived, so a
//! page whose list failed would answer 200 with "This page could not be loaded" in its body. Pages
//! are small (tens of kilobytes), so this holds the rendered HTML back until it is complete and
//! then answers the status the page recorded ([`PageStatus`]): 404 for a record that is not there,
//! 403 for one the user may not see, 500 for our fault. The browser receives the same bytes.

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode, header};

use app::error::PageStatus;

use super::is_api;

/// The largest page held back; a larger one is a fault, not a page.
const MAX_PAGE: usize = 16 * 1024 * 1024;

pub(super) async fn page_status(mut request: Request, next: Next) -> Response {
    let page = request.method() == Method::GET
        && !is_api(request.uri().path())
        && !request.uri().path().starts_with("/pkg/");
    if !page {
        return next.run(request).await;
    }
    let status = PageStatus::default();
    request.extensions_mut().insert(status.clone());
    let response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html || response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_PAGE).await else {
        tracing::error!("a page could not be rendered to its end");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side. Please try again.",
        )
            .into_response();
    };
    if let Some(failure) = status.failure() {
        parts.status = failure;
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}
