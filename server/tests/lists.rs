//! Module lists at size, over HTTP against a real database: small counts are made on every first
//! page, big ones are kept per scope and filters until a change to the module is heard
//! (`app::list::counts`; the users list's until accounts change, by any path), a dealer user
//! never sees a figure counted for someone else, and a
//! narrow search (collected through its indexes) and a broad one (walking the list's order)
//! answer the same rows in the same order (`app::list::sql::search_is_narrow`).

mod common;

use std::time::{Duration, Instant};

use common::{call_json, grant_all, signed_in};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

fn list_query(search: &str) -> Value {
    json!({"query": {
        "search": search, "status": null, "brand": null, "from": null, "to": null,
        "sort": "updated", "ascending": false, "after": null
    }})
}

/// A page of the PCC list for `search`, after `after` (a cursor) if given.
async fn page(c: &reqwest::Client, base: &str, search: &str, after: Option<&str>) -> Value {
    let mut body = list_query(search);
    body["query"]["after"] = json!(after);
    let r = call_json(c, base, "pcc/list", body).await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The first page's count of the PCC list for `search`.
async fn total(c: &reqwest::Client, base: &str, search: &str) -> i64 {
    page(c, base, search, None).await["total"].as_i64().unwrap()
}

/// Every number the PCC list shows for `search`, page by page.
async fn numbers(c: &reqwest::Client, base: &str, search: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let p = page(c, base, search, after.as_deref()).await;
        for row in p["rows"].as_array().unwrap() {
            out.push(row["number"].as_str().unwrap().to_owned());
        }
        match p["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return out,
        }
    }
}

/// `n` decided applications of `dealer`, loaded in bulk behind the app's back (no event).
async fn load(pool: &PgPool, dealer: Uuid, by: Uuid, prefix: &str, n: i64) {
    sqlx::query(
        "INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date, status, updated_at)
         SELECT $1, $2, 'PCC-' || $3 || '-' || lpad(i::text, 6, '0'), CURRENT_DATE, 'approved',
                now() - make_interval(mins => i::int)
           FROM generate_series(1, $4::bigint) i",
    )
    .bind(dealer)
    .bind(by)
    .bind(prefix)
    .bind(n)
    .execute(pool)
    .await
    .unwrap();
}

