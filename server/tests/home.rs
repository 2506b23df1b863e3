//! The home page by role over HTTP, on generated data: a dealer user gets their dealer's to-dos,
//! latest steps and scores (and nothing of the network's); a reviewer gets the queue by age and
//! their decisions, and the network's figures, which agree with the tables they count; a bad
//! range is a field error.

mod common;

use serde_json::Value;
use server::config::DemoDataArgs;
use sqlx::PgPool;

async fn generated(pool: &PgPool) -> String {
    server::db::migrate(pool).await.unwrap();
    common::no_mfa_required(pool).await;
    let args = DemoDataArgs {
        dealers: 12,
        users_per_dealer: 4,
        records: 1_500,
        seed: 11,
        today: None,
        yes_add_to_existing: false,
    };
    server::demo_data::run(pool, &args).await.unwrap();
    common::start(pool.clone()).await
}

async fn signed_in_as(pool: &PgPool, base: &str, query: &'static str) -> reqwest::Client {
    let email: String = sqlx::query_scalar(query).fetch_one(pool).await.unwrap();
    let c = common::client(base);
    let r = common::call(
        &c,
        base,
        "auth/login",
        &[
            ("email", &email),
            ("password", server::demo_data::DEMO_PASSWORD),
        ],
    )
    .await;
    assert!(r.status().is_success(), "{email}: {}", r.status());
    c
}

