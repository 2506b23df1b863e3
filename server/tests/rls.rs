//! Row-level security and privileges as a dealer user's request transaction meets them (it runs as
//! the application role `oap_app`): colleagues' secrets, the audit trail, sessions, recovery codes,
//! and a check over the catalog that no readable table goes without a policy.

mod common;

use app::auth::authorize::{Actor, Permissions};
use app::auth::roles::{Role, UserType};
use app::auth::server::access::begin_as;
use sqlx::PgPool;
use uuid::Uuid;

/// A dealer user of a new dealer, with a colleague; returns (actor, colleague id).
async fn dealer_user(pool: &PgPool) -> (Actor, Uuid) {
    let dealer = common::dealer(pool, "RLS-001", "active").await;
    let me = common::user(pool, "me@rls.example", "service_head", Some(dealer)).await;
    let colleague = common::user(
        pool,
        "colleague@rls.example",
        "service_manager",
        Some(dealer),
    )
    .await;
    let actor = Actor {
        id: me,
        role: Role::ServiceHead,
        user_type: UserType::Dealer,
        dealer_id: Some(dealer),
        active: true,
        dealer_active: true,
        permissions: Permissions::ALL,
    };
    (actor, colleague)
}

/// The SQLSTATE of a failed statement.
fn code(err: &sqlx::Error) -> String {
    err.as_database_error()
        .and_then(|e| e.code())
        .unwrap_or_default()
        .into_owned()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_table_the_application_role_can_read_has_row_level_security_and_a_policy(
    pool: PgPool,
) {
    let unguarded: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND has_table_privilege('oap_app', c.oid, 'SELECT')
            AND (NOT c.relrowsecurity OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
          ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        unguarded.is_empty(),
        "readable without a policy: {unguarded:?}"
    );
    // Views read through to their tables' policies only when they run as the caller.
    let definer_views: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'v'
            AND has_table_privilege('oap_app', c.oid, 'SELECT')
            AND NOT COALESCE('security_invoker=true' = ANY(c.reloptions), false)
          ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        definer_views.is_empty(),
        "views bypassing RLS: {definer_views:?}"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_users_transaction_sees_colleagues_but_never_their_secrets(pool: PgPool) {
    let (actor, colleague) = dealer_user(&pool).await;
    let mut tx = begin_as(&pool, &actor).await.unwrap();
    let mut seen: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    seen.sort();
    let mut expected = vec![actor.id, colleague];
    expected.sort();
    assert_eq!(seen, expected, "colleagues of the same dealer are listed");
    tx.rollback().await.unwrap();
    for statement in [
        "SELECT password_hash FROM users WHERE id = $1",
        "SELECT mfa_secret FROM users WHERE id = $1",
        "SELECT mfa_last_step FROM users WHERE id = $1",
        "SELECT failed_logins FROM users WHERE id = $1",
        "SELECT last_failed_login FROM users WHERE id = $1",
        "SELECT * FROM users WHERE id = $1",
    ] {
        let mut tx = begin_as(&pool, &actor).await.unwrap();
        let err = sqlx::query(statement)
            .bind(colleague)
            .fetch_all(&mut *tx)
            .await
            .unwrap_err();
        assert_eq!(code(&err), "42501", "{statement}: {err}");
        tx.rollback().await.unwrap();
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_users_transaction_writes_audit_rows_only_in_its_own_name(pool: PgPool) {
    let (actor, colleague) = dealer_user(&pool).await;
    let append = |user: Option<Uuid>| {
        sqlx::query("INSERT INTO audit_logs (user_id, action, entity_type) VALUES ($1, 'test.event', 'test')")
            .bind(user)
    };
    let mut tx = begin_as(&pool, &actor).await.unwrap();
    append(Some(actor.id)).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    for forged in [Some(colleague), None] {
        let mut tx = begin_as(&pool, &actor).await.unwrap();
        let err = append(forged).execute(&mut *tx).await.unwrap_err();
        assert!(
            err.to_string().contains("row-level security"),
            "{forged:?}: {err}"
        );
        tx.rollback().await.unwrap();
    }
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_logs WHERE action = 'test.event'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(rows, 1, "only the row in the user's own name was written");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_users_transaction_cannot_extend_its_session_or_touch_recovery_codes(
    pool: PgPool,
) {
    let (actor, _) = dealer_user(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let (session, _) = app::auth::server::session::create(
        &mut conn,
        actor.id,
        &app::auth::server::RequestMeta::default(),
        false,
    )
    .await
    .unwrap();
    let mut tx = begin_as(&pool, &actor).await.unwrap();
    let mine: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM session_logs")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(mine, vec![session], "a user reads their own sessions");
    tx.rollback().await.unwrap();
    for statement in [
        "UPDATE session_logs SET expires_at = expires_at + interval '1 year'",
        "DELETE FROM session_logs",
        "SELECT count(*) FROM mfa_recovery_codes",
        "UPDATE mfa_recovery_codes SET used_at = NULL",
    ] {
        let mut tx = begin_as(&pool, &actor).await.unwrap();
        let err = sqlx::query(statement).execute(&mut *tx).await.unwrap_err();
        assert_eq!(code(&err), "42501", "{statement}: {err}");
        tx.rollback().await.unwrap();
    }
}
