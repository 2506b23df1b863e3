//! The HTTP surface: Leptos pages and server functions, health endpoints, static files, and the
//! middleware every request passes through (request ids, tracing, security headers, the plain-path
//! check, same-origin check, client attribution, rate limits, authentication, page statuses).

mod forms;
mod gate;
mod headers;
pub mod limits;
mod pages;

use std::time::Duration;

use app::error::AppError;
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use gate::is_plain_path;
pub use limits::AuthRateLimit;

/// Largest request body accepted (forms and server-function arguments are small).
const BODY_LIMIT: usize = 1024 * 1024;
/// A request still unanswered after this long is cut off with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);
/// The error body of a server function is small; anything larger is not an [`AppError`].
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The complete application router over `state`.
pub fn router(state: AppState, rate_limit: AuthRateLimit) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(app::modules::registrations::server::downloads::routes())
        .merge(app::export::lists::routes())
        .leptos_routes_with_context(&state, routes, headers::provide_page_nonce, move || {
            shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(headers::provide_page_nonce, shell))
        // Innermost first (axum layers wrap what came before).
        .layer(middleware::from_fn(pages::page_status))
        .layer(middleware::from_fn(forms::server_fn_error_status))
        .layer(middleware::from_fn(forms::refused_form_round_trip))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            gate::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            rate_limit.clone(),
            limits::limit_credential_endpoints,
        ))
        .layer(middleware::from_fn_with_state(
            rate_limit,
            limits::attribute_client,
        ))
        .layer(middleware::from_fn_with_state(
            state.auth.https,
            headers::same_origin_only,
        ))
        // Before any decision that compares paths as text.
        .layer(middleware::from_fn(gate::plain_paths_only))
        .layer(middleware::from_fn_with_state(
            state.auth.https,
            headers::security_headers,
        ))
        .layer(
            // Outermost first: every request gets an id before it is traced, and the id is echoed
            // on the response whatever happens further in.
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
                .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
                // Innermost: the timeout needs a response body type with a Default (the empty body).
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                )),
        )
        // The live-update stream stays open for as long as the page does: outside the timeout and
        // the compression (which would hold events back), and it checks its own session.
        .route(app::live::STREAM_PATH, get(crate::live::events))
        .with_state(state)
}

fn request_span(request: &Request<Body>) -> tracing::Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id,
    )
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers: 200, or 503 when it does not within [`READY_TIMEOUT`].
async fn readyz(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(READY_TIMEOUT, app::system::repo::ping(&state.pool)).await;
    match ping {
        Ok(Ok(())) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(_)) | Err(_) => {
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn error_response(err: &AppError) -> Response {
    let mut response = (err.status(), axum::Json(err)).into_response();
    if let AppError::RateLimited { retry_after_secs } = err
        && let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let mut response = (
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side. Please try again.",
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