async fn home(c: &reqwest::Client, base: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = common::call(c, base, "home", form).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn event_counts_agree(pool: &PgPool) {
    let wrong: Vec<(uuid::Uuid, i64, i64)> = sqlx::query_as(
        "SELECT e.id, COALESCE(c.registered, 0),
                (SELECT count(*) FROM api_registrations r WHERE r.event_id = e.id AND r.status <> 'cancelled')
                + (SELECT count(*) FROM mt_meet_registrations r WHERE r.event_id = e.id AND r.status <> 'cancelled')
           FROM events e LEFT JOIN event_registered c ON c.event_id = e.id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .filter(|(_, kept, counted)| kept != counted)
    .collect();
    assert!(wrong.is_empty(), "(event, kept, counted): {wrong:?}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn each_role_lands_on_what_needs_them(pool: PgPool) {
    let base = generated(&pool).await;

    // A service head of an active dealer.
    let head = signed_in_as(
        &pool,
        &base,
        "SELECT u.email::text FROM users u JOIN dealers d ON d.id = u.dealer_id
          WHERE u.role = 'service_head' AND d.status = 'active' AND u.is_active
          ORDER BY d.dealer_code LIMIT 1",
    )
    .await;
    let (status, h) = home(&head, &base, &[]).await;
    assert_eq!(status, 200, "{h}");
    assert!(h["network"].is_null() && h["approver"].is_null(), "{h}");
    let d = &h["dealer"];
    assert!(!d["recent"].as_array().unwrap().is_empty(), "{d}");
    assert_eq!(d["scores"].as_array().unwrap().len(), 3, "{d}");
    // Their own open PCC work is among the to-dos, as the table has it.
    let dealer_open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dealer_pcc p JOIN users u ON u.dealer_id = p.dealer_id
          WHERE u.email = (SELECT u.email FROM users u JOIN dealers d ON d.id = u.dealer_id
                            WHERE u.role = 'service_head' AND d.status = 'active' AND u.is_active
                            ORDER BY d.dealer_code LIMIT 1)
            AND p.status IN ('draft', 'revision_requested')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let pcc_todos = d["todos"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["href"].as_str().unwrap().starts_with("/modules/pcc/"))
        .count() as i64;
    assert_eq!(pcc_todos, dealer_open, "{d}");

    // A reviewer: the queue by age and the network.
    let reviewer = signed_in_as(
        &pool,
        &base,
        "SELECT email::text FROM users WHERE role = 'manufacturer_admin' AND email LIKE '%.demo.example' ORDER BY email LIMIT 1",
    )
    .await;
    let (status, h) = home(&reviewer, &base, &[]).await;
    assert_eq!(status, 200, "{h}");
    assert!(h["dealer"].is_null());
    let a = &h["approver"];
    let waiting: i64 = a["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .sum();
    let pending: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM dealer_pcc WHERE status IN ('pending', 'under_review')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        waiting >= pending,
        "the queue holds at least the PCC applications waiting: {a}"
    );
    assert_eq!(a["target_hours"], 48);
    let n = &h["network"];
    assert_eq!(
        n["months"].as_array().unwrap().len(),
        13,
        "twelve months and this one: {n}"
    );
    let counted: i64 = n["months"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| {
            m["per_module"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
        })
        .sum();
    let expected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM record_history
          WHERE created_at >= CURRENT_DATE - 364 AND created_at < CURRENT_DATE + 1
            AND (step = 'submit' OR (step = 'create' AND module IN ('api_registration', 'mt_meet')))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(counted, expected);
    // The PCC decisions agree with the history they summarise.
    let (approved, rejected, median): (i64, i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE d.step = 'approve'), count(*) FILTER (WHERE d.step = 'reject'),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.created_at - s.at) / 3600)
           FROM record_history d
           LEFT JOIN LATERAL (SELECT max(created_at) AS at FROM record_history s
                               WHERE s.record_id = d.record_id AND s.step IN ('submit', 'resubmit')
                                 AND s.created_at <= d.created_at) s ON true
          WHERE d.module = 'dealer_pcc' AND d.step IN ('approve', 'reject')
            AND d.created_at >= CURRENT_DATE - 364 AND d.created_at < CURRENT_DATE + 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(approved + rejected > 0, "{n}");
    assert_eq!(
        (n["approved"].as_i64(), n["rejected"].as_i64()),
        (Some(approved), Some(rejected))
    );
    let shown = n["median_decision_hours"].as_f64().unwrap();
    assert!(
        (shown - median.unwrap()).abs() < 1e-6,
        "{shown} vs {median:?}"
    );

    // A submission written now (one row, as a workflow step writes it) counts at once.
    sqlx::query(
        "INSERT INTO record_history (module, record_id, dealer_id, step, from_status, to_status, actor_name)
         SELECT 'dealer_pcc', id, dealer_id, 'submit', 'draft', 'pending', 'Test' FROM dealer_pcc LIMIT 1",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (_, h) = home(&reviewer, &base, &[]).await;
    let recounted: i64 = h["network"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| {
            m["per_module"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_i64().unwrap())
        })
        .sum();
    assert_eq!(recounted, counted + 1);
    assert!(!n["events"].as_array().unwrap().is_empty());
    // The per-event counts the events are ranked by agree with the registrations, after bulk
    // inserts (the generator), cancellations, moves between events and deletions.
    event_counts_agree(&pool).await;
    sqlx::query("UPDATE api_registrations SET status = 'cancelled' WHERE id IN (SELECT id FROM api_registrations WHERE status <> 'cancelled' ORDER BY id LIMIT 7)")
        .execute(&pool).await.unwrap();
    sqlx::query("UPDATE mt_meet_registrations SET status = 'registered' WHERE id IN (SELECT id FROM mt_meet_registrations WHERE status = 'cancelled' ORDER BY id LIMIT 3)")
        .execute(&pool).await.unwrap();
    sqlx::query("DELETE FROM api_registrations WHERE id IN (SELECT id FROM api_registrations ORDER BY id DESC LIMIT 5)")
        .execute(&pool).await.unwrap();
    event_counts_agree(&pool).await;
    assert!(!n["scores"].as_array().unwrap().is_empty());

    // A backwards range is a field error.
    let (status, e) = home(
        &reviewer,
        &base,
        &[("from", "2026-12-10"), ("to", "2026-12-01")],
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["fields"][0]["field"], "to");
}
