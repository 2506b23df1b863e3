//! Sign-in, second factor, password reset, account, sessions and MFA pages.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::*;
use super::model::{AccessStage, SessionSummary};
use super::policy::MIN_PASSWORD_CHARS;
use crate::components::{ErrorPanel, Field, FormError, hydrated, last_error, query};
use crate::email::MAX_EMAIL;
use crate::error::AppError;

/// What the forgotten-password form answers, whether or not the account exists.
pub const RESET_REQUESTED_MESSAGE: &str = "If an account exists for that address, a link to choose a new password is on its way. It works once, for a short time.";

/// Bumped after every sign-in, sign-out and MFA change, so the header's "who am I" refetches.
#[derive(Clone, Copy)]
pub struct AuthVersion(pub RwSignal<u32>);

/// Provides the signed-in user to the whole app.
pub fn provide_auth() -> Resource<Result<Option<super::model::CurrentUser>, AppError>> {
    let version = AuthVersion(RwSignal::new(0));
    provide_context(version);
    let user = Resource::new(move || version.0.get(), |_| who_am_i());
    provide_context(user);
    user
}

/// Refetches the signed-in user each time `value` (an action's result) turns into a success.
fn bump_auth_after<U, S>(value: S)
where
    U: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<U, AppError>>> + Send + Sync + 'static,
{
    if let Some(AuthVersion(version)) = use_context::<AuthVersion>() {
        Effect::new(move |_| {
            if matches!(value.get(), Some(Ok(_))) {
                version.update(|v| *v += 1);
            }
        });
    }
}

/// `/login`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    bump_auth_after(action.value());
    let error = last_error(action.value());
    let next = query("next");
    let reset = query("reset");
    view! {
        <Title text="Sign in"/>
        <section class="auth-card card">
            <h1>"Sign in"</h1>
            {move || reset().map(|_| view! {
                <p class="notice" role="status">"Your password was changed. Sign in with the new one."</p>
            })}
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <input type="hidden" name="next" value=move || next().unwrap_or_default()/>
                <Field name="email" label="Email" kind="email" autocomplete="username" maxlength=MAX_EMAIL required=true error/>
                // No `maxlength` on passwords: the browser would cut a longer one short without
                // a word; the server says what is wrong with it instead.
                <Field name="password" label="Password" kind="password" autocomplete="current-password" required=true error/>
                <FormError error fields=&["email", "password"]/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p><A href="/password/forgot">"Forgot your password?"</A></p>
        </section>
    }
}

/// `/login/mfa`: the second step.
#[component]
pub fn MfaChallengePage() -> impl IntoView {
    let action = ServerAction::<VerifyMfa>::new();
    bump_auth_after(action.value());
    let error = last_error(action.value());
    let next = query("next");
    view! {
        <Title text="Two-factor check"/>
        <section class="auth-card card">
            <h1>"Two-factor check"</h1>
            <p>"Enter the 6-digit code from your authenticator app, or one of your recovery codes."</p>
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <input type="hidden" name="next" value=move || next().unwrap_or_default()/>
                <Field name="code" label="Code" autocomplete="one-time-code" inputmode="numeric" required=true error/>
                <FormError error fields=&["code"]/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Continue"</button>
            </ActionForm>
            <SignOutButton/>
        </section>
    }
}

/// `/password/forgot`.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = last_error(action.value());
    let sent = query("sent");
    let done = move || {
        action
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| sent().map(|_| RESET_REQUESTED_MESSAGE.to_owned()))
    };
    view! {
        <Title text="Forgot password"/>
        <section class="auth-card card">
            <h1>"Forgot your password?"</h1>
            <p>"Enter the email address you sign in with. We will send you a link to choose a new password."</p>
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <Field name="email" label="Email" kind="email" autocomplete="username" maxlength=MAX_EMAIL required=true error/>
                <FormError error fields=&["email"]/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Send the link"</button>
            </ActionForm>
            <p role="status" class="success">{done}</p>
            <p><A href="/login">"Back to sign in"</A></p>
        </section>
    }
}

/// `/password/reset?token=...`.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let error = last_error(action.value());
    let token = query("token");
    view! {
        <Title text="Choose a new password"/>
        <section class="auth-card card">
            <h1>"Choose a new password"</h1>
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <input type="hidden" name="token" value=move || token().unwrap_or_default()/>
                <NewPasswordFields error/>
                <FormError error fields=&["new_password", "confirm_password"]/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Set the password"</button>
            </ActionForm>
            <p><A href="/password/forgot">"Ask for a new link"</A></p>
        </section>
    }
}

