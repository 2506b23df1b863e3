//! The tamper-evident audit trail: appends (concurrent ones too) form one unbroken chain, and a
//! row changed, removed or inserted out of order behind the application's back (as the owner
//! role, with the append-only trigger off) is named by the verification.

mod common;

use app::audit::chain::{self, Break};
use serde_json::Value;
use sqlx::{PgPool, Postgres, Transaction};

async fn append(pool: &PgPool, n: usize) {
    for i in 0..n {
        sqlx::query(
            "INSERT INTO audit_logs (action, entity_type, new_values) VALUES ('test.append', 'user', jsonb_build_object('i', $1::int))",
        )
        .bind(i32::try_from(i).unwrap())
        .execute(pool)
        .await
        .unwrap();
    }
}

/// A transaction in which the owner may rewrite the trail (rolled back by the caller).
async fn behind_the_back(pool: &PgPool) -> Transaction<'static, Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

async fn seq_id(tx: &mut Transaction<'static, Postgres>, seq: i64) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM audit_logs WHERE seq = $1")
        .bind(seq)
        .fetch_one(&mut **tx)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn concurrent_appends_form_one_unbroken_chain(pool: PgPool) {
    append(&pool, 5).await;
    let writers = (0..16).map(|_| {
        let pool = pool.clone();
        tokio::spawn(async move { append(&pool, 10).await })
    });
    for w in writers {
        w.await.unwrap();
    }
    let mut conn = pool.acquire().await.unwrap();
    let report = chain::verify(&mut conn, 0).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!((report.rows_checked, report.through_seq), (165, 165));
    // An incremental check from a trusted point reads only what follows it.
    let tail = chain::verify(&mut conn, 160).await.unwrap();
    assert_eq!((tail.rows_checked, tail.broken), (5, None));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_changed_a_removed_and_an_inserted_row_are_each_named(pool: PgPool) {
    append(&pool, 10).await;

    let mut tx = behind_the_back(&pool).await;
    sqlx::query("UPDATE audit_logs SET new_values = '{\"i\": 99}' WHERE seq = 4")
        .execute(&mut *tx)
        .await
        .unwrap();
    let id = seq_id(&mut tx, 4).await;
    let report = chain::verify(&mut tx, 0).await.unwrap();
    assert_eq!(report.broken, Some(Break::Changed { seq: 4, id }));
    assert_eq!(report.through_seq, 3);
    tx.rollback().await.unwrap();

    let mut tx = behind_the_back(&pool).await;
    sqlx::query("DELETE FROM audit_logs WHERE seq = 6")
        .execute(&mut *tx)
        .await
        .unwrap();
    let report = chain::verify(&mut tx, 0).await.unwrap();
    assert_eq!(report.broken, Some(Break::Removed { seq: 6 }));
    tx.rollback().await.unwrap();

    let mut tx = behind_the_back(&pool).await;
    sqlx::query("DELETE FROM audit_logs WHERE seq = 10")
        .execute(&mut *tx)
        .await
        .unwrap();
    let report = chain::verify(&mut tx, 0).await.unwrap();
    assert_eq!(
        report.broken,
        Some(Break::Removed { seq: 10 }),
        "the last one too"
    );
    tx.rollback().await.unwrap();

    // A row slipped in after the last, hashed as the trigger would but without the head's lock.
    let mut tx = behind_the_back(&pool).await;
    sqlx::query("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_chain")
        .execute(&mut *tx)
        .await
        .unwrap();
    let forged: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO audit_logs (action, entity_type, seq, prev_hash, row_hash)
         SELECT 'auth.login', 'session', 11, row_hash, '\\x00' FROM audit_logs WHERE seq = 10
         RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_logs a SET row_hash = audit_row_hash(prev_hash, a) WHERE id = $1")
        .bind(forged)
        .execute(&mut *tx)
        .await
        .unwrap();
    let report = chain::verify(&mut tx, 0).await.unwrap();
    assert_eq!(
        report.broken,
        Some(Break::OutOfOrder {
            seq: 11,
            id: forged
        })
    );
    tx.rollback().await.unwrap();

    // The same, in the middle: renumbering to make room cannot keep the hashes.
    let mut tx = behind_the_back(&pool).await;
    sqlx::query("ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_chain")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_logs SET seq = seq + 100 WHERE seq >= 5")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_logs SET seq = seq - 99 WHERE seq >= 105")
        .execute(&mut *tx)
        .await
        .unwrap();
    let middle: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO audit_logs (action, entity_type, seq, prev_hash, row_hash)
         SELECT 'auth.login', 'session', 5, row_hash, '\\x00' FROM audit_logs WHERE seq = 4
         RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_logs a SET row_hash = audit_row_hash(prev_hash, a) WHERE id = $1")
        .bind(middle)
        .execute(&mut *tx)
        .await
        .unwrap();
    let report = chain::verify(&mut tx, 0).await.unwrap();
    assert_eq!(
        report.broken.as_ref().map(Break::seq),
        Some(6),
        "{report:?}"
    );
    assert!(matches!(report.broken, Some(Break::OutOfOrder { .. })));
    tx.rollback().await.unwrap();

    // Untouched, it is intact.
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(chain::verify(&mut conn, 0).await.unwrap().broken, None);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_audit_viewer_shows_the_latest_check(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    common::user(&pool, "root@oem.example", "super_admin", None).await;
    let base = common::start(pool.clone()).await;
    let root = common::signed_in(&base, "root@oem.example").await;
    let unchecked: Value = common::call(&root, &base, "admin/audit/chain", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(unchecked["checked_at"].is_null(), "{unchecked}");
    let mut conn = pool.acquire().await.unwrap();
    let report = chain::check_new(&mut conn).await.unwrap();
    assert_eq!(report.broken, None);
    let checked: Value = common::call(&root, &base, "admin/audit/chain", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["intact_through"], report.through_seq);
    assert!(checked["problem"].is_null());
    let page = root
        .get(format!("{base}/admin/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Tamper check: intact through entry"),
        "{page}"
    );
}
