//! Backups: a point-in-time restore of the embedded cluster between two writes keeps the first
//! and not the second; an export imported into an empty database gives every table back, row for
//! row; the audit trail's daily files hold each day once.

mod common;

use std::time::{Duration, Instant};

use server::db::backup::{self, Kind};
use server::db::{self, embedded::EmbeddedPostgres};
use sqlx::PgPool;

#[tokio::test]
async fn a_restore_to_a_time_between_two_writes_keeps_the_first_and_not_the_second() {
    assert!(
        backup::pgbackrest().is_some(),
        "pgBackRest is required (scripts/bootstrap.sh installs it)"
    );
    let dir = common::cluster_dir("oap-backup-");
    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .unwrap();
    let pool = common::cluster_pool(&pg).await;
    sqlx::query("CREATE TABLE notes (note text)")
        .execute(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    backup::backup(&pg, Kind::Full, 30).await.unwrap();
    let backup_took = started.elapsed();
    assert_eq!(backup::list(&pg).await.unwrap().len(), 1);

    // Restore targets are whole seconds: a second's gap on each side of the target.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sqlx::query("INSERT INTO notes VALUES ('first')")
        .execute(&pool)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let between: chrono::NaiveDateTime =
        sqlx::query_scalar("SELECT date_trunc('second', now() AT TIME ZONE 'UTC')::timestamp")
            .fetch_one(&pool)
            .await
            .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sqlx::query("INSERT INTO notes VALUES ('second')")
        .execute(&pool)
        .await
        .unwrap();
    // Ship the WAL holding both writes to the repository, and wait until it is there.
    let archived_before: i64 = sqlx::query_scalar("SELECT archived_count FROM pg_stat_archiver")
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query("SELECT pg_switch_wal()")
        .execute(&pool)
        .await
        .unwrap();
    for _ in 0..100 {
        let archived: i64 = sqlx::query_scalar("SELECT archived_count FROM pg_stat_archiver")
            .fetch_one(&pool)
            .await
            .unwrap();
        if archived > archived_before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    pool.close().await;

    let started = Instant::now();
    server::ops::restore(&pg, between).await.unwrap();
    let pool = common::cluster_pool(&pg).await;
    for _ in 0..300 {
        let recovering: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
            .fetch_one(&pool)
            .await
            .unwrap();
        if !recovering {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let restore_took = started.elapsed();
    let notes: Vec<String> = sqlx::query_scalar("SELECT note FROM notes ORDER BY note")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(notes, ["first"]);
    // The restored cluster takes writes again.
    sqlx::query("INSERT INTO notes VALUES ('after')")
        .execute(&pool)
        .await
        .unwrap();
    eprintln!("full backup {backup_took:.1?}, point-in-time restore {restore_took:.1?}");
    pool.close().await;
    pg.stop_now().await.unwrap();
}

#[tokio::test]
async fn a_restore_refuses_a_time_before_every_backup() {
    let dir = common::cluster_dir("oap-backup-");
    let pg = EmbeddedPostgres::start(dir.path(), None, "postgres")
        .await
        .unwrap();
    let none = server::ops::restore(&pg, chrono::Utc::now().naive_utc())
        .await
        .unwrap_err();
    assert!(none.to_string().contains("no backup"), "{none}");
    backup::backup(&pg, Kind::Full, 30).await.unwrap();
    let early = server::ops::restore(&pg, server::ops::parse_target("2001-01-01 00:00").unwrap())
        .await
        .unwrap_err();
    assert!(early.to_string().contains("earliest"), "{early}");
    assert!(
        pg.running().await,
        "a refused restore leaves the cluster alone"
    );
    pg.stop_now().await.unwrap();
}

/// Every table of the public schema with its row count and a checksum of its rows.
async fn fingerprint(pool: &PgPool) -> Vec<(String, i64, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        // Names come from the catalogue, quoted as identifiers.
        let (n, sum): (i64, String) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*), md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{}\" t",
            table.replace('"', "\"\"")
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        out.push((table, n, sum));
    }
    out
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_export_imported_into_an_empty_database_gives_every_row_back(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let dealer = common::dealer(&pool, "X-001", "active").await;
    let head = common::user(&pool, "head@x.example", "service_head", Some(dealer)).await;
    common::grant_all(&pool, head).await;
    let base = common::start(pool.clone()).await;
    common::signed_in(&base, "head@x.example").await;
    let before = fingerprint(&pool).await;
    assert!(before.iter().any(|(t, n, _)| t == "audit_logs" && *n > 0));

    let file = tempfile::NamedTempFile::new().unwrap();
    let url = {
        let mut url = url::Url::parse(&std::env::var("DATABASE_URL").unwrap()).unwrap();
        url.set_path(&format!(
            "/{}",
            pool.connect_options().get_database().unwrap()
        ));
        url.to_string()
    };
    server::ops::export(&url, file.path(), None).await.unwrap();
    let name = format!("oap_import_{}", std::process::id());
    let target_url = db::recreate_database(&url, &name).await.unwrap();
    let target = db::pool(target_url.parse().unwrap(), 2).await.unwrap();
    server::ops::import(&target, &target_url, file.path(), None)
        .await
        .unwrap();
    let after = fingerprint(&target).await;
    assert_eq!(before, after);
    let again = server::ops::import(&target, &target_url, file.path(), None)
        .await
        .unwrap_err();
    assert!(again.to_string().contains("empty"), "{again}");
    // The imported audit chain verifies.
    let mut conn = target.acquire().await.unwrap();
    assert_eq!(
        app::audit::chain::verify(&mut conn, 0)
            .await
            .unwrap()
            .broken,
        None
    );
    drop(conn);
    target.close().await;
    let admin = db::pool(url.parse().unwrap(), 1).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_audit_trail_is_exported_once_per_past_day(pool: PgPool) {
    for days_ago in [3, 3, 1, 0] {
        sqlx::query(
            "INSERT INTO audit_logs (action, entity_type, created_at)
             VALUES ('test.day', 'user', CURRENT_TIMESTAMP - make_interval(days => $1))",
        )
        .bind(days_ago)
        .execute(&pool)
        .await
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let written = server::ops::export_audit_days(&pool, dir.path())
        .await
        .unwrap();
    assert_eq!(
        written, 3,
        "three whole days have passed since the first entry"
    );
    let day = |n: i64| (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).to_string();
    let lines = |n: i64| {
        std::fs::read_to_string(dir.path().join(format!("audit-{}.jsonl", day(n))))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!((lines(3), lines(2), lines(1)), (2, 0, 1));
    assert!(
        !dir.path().join(format!("audit-{}.jsonl", day(0))).exists(),
        "today is not over"
    );
    assert_eq!(
        server::ops::export_audit_days(&pool, dir.path())
            .await
            .unwrap(),
        0
    );
}
