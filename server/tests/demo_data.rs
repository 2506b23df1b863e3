//! The demo-data generator against real databases: the same seed and day write the same rows (in
//! a second database), another seed writes others beside them, the data keeps the schema's and
//! the app's rules (one open application per dealer, numbers the app continues after, an intact
//! audit chain), and a database with real users is refused unless told.

mod common;

use chrono::NaiveDate;
use server::config::DemoDataArgs;
use server::demo_data;
use sqlx::PgPool;

fn args(seed: u64) -> DemoDataArgs {
    DemoDataArgs {
        dealers: 12,
        users_per_dealer: 4,
        records: 1_500,
        seed,
        today: NaiveDate::from_ymd_opt(2026, 11, 30),
        yes_add_to_existing: false,
    }
}

/// A digest of every generated row (ids included; password hashes, which are salted, and the
/// audit chain's positions, which depend on what came before, left out).
async fn fingerprint(pool: &PgPool) -> Vec<(String, i64, String)> {
    let tables = [
        ("dealers", "dealer_code LIKE 'DEMO%'"),
        ("users", "email LIKE '%.demo.example'"),
        (
            "module_access",
            "user_id IN (SELECT id FROM users WHERE email LIKE '%.demo.example')",
        ),
        ("dealer_pcc", "true"),
        ("events", "true"),
        ("api_registrations", "true"),
        ("mt_meet_registrations", "true"),
        ("survey_periods", "true"),
        ("workshop_surveys", "true"),
        ("warranty_surveys", "true"),
        ("technical_surveys", "true"),
        ("record_history", "true"),
        ("notifications", "true"),
        ("audit_logs", "user_agent LIKE '%(demo data)'"),
    ];
    let mut out = Vec::new();
    for (table, filter) in tables {
        let (n, digest): (i64, Option<String>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*), md5(string_agg((to_jsonb(t) - 'password_hash' - 'seq' - 'prev_hash' - 'row_hash')::text, '|'
                                            ORDER BY t.id))
               FROM {table} t WHERE {filter}"
        )))
        .fetch_one(pool)
        .await
        .unwrap();
        out.push((table.to_owned(), n, digest.unwrap_or_default()));
    }
    out
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_same_seed_writes_the_same_network_and_the_app_can_carry_on_from_it(pool: PgPool) {
    // As the command does: the migrations, then the surveys' first form versions published.
    server::db::migrate(&pool).await.unwrap();
    demo_data::run(&pool, &args(7)).await.unwrap();
    let first = fingerprint(&pool).await;
    let count = |t: &str| first.iter().find(|r| r.0 == t).unwrap().1;
    assert_eq!(count("dealers"), 12);
    assert_eq!(count("users"), 12 * 4 + 3, "staff and three reviewers");
    let records = count("dealer_pcc")
        + count("api_registrations")
        + count("mt_meet_registrations")
        + count("workshop_surveys")
        + count("warranty_surveys")
        + count("technical_surveys");
    assert!(
        (1_300..=1_500).contains(&records),
        "about the records asked for (survey participation varies): {records}"
    );
    assert!(count("record_history") > records, "a timeline per record");
    assert_eq!(count("audit_logs"), records, "one audit row per record");
    assert!(count("notifications") > 0);

    // The same seed and day in a fresh database: the same rows.
    let base = std::env::var("DATABASE_URL").unwrap();
    let twin_url = server::db::recreate_database(&base, "oap_demo_twin")
        .await
        .unwrap();
    let twin = server::db::pool(twin_url.parse().unwrap(), 2)
        .await
        .unwrap();
    server::db::migrate(&twin).await.unwrap();
    demo_data::run(&twin, &args(7)).await.unwrap();
    assert_eq!(fingerprint(&twin).await, first);

    // Another seed adds another network beside it; the same seed twice is refused.
    demo_data::run(&twin, &args(8)).await.unwrap();
    let both = fingerprint(&twin).await;
    assert_eq!(both[0].1, 24, "two networks of dealers");
    let err = demo_data::run(&twin, &args(8)).await.unwrap_err();
    assert!(err.to_string().contains("seed 8 is already"), "{err}");
    twin.close().await;

    // The schema's and the app's rules hold: one open application per dealer (a unique index),
    // every number below the counter the app continues from, an intact audit chain.
    let above: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dealer_pcc p JOIN record_numbers n ON n.prefix = 'PCC'
            AND n.year = substr(p.application_number, 5, 4)::int
          WHERE substr(p.application_number, 10)::int > n.last_value",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(above, 0);
    let mut conn = pool.acquire().await.unwrap();
    let report = app::audit::chain::verify(&mut conn, 0).await.unwrap();
    assert!(report.broken.is_none(), "{:?}", report.broken);
    let scores: (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE status <> 'draft' AND overall_score IS NULL),
                count(*) FILTER (WHERE status <> 'draft')
           FROM workshop_surveys",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(scores.0, 0, "every submitted response is scored");
    assert!(scores.1 > 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_database_with_real_users_is_refused_unless_told(pool: PgPool) {
    server::db::migrate(&pool).await.unwrap();
    let dealer = common::dealer(&pool, "REAL-1", "active").await;
    common::user(
        &pool,
        "asha@real-dealer.example",
        "service_head",
        Some(dealer),
    )
    .await;
    let err = demo_data::run(&pool, &args(3)).await.unwrap_err();
    assert!(err.to_string().contains("--yes-add-to-existing"), "{err}");
    let dealers: i64 = sqlx::query_scalar("SELECT count(*) FROM dealers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(dealers, 1, "nothing written");
    let told = DemoDataArgs {
        yes_add_to_existing: true,
        ..args(3)
    };
    demo_data::run(&pool, &told).await.unwrap();
    let dealers: i64 = sqlx::query_scalar("SELECT count(*) FROM dealers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(dealers, 13);
}
