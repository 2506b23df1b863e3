//! Server-side identity: sessions, sign-in, passwords, second factor, reset (server only).

pub mod access;
pub mod account;
pub mod admit;
pub mod alerts;
pub mod context;
pub mod cookie;
pub mod devices;
pub mod mfa;
pub mod password;
pub mod passwords;
pub mod second_factor;
pub mod session;
pub mod signin;
pub mod throttle;
pub mod tokens;

pub use admit::{Ctx, Tx, Visit, admit, admit_visit, visit};
pub use context::{AuthSession, DeviceToken, RequestMeta, current_session, request_meta};
