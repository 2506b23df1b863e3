//! List exports over HTTP against a real database: a list's filters and order drive its file, a
//! dealer user's file holds only their dealer's rows (row-level security behind the filter),
//! formula cells are neutralised, the XLSX opens in a real reader with typed cells, bad filters
//! are field errors that export nothing, and every export is audited with its row count.

mod common;

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::{grant_all, signed_in};
use sqlx::PgPool;
use uuid::Uuid;

/// Rows of dealer A and of dealer B: enough to cross the export's chunk and channel sizes.
const A_ROWS: i64 = 3_000;
const B_ROWS: i64 = 500;

struct World {
    base: String,
}

async fn world(pool: &PgPool) -> World {
    common::no_mfa_required(pool).await;
    let a = common::dealer(pool, "A001", "active").await;
    let b = common::dealer(pool, "B001", "active").await;
    // A dealer name a spreadsheet would run as a formula.
    sqlx::query("UPDATE dealers SET dealer_name = '=HYPERLINK(\"http://evil.example\")', brand = 'Skoda' WHERE id = $1")
        .bind(b)
        .execute(pool)
        .await
        .unwrap();
    let head_a = common::user(pool, "head@a.example", "service_head", Some(a)).await;
    let admin = common::user(pool, "admin@oem.example", "manufacturer_admin", None).await;
    let _super = common::user(pool, "root@oem.example", "super_admin", None).await;
    let _no_rights = common::user(pool, "clerk@a.example", "service_head", Some(a)).await;
    for u in [head_a, admin] {
        grant_all(pool, u).await;
    }
    // A's applications changed in the last days, B's a year earlier.
    for (dealer, by, prefix, n, age) in [(a, head_a, "A", A_ROWS, 0), (b, head_a, "B", B_ROWS, 365)]
    {
        insert_applications(pool, dealer, by, prefix, n, age).await;
    }
    World {
        base: common::start(pool.clone()).await,
    }
}

/// `n` applications of `dealer`, one a day back from today, every fourth rejected, each changed a
/// minute before the one before it, starting `age` days ago.
async fn insert_applications(
    pool: &PgPool,
    dealer: Uuid,
    by: Uuid,
    prefix: &str,
    n: i64,
    age: i32,
) {
    sqlx::query(
        "INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date, status, updated_at)
         SELECT $1, $2, 'PCC-' || $3 || '-' || lpad(i::text, 6, '0'), CURRENT_DATE - i::int,
                CASE WHEN i % 4 = 0 THEN 'rejected' ELSE 'approved' END,
                now() - make_interval(days => $5, mins => i::int)
           FROM generate_series(1, $4::bigint) i",
    )
    .bind(dealer)
    .bind(by)
    .bind(prefix)
    .bind(n)
    .bind(age)
    .execute(pool)
    .await
    .unwrap();
}

async fn get(c: &reqwest::Client, base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let r = c.get(format!("{base}{path}")).send().await.unwrap();
    let status = r.status().as_u16();
    let disposition = r
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, disposition, r.bytes().await.unwrap().to_vec())
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

