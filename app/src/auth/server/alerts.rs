//! Security notices: a user hears, in the portal and by e-mail, of every change to how their
//! account is signed in to that they might not have made themselves: a password change, a second
//! factor turned off, a sign-in from a device not seen before. Sent in the change's transaction.

use sqlx::PgConnection;
use uuid::Uuid;

use super::RequestMeta;
use crate::error::AppError;
use crate::notifications::server::notify;
use crate::notifications::{Notice, NoticeKind};

/// What happened to the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityEvent {
    /// The password was changed (by the user, while signed in).
    PasswordChanged,
    /// Two-factor authentication was turned off.
    MfaDisabled,
    /// A sign-in from a browser that had not signed in to this account before.
    NewDevice,
}

impl SecurityEvent {
    fn title(self) -> &'static str {
        match self {
            SecurityEvent::PasswordChanged => "Your password was changed",
            SecurityEvent::MfaDisabled => "Two-factor authentication was turned off",
            SecurityEvent::NewDevice => "New sign-in to your account",
        }
    }

    fn what(self) -> &'static str {
        match self {
            SecurityEvent::PasswordChanged => "The password of your account was changed",
            SecurityEvent::MfaDisabled => {
                "Two-factor authentication was turned off for your account"
            }
            SecurityEvent::NewDevice => {
                "Your account was signed in to from a browser it had not been used from before"
            }
        }
    }
}

/// Tells `user_id` (at `email`) of `event`, with where it came from.
pub async fn security_notice(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
    event: SecurityEvent,
    meta: &RequestMeta,
    public_url: &str,
) -> Result<(), AppError> {
    let from = match (&meta.ip, &meta.user_agent) {
        (Some(ip), Some(ua)) => format!(" (from {ip}, {ua})"),
        (Some(ip), None) => format!(" (from {ip})"),
        _ => String::new(),
    };
    let message = format!(
        "{}{from}. If this was not you, change your password now and tell your administrator.",
        event.what()
    );
    notify(
        conn,
        &[user_id],
        &Notice {
            title: event.title().to_owned(),
            message: message.clone(),
            kind: NoticeKind::Warning,
            link: Some("/account".into()),
        },
    )
    .await?;
    let body = format!(
        "{message}\n\nYour account and its sessions: {public_url}/account\n\n\
         This notice is sent for every such change and cannot be turned off.\n"
    );
    crate::mail::enqueue(conn, email, event.title(), &body).await
}
