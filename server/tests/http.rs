//! The real router on a real port: health endpoints, the status page, server functions and 404.

mod common;

use sqlx::PgPool;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn health_and_readiness_answer_and_every_response_carries_a_request_id(pool: PgPool) {
    let base = common::start(pool).await;
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(health.text().await.unwrap(), "ok");

    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn readiness_fails_when_the_database_is_gone(pool: PgPool) {
    let base = common::start(pool.clone()).await;
    pool.close().await;
    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 503);
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200, "the process itself is still up");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_status_page_renders_database_facts_from_postgresql(pool: PgPool) {
    let expected_version: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(&pool)
        .await
        .unwrap();
    common::user(&pool, "ops@example.com", "manufacturer_admin", None).await;
    common::no_mfa_required(&pool).await;
    let base = common::start(pool).await;
    let client = common::client(&base);
    common::sign_in(&client, &base, "ops@example.com").await;
    let page = client
        .get(format!("{base}/system/status"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("System status"));
    assert!(
        html.contains(&expected_version),
        "the page shows the server's own version()"
    );
    assert!(html.contains("seed schema") && html.contains("updated at triggers"));
    assert!(
        html.contains("/pkg/one-aftersales.js") && html.contains("/pkg/one-aftersales.wasm"),
        "the hydration script loads the files cargo-leptos writes"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn signed_out_visitors_are_sent_to_sign_in_and_server_functions_answer_401(pool: PgPool) {
    let base = common::start(pool).await;
    let client = common::client(&base);
    let page = client
        .get(format!("{base}/system/status?x=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 303);
    assert_eq!(
        page.headers()["location"],
        "/login?next=%2Fsystem%2Fstatus%3Fx%3D1",
        "sign-in returns to the page asked for"
    );
    let ping = common::call(&client, &base, "system/ping", &[]).await;
    assert_eq!(ping.status(), 401);
    let body: serde_json::Value = ping.json().await.unwrap();
    assert_eq!(body["kind"], "unauthenticated");

    let login = client.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(login.status(), 200, "the sign-in page itself is public");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_ping_server_function_answers_json_to_administrators_only(pool: PgPool) {
    let dealer = common::dealer(&pool, "D1", "active").await;
    common::user(&pool, "head@dealer.example", "service_head", Some(dealer)).await;
    common::user(&pool, "ops@example.com", "manufacturer_admin", None).await;
    common::no_mfa_required(&pool).await;
    let base = common::start(pool).await;
    let dealer_client = common::client(&base);
    common::sign_in(&dealer_client, &base, "head@dealer.example").await;
    let refused = common::call(&dealer_client, &base, "system/ping", &[]).await;
    assert_eq!(refused.status(), 403, "system status is for administrators");
    let client = common::client(&base);
    common::sign_in(&client, &base, "ops@example.com").await;
    let response = common::call(&client, &base, "system/ping", &[]).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["database_micros"].as_u64().is_some(), "{body}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn unknown_pages_and_unknown_modules_answer_404_with_a_page(pool: PgPool) {
    let dealer = common::dealer(&pool, "D1", "active").await;
    let head = common::user(&pool, "head@dealer.example", "service_head", Some(dealer)).await;
    let base = common::start(pool.clone()).await;
    let client = common::client(&base);
    common::sign_in(&client, &base, "head@dealer.example").await;
    for path in ["/no/such/page", "/modules/payroll"] {
        let page = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(page.status(), 404, "{path}");
        // Whichever handler renders it (the fallback for an unknown address), the page's scripts
        // carry the nonce its policy allows.
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let html = page.text().await.unwrap();
        assert!(html.contains("Page not found"), "{path}");
        let nonce = common::nonce_of(&csp);
        assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{path}");
    }
    // A module the user has no permission on: its page, answering 403.
    let refused = client
        .get(format!("{base}/modules/pcc"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    common::grant_all(&pool, head).await;
    let module = client
        .get(format!("{base}/modules/pcc"))
        .send()
        .await
        .unwrap();
    assert_eq!(module.status(), 200);
    assert!(
        module
            .text()
            .await
            .unwrap()
            .contains("Performance Center Program")
    );
    // The other modules' pages, loaded in full (a link followed before the page hydrated): the
    // page itself, with the nonce policy its scripts need.
    for path in ["/modules/warranty-survey", "/modules/mt-meets"] {
        let page = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(page.status(), 200, "{path}");
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(csp.contains("'nonce-"), "{path}: {csp}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn metrics_count_requests_by_route_template_on_their_own_address(pool: PgPool) {
    let state = common::state(pool.clone());
    let live = state.live.clone();
    let metrics = server::metrics::Metrics::new();
    let app = server::http::router(state, server::http::AuthRateLimit::per_minute(100)).layer(
        axum::middleware::from_fn_with_state(metrics.clone(), server::metrics::measure),
    );
    let serve = |router: axum::Router| async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .unwrap()
        });
        format!("http://{addr}")
    };
    let base = serve(app).await;
    let private = serve(server::metrics::router(metrics, pool.clone(), live)).await;
    let c = common::client(&base);
    for path in ["/healthz", "/healthz", "/modules/pcc/123"] {
        c.get(format!("{base}{path}")).send().await.unwrap();
    }
    let public = c.get(format!("{base}/metrics")).send().await.unwrap();
    assert_ne!(public.status(), 200, "not on the public address");
    let text = c
        .get(format!("{private}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains(r#"oap_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 2"#),
        "{text}"
    );
    assert!(
        !text.contains("/modules/pcc/123"),
        "routes by template, not by raw path: {text}"
    );
    for gauge in [
        "oap_db_pool_connections",
        "oap_live_streams",
        "oap_mail_outbox_pending",
        "oap_audit_chain_entries",
    ] {
        assert!(text.contains(gauge), "{gauge} missing: {text}");
    }
}
