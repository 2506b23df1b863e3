//! The per-request facts the server's middleware establishes once, and server functions read.

use http::request::Parts;
use leptos::prelude::use_context;
use uuid::Uuid;

use crate::auth::model::CurrentUser;

/// Who is asking: client IP and user agent, for audit rows and session records.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// The client address: the peer, or what a trusted proxy says it forwarded for.
    pub ip: Option<String>,
    /// The `User-Agent` header, truncated.
    pub user_agent: Option<String>,
    /// The browser's device cookie, if it sent one (checked only where it counts: sign-in).
    pub device: Option<DeviceToken>,
}

/// A device cookie's token as the browser sent it: a secret, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceToken(pub String);

impl std::fmt::Debug for DeviceToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceToken(..)")
    }
}

/// A live session, resolved from the session cookie by the authentication middleware.
#[derive(Debug, Clone)]
pub struct AuthSession {
    /// `session_logs.id`.
    pub session_id: Uuid,
    /// The user, and how far through sign-in this session is.
    pub user: CurrentUser,
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The request's [`RequestMeta`] (empty outside a request).
pub fn request_meta() -> RequestMeta {
    parts()
        .and_then(|p| p.extensions.get::<RequestMeta>().cloned())
        .unwrap_or_default()
}

/// The request's session at whatever stage, if any.
pub fn current_session() -> Option<AuthSession> {
    parts().and_then(|p| p.extensions.get::<AuthSession>().cloned())
}
