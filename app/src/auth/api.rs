//! Identity server functions. Each states first who may call it: anyone ([`visit`]), a session at
//! a given sign-in stage, or a signed-in user acting on their own account ([`admit`] with
//! `Area::Account`). The authentication middleware has already resolved the session cookie into
//! the request. No SQL here.

use leptos::prelude::*;
use uuid::Uuid;

use super::model::{CurrentUser, DevMail, LoginOutcome, MfaEnrolment, SessionSummary};
use crate::error::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    pub use super::super::model::AccessStage;
    pub use super::super::server::{
        account, admit, cookie, passwords, second_factor, signin, visit,
    };
    pub use crate::auth::authorize::{Action as Act, Area};
    use crate::error::AppError;
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
    Ok(visit()?.session.map(|s| s.user))
}

/// Signs in with email and password. Works as a plain form post before hydration: the answer
/// redirects to the next step.
#[server(endpoint = "auth/login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] next: Option<String>,
) -> Result<LoginOutcome, AppError> {
    let visit = visit()?;
    let signed_in = signin::login(&visit, &email, password, next.as_deref()).await?;
    // A new token at every sign-in: any session this browser still had ends now.
    if let Some(previous) = &visit.session
        && let Err(err) = signin::logout(&visit, previous).await
    {
        // The new session stands; the old one still ends at its timeout.
        tracing::warn!("could not end the previous session at sign-in: {err}");
    }
    set_cookie(&cookie::set(&signed_in.token, visit.state.auth.https))?;
    if let Some(device) = &signed_in.device {
        set_cookie(&cookie::set_device(device, visit.state.auth.https))?;
    }
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
    let visit = visit()?;
    if let Some(session) = &visit.session {
        signin::logout(&visit, session).await?;
    }
    set_cookie(&cookie::clear(visit.state.auth.https))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// The second sign-in step: a TOTP code or a recovery code.
#[server(endpoint = "auth/mfa/verify")]
pub async fn verify_mfa(
    code: String,
    #[server(default)] next: Option<String>,
) -> Result<(), AppError> {
    let visit = visit()?;
    let session = visit.at_stage(&[AccessStage::MfaPending])?;
    // A new token for the now fully signed-in session: the half-signed-in one is never promoted.
    let passed = second_factor::verify_second_factor(&visit, &session, &code).await?;
    set_cookie(&cookie::set(&passed.token, visit.state.auth.https))?;
    if let Some(device) = &passed.device {
        set_cookie(&cookie::set_device(device, visit.state.auth.https))?;
    }
    leptos_axum::redirect(&crate::auth::policy::safe_next(next.as_deref()));
    Ok(())
}

/// Changes my password; ends my other sessions. Returns how many ended.
#[server(endpoint = "auth/password/change")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<usize, AppError> {
    let ctx = admit(Act::Edit, Area::Account).await?;
    let changed = passwords::change_password(
        &ctx.visit(),
        &ctx.session,
        current_password,
        new_password,
        confirm_password,
    )
    .await?;
    set_cookie(&cookie::set(&changed.token, ctx.state.auth.https))?;
    let ended = changed.ended;
    // The outcome travels in the URL, so a form posted before hydration shows it too.
    leptos_axum::redirect(&format!("/account?password_changed={ended}"));
    Ok(ended)
}

/// Asks for a reset link. The answer is the same whether or not the account exists.
#[server(endpoint = "auth/password/forgot")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    passwords::request_reset(&visit()?, &email).await?;
    leptos_axum::redirect("/password/forgot?sent=1");
    Ok(passwords::RESET_REQUESTED.to_owned())
}

/// Sets a new password with a reset link's token, then sends the user to sign in.
#[server(endpoint = "auth/password/reset")]
pub async fn reset_password(
    token: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    passwords::reset_password(&visit()?, &token, new_password, confirm_password).await?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

/// My live sessions.
#[server(endpoint = "auth/sessions")]
pub async fn my_sessions() -> Result<Vec<SessionSummary>, AppError> {
    let ctx = admit(Act::View, Area::Account).await?;
    account::my_sessions(&ctx).await
}

/// Ends one of my sessions (ending the current one signs me out).
#[server(endpoint = "auth/sessions/end")]
pub async fn end_session(id: Uuid) -> Result<(), AppError> {
    let ctx = admit(Act::Edit, Area::Account).await?;
    if account::end_session(&ctx, id).await? {
        set_cookie(&cookie::clear(ctx.state.auth.https))?;
        leptos_axum::redirect("/login");
    }
    Ok(())
}

/// Ends all my sessions but this one. Returns how many ended.
#[server(endpoint = "auth/sessions/end-others")]
pub async fn end_other_sessions() -> Result<usize, AppError> {
    let ctx = admit(Act::Edit, Area::Account).await?;
    account::end_other_sessions(&ctx).await
}

/// Starts TOTP enrolment: the QR code and secret to put in an authenticator app.
#[server(endpoint = "auth/mfa/begin")]
pub async fn begin_mfa_enrolment() -> Result<MfaEnrolment, AppError> {
    let visit = visit()?;
    let session = visit.at_stage(&[AccessStage::Full, AccessStage::MfaEnrolmentRequired])?;
    second_factor::begin_enrolment(&visit, &session).await
}

/// Confirms enrolment with a code from the app; returns the recovery codes, shown once.
#[server(endpoint = "auth/mfa/confirm")]
pub async fn confirm_mfa_enrolment(code: String) -> Result<Vec<String>, AppError> {
    let visit = visit()?;
    let session = visit.at_stage(&[AccessStage::Full, AccessStage::MfaEnrolmentRequired])?;
    let enrolled = second_factor::confirm_enrolment(&visit, &session, &code).await?;
    set_cookie(&cookie::set(&enrolled.token, visit.state.auth.https))?;
    Ok(enrolled.codes)
}

/// Turns two-factor authentication off; needs a current code.
#[server(endpoint = "auth/mfa/disable")]
pub async fn disable_mfa(code: String) -> Result<(), AppError> {
    let ctx = admit(Act::Edit, Area::Account).await?;
    let token = second_factor::disable_mfa(&ctx.visit(), &ctx.session, &code).await?;
    set_cookie(&cookie::set(&token, ctx.state.auth.https))
}

/// The development mailbox: mail that would have been sent, when no SMTP server is configured and
/// the server listens on a loopback address only.
#[server(endpoint = "dev/mailbox")]
pub async fn dev_mailbox() -> Result<Vec<DevMail>, AppError> {
    let visit = visit()?;
    if !visit.state.auth.dev_mailbox {
        return Err(AppError::NotFound);
    }
    crate::mail::dev_mailbox(&visit.state.pool).await
}
