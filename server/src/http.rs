//! The HTTP surface: Leptos pages and server functions, health endpoints, static files, and the
//! middleware every request passes through (request ids, tracing, security headers, same-origin
//! check, rate limits, authentication).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use app::auth::model::AccessStage;
use app::auth::server::session::MAX_USER_AGENT;
use app::auth::server::{AuthSession, RequestMeta, cookie, session};
use app::error::AppError;
use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (forms and server-function arguments are small).
const BODY_LIMIT: usize = 1024 * 1024;
/// A request still unanswered after this long is cut off with 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `/readyz` waits for the database.
const READY_TIMEOUT: Duration = Duration::from_secs(2);
/// The error body of a server function is small; anything larger is not an [`AppError`].
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Paths anyone may open: sign-in, password reset, health, static assets.
const PUBLIC_PATHS: &[&str] = &[
    "/login",
    "/password/forgot",
    "/password/reset",
    "/dev/mailbox",
    "/healthz",
    "/readyz",
    "/favicon.svg",
    "/robots.txt",
    "/api/auth/login",
    "/api/auth/logout",
    "/api/auth/me",
    "/api/auth/password/forgot",
    "/api/auth/password/reset",
    "/api/dev/mailbox",
];
/// Static files cargo-leptos writes.
const PUBLIC_PREFIXES: &[&str] = &["/pkg/"];
/// What a session that still owes its second factor may reach.
const MFA_STEP_PATHS: &[&str] = &["/login/mfa", "/api/auth/mfa/verify"];
/// What a session that must first enrol a second factor may reach.
const ENROLMENT_PATHS: &[&str] = &[
    "/account/mfa",
    "/api/auth/mfa/begin",
    "/api/auth/mfa/confirm",
];
/// Endpoints that guess at credentials, limited per client IP.
const RATE_LIMITED_PATHS: &[&str] = &[
    "/api/auth/login",
    "/api/auth/password/forgot",
    "/api/auth/password/reset",
    "/api/auth/password/change",
    "/api/auth/mfa/verify",
    "/api/auth/mfa/confirm",
    "/api/auth/mfa/disable",
];

/// Per-IP limiter of the credential endpoints.
#[derive(Clone)]
pub struct AuthRateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl AuthRateLimit {
    /// Allows `per_minute` requests per minute per IP, in bursts of up to that many.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        Self {
            limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// Forgets clients whose budget is full again, so the table does not grow without bound.
    pub fn retain_recent(&self) {
        self.limiter.retain_recent();
    }

    /// Reads `security.auth_rate_limit_per_minute` (30 when unset).
    pub async fn from_settings(pool: &sqlx::PgPool) -> anyhow::Result<Self> {
        let mut conn = pool.acquire().await?;
        let [value] =
            app::settings::ints(&mut conn, [app::settings::AUTH_RATE_LIMIT_PER_MINUTE]).await?;
        Ok(Self::per_minute(u32::try_from(value).unwrap_or(u32::MAX)))
    }
}

/// The complete application router over `state`.
pub fn router(state: AppState, rate_limit: AuthRateLimit) -> Router {
    let routes = generate_route_list(App);
    let leptos_options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(app::modules::registrations::server::downloads::routes())
        .leptos_routes(&state, routes, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // Innermost first (axum layers wrap what came before).
        .layer(middleware::from_fn(server_fn_error_status))
        .layer(middleware::from_fn(refused_form_round_trip))
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            rate_limit,
            limit_credential_endpoints,
        ))
        .layer(middleware::from_fn_with_state(
            state.auth.https,
            same_origin_only,
        ))
        .layer(middleware::from_fn_with_state(
            state.auth.https,
            security_headers,
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

fn peer_ip(request: &Request) -> Option<IpAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(MAX_USER_AGENT).collect())
}

/// Resolves the session cookie once per request, puts the session and the client's IP and user
/// agent into the request for server functions, and keeps everyone out of what they may not reach
/// yet: signed-out visitors go to sign-in (pages) or get 401 (server functions); a session owing
/// its second factor or its enrolment reaches only that step.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let meta = RequestMeta {
        ip: peer_ip(&request).map(|ip| ip.to_string()),
        user_agent: user_agent(request.headers()),
    };
    let token = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie::token_from_header(h, state.auth.https));
    let session: Option<AuthSession> = match token {
        Some(token) => match state.pool.acquire().await {
            Ok(mut conn) => match session::resolve(&mut conn, &token).await {
                Ok(s) => s,
                Err(err) => return error_response(&err),
            },
            Err(err) => return error_response(&AppError::from(err)),
        },
        None => None,
    };
    request.extensions_mut().insert(meta);
    let stage = session.as_ref().map(|s| s.user.stage);
    if let Some(session) = session {
        request.extensions_mut().insert(session);
    }

    let path = request.uri().path().to_owned();
    if PUBLIC_PATHS.contains(&path.as_str()) || PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
    {
        return next.run(request).await;
    }
    let (allowed, step_page) = match stage {
        Some(AccessStage::Full) => return next.run(request).await,
        None => (false, "/login"),
        Some(AccessStage::MfaPending) => (MFA_STEP_PATHS.contains(&path.as_str()), "/login/mfa"),
        Some(AccessStage::MfaEnrolmentRequired) => {
            (ENROLMENT_PATHS.contains(&path.as_str()), "/account/mfa")
        }
    };
    if allowed {
        return next.run(request).await;
    }
    if is_api(&path) {
        let err = match stage {
            None => AppError::Unauthenticated,
            Some(_) => AppError::Forbidden {
                reason: "Finish signing in first.".into(),
            },
        };
        return error_response(&err);
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return error_response(&AppError::Unauthenticated);
    }
    let wanted = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let target = if wanted == "/" {
        step_page.to_owned()
    } else {
        format!("{step_page}?next={}", urlencoding::encode(&wanted))
    };
    Redirect::to(&target).into_response()
}

/// Refuses state-changing requests that another site's page could have made the browser send
/// (Leptos server functions have no CSRF protection of their own): a non-GET request must come
/// from this site, by `Sec-Fetch-Site` or, from browsers that do not send it, by `Origin`.
async fn same_origin_only(State(https): State<bool>, request: Request, next: Next) -> Response {
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

/// Per-IP rate limit of the endpoints that test credentials.
async fn limit_credential_endpoints(
    State(limit): State<AuthRateLimit>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST || !RATE_LIMITED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let ip = peer_ip(&request).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    match limit.limiter.check_key(&ip) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            use governor::clock::{Clock, DefaultClock};
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::warn!(%ip, "rate limit reached on a credential endpoint");
            error_response(&AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            })
        }
    }
}

/// Headers every response carries. HTML pages set their own nonce-based CSP (see `app`); anything
/// else gets a policy that allows nothing.
async fn security_headers(State(https): State<bool>, request: Request, next: Next) -> Response {
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

/// Server functions answer every error with 500; this gives a failed call the status its
/// [`AppError`] names (401, 403, 422, ...), so clients, logs and tests see what really happened.
async fn server_fn_error_status(request: Request, next: Next) -> Response {
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
async fn refused_form_round_trip(request: Request, next: Next) -> Response {
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
