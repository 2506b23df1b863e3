//! The super admin of the first start, and `create-admin`.

use app::auth::server::password::verify_password;
use server::create_admin::{self as admin, InitialPassword, SUPER_ADMIN_EMAIL};
use sqlx::PgPool;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn first_start_creates_the_seed_super_admin_with_every_module_and_flag(pool: PgPool) {
    let created = admin::ensure_super_admin(&pool, None).await.unwrap();
    let Some(InitialPassword::Generated(password)) = created else {
        panic!("a password must be generated when none is supplied: {created:?}");
    };

    let (role, user_type, hash, active): (String, String, String, bool) = sqlx::query_as(
        "SELECT role, user_type, password_hash, is_active FROM users WHERE email = $1",
    )
    .bind(SUPER_ADMIN_EMAIL)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), user_type.as_str(), active),
        ("super_admin", "manufacturer", true)
    );
    assert!(
        hash.starts_with("$argon2id$"),
        "stored as an Argon2id hash: {hash}"
    );
    assert!(
        !hash.contains(&password),
        "the password itself is never stored"
    );
    assert!(verify_password(&password, &hash));

    let full_grants: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM module_access m JOIN users u ON u.id = m.user_id
          WHERE u.email = $1 AND can_view AND can_create AND can_edit AND can_delete AND can_approve",
    )
    .bind(SUPER_ADMIN_EMAIL)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        full_grants, 6,
        "every module, every flag, as the seed grants"
    );

    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_logs WHERE action = 'user.create_admin' AND entity_type = 'user'
           AND NOT (new_values::text ILIKE '%argon2%')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1, "the creation is audited, without the hash");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn later_starts_leave_the_existing_super_admin_alone(pool: PgPool) {
    let first = admin::ensure_super_admin(&pool, Some("a supplied password".into()))
        .await
        .unwrap();
    assert_eq!(first, Some(InitialPassword::Supplied));
    let before: String = sqlx::query_scalar("SELECT password_hash FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();

    assert_eq!(admin::ensure_super_admin(&pool, None).await.unwrap(), None);
    let after: (i64, String) = sqlx::query_as("SELECT count(*), max(password_hash) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, (1, before));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_short_password_from_the_environment_is_refused_and_nothing_is_created(pool: PgPool) {
    assert!(
        admin::ensure_super_admin(&pool, Some("short".into()))
            .await
            .is_err()
    );
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn create_admin_refuses_dealer_roles_bad_emails_and_duplicates(pool: PgPool) {
    let created = admin::create_admin(
        &pool,
        "Ops@Example.com",
        "Ops Lead",
        "manufacturer_admin",
        None,
    )
    .await
    .unwrap();
    assert!(matches!(created, InitialPassword::Generated(_)));
    let stored: String = sqlx::query_scalar("SELECT email FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, "ops@example.com", "emails are stored lowercased");

    for (email, role) in [
        ("ops@example.com", "manufacturer_admin"),
        ("new@example.com", "service_head"),
        ("not-an-email", "super_admin"),
    ] {
        assert!(
            admin::create_admin(&pool, email, "Someone", role, None)
                .await
                .is_err(),
            "{email} as {role} must be refused"
        );
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(users, 1);
}
