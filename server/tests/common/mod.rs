//! Shared set-up of the integration tests: the real state and router, users, signed-in clients.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use app::auth::server::mfa::SecretBox;
use app::auth::server::password::{PasswordWorkers, hash_password};
use app::state::{AppState, AuthConfig};
use leptos::prelude::LeptosOptions;
use server::http::AuthRateLimit;
use sqlx::PgPool;
use uuid::Uuid;

/// A password every test user has unless a test says otherwise.
pub const PASSWORD: &str = "violet tractor monsoon quietly";

/// The application state over `pool`, as `serve` builds it (plain HTTP, dev mailbox on).
pub fn state(pool: PgPool) -> AppState {
    let live = app::live::server::LiveHub::new();
    AppState {
        leptos_options: LeptosOptions::builder()
            .output_name(app::OUTPUT_NAME)
            .site_root("target/site")
            .build(),
        pool,
        auth: AuthConfig {
            https: false,
            public_url: "http://127.0.0.1:3000".into(),
            secrets: SecretBox::new(&[42; 32]),
            dev_mailbox: true,
            passwords: PasswordWorkers::new(2),
        },
        counts: app::list::counts::CountCache::new(&live),
        live,
    }
}

/// Serves the real router over `pool` on a free port; returns the base URL.
pub async fn start(pool: PgPool) -> String {
    start_with_limit(pool, 1_000).await
}

/// Like [`start`] with `per_minute` credential requests allowed per IP.
pub async fn start_with_limit(pool: PgPool, per_minute: u32) -> String {
    start_with_rate_limit(pool, AuthRateLimit::per_minute(per_minute)).await
}

/// Like [`start`] with the given limiter (and the proxies it trusts).
pub async fn start_with_rate_limit(pool: PgPool, limit: AuthRateLimit) -> String {
    let state = state(pool.clone());
    server::live::spawn_listener(pool, state.live.clone());
    let router = server::http::router(state, limit);
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
}

/// A browser-like client: keeps cookies, does not follow redirects, sends this site's Origin.
pub fn client(base: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("origin", base.parse().unwrap());
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Creates a dealer; returns its id.
pub async fn dealer(pool: &PgPool, code: &str, status: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO dealers (dealer_code, dealer_name, status) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(code)
    .bind(format!("Dealer {code}"))
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Creates an active user with [`PASSWORD`]; dealer roles need `dealer`.
pub async fn user(pool: &PgPool, email: &str, role: &str, dealer: Option<Uuid>) -> Uuid {
    let hash = hash_password(PASSWORD).unwrap();
    let user_type = if dealer.is_some() {
        "dealer"
    } else {
        "manufacturer"
    };
    sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, name, role, user_type, dealer_id)
         VALUES ($1, $2, 'Test User', $3, $4, $5) RETURNING id",
    )
    .bind(email)
    .bind(hash)
    .bind(role)
    .bind(user_type)
    .bind(dealer)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// POSTs form fields to a server function.
pub async fn call(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

/// POSTs a JSON body to a server function that takes JSON.
pub async fn call_json(
    client: &reqwest::Client,
    base: &str,
    endpoint: &str,
    body: serde_json::Value,
) -> reqwest::Response {
    client
        .post(format!("{base}/api/{endpoint}"))
        .header("accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A client signed in as `email`.
pub async fn signed_in(base: &str, email: &str) -> reqwest::Client {
    let c = client(base);
    sign_in(&c, base, email).await;
    c
}

/// Grants `user` every flag in every module.
pub async fn grant_all(pool: &PgPool, user: Uuid) {
    sqlx::query(
        "INSERT INTO module_access (user_id, module, can_view, can_create, can_edit, can_delete, can_approve)
         SELECT $1, m, true, true, true, true, true
           FROM unnest(ARRAY['dealer_pcc','api_registration','mt_meet','workshop_survey','warranty_survey','technical_survey']) m",
    )
    .bind(user)
    .execute(pool)
    .await
    .unwrap();
}

/// Signs `client` in as `email` with [`PASSWORD`]; panics unless it worked.
pub async fn sign_in(client: &reqwest::Client, base: &str, email: &str) {
    let response = call(
        client,
        base,
        "auth/login",
        &[("email", email), ("password", PASSWORD)],
    )
    .await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "sign-in failed: {} {}",
        response.status(),
        response.text().await.unwrap_or_default()
    );
}

/// The number of audit rows with `action`.
pub async fn audited(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_logs WHERE action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Lets every role sign in without enrolling a second factor (the default requires it of admins).
pub async fn no_mfa_required(pool: &PgPool) {
    sqlx::query("UPDATE settings SET value = '' WHERE key = 'mfa_required_roles'")
        .execute(pool)
        .await
        .unwrap();
}

/// A new directory for an embedded cluster, which its OS user can enter (as root, PostgreSQL runs
/// as `postgres`).
pub fn cluster_dir(prefix: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::Builder::new().prefix(prefix).tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A small pool to the `postgres` database of embedded cluster `pg`.
pub async fn cluster_pool(pg: &server::db::embedded::EmbeddedPostgres) -> PgPool {
    server::db::pool(pg.connect_options("postgres"), 2)
        .await
        .unwrap()
}

/// The nonce a page's Content-Security-Policy allows scripts with.
pub fn nonce_of(csp: &str) -> String {
    csp.split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_else(|| panic!("no nonce in {csp}"))
        .to_owned()
}

/// Where the test's requests come from: a documentation address, no device token.
pub fn meta() -> app::auth::server::RequestMeta {
    app::auth::server::RequestMeta {
        ip: Some("192.0.2.7".into()),
        user_agent: Some("integration test".into()),
        device: None,
    }
}

/// A request from the test's client ([`meta`]), with no session cookie.
pub fn visit(state: &AppState) -> app::auth::server::Visit {
    app::auth::server::Visit {
        state: state.clone(),
        meta: meta(),
        session: None,
    }
}