async fn last_export(pool: &PgPool) -> serde_json::Value {
    sqlx::query_scalar(
        "SELECT new_values FROM audit_logs WHERE action = 'record.exported' ORDER BY created_at DESC, seq DESC LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_list_exports_with_its_filters_and_order_and_only_what_the_caller_may_see(pool: PgPool) {
    let w = world(&pool).await;
    let admin = signed_in(&w.base, "admin@oem.example").await;

    // Everything, newest change first, as the list shows it.
    let (status, disposition, bytes) = get(&admin, &w.base, "/api/exports/pcc.csv").await;
    assert_eq!(status, 200);
    assert!(
        disposition.starts_with("attachment; filename=\"pcc-applications-"),
        "{disposition}"
    );
    let rows = csv_rows(&bytes);
    assert_eq!(rows[0][0], "Number");
    assert_eq!(rows.len() as i64, 1 + A_ROWS + B_ROWS);
    assert_eq!(rows[1][0], "PCC-A-000001", "newest change first");
    let audit = last_export(&pool).await;
    assert_eq!(audit["rows"], A_ROWS + B_ROWS);
    assert_eq!(audit["complete"], true);
    assert_eq!(audit["what"], "pcc-applications");

    // The list's filters: rejected ones of brand Skoda, oldest change first; a cursor in the URL
    // is ignored (a file starts at the first row).
    let (status, _, bytes) = get(
        &admin,
        &w.base,
        "/api/exports/pcc.csv?status=rejected&brand=Skoda&dir=asc&after=junk",
    )
    .await;
    assert_eq!(status, 200);
    let rows = csv_rows(&bytes);
    assert_eq!(rows.len() as i64, 1 + B_ROWS / 4);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[0].starts_with("PCC-B-") && r[4] == "Rejected")
    );
    assert_eq!(rows[1][0], "PCC-B-000500", "oldest change first");
    // The formula in B's name arrives as text.
    assert_eq!(rows[1][2], "'=HYPERLINK(\"http://evil.example\")");
    let audit = last_export(&pool).await;
    assert_eq!(audit["rows"], B_ROWS / 4);
    assert!(
        audit["filters"]
            .as_str()
            .unwrap()
            .contains("status=rejected")
    );

    // A dealer user's file holds only their dealer's applications, whatever they ask for.
    let head = signed_in(&w.base, "head@a.example").await;
    let (status, _, bytes) = get(&head, &w.base, "/api/exports/pcc.csv?q=PCC-B").await;
    assert_eq!(status, 200);
    assert_eq!(csv_rows(&bytes).len(), 1, "the header alone");
    let (_, _, bytes) = get(&head, &w.base, "/api/exports/pcc.csv").await;
    let rows = csv_rows(&bytes);
    assert_eq!(rows.len() as i64, 1 + A_ROWS);
    assert!(rows[1..].iter().all(|r| r[1] == "A001"));
    assert!(last_export(&pool).await["dealer_filter"].is_string());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn xlsx_exports_open_in_a_real_reader_with_dates_as_dates_and_formulas_as_text(pool: PgPool) {
    let w = world(&pool).await;
    let admin = signed_in(&w.base, "admin@oem.example").await;
    let (status, disposition, bytes) =
        get(&admin, &w.base, "/api/exports/pcc.xlsx?brand=Skoda").await;
    assert_eq!(status, 200);
    assert!(disposition.ends_with(".xlsx\""), "{disposition}");
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec!["Applications".to_owned()]);
    let sheet = book.worksheet_range("Applications").unwrap();
    assert_eq!(sheet.height() as i64, 1 + B_ROWS);
    assert_eq!(sheet.get((0, 5)), Some(&Data::String("Applied on".into())));
    let first = sheet.rows().nth(1).unwrap();
    assert_eq!(first[0], Data::String("PCC-B-000001".into()));
    assert_eq!(
        first[2],
        Data::String("'=HYPERLINK(\"http://evil.example\")".into())
    );
    let Data::DateTime(applied) = &first[5] else {
        panic!("a date cell, not {:?}", first[5]);
    };
    let today = chrono::Utc::now().date_naive();
    assert_eq!(
        applied.as_datetime().unwrap().date(),
        today - chrono::Duration::days(1)
    );
    assert!(
        matches!(first[7], Data::DateTime(_)),
        "last change: {:?}",
        first[7]
    );
    assert_eq!(last_export(&pool).await["format"], "xlsx");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn bad_filters_and_missing_rights_export_nothing(pool: PgPool) {
    let w = world(&pool).await;
    let admin = signed_in(&w.base, "admin@oem.example").await;
    let before = common::audited(&pool, "record.exported").await;

    // The end before the start: a field error, as on the page.
    let (status, _, body) = get(
        &admin,
        &w.base,
        "/api/exports/pcc.csv?from=2026-12-10&to=2026-12-01",
    )
    .await;
    assert_eq!(status, 422);
    let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(err["fields"][0]["field"], "to", "{err}");
    // A search too long, or with a NUL.
    let long = "x".repeat(101);
    for q in [long.as_str(), "a%00b"] {
        let (status, _, _) = get(&admin, &w.base, &format!("/api/exports/users.csv?q={q}")).await;
        assert_eq!(status, 422, "{q}");
    }
    // Unknown lists and formats.
    for path in [
        "/api/exports/passwords.csv",
        "/api/exports/pcc.pdf",
        "/api/exports/pcc",
    ] {
        assert_eq!(get(&admin, &w.base, path).await.0, 404, "{path}");
    }
    assert_eq!(common::audited(&pool, "record.exported").await, before);

    // No rights on the module: refused (and the refusal audited), nothing exported.
    let clerk = signed_in(&w.base, "clerk@a.example").await;
    assert_eq!(get(&clerk, &w.base, "/api/exports/pcc.csv").await.0, 403);
    // A dealer user is no administrator.
    let head = signed_in(&w.base, "head@a.example").await;
    assert_eq!(get(&head, &w.base, "/api/exports/users.csv").await.0, 403);
    // Signed out.
    let anonymous = common::client(&w.base);
    assert_eq!(
        get(&anonymous, &w.base, "/api/exports/pcc.csv").await.0,
        401
    );
    assert_eq!(common::audited(&pool, "record.exported").await, before);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn administration_lists_export_by_the_lists_own_rules(pool: PgPool) {
    let w = world(&pool).await;
    let admin = signed_in(&w.base, "admin@oem.example").await;

    // A manufacturer admin's users file has no super admin in it, as the list has none.
    let (status, _, bytes) = get(&admin, &w.base, "/api/exports/users.csv").await;
    assert_eq!(status, 200);
    let rows = csv_rows(&bytes);
    let emails: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(emails.contains(&"head@a.example"), "{emails:?}");
    assert!(!emails.contains(&"root@oem.example"), "{emails:?}");
    let head_row = rows.iter().find(|r| r[0] == "head@a.example").unwrap();
    assert!(
        head_row[10].contains("Performance Center Program: View, Create"),
        "{head_row:?}"
    );

    // Dealers by brand.
    let (_, _, bytes) = get(&admin, &w.base, "/api/exports/dealers.xlsx?brand=Skoda").await;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Dealers").unwrap();
    assert_eq!(sheet.height(), 2);
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("B001".into())));

    // The audit trail, filtered to exports: the two above are in it.
    let (status, _, bytes) = get(
        &admin,
        &w.base,
        "/api/exports/audit.csv?action=record.exported",
    )
    .await;
    assert_eq!(status, 200);
    let rows = csv_rows(&bytes);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(
        rows[1][6].contains("\"what\":\"dealers\""),
        "newest first: {:?}",
        rows[1]
    );
}