async fn rows(pool: &PgPool, dealer: Option<Uuid>) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM dealer_pcc WHERE $1::uuid IS NULL OR dealer_id = $1")
        .bind(dealer)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn big_counts_are_kept_per_scope_until_the_module_changes_and_small_ones_never(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let dealer_a = common::dealer(&pool, "A001", "active").await;
    let dealer_b = common::dealer(&pool, "B001", "active").await;
    let head_a = common::user(&pool, "head@a.example", "service_head", Some(dealer_a)).await;
    let head_b = common::user(&pool, "head@b.example", "service_head", Some(dealer_b)).await;
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    for u in [head_a, head_b, admin] {
        grant_all(&pool, u).await;
    }
    let base = common::start(pool.clone()).await;
    let (oem, a, b) = (
        signed_in(&base, "admin@oem.example").await,
        signed_in(&base, "head@a.example").await,
        signed_in(&base, "head@b.example").await,
    );

    // Small figures are counted every time: a bulk load without an event shows at once.
    load(&pool, dealer_b, head_b, "B", 40).await;
    assert_eq!(total(&b, &base, "").await, 40);
    load(&pool, dealer_b, head_b, "B2", 2).await;
    assert_eq!(total(&b, &base, "").await, 42);

    // Big figures are kept, per scope: the network's is not dealer A's, nor dealer B's.
    load(&pool, dealer_a, head_a, "A", 1_500).await;
    let network = rows(&pool, None).await;
    assert_eq!(total(&oem, &base, "").await, network);
    assert_eq!(total(&a, &base, "").await, 1_500);
    assert_eq!(total(&b, &base, "").await, 42);
    // Each search is its own figure.
    assert_eq!(total(&oem, &base, "PCC-A").await, 1_500);

    // Rows loaded without an event are not seen while the figure holds (at most a minute)…
    load(&pool, dealer_a, head_a, "A2", 3).await;
    assert_eq!(total(&oem, &base, "").await, network);
    assert_eq!(total(&a, &base, "").await, 1_500);

    // …and any change made through the app retires every kept figure of the module.
    let r = common::call(&a, &base, "pcc/create", &[]).await;
    assert_eq!(r.status(), 200);
    let now = rows(&pool, None).await;
    assert_eq!(now, network + 4);
    let heard_by = Instant::now() + Duration::from_secs(10);
    while total(&oem, &base, "").await != now {
        assert!(Instant::now() < heard_by, "the change was not heard");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        total(&a, &base, "").await,
        rows(&pool, Some(dealer_a)).await
    );
    assert_eq!(total(&b, &base, "").await, 42);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn narrow_and_broad_searches_answer_the_same_rows_in_the_same_order(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let dealer_a = common::dealer(&pool, "A001", "active").await;
    let dealer_b = common::dealer(&pool, "B001", "active").await;
    let head_a = common::user(&pool, "head@a.example", "service_head", Some(dealer_a)).await;
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    for u in [head_a, admin] {
        grant_all(&pool, u).await;
    }
    // More than the narrow bound (2,000) for "PCC-A", a few for "PCC-A-00001", and dealer B's
    // rows matching "b001" by their dealer only.
    load(&pool, dealer_a, head_a, "A", 2_300).await;
    load(&pool, dealer_b, head_a, "X", 30).await;
    let base = common::start(pool.clone()).await;
    let oem = signed_in(&base, "admin@oem.example").await;

    let expected = |search: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT p.application_number FROM dealer_pcc p JOIN dealers d ON d.id = p.dealer_id
                  WHERE p.application_number LIKE upper($1) || '%'
                     OR lower(d.dealer_code || ' ' || d.dealer_name) LIKE '%' || lower($1) || '%'
                  ORDER BY p.updated_at DESC, p.id DESC",
            )
            .bind(search)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    // Broad: walks the list's order.
    let broad = numbers(&oem, &base, "pcc-a").await;
    assert_eq!(broad.len(), 2_300);
    assert_eq!(broad, expected("pcc-a").await);
    assert_eq!(total(&oem, &base, "pcc-a").await, 2_300);
    // Narrow: by number prefix, and by dealer.
    let narrow = numbers(&oem, &base, "PCC-A-00001").await;
    assert_eq!(narrow.len(), 10);
    assert_eq!(narrow, expected("PCC-A-00001").await);
    let by_dealer = numbers(&oem, &base, "b001").await;
    assert_eq!(by_dealer.len(), 30);
    assert_eq!(by_dealer, expected("b001").await);
}