#[component]
fn NewPasswordFields(error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <Field
            name="new_password"
            label="New password"
            kind="password"
            autocomplete="new-password"
            hint=format!("At least {MIN_PASSWORD_CHARS} characters. A few unrelated words make a strong password that is easy to remember.")
            required=true
            error
        />
        <Field name="confirm_password" label="New password again" kind="password" autocomplete="new-password" required=true error/>
    }
}

/// The sign-out button (a form, so it works before hydration).
#[component]
pub fn SignOutButton() -> impl IntoView {
    let action = ServerAction::<Logout>::new();
    bump_auth_after(action.value());
    view! {
        <ActionForm action=action attr:class="inline-form">
            <button type="submit" class="link-button">"Sign out"</button>
        </ActionForm>
    }
}

/// `/account`: my details, password change, links to sessions and two-factor settings.
#[component]
pub fn AccountPage() -> impl IntoView {
    let user = expect_context::<Resource<Result<Option<super::model::CurrentUser>, AppError>>>();
    let change = ServerAction::<ChangePassword>::new();
    let error = last_error(change.value());
    let changed_query = query("password_changed");
    let changed = move || {
        change
            .value()
            .get()
            .and_then(Result::ok)
            .map(|ended| ended.to_string())
            .or_else(changed_query)
            .map(|ended| format!("Password changed. {ended} other session(s) were signed out."))
    };
    view! {
        <Title text="My account"/>
        <h1>"My account"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|u| view! {
                    <section class="card">
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{u.name}</dd>
                            <dt>"Email"</dt><dd>{u.email}</dd>
                            <dt>"Role"</dt><dd>{u.role.key().replace('_', " ")}</dd>
                            <dt>"Two-factor authentication"</dt>
                            <dd>{if u.mfa_enabled { "On" } else { "Off" }} " · " <A href="/account/mfa">"Manage"</A></dd>
                            <dt>"Sessions"</dt><dd><A href="/account/sessions">"See where I am signed in"</A></dd>
                        </dl>
                    </section>
                })
            })}
        </Transition>
        <section class="card" aria-labelledby="pw-heading">
            <h2 id="pw-heading">"Change password"</h2>
            <p class="muted">{format!("At least {MIN_PASSWORD_CHARS} characters. Your other sessions are signed out.")}</p>
            <ActionForm action=change attr:class="stacked" attr:novalidate="">
                <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" required=true error/>
                <NewPasswordFields error/>
                <FormError error fields=&["current_password", "new_password", "confirm_password"]/>
                <button type="submit" class="button" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
            <p role="status" class="success">{changed}</p>
        </section>
    }
}

/// `/account/sessions`.
#[component]
pub fn SessionsPage() -> impl IntoView {
    let end_one = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    let sessions = Resource::new(
        move || (end_one.version().get(), end_others.version().get()),
        |_| my_sessions(),
    );
    view! {
        <Title text="My sessions"/>
        <h1>"My sessions"</h1>
        <p class="lead">"Everywhere you are signed in. End any session you do not recognise, and change your password."</p>
        <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    sessions.await.map(|list| view! { <SessionTable list end_one/> })
                })}
            </ErrorBoundary>
        </Transition>
        <ActionForm action=end_others>
            <button type="submit" class="button secondary">"Sign out all other sessions"</button>
        </ActionForm>
    }
}

