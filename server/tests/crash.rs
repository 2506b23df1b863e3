//! Crash safety: the real server binary is killed with SIGKILL while sixteen clients change
//! permissions as fast as it answers, then started again on the same database. Every change it
//! acknowledged is there, and nothing is half-written: each committed change has exactly its
//! audit row (the flag's final state is the parity of its audit rows), at most the one change in
//! flight per client was committed unacknowledged, and the audit chain is intact.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

const CLIENTS: usize = 16;

/// The server binary, serving `database_url` on `port`.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str, port: u16, data_dir: &std::path::Path) -> Self {
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("OAP_DATA_DIR", data_dir)
            .env("OAP_SUPERADMIN_PASSWORD", "crash-test-super-admin-password")
            .env("OAP_AUTH_RATE_LIMIT_PER_MINUTE", "10000")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary");
        // Owned at once, so a panic below still kills and reaps it (Drop).
        let server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(r) = client.get(format!("{}/readyz", server.base)).send().await
                && r.status().is_success()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server did not become ready");
    }

    fn kill_9(&mut self) {
        // Child::kill is SIGKILL: no shutdown, no flush, no goodbye.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The URL of the test's own database (the `DATABASE_URL` server, this test's database name).
fn url_of(pool: &PgPool) -> String {
    let mut url = url::Url::parse(&std::env::var("DATABASE_URL").expect("DATABASE_URL")).unwrap();
    url.set_path(&format!(
        "/{}",
        pool.connect_options().get_database().unwrap()
    ));
    url.to_string()
}

/// Turns `view` on `user`'s PCC permission on and off until the server stops answering; returns
/// how many changes it acknowledged.
async fn change_until_killed(client: reqwest::Client, base: String, user: Uuid) -> u64 {
    let mut acknowledged = 0;
    loop {
        let on = acknowledged % 2 == 0;
        let sent = client
            .post(format!("{base}/api/admin/permissions/set"))
            .header("accept", "application/json")
            .json(&json!({ "user_id": user, "module": "dealer_pcc", "action": "view", "on": on }))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => acknowledged += 1,
            Ok(r) => panic!(
                "refused: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(_) => return acknowledged,
        }
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_kill_9_under_load_loses_no_acknowledged_write_and_half_writes_nothing(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    common::grant_all(&pool, admin).await;
    let dealer = common::dealer(&pool, "C-001", "active").await;
    let mut users = Vec::new();
    for i in 0..CLIENTS {
        users.push(
            common::user(
                &pool,
                &format!("staff{i}@c001.example"),
                "service_head",
                Some(dealer),
            )
            .await,
        );
    }
    let data_dir = tempfile::tempdir().unwrap();
    let url = url_of(&pool);
    let port = free_port();
    let mut server = Server::start(&url, port, data_dir.path()).await;
    let admin = common::signed_in(&server.base, "admin@oem.example").await;

    let workers: Vec<_> = users
        .iter()
        .map(|&user| {
            tokio::spawn(change_until_killed(
                admin.clone(),
                server.base.clone(),
                user,
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill_9();
    let mut acknowledged = Vec::new();
    for w in workers {
        acknowledged.push(w.await.unwrap());
    }
    eprintln!("acknowledged before the kill: {acknowledged:?}");
    assert!(
        acknowledged.iter().sum::<u64>() >= CLIENTS as u64,
        "the load ran: {acknowledged:?}"
    );

    // Started again on the same database, it serves the same state.
    let mut again = Server::start(&url, port, data_dir.path()).await;
    for (user, acked) in users.iter().zip(&acknowledged) {
        let committed: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM audit_logs WHERE action = 'permission.changed' AND entity_id = $1",
        )
        .bind(user)
        .fetch_one(&pool)
        .await
        .unwrap();
        let committed = u64::try_from(committed).unwrap();
        assert!(
            committed == *acked || committed == acked + 1,
            "{user}: {acked} acknowledged, {committed} committed"
        );
        let view: bool = sqlx::query_scalar(
            "SELECT COALESCE((SELECT can_view FROM module_access WHERE user_id = $1 AND module = 'dealer_pcc'), false)",
        )
        .bind(user)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(
            view,
            committed % 2 == 1,
            "{user}: the flag and its audit rows went together"
        );
    }
    let mut conn = pool.acquire().await.unwrap();
    let chain = app::audit::chain::verify(&mut conn, 0).await.unwrap();
    assert_eq!(chain.broken, None);
    // And it answers as before.
    let admin = common::signed_in(&again.base, "admin@oem.example").await;
    let r = common::call_json(
        &admin,
        &again.base,
        "admin/permissions/set",
        json!({ "user_id": users[0], "module": "dealer_pcc", "action": "view", "on": true }),
    )
    .await;
    assert!(r.status().is_success());
    again.kill_9();
}