/// Every registration number the API registrations list shows for `search`, page by page.
async fn registration_numbers(
    c: &reqwest::Client,
    base: &str,
    search: &str,
    dealer: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = json!({"kind": "api", "query": {
            "search": search, "event": null, "status": null, "dealer": dealer, "from": null,
            "to": null, "sort": "updated", "ascending": false, "after": after
        }});
        let r = call_json(c, base, "registrations/list", body).await;
        assert_eq!(r.status(), 200);
        let p: Value = r.json().await.unwrap();
        for row in p["rows"].as_array().unwrap() {
            out.push(row["number"].as_str().unwrap().to_owned());
        }
        match p["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => return out,
        }
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn registration_searches_by_number_person_and_event_agree_in_both_plans(pool: PgPool) {
    // The generator needs the published survey forms that `migrate` seeds.
    server::db::migrate(&pool).await.unwrap();
    common::no_mfa_required(&pool).await;
    let args = server::config::DemoDataArgs {
        dealers: 12,
        users_per_dealer: 2,
        records: 6_000,
        seed: 5,
        today: None,
        yes_add_to_existing: false,
    };
    server::demo_data::run(&pool, &args).await.unwrap();
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    grant_all(&pool, admin).await;
    let base = common::start(pool.clone()).await;
    let oem = signed_in(&base, "admin@oem.example").await;

    let expected = |search: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT r.registration_number FROM api_registrations r
                  WHERE r.registration_number LIKE upper($1) || '%'
                     OR lower(r.employee_name || ' ' || coalesce(r.employee_email, '')) LIKE '%' || lower($1) || '%'
                     OR r.event_id IN (SELECT id FROM events WHERE kind = 'api' AND lower(name) LIKE '%' || lower($1) || '%')
                  ORDER BY r.updated_at DESC, r.id DESC",
            )
            .bind(search)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let some: (String, String, String) = sqlx::query_as(
        "SELECT left(registration_number, length(registration_number) - 1),
                split_part(employee_name, ' ', 2), left(event_name, 6)
           FROM api_registrations ORDER BY registration_number LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let (number, surname, event) = some;
    // "api" matches every number: more than the narrow bound, so the list walks its order.
    let all = expected("api".into()).await;
    assert!(all.len() > 2_000, "{} registrations", all.len());
    for search in ["api".to_owned(), number, surname, event] {
        let want = expected(search.clone()).await;
        assert!(!want.is_empty(), "{search}");
        assert_eq!(
            registration_numbers(&oem, &base, &search, "").await,
            want,
            "{search}"
        );
    }

    // The dealer filter: one dealer named (read in order through its index) or several matched.
    let by_dealer = |text: String| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT r.registration_number FROM api_registrations r JOIN dealers d ON d.id = r.dealer_id
                  WHERE lower(d.dealer_code || ' ' || d.dealer_name) LIKE '%' || lower($1) || '%'
                  ORDER BY r.updated_at DESC, r.id DESC",
            )
            .bind(text)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let code: String =
        sqlx::query_scalar("SELECT dealer_code FROM dealers ORDER BY dealer_code LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    let several = code[..code.len() - 1].to_owned();
    for text in [code, several] {
        let want = by_dealer(text.clone()).await;
        assert!(!want.is_empty(), "{text}");
        assert_eq!(
            registration_numbers(&oem, &base, "", &text).await,
            want,
            "{text}"
        );
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_users_list_filters_by_dealer_text_and_dealers_are_suggested_as_you_type(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let north = common::dealer(&pool, "N-100", "active").await;
    let south = common::dealer(&pool, "S-200", "active").await;
    for i in 0..12 {
        common::dealer(&pool, &format!("M-{i:03}"), "active").await;
    }
    let head_n = common::user(&pool, "head@north.example", "service_head", Some(north)).await;
    common::user(&pool, "head@south.example", "service_head", Some(south)).await;
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    grant_all(&pool, admin).await;
    grant_all(&pool, head_n).await;
    let base = common::start(pool.clone()).await;
    let oem = signed_in(&base, "admin@oem.example").await;

    let emails = |dealer: &'static str| {
        let (oem, base) = (oem.clone(), base.clone());
        async move {
            let r = call_json(
                &oem,
                &base,
                "admin/users/list",
                json!({ "query": { "search": "", "dealer": dealer, "sort": "email", "descending": false } }),
            )
            .await;
            let status = r.status().as_u16();
            let page: Value = r.json().await.unwrap();
            if status != 200 {
                return Err(page);
            }
            Ok(page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["email"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>())
        }
    };
    assert_eq!(emails("n-1").await.unwrap(), ["head@north.example"]);
    assert_eq!(emails("S-200").await.unwrap(), ["head@south.example"]);
    assert!(emails("nobody").await.unwrap().is_empty());
    let bad = emails("a\u{0}b").await.unwrap_err();
    assert!(bad.to_string().contains("dealer"), "{bad}");

    // Suggestions: at most ten, in code order, matching code or name; none for nothing typed.
    let suggest = |c: &reqwest::Client, text: &str| {
        let (c, base, text) = (c.clone(), base.clone(), text.to_owned());
        async move {
            let r = common::call(&c, &base, "admin/dealers/suggest", &[("text", &text)]).await;
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, found) = suggest(&oem, "m-0").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        (0..10).map(|i| format!("M-{i:03}")).collect::<Vec<_>>()
    );
    assert_eq!(suggest(&oem, "s-2").await.1[0]["code"], "S-200");
    assert_eq!(suggest(&oem, "  ").await.1, json!([]));
    // A dealer user may not list dealers.
    let dealer_user = signed_in(&base, "head@north.example").await;
    assert_eq!(suggest(&dealer_user, "s-2").await.0, 403);
}

/// The users list's first-page count (everyone, by e-mail).
async fn users_total(c: &reqwest::Client, base: &str) -> i64 {
    let r = call_json(
        c,
        base,
        "admin/users/list",
        json!({ "query": { "search": "", "dealer": "", "sort": "email", "descending": false } }),
    )
    .await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["total"].as_i64().unwrap()
}

/// Waits (up to 10 s) until the users list's count is `want`, as it is once `what` is heard.
async fn users_total_becomes(c: &reqwest::Client, base: &str, want: i64, what: &str) {
    let heard_by = Instant::now() + Duration::from_secs(10);
    while users_total(c, base).await != want {
        assert!(Instant::now() < heard_by, "{what} was not heard");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count_users(pool: &PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

async fn add_staff(conn: &mut sqlx::PgConnection, dealer: Uuid, prefix: &str, n: i32) {
    sqlx::query(
        "INSERT INTO users (email, password_hash, name, role, user_type, dealer_id)
         SELECT $2 || i || '@a.example', 'x', 'Staff ' || $2 || i, 'service_head', 'dealer', $1
         FROM generate_series(1, $3) i",
    )
    .bind(dealer)
    .bind(prefix)
    .bind(n)
    .execute(conn)
    .await
    .unwrap();
}

/// [`add_staff`] with the accounts trigger off: rows no process hears of.
async fn add_staff_unheard(pool: &PgPool, dealer: Uuid, prefix: &str, n: i32) {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("ALTER TABLE users DISABLE TRIGGER users_notify_accounts")
        .execute(&mut *tx)
        .await
        .unwrap();
    add_staff(&mut tx, dealer, prefix, n).await;
    sqlx::query("ALTER TABLE users ENABLE TRIGGER users_notify_accounts")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_users_count_is_kept_per_role_until_accounts_change_by_any_path(pool: PgPool) {
    const ALL: &str = "SELECT count(*) FROM users";
    const BUT_SUPER_ADMINS: &str = "SELECT count(*) FROM users WHERE role <> 'super_admin'";
    common::no_mfa_required(&pool).await;
    let dealer = common::dealer(&pool, "A001", "active").await;
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    let root = common::user(&pool, "root@oem.example", "super_admin", None).await;
    grant_all(&pool, admin).await;
    grant_all(&pool, root).await;
    add_staff(&mut pool.acquire().await.unwrap(), dealer, "staff", 1_200).await;
    let base = common::start(pool.clone()).await;
    let oem = signed_in(&base, "admin@oem.example").await;
    let sup = signed_in(&base, "root@oem.example").await;

    // Per role: a manufacturer admin's list leaves super admins out, a super admin's does not.
    let (everyone, visible) = (
        count_users(&pool, ALL).await,
        count_users(&pool, BUT_SUPER_ADMINS).await,
    );
    assert!(visible >= 1_000 && everyone > visible);
    assert_eq!(users_total(&oem, &base).await, visible);
    assert_eq!(users_total(&sup, &base).await, everyone);

    // Kept: rows added with the triggers off are not seen while the figures hold…
    add_staff_unheard(&pool, dealer, "quiet", 2).await;
    assert_eq!(users_total(&oem, &base).await, visible);
    assert_eq!(users_total(&sup, &base).await, everyone);

    // …and any change to accounts, even one made in SQL, retires them.
    add_staff(&mut pool.acquire().await.unwrap(), dealer, "loud", 1).await;
    users_total_becomes(&oem, &base, visible + 3, "the change").await;
    assert_eq!(users_total(&sup, &base).await, everyone + 3);

    // A dealer's new name is a change too (the dealer filter matches names).
    let before = users_total(&oem, &base).await;
    add_staff_unheard(&pool, dealer, "later", 1).await;
    assert_eq!(users_total(&oem, &base).await, before, "still kept");
    sqlx::query("UPDATE dealers SET dealer_name = 'Autohaus Nord' WHERE id = $1")
        .bind(dealer)
        .execute(&pool)
        .await
        .unwrap();
    users_total_becomes(&oem, &base, before + 1, "the rename").await;
}

/// Serves `server bench-bare`'s routes over `pool` on a free port; returns the base URL.
async fn start_bare(pool: PgPool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, server::bench_bare::router(pool))
            .await
            .unwrap()
    });
    format!("http://{addr}")
}

/// A list's answer as JSON, which must be 200.
async fn answer(c: &reqwest::Client, base: &str, endpoint: &str, body: &Value) -> Value {
    let r = call_json(c, base, endpoint, body.clone()).await;
    assert_eq!(r.status(), 200, "{base}/api/{endpoint}");
    r.json().await.unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_bare_handler_answers_what_the_app_answers(pool: PgPool) {
    // `make bench` divides the app's throughput by the bare handler's: only meaningful if both
    // do the same work, which the same answers for the same callers show.
    server::db::migrate(&pool).await.unwrap();
    common::no_mfa_required(&pool).await;
    let args = server::config::DemoDataArgs {
        dealers: 4,
        users_per_dealer: 1,
        records: 800,
        seed: 11,
        today: None,
        yes_add_to_existing: false,
    };
    server::demo_data::run(&pool, &args).await.unwrap();
    let root = common::user(&pool, "root@oem.example", "super_admin", None).await;
    grant_all(&pool, root).await;
    let dealer: Uuid = sqlx::query_scalar(
        "SELECT dealer_id FROM dealer_pcc GROUP BY dealer_id ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let head = common::user(&pool, "head@dealer.example", "service_head", Some(dealer)).await;
    grant_all(&pool, head).await;
    let base = common::start(pool.clone()).await;
    let bare = start_bare(pool.clone()).await;

    let pcc = list_query("");
    let reg = |kind: &str| {
        json!({"kind": kind, "query": {
            "search": "", "event": null, "status": null, "dealer": "", "from": null,
            "to": null, "sort": "updated", "ascending": false, "after": null
        }})
    };
    let mut by_number = list_query("");
    by_number["query"]["sort"] = json!("number");
    by_number["query"]["ascending"] = json!(true);
    for email in ["root@oem.example", "head@dealer.example"] {
        // One client: the session cookie goes to both (cookies are per host, not per port).
        let c = signed_in(&base, email).await;
        let lists = [
            ("pcc/list", pcc.clone()),
            ("pcc/list", by_number.clone()),
            ("registrations/list", reg("api")),
            ("registrations/list", reg("mt_meet")),
        ];
        for (endpoint, mut body) in lists {
            for page in 0..3 {
                let app = answer(&c, &base, endpoint, &body).await;
                assert_eq!(
                    answer(&c, &bare, endpoint, &body).await,
                    app,
                    "{email}: {endpoint} {body}"
                );
                let rows = app["rows"].as_array().unwrap();
                assert!(page > 0 || !rows.is_empty(), "{email}: {endpoint} is empty");
                if email.starts_with("head") {
                    let theirs = dealer.to_string();
                    assert!(rows.iter().all(|r| r["dealer_id"] == json!(theirs)));
                }
                match app["next"].as_str() {
                    Some(next) => body["query"]["after"] = json!(next),
                    None => break,
                }
            }
        }
    }
    let root_client = signed_in(&base, "root@oem.example").await;
    let users = json!({"query": {"search": "", "sort": "name", "descending": false}});
    assert_eq!(
        answer(&root_client, &bare, "admin/users/list", &users).await,
        answer(&root_client, &base, "admin/users/list", &users).await
    );

    // What it does not serve it refuses, rather than measure something else.
    let head_client = signed_in(&base, "head@dealer.example").await;
    let refused = |c: reqwest::Client, endpoint: &'static str, body: Value| {
        let bare = bare.clone();
        async move { call_json(&c, &bare, endpoint, body).await.status() }
    };
    assert_eq!(
        refused(root_client.clone(), "pcc/list", list_query("PCC")).await,
        400
    );
    assert_eq!(
        refused(head_client.clone(), "admin/users/list", users.clone()).await,
        403
    );
    assert_eq!(
        refused(common::client(&base), "pcc/list", pcc.clone()).await,
        401
    );
}
