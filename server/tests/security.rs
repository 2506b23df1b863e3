//! Browser and request protection at the HTTP level: same-origin check, security headers, rate
//! limits, and what a signed-out caller gets.

mod common;

use sqlx::PgPool;

async fn users(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM session_logs")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_cross_origin_post_to_a_server_function_is_refused_and_changes_nothing(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let base = common::start(pool.clone()).await;
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = [("email", "ada@example.com"), ("password", common::PASSWORD)];

    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let response = plain
            .post(format!("{base}/api/auth/login"))
            .header(name, value)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{name}: {value}");
    }
    let no_origin = plain
        .post(format!("{base}/api/auth/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_origin.status(),
        403,
        "a POST that names no origin is refused too"
    );
    assert_eq!(users(&pool).await, 0, "no session was created");

    let same = plain
        .post(format!("{base}/api/auth/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        same.status().is_success() || same.status().is_redirection(),
        "{}",
        same.status()
    );
    assert_eq!(users(&pool).await, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn pages_and_api_answers_carry_the_security_headers(pool: PgPool) {
    let base = common::start(pool).await;
    let page = reqwest::get(format!("{base}/login")).await.unwrap();
    let h = page.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    let csp = h["content-security-policy"].to_str().unwrap().to_owned();
    for directive in [
        "script-src 'nonce-",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{csp} lacks {directive}");
    }
    assert!(
        !h.contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("nonce=\"{}\"", common::nonce_of(&csp))),
        "the page's scripts carry the nonce"
    );

    let api = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(
        api.headers()["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sign_in_rate_limit_answers_429_with_retry_after(pool: PgPool) {
    let base = common::start_with_limit(pool, 3).await;
    let client = common::client(&base);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = common::call(
            &client,
            &base,
            "auth/login",
            &[("email", "x@example.com"), ("password", "wrong password")],
        )
        .await;
        if r.status() == 429 {
            assert!(r.headers().contains_key("retry-after"));
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(body["kind"], "rate_limited");
            statuses.push(429);
        } else {
            statuses.push(r.status().as_u16());
        }
    }
    assert_eq!(statuses, [422, 422, 422, 429, 429]);
    // Other endpoints are not limited.
    assert_eq!(
        client
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_session_cookie_is_http_only_and_lax_and_logout_clears_it(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let base = common::start(pool.clone()).await;
    let client = common::client(&base);
    let login = common::call(
        &client,
        &base,
        "auth/login",
        &[("email", "ada@example.com"), ("password", common::PASSWORD)],
    )
    .await;
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("oap_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );

    let account = client.get(format!("{base}/account")).send().await.unwrap();
    assert_eq!(account.status(), 200);
    let logout = common::call(&client, &base, "auth/logout", &[]).await;
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = client.get(format!("{base}/account")).send().await.unwrap();
    assert_eq!(after.status(), 303, "signed out for real");
    let live: i64 = sqlx::query_scalar("SELECT count(*) FROM session_logs WHERE is_active")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(live, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_session_owing_its_second_factor_reaches_only_that_step(pool: PgPool) {
    let id = common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    sqlx::query("UPDATE users SET mfa_enabled_at = CURRENT_TIMESTAMP WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    let base = common::start(pool).await;
    let client = common::client(&base);
    common::sign_in(&client, &base, "ada@example.com").await;
    let home = client.get(format!("{base}/account")).send().await.unwrap();
    assert_eq!(home.status(), 303);
    assert!(
        home.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login/mfa")
    );
    let api = common::call(&client, &base, "auth/sessions", &[]).await;
    assert_eq!(api.status(), 403);
    assert_eq!(
        client
            .get(format!("{base}/login/mfa"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
