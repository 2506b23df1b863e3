//! Who may reach what: the plain-path check every request passes first, and the authentication
//! gate that resolves the session cookie and keeps visitors to the steps they may take.

use app::auth::model::AccessStage;
use app::auth::server::session::MAX_USER_AGENT;
use app::auth::server::{AuthSession, DeviceToken, RequestMeta, cookie, session};
use app::error::AppError;
use app::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderMap, Method, StatusCode, header};

use super::limits::client_ip;
use super::{error_response, is_api};

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

/// Whether `path` is in its one plain form: absolute, no empty, `.` or `..` segment, no
/// backslash, and no percent-encoded dot, slash, backslash or control character. Decisions below
/// compare paths as text, so `/pkg/../admin/users` (which a router may resolve to an admin page)
/// must never reach them.
pub fn is_plain_path(path: &str) -> bool {
    if !path.starts_with('/') || path.contains('\\') || path.chars().any(char::is_control) {
        return false;
    }
    let lower = path.to_ascii_lowercase();
    const HIDDEN: [&str; 4] = ["%2e", "%2f", "%5c", "%00"];
    if HIDDEN.iter().any(|h| lower.contains(h)) {
        return false;
    }
    // Empty segments (doubled slashes) are not plain; one trailing slash is.
    let body = path[1..].strip_suffix('/').unwrap_or(&path[1..]);
    body.is_empty() || body.split('/').all(|seg| !matches!(seg, "" | "." | ".."))
}

/// Refuses, before any other decision, a request whose path is not in its plain form
/// ([`is_plain_path`]): 400, with nothing rendered.
pub(super) async fn plain_paths_only(request: Request, next: Next) -> Response {
    if is_plain_path(request.uri().path()) {
        return next.run(request).await;
    }
    tracing::warn!(path = ?request.uri().path(), "refused a path that is not in its plain form");
    (
        StatusCode::BAD_REQUEST,
        "This address is not in its plain form. Use the links in the portal.",
    )
        .into_response()
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
pub(super) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let cookies: Vec<&str> = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let https = state.auth.https;
    let token = cookies
        .iter()
        .find_map(|h| cookie::token_from_header(h, https));
    let device = cookies
        .iter()
        .find_map(|h| cookie::device_from_header(h, https))
        .map(DeviceToken);
    let meta = RequestMeta {
        ip: client_ip(&request).map(|ip| ip.to_string()),
        user_agent: user_agent(request.headers()),
        device,
    };
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
