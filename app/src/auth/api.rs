//! Identity server functions. Each states first who may call it; the authentication middleware
//! has already resolved the session cookie into the request.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{CurrentUser, DevMail, LoginOutcome, MfaEnrolment, SessionSummary};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use super::super::model::AccessStage;
    pub use super::super::server::service;
    pub use super::super::server::{
        cookie, current_session, request_meta, require_stage, require_user,
    };
    use crate::error::AppError;
    pub use crate::state::app_state;
    use http::{HeaderValue, header::SET_COOKIE};
    use leptos::prelude::*;

    /// `path`, carrying where to go afterwards.
    pub fn with_next(path: &str, next: &str) -> String {
        if next == "/" {
            path.to_owned()
        } else {
            format!("{path}?next={}", urlencoding::encode(next))
        }
    }

    /// Adds a `Set-Cookie` header to the response being built.
    pub fn set_cookie(value: &str) -> Result<(), AppError> {
        let response = expect_context::<leptos_axum::ResponseOptions>();
        let value = HeaderValue::from_str(value).map_err(AppError::internal)?;
        response.append_header(SET_COOKIE, value);
        Ok(())
    }
}
#[cfg(feature = "ssr")]
use ssr::*;

/// Who is signed in, if anyone (any stage).
#[server(endpoint = "auth/me")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    Ok(current_session().map(|s| s.user))
}

/// Signs in with email and password. Works as a plain form post before hydration: the answer
/// redirects to the next step.
#[server(endpoint = "auth/login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let state = app_state()?;
    let meta = request_meta();
    let signed_in = service::login(&state, &meta, &email, password, next.as_deref()).await?;
    // A new token at every sign-in: any session this browser still had ends now.
    if let Some(previous) = current_session()
        && let Err(err) = service::logout(&state, &meta, &previous).await
    {
        // The new session stands; the old one still ends at its timeout.
        tracing::warn!("could not end the previous session at sign-in: {err}");
    }
    set_cookie(&cookie::set(&signed_in.token, state.auth.https))?;
    let target = match &signed_in.outcome {
        LoginOutcome::SignedIn { next } => next.clone(),
        LoginOutcome::MfaRequired { next } => with_next("/login/mfa", next),
        LoginOutcome::EnrolmentRequired { next } => with_next("/account/mfa", next),
    };
    leptos_axum::redirect(&target);
    Ok(signed_in.outcome)
}

/// Signs out: ends the session and deletes the cookie.
#[server(endpoint = "auth/logout")]
pub async fn logout() -> Result<(), AppError> {
    let state = app_state()?;
    if let Some(session) = current_session() {
        service::logout(&state, &request_meta(), &session).await?;
    }
    set_cookie(&cookie::clear(state.auth.https))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The second sign-in step: a TOTP code or a recovery code.
#[server(endpoint = "auth/mfa/verify")]
pub async fn verify_mfa(
    code: String,
    #[server(default)] next: Option<String>,
) -> Result<(), AppError> {
    let session = require_stage(&[AccessStage::MfaPending])?;
    let state = app_state()?;
    service::verify_second_factor(&state, &request_meta(), &session, &code).await?;
    // A new token for the now fully signed-in session: the half-signed-in one is never promoted.
    let mut conn = state.pool.acquire().await?;
    let token = super::server::session::rotate_token(&mut conn, session.session_id).await?;
    set_cookie(&cookie::set(&token, state.auth.https))?;
    leptos_axum::redirect(&service::safe_next(next.as_deref()));
    Ok(())
}

/// Changes my password; ends my other sessions. Returns how many ended.
#[server(endpoint = "auth/password/change")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<usize, AppError> {
    let session = require_user()?;
    let state = app_state()?;
    let ended = service::change_password(
        &state,
        &request_meta(),
        &session,
        current_password,
        new_password,
        confirm_password,
    )
    .await?;
    // The outcome travels in the URL, so a form posted before hydration shows it too.
    leptos_axum::redirect(&format!("/account?password_changed={ended}"));
    Ok(ended)
}