/// The caller's background export jobs: (status, bytes), newest first.
async fn jobs_of(pool: &PgPool, email: &str) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT j.status::text, j.bytes FROM export_jobs j JOIN users u ON u.id = j.user_id
          WHERE u.email = $1 ORDER BY j.created_at DESC",
    )
    .bind(email)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_list_too_big_to_wait_for_is_prepared_in_the_background_and_notified(pool: PgPool) {
    let w = world(&pool).await;
    sqlx::query(
        "INSERT INTO settings (category, key, value) VALUES ('exports', 'background_rows', '1000')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let admin = signed_in(&w.base, "admin@oem.example").await;

    // Under the threshold (B's 500): a download, as before.
    let (status, _, bytes) = get(&admin, &w.base, "/api/exports/pcc.csv?q=B001").await;
    assert_eq!(status, 200);
    assert_eq!(csv_rows(&bytes).len() as i64, 1 + B_ROWS);
    assert!(jobs_of(&pool, "admin@oem.example").await.is_empty());

    // Over it (all 3,500): sent to the notifications page while the file is prepared.
    let r = admin
        .get(format!("{}/api/exports/pcc.xlsx", w.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/notifications?export=preparing"
    );
    let mut waited = 0;
    let link = loop {
        let link: Option<String> = sqlx::query_scalar(
            "SELECT n.link FROM notifications n JOIN users u ON u.id = n.user_id
              WHERE u.email = 'admin@oem.example' AND n.title LIKE 'Your export of % is ready'",
        )
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some(link) = link {
            break link;
        }
        waited += 1;
        assert!(
            waited < 300,
            "no notification after 30 s: {:?}",
            jobs_of(&pool, "admin@oem.example").await
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let jobs = jobs_of(&pool, "admin@oem.example").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].0, "ready");
    assert!(link.starts_with("/api/exports/files/"), "{link}");
    assert_eq!(last_export(&pool).await["rows"], A_ROWS + B_ROWS);

    // The file is the whole list, typed, for its owner only.
    let (status, disposition, bytes) = get(&admin, &w.base, &link).await;
    assert_eq!(status, 200);
    assert!(disposition.contains(".xlsx"), "{disposition}");
    assert_eq!(bytes.len() as i64, jobs[0].1);
    let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(sheet.height() as i64, 1 + A_ROWS + B_ROWS);
    let other = signed_in(&w.base, "root@oem.example").await;
    assert_eq!(get(&other, &w.base, &link).await.0, 404);
    let anonymous = common::client(&w.base);
    assert_eq!(get(&anonymous, &w.base, &link).await.0, 401);

    // A job whose server stopped mid-way is failed and its owner told, not left preparing.
    sqlx::query(
        "INSERT INTO export_jobs (user_id, list, filename, content_type, progressed_at, created_at)
         SELECT id, 'pcc-applications', 'x.csv', 'text/csv', now() - interval '1 hour', now() - interval '1 hour'
           FROM users WHERE email = 'admin@oem.example'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(app::export::jobs::sweep(&mut conn).await.unwrap(), (1, 0));
    let mut states: Vec<String> = jobs_of(&pool, "admin@oem.example")
        .await
        .into_iter()
        .map(|j| j.0)
        .collect();
    states.sort();
    assert_eq!(states, ["failed", "ready"]);
    let told: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE title LIKE 'Your export of % failed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
}
