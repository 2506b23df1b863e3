//! Server-side identity: sessions, sign-in, passwords, second factor, reset (server only).

pub mod access;
pub mod context;
pub mod cookie;
pub mod mfa;
pub mod service;
pub mod session;
pub mod tokens;

pub use context::{
    AuthSession, RequestMeta, current_session, request_meta, require_stage, require_user,
};