/// Asks for a reset link. The answer is the same whether or not the account exists.
#[server(endpoint = "auth/password/forgot")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    let state = app_state()?;
    service::request_reset(&state, &request_meta(), &email).await?;
    leptos_axum::redirect("/password/forgot?sent=1");
    Ok(service::RESET_REQUESTED.to_owned())
}

/// Sets a new password with a reset link's token, then sends the user to sign in.
#[server(endpoint = "auth/password/reset")]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    service::reset_password(
        &state,
        &request_meta(),
        &token,
        new_password,
        confirm_password,
    )
    .await?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

/// My live sessions.
#[server(endpoint = "auth/sessions")]
pub async fn my_sessions() -> Result<Vec<SessionSummary>, AppError> {
    let session = require_user()?;
    let state = app_state()?;
    let mut conn = state.pool.acquire().await?;
    super::server::session::list_for_user(&mut conn, session.user.id, session.session_id).await
}

/// Ends one of my sessions (ending the current one signs me out).
#[server(endpoint = "auth/sessions/end")]
pub async fn end_session(id: Uuid) -> Result<(), AppError> {
    use super::server::session::{self, EndReason};
    let session = require_user()?;
    let state = app_state()?;
    let mut tx = state.pool.begin().await?;
    let mine = sqlx::query_scalar!(
        "SELECT id FROM session_logs WHERE id = $1 AND user_id = $2 AND is_active IS TRUE",
        id,
        session.user.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if mine.is_none() {
        return Err(AppError::NotFound);
    }
    session::end(
        &mut tx,
        id,
        EndReason::Revoked,
        &request_meta(),
        Some(session.user.id),
    )
    .await?;
    tx.commit().await?;
    if id == session.session_id {
        set_cookie(&cookie::clear(state.auth.https))?;
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// Ends all my sessions but this one. Returns how many ended.
#[server(endpoint = "auth/sessions/end-others")]
pub async fn end_other_sessions() -> Result<usize, AppError> {
    use super::server::session::{self, EndReason};
    let session = require_user()?;
    let state = app_state()?;
    let mut tx = state.pool.begin().await?;
    let ended = session::end_all(
        &mut tx,
        session.user.id,
        Some(session.session_id),
        EndReason::Revoked,
        &request_meta(),
        Some(session.user.id),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Starts TOTP enrolment: the QR code and secret to put in an authenticator app.
#[server(endpoint = "auth/mfa/begin")]
pub async fn begin_mfa_enrolment() -> Result<MfaEnrolment, AppError> {
    let session = require_stage(&[AccessStage::Full, AccessStage::MfaEnrolmentRequired])?;
    let state = app_state()?;
    service::begin_enrolment(&state, &request_meta(), &session).await
}

/// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
#[server(endpoint = "auth/mfa/confirm")]
pub async fn confirm_mfa_enrolment(code: String) -> Result<Vec<String>, AppError> {
    let session = require_stage(&[AccessStage::Full, AccessStage::MfaEnrolmentRequired])?;
    let state = app_state()?;
    service::confirm_enrolment(&state, &request_meta(), &session, &code).await
}

/// Turns two-factor authentication off; needs a current code.
#[server(endpoint = "auth/mfa/disable")]
pub async fn disable_mfa(code: String) -> Result<(), AppError> {
    let session = require_user()?;
    let state = app_state()?;
    service::disable_mfa(&state, &request_meta(), &session, &code).await
}

/// The development mailbox: mail that would have been sent, when no SMTP server is configured and
/// the server listens on a loopback address only.
#[server(endpoint = "dev/mailbox")]
pub async fn dev_mailbox() -> Result<Vec<DevMail>, AppError> {
    let state = app_state()?;
    if !state.auth.dev_mailbox {
        return Err(AppError::NotFound);
    }
    let mut conn = state.pool.acquire().await?;
    let mails = sqlx::query_as!(
        DevMail,
        r#"SELECT to_address AS "to", subject, COALESCE(body, '') AS "body!", created_at AS "created_at!"
             FROM mail_outbox WHERE delivery = 'dev_mailbox' ORDER BY created_at DESC LIMIT 50"#
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(mails)
}