#[component]
fn SessionTable(list: Vec<SessionSummary>, end_one: ServerAction<EndSession>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="My sessions">
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Device"</th>
                        <th scope="col">"IP address"</th>
                        <th scope="col">"Signed in (UTC)"</th>
                        <th scope="col">"Last seen (UTC)"</th>
                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {list
                        .into_iter()
                        .map(|s| {
                            let id = s.id.to_string();
                            view! {
                                <tr>
                                    <td>
                                        {s.user_agent.clone().unwrap_or_else(|| "Unknown device".into())}
                                        {s.current.then(|| view! { <strong class="badge">"This session"</strong> })}
                                    </td>
                                    <td class="mono">{s.ip_address.clone().unwrap_or_default()}</td>
                                    <td>{crate::components::time::minutes(&s.login_at)}</td>
                                    <td>{crate::components::time::minutes(&s.last_seen_at)}</td>
                                    <td>
                                        <ActionForm action=end_one attr:class="inline-form">
                                            <input type="hidden" name="id" value=id/>
                                            <button type="submit" class="link-button">
                                                {if s.current { "Sign out" } else { "End session" }}
                                            </button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/account/mfa`: enrol, see status, turn off.
#[component]
pub fn MfaSetupPage() -> impl IntoView {
    let user = expect_context::<Resource<Result<Option<super::model::CurrentUser>, AppError>>>();
    let next = query("next");
    // Owned here, not by the enrolment form: confirming turns MFA on, which re-renders the status
    // below, and the recovery codes must survive that to be shown once.
    let confirm = ServerAction::<ConfirmMfaEnrolment>::new();
    bump_auth_after(confirm.value());
    let recovery_codes = move || confirm.value().get().and_then(Result::ok);
    // Derived here, where it outlives the enrolment form that reads it.
    let confirm_error = last_error(confirm.value());
    view! {
        <Title text="Two-factor authentication"/>
        <h1>"Two-factor authentication"</h1>
        <Show
            when=move || recovery_codes().is_some()
            fallback=move || view! {
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match user.await.ok().flatten() {
                            Some(u) if u.mfa_enabled => view! { <MfaDisable/> }.into_any(),
                            Some(u) => {
                                let required = u.stage == AccessStage::MfaEnrolmentRequired;
                                view! { <MfaEnrol required confirm confirm_error/> }.into_any()
                            }
                            None => view! { <p>"Sign in first."</p> }.into_any(),
                        }
                    })}
                </Transition>
            }
        >
            <section class="card" aria-labelledby="codes-heading">
                <h2 id="codes-heading">"Two-factor authentication is on"</h2>
                <p>"Keep these recovery codes somewhere safe. Each works once if you lose your phone. They are shown only now."</p>
                <ul class="codes mono" aria-label="Recovery codes">
                    {move || recovery_codes().unwrap_or_default().into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
                <a class="button" href=move || super::policy::safe_next(next().as_deref())>"Continue"</a>
            </section>
        </Show>
    }
}

#[component]
fn MfaEnrol(
    required: bool,
    confirm: ServerAction<ConfirmMfaEnrolment>,
    confirm_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let begin = ServerAction::<BeginMfaEnrolment>::new();
    let begin_error = last_error(begin.value());
    let ready = hydrated();
    view! {
        {required.then(|| view! {
            <p class="notice" role="note">
                "Your role requires two-factor authentication. Set it up now to continue."
            </p>
        })}
        {move || match begin.value().get() {
            Some(Ok(enrolment)) => view! {
                <section class="card" aria-labelledby="scan-heading">
                    <h2 id="scan-heading">"Scan this code with your authenticator app"</h2>
                    <div class="qr" inner_html=enrolment.qr_svg></div>
                    <p>"Or enter this key by hand: " <code data-testid="totp-secret">{enrolment.secret_base32}</code></p>
                    <ActionForm action=confirm attr:class="stacked" attr:novalidate="">
                        <Field name="code" label="Code from the app" autocomplete="one-time-code" inputmode="numeric" required=true error=confirm_error/>
                        <FormError error=confirm_error fields=&["code"]/>
                        <button type="submit" class="button" disabled=move || !ready.get() || confirm.pending().get()>"Turn on"</button>
                    </ActionForm>
                </section>
            }.into_any(),
            _ => view! {
                <section class="card">
                    <p>"Two-factor authentication asks for a code from an app on your phone (such as Google Authenticator, Microsoft Authenticator or 1Password) when you sign in."</p>
                    <ActionForm action=begin>
                        <FormError error=begin_error fields=&[]/>
                        <button type="submit" class="button" disabled=move || !ready.get() || begin.pending().get()>"Set up two-factor authentication"</button>
                    </ActionForm>
                </section>
            }.into_any(),
        }}
    }
}

#[component]
fn MfaDisable() -> impl IntoView {
    let disable = ServerAction::<DisableMfa>::new();
    bump_auth_after(disable.value());
    let error = last_error(disable.value());
    view! {
        <section class="card">
            <p>"Two-factor authentication is " <strong>"on"</strong> "."</p>
            <ActionForm action=disable attr:class="stacked" attr:novalidate="">
                <Field name="code" label="Current code from your app" autocomplete="one-time-code" inputmode="numeric" required=true error/>
                <FormError error fields=&["code"]/>
                <button type="submit" class="button danger" disabled=move || disable.pending().get()>"Turn off"</button>
            </ActionForm>
        </section>
    }
}

/// `/dev/mailbox`: mail the server would have sent (development only).
#[component]
pub fn DevMailboxPage() -> impl IntoView {
    let mails = Resource::new(|| (), |_| dev_mailbox());
    view! {
        <Title text="Development mailbox"/>
        <h1>"Development mailbox"</h1>
        <p class="lead">"No SMTP server is configured, so mail is kept here instead of sent. Newest first."</p>
        <Transition fallback=|| ()>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    mails.await.map(|list| {
                        list.into_iter()
                            .map(|m| view! {
                                <article class="card mail">
                                    <h2>{m.subject}</h2>
                                    <p class="muted">{format!("To {} · {}", m.to, crate::components::time::seconds(&m.created_at))}</p>
                                    <pre>{m.body}</pre>
                                </article>
                            })
                            .collect_view()
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
