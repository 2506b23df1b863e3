//! The one error type every server function returns.
//!
//! It crosses the wire as JSON, so the browser can tell "fix this field" from "sign in" from "our
//! fault". Database and other unexpected failures are logged on the server with their cause and reach
//! the browser only as [`AppError::Internal`] carrying the request id, never their text.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A message about one input field, shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's name, as the form submits it.
    pub field: String,
    /// What is wrong, in words the user can act on.
    pub message: String,
}

impl FieldError {
    /// A message about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every way a request can fail, as the browser sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session: the user must sign in.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Signed in, but not allowed; `reason` says which rule refused.
    #[error("You are not allowed to do this: {reason}")]
    Forbidden { reason: String },
    /// The record does not exist, or the caller may not know that it does.
    #[error("Not found.")]
    NotFound,
    /// Input was rejected; nothing was changed.
    #[error("Some fields need attention.")]
    Validation { fields: Vec<FieldError> },
    /// The request itself was malformed (missing or undecodable arguments).
    #[error("The request was not understood: {message}")]
    BadRequest { message: String },
    /// The record changed since the caller loaded it: nothing was saved. Says who changed it,
    /// when (`2026-12-02 14:05`, UTC, as the portal shows times; text, so that every page's
    /// WASM need not carry date parsing for an error most pages never see) and to what, so the
    /// user can reload and decide again.
    #[error("{message}")]
    Conflict {
        message: String,
        changed_by: Option<String>,
        changed_at: Option<String>,
    },
    /// Too many attempts; try again later.
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    RateLimited { retry_after_secs: u64 },
    /// Our fault. The cause is in the server log under `request_id`.
    #[error("Something went wrong on our side. Reference: {request_id}")]
    Internal { request_id: String },
    /// The browser could not reach the server or read its answer.
    #[error("Could not reach the server: {message}")]
    Transport { message: String },
}

impl AppError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            Self::Unauthenticated => S::UNAUTHORIZED,
            Self::Forbidden { .. } => S::FORBIDDEN,
            Self::NotFound => S::NOT_FOUND,
            Self::Validation { .. } => S::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => S::BAD_REQUEST,
            Self::Conflict { .. } => S::CONFLICT,
            Self::RateLimited { .. } => S::TOO_MANY_REQUESTS,
            Self::Internal { .. } => S::INTERNAL_SERVER_ERROR,
            Self::Transport { .. } => S::BAD_GATEWAY,
        }
    }

    /// A validation error about a single field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            fields: vec![FieldError::new(field, message)],
        }
    }

    /// The message for `field`, if this is a validation error that names it.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            Self::Validation { fields } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.as_str()),
            _ => None,
        }
    }
}

/// The most characters of a parser's message an error answer carries.
const MAX_ECHOED: usize = 300;

fn clip(text: String, max: usize) -> String {
    if text.chars().count() <= max {
        return text;
    }
    let mut clipped: String = text.chars().take(max).collect();
    clipped.push('…');
    clipped
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Deserialization(message) => Self::BadRequest {
                // A parser's message can quote the input (a megabyte of it): keep the start.
                message: clip(message, MAX_ECHOED),
            },
            other => Self::Transport {
                message: other.to_string(),
            },
        }
    }
}

#[cfg(feature = "ssr")]
mod server {
    use super::AppError;
    use leptos::prelude::use_context;

    impl AppError {
        /// Logs `cause` with the current request id and returns the opaque error the browser sees.
        #[track_caller]
        pub fn internal(cause: impl std::fmt::Display) -> Self {
            let request_id = current_request_id();
            let at = std::panic::Location::caller();
            // Escaped: a database error can quote user input, newlines included.
            let cause = cause.to_string();
            tracing::error!(%request_id, %at, "internal error: {}", cause.escape_debug());
            Self::Internal { request_id }
        }
    }

    /// The `x-request-id` of the request being served, or `-` outside a request.
    pub fn current_request_id() -> String {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| "-".to_owned())
    }

    impl From<sqlx::Error> for AppError {
        #[track_caller]
        fn from(err: sqlx::Error) -> Self {
            match err {
                sqlx::Error::RowNotFound => Self::NotFound,
                other => Self::internal(format_args!("database: {other}")),
            }
        }
    }
}

#[cfg(feature = "ssr")]
pub use server::current_request_id;

/// The status a server-rendered page answers when its data fails. The HTTP layer puts one into
/// every page request and reads it once the page is rendered, so a page that shows "This page
/// could not be loaded" answers 500, 403 or 404, not 200 (monitors and proxies judge by status).
#[cfg(feature = "ssr")]
#[derive(Clone, Debug, Default)]
pub struct PageStatus(std::sync::Arc<std::sync::atomic::AtomicU16>);

#[cfg(feature = "ssr")]
impl PageStatus {
    /// Records a failure; of several, the most severe (highest) status wins.
    pub fn report(&self, status: http::StatusCode) {
        self.0
            .fetch_max(status.as_u16(), std::sync::atomic::Ordering::Relaxed);
    }

    /// The status to answer, if any part of the page failed.
    pub fn failure(&self) -> Option<http::StatusCode> {
        match self.0.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            code => http::StatusCode::from_u16(code).ok(),
        }
    }

    /// Records that the page being rendered could not show its data because of `errors`
    /// ([`AppError`]s answer their own status; anything else is our fault, 500).
    pub fn report_errors<'a>(errors: impl IntoIterator<Item = &'a leptos::error::Error>) {
        use leptos::prelude::use_context;
        let Some(page) =
            use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<Self>().cloned())
        else {
            return;
        };
        for error in errors {
            let status = error
                .downcast_ref::<AppError>()
                .map_or(http::StatusCode::INTERNAL_SERVER_ERROR, AppError::status);
            page.report(status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_round_trip_through_json_as_the_browser_decodes_them() {
        let err = AppError::Validation {
            fields: vec![FieldError::new("email", "Enter an email address.")],
        };
        let decoded = AppError::de(err.ser());
        assert_eq!(decoded, err);
        assert_eq!(
            decoded.field_message("email"),
            Some("Enter an email address.")
        );
    }

    #[test]
    fn each_error_maps_to_the_status_a_client_expects() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::field("x", "y").status(), 422);
        assert_eq!(
            AppError::Internal {
                request_id: "r".into()
            }
            .status(),
            500
        );
    }

    #[test]
    fn argument_errors_become_bad_requests_not_internal_errors() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::Args("bad".into()));
        assert_eq!(err.status(), 400);
    }
}
