//! Sign-in, sessions, password change and reset, back-off and the second factor, through the
//! services and the real router.

mod common;

use app::auth::model::LoginOutcome;
use app::auth::server::mfa;
use app::auth::server::session::{self, EndReason};
use app::auth::server::{passwords, second_factor, signin};
use sqlx::PgPool;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_session_lives_until_logout_and_only_its_token_hash_is_stored(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    let signed = signin::login(
        &common::visit(&state),
        "Ada@Example.com ",
        common::PASSWORD.into(),
        Some("/account"),
    )
    .await
    .unwrap();
    assert_eq!(
        signed.outcome,
        LoginOutcome::SignedIn {
            next: "/account".into()
        }
    );

    let stored: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT token_hash, ip_address, user_agent FROM session_logs WHERE user_id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_ne!(stored.0, signed.token, "the token itself is never stored");
    assert_eq!(
        stored.0,
        app::auth::server::tokens::hash_token(&signed.token)
    );
    assert_eq!(
        (stored.1.as_deref(), stored.2.as_deref()),
        (Some("192.0.2.7"), Some("integration test"))
    );

    let mut conn = pool.acquire().await.unwrap();
    let live = session::resolve(&mut conn, &signed.token)
        .await
        .unwrap()
        .expect("live");
    assert_eq!(live.user.id, id);
    signin::logout(&common::visit(&state), &live).await.unwrap();
    assert!(
        session::resolve(&mut conn, &signed.token)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(common::audited(&pool, "auth.login").await, 1);
    assert_eq!(common::audited(&pool, "auth.session_ended").await, 1);
    let last_login: Option<chrono::NaiveDateTime> =
        sqlx::query_scalar("SELECT last_login FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(last_login.is_some());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sessions_end_after_the_idle_and_the_absolute_timeouts(pool: PgPool) {
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let mut conn = pool.acquire().await.unwrap();
    let (idle_session, idle_token) = session::create(&mut conn, id, &common::meta(), false)
        .await
        .unwrap();
    let (old_session, old_token) = session::create(&mut conn, id, &common::meta(), false)
        .await
        .unwrap();
    let (_, fresh_token) = session::create(&mut conn, id, &common::meta(), false)
        .await
        .unwrap();
    // Idle: last request 31 minutes ago (the default idle timeout is 30).
    sqlx::query(
        "UPDATE session_logs SET last_seen_at = last_seen_at - interval '31 minutes' WHERE id = $1",
    )
    .bind(idle_session)
    .execute(&mut *conn)
    .await
    .unwrap();
    // Absolute: signed in 13 hours ago though active a minute ago (the default is 12 hours).
    sqlx::query(
        "UPDATE session_logs SET login_at = login_at - interval '13 hours', expires_at = expires_at + interval '1 day'
          WHERE id = $1",
    )
    .bind(old_session)
    .execute(&mut *conn)
    .await
    .unwrap();
    assert!(
        session::resolve(&mut conn, &idle_token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        session::resolve(&mut conn, &old_token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        session::resolve(&mut conn, &fresh_token)
            .await
            .unwrap()
            .is_some()
    );
    let expired: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM session_logs WHERE ended_reason = 'expired' AND NOT is_active",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(expired, 2);

    // The timeouts come from settings.
    sqlx::query("UPDATE settings SET value = '1' WHERE key = 'idle_timeout_minutes'")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE session_logs SET last_seen_at = last_seen_at - interval '2 minutes' WHERE is_active")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert!(
        session::resolve(&mut conn, &fresh_token)
            .await
            .unwrap()
            .is_none()
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn deactivating_a_user_or_suspending_their_dealer_ends_their_sessions(pool: PgPool) {
    let dealer = common::dealer(&pool, "D1", "active").await;
    let head = common::user(&pool, "head@d1.example", "service_head", Some(dealer)).await;
    let other = common::user(&pool, "ops@example.com", "manufacturer_admin", None).await;
    let mut conn = pool.acquire().await.unwrap();
    let (_, head_token) = session::create(&mut conn, head, &common::meta(), false)
        .await
        .unwrap();
    let (_, other_token) = session::create(&mut conn, other, &common::meta(), false)
        .await
        .unwrap();

    sqlx::query("UPDATE dealers SET status = 'suspended' WHERE id = $1")
        .bind(dealer)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert!(
        session::resolve(&mut conn, &head_token)
            .await
            .unwrap()
            .is_none()
    );
    sqlx::query("UPDATE users SET is_active = false WHERE id = $1")
        .bind(other)
        .execute(&mut *conn)
        .await
        .unwrap();
    assert!(
        session::resolve(&mut conn, &other_token)
            .await
            .unwrap()
            .is_none()
    );
    let reasons: Vec<String> =
        sqlx::query_scalar("SELECT ended_reason FROM session_logs ORDER BY ended_reason")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    assert_eq!(reasons, ["deactivated", "dealer_blocked"]);

    let state = common::state(pool.clone());
    let refused = signin::login(
        &common::visit(&state),
        "head@d1.example",
        common::PASSWORD.into(),
        None,
    )
    .await;
    assert!(
        matches!(refused, Err(app::error::AppError::Forbidden { .. })),
        "{refused:?}"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer(pool: PgPool) {
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    let wrong = signin::login(
        &common::visit(&state),
        "ada@example.com",
        "not the password".into(),
        None,
    )
    .await
    .unwrap_err();
    let unknown = signin::login(
        &common::visit(&state),
        "nobody@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(wrong, unknown);
    assert_eq!(
        wrong.field_message("password"),
        Some(signin::BAD_CREDENTIALS)
    );
    assert_eq!(common::audited(&pool, "auth.login_failed").await, 2);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn legacy_bcrypt_hashes_sign_in_and_are_replaced_by_argon2id(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let legacy = bcrypt::hash(common::PASSWORD, 4)
        .unwrap()
        .replacen("$2b$", "$2a$", 1);
    sqlx::query(
        "INSERT INTO users (email, password_hash, name, role, user_type) VALUES ('old@example.com', $1, 'Old', 'manufacturer_admin', 'manufacturer')",
    )
    .bind(&legacy)
    .execute(&pool)
    .await
    .unwrap();
    let state = common::state(pool.clone());
    signin::login(
        &common::visit(&state),
        "old@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let now: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE email = 'old@example.com'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(now.starts_with("$argon2id$"), "{now}");
    assert!(app::auth::server::password::verify_password(
        common::PASSWORD,
        &now
    ));
    assert_eq!(common::audited(&pool, "auth.password_rehashed").await, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn repeated_failures_impose_a_growing_wait_but_never_a_permanent_lock(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    for _ in 0..5 {
        let err = signin::login(
            &common::visit(&state),
            "ada@example.com",
            "wrong".into(),
            None,
        )
        .await
        .unwrap_err();
        assert!(err.field_message("password").is_some());
    }
    // The sixth attempt comes within the 1-second wait: refused without checking the password.
    let throttled = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(throttled, app::error::AppError::RateLimited { .. }),
        "{throttled:?}"
    );
    assert_eq!(common::audited(&pool, "auth.login_throttled").await, 1);

    // Once the wait has passed, the right password works and clears the count.
    sqlx::query("UPDATE login_throttles SET last_failure = last_failure - interval '1 hour'")
        .execute(&pool)
        .await
        .unwrap();
    signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let throttles: i64 = sqlx::query_scalar("SELECT count(*) FROM login_throttles")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(throttles, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    let here = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let elsewhere = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let session = session::resolve(&mut conn, &here.token)
        .await
        .unwrap()
        .unwrap();

    let bad = passwords::change_password(
        &common::visit(&state),
        &session,
        "wrong".into(),
        "password1234".into(),
        "different".into(),
    )
    .await
    .unwrap_err();
    assert!(bad.field_message("current_password").is_some());
    assert!(
        bad.field_message("new_password")
            .unwrap()
            .contains("too easy")
    );
    assert!(bad.field_message("confirm_password").is_some());

    let new = "granite orchard lantern whistle";
    let changed = passwords::change_password(
        &common::visit(&state),
        &session,
        common::PASSWORD.into(),
        new.into(),
        new.into(),
    )
    .await
    .unwrap();
    assert_eq!(changed.ended, 1);
    assert!(
        session::resolve(&mut conn, &here.token)
            .await
            .unwrap()
            .is_none(),
        "the token held before the change stops working"
    );
    let kept = session::resolve(&mut conn, &changed.token)
        .await
        .unwrap()
        .expect("this session stays, under its new token");
    assert_eq!(kept.session_id, session.session_id);
    let (notices, mails): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM notifications WHERE user_id = $1 AND title = 'Your password was changed'),
                (SELECT count(*) FROM mail_outbox WHERE to_address = 'ada@example.com' AND subject = 'Your password was changed')",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (notices, mails),
        (1, 1),
        "the user hears of it in the portal and by mail"
    );
    assert!(
        session::resolve(&mut conn, &elsewhere.token)
            .await
            .unwrap()
            .is_none()
    );
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(app::auth::server::password::verify_password(new, &hash));
    assert_eq!(common::audited(&pool, "auth.password_changed").await, 1);
}

fn token_from_mail(body: &str) -> String {
    body.split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn reset_tokens_are_stored_hashed_work_once_expire_and_end_every_session(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    let signed = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();

    passwords::request_reset(&common::visit(&state), "nobody@example.com")
        .await
        .unwrap();
    passwords::request_reset(&common::visit(&state), "ADA@example.com")
        .await
        .unwrap();
    let mails: Vec<(String, String)> = sqlx::query_as("SELECT to_address, body FROM mail_outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1, "only an existing account gets mail");
    let token = token_from_mail(&mails[0].1);
    let stored: String =
        sqlx::query_scalar("SELECT token FROM password_reset_tokens WHERE user_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_ne!(stored, token);
    assert_eq!(stored, app::auth::server::tokens::hash_token(&token));

    let new = "granite orchard lantern whistle";
    let weak = passwords::reset_password(
        &common::visit(&state),
        &token,
        "password1234".into(),
        "password1234".into(),
    )
    .await
    .unwrap_err();
    assert!(
        weak.field_message("new_password").is_some(),
        "a weak password changes nothing"
    );
    passwords::reset_password(&common::visit(&state), &token, new.into(), new.into())
        .await
        .unwrap();
    let again = passwords::reset_password(&common::visit(&state), &token, new.into(), new.into())
        .await
        .unwrap_err();
    assert!(again.field_message("token").is_some(), "single use");
    let mut conn = pool.acquire().await.unwrap();
    assert!(
        session::resolve(&mut conn, &signed.token)
            .await
            .unwrap()
            .is_none(),
        "sessions ended"
    );

    // An expired token is refused.
    passwords::request_reset(&common::visit(&state), "ada@example.com")
        .await
        .unwrap();
    let body: String =
        sqlx::query_scalar("SELECT body FROM mail_outbox ORDER BY created_at DESC LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query("UPDATE password_reset_tokens SET expires_at = CURRENT_TIMESTAMP - interval '1 second' WHERE used IS NOT TRUE")
        .execute(&pool)
        .await
        .unwrap();
    let expired = passwords::reset_password(
        &common::visit(&state),
        &token_from_mail(&body),
        new.into(),
        new.into(),
    )
    .await
    .unwrap_err();
    assert!(expired.field_message("token").is_some());
    assert_eq!(common::audited(&pool, "auth.password_reset").await, 1);
    assert_eq!(common::audited(&pool, "auth.reset_requested").await, 3);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn totp_enrolment_then_sign_in_needs_a_fresh_code_and_recovery_codes_work_once(pool: PgPool) {
    let id = common::user(&pool, "ada@example.com", "super_admin", None).await;
    let state = common::state(pool.clone());
    let first = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    assert!(
        matches!(first.outcome, LoginOutcome::EnrolmentRequired { .. }),
        "super admins must enrol"
    );
    let mut conn = pool.acquire().await.unwrap();
    let enrolling = session::resolve(&mut conn, &first.token)
        .await
        .unwrap()
        .unwrap();

    let enrolment = second_factor::begin_enrolment(&common::visit(&state), &enrolling)
        .await
        .unwrap();
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT mfa_secret FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    let secret = state.auth.secrets.open(&sealed).unwrap();
    assert!(
        !sealed.windows(secret.len()).any(|w| w == secret.as_slice()),
        "stored encrypted"
    );
    assert!(enrolment.otpauth_url.contains("secret="));
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let wrong =
        second_factor::confirm_enrolment(&common::visit(&state), &enrolling, "000000").await;
    assert!(wrong.is_err() || mfa::code_at(&secret, now) == "000000");
    let enrolled = second_factor::confirm_enrolment(
        &common::visit(&state),
        &enrolling,
        &mfa::code_at(&secret, now),
    )
    .await
    .unwrap();
    let codes = enrolled.codes;
    assert_eq!(codes.len(), mfa::RECOVERY_CODES);
    assert_ne!(
        enrolled.token, first.token,
        "enrolment rotates the session's token"
    );
    assert!(
        session::resolve(&mut conn, &first.token)
            .await
            .unwrap()
            .is_none(),
        "the enrolment-only token does not become a full session"
    );

    // Next sign-in owes the second factor; the code used at enrolment cannot be replayed.
    let second = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    assert!(matches!(second.outcome, LoginOutcome::MfaRequired { .. }));
    let pending = session::resolve(&mut conn, &second.token)
        .await
        .unwrap()
        .unwrap();
    let replay = second_factor::verify_second_factor(
        &common::visit(&state),
        &pending,
        &mfa::code_at(&secret, now),
    )
    .await;
    assert!(replay.is_err(), "a code is accepted once");
    let full_token = second_factor::verify_second_factor(
        &common::visit(&state),
        &pending,
        &mfa::code_at(&secret, now + 30),
    )
    .await
    .unwrap()
    .token;
    assert!(
        session::resolve(&mut conn, &second.token)
            .await
            .unwrap()
            .is_none(),
        "the half-signed-in token is never promoted"
    );
    let full = session::resolve(&mut conn, &full_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(full.user.stage, app::auth::model::AccessStage::Full);

    // A recovery code works once.
    let third = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let pending = session::resolve(&mut conn, &third.token)
        .await
        .unwrap()
        .unwrap();
    second_factor::verify_second_factor(&common::visit(&state), &pending, &codes[0].to_uppercase())
        .await
        .unwrap();
    let fourth = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let pending = session::resolve(&mut conn, &fourth.token)
        .await
        .unwrap()
        .unwrap();
    assert!(
        second_factor::verify_second_factor(&common::visit(&state), &pending, &codes[0])
            .await
            .is_err()
    );
    assert_eq!(common::audited(&pool, "auth.mfa_enabled").await, 1);
    assert_eq!(common::audited(&pool, "auth.mfa_failed").await, 2);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn ending_all_sessions_keeps_only_the_chosen_one(pool: PgPool) {
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let mut conn = pool.acquire().await.unwrap();
    let (keep, _) = session::create(&mut conn, id, &common::meta(), false)
        .await
        .unwrap();
    for _ in 0..3 {
        session::create(&mut conn, id, &common::meta(), false)
            .await
            .unwrap();
    }
    let ended = session::end_all(
        &mut conn,
        id,
        Some(keep),
        EndReason::Revoked,
        &common::meta(),
        Some(id),
    )
    .await
    .unwrap();
    assert_eq!(ended, 3);
    let list = session::list_for_user(&mut conn, id, keep).await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].current);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn audit_rows_cannot_be_changed_or_deleted(pool: PgPool) {
    sqlx::query("INSERT INTO audit_logs (action, entity_type) VALUES ('x', 'y')")
        .execute(&pool)
        .await
        .unwrap();
    assert!(
        sqlx::query("UPDATE audit_logs SET action = 'z'")
            .execute(&pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM audit_logs")
            .execute(&pool)
            .await
            .is_err()
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_known_password_does_not_reset_the_count_of_wrong_second_factor_codes(pool: PgPool) {
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    let secret = mfa::new_secret();
    sqlx::query(
        "UPDATE users SET mfa_secret = $2, mfa_enabled_at = CURRENT_TIMESTAMP WHERE id = $1",
    )
    .bind(id)
    .bind(state.auth.secrets.seal(&secret))
    .execute(&pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    for _ in 0..5 {
        let signed = signin::login(
            &common::visit(&state),
            "ada@example.com",
            common::PASSWORD.into(),
            None,
        )
        .await
        .unwrap();
        let pending = session::resolve(&mut conn, &signed.token)
            .await
            .unwrap()
            .unwrap();
        let wrong =
            second_factor::verify_second_factor(&common::visit(&state), &pending, "not-a-code")
                .await;
        assert!(wrong.is_err());
    }
    let failures: i32 = sqlx::query_scalar("SELECT failed_logins FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        failures, 5,
        "each right password left the count of wrong codes alone"
    );
    // The password still opens the first step, but the second is held back, even for the
    // right code: the count belongs to the account, which only the password's holder can reach.
    let signed = signin::login(
        &common::visit(&state),
        "ada@example.com",
        common::PASSWORD.into(),
        None,
    )
    .await
    .unwrap();
    let pending = session::resolve(&mut conn, &signed.token)
        .await
        .unwrap()
        .unwrap();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let throttled = second_factor::verify_second_factor(
        &common::visit(&state),
        &pending,
        &mfa::code_at(&secret, now),
    )
    .await;
    assert!(
        matches!(throttled, Err(app::error::AppError::RateLimited { .. })),
        "{throttled:?}"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn emails_differing_only_in_case_are_one_account(pool: PgPool) {
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let duplicate = sqlx::query(
        "INSERT INTO users (email, password_hash, name, role, user_type) VALUES ('ADA@example.com', 'x', 'A', 'super_admin', 'manufacturer')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(
        duplicate.as_database_error().and_then(|e| e.constraint()),
        Some("users_email_lower_key")
    );
}
