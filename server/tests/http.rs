//! The real router on a real port: health endpoints, the status page, server functions and 404.

use app::state::AppState;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

/// Serves the application router over `pool` on a free port and returns its base URL.
async fn start(pool: PgPool) -> String {
    let leptos_options = LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root("target/site")
        .build();
    let router = server::http::router(AppState {
        leptos_options,
        pool,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn health_and_readiness_answer_and_every_response_carries_a_request_id(pool: PgPool) {
    let base = start(pool).await;
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    assert!(health.headers().contains_key("x-request-id"));
    assert_eq!(health.text().await.unwrap(), "ok");

    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn readiness_fails_when_the_database_is_gone(pool: PgPool) {
    let base = start(pool.clone()).await;
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
    let base = start(pool).await;
    let page = reqwest::get(format!("{base}/system/status")).await.unwrap();
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
async fn the_ping_server_function_answers_json(pool: PgPool) {
    let base = start(pool).await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/api/system/ping"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["database_micros"].as_u64().is_some(), "{body}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn unknown_pages_and_unknown_modules_answer_404_with_a_page(pool: PgPool) {
    let base = start(pool).await;
    for path in ["/no/such/page", "/modules/payroll"] {
        let page = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(page.status(), 404, "{path}");
        assert!(
            page.text().await.unwrap().contains("Page not found"),
            "{path}"
        );
    }
    let module = reqwest::get(format!("{base}/modules/pcc")).await.unwrap();
    assert_eq!(module.status(), 200);
    assert!(
        module
            .text()
            .await
            .unwrap()
            .contains("Performance Center Program")
    );
}
