//! The live-update stream over real HTTP and PostgreSQL `NOTIFY`: what each subscriber hears, and
//! that a stream ends when its session does.

mod common;

use std::time::Duration;

use common::{call_json, grant_all, signed_in};
use serde_json::json;
use sqlx::PgPool;
use tokio::time::timeout;

/// An open event stream, read event by event.
struct Stream {
    response: reqwest::Response,
    buffer: String,
}

impl Stream {
    async fn open(client: &reqwest::Client, base: &str) -> Stream {
        let response = client
            .get(format!("{base}/api/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let mut s = Stream {
            response,
            buffer: String::new(),
        };
        assert_eq!(s.next(Duration::from_secs(5)).await.unwrap().0, "ready");
        s
    }

    /// The next named event (comments and keep-alives skipped), or `None` when the stream ends
    /// or nothing comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if let Some(name) = name {
                    return Some((name, data));
                }
                continue;
            }
            let chunk = timeout(
                deadline.saturating_duration_since(tokio::time::Instant::now()),
                self.response.chunk(),
            )
            .await
            .ok()?
            .ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

async fn two_dealers(pool: &PgPool) -> String {
    common::no_mfa_required(pool).await;
    let a = common::dealer(pool, "A001", "active").await;
    let b = common::dealer(pool, "B001", "active").await;
    for (email, dealer) in [
        ("head@a.example", Some(a)),
        ("head@b.example", Some(b)),
        ("reviewer@oem.example", None),
    ] {
        let role = if dealer.is_some() {
            "service_head"
        } else {
            "manufacturer_admin"
        };
        let u = common::user(pool, email, role, dealer).await;
        grant_all(pool, u).await;
    }
    common::start(pool.clone()).await
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_subscriber_hears_only_what_they_may_see(pool: PgPool) {
    let base = two_dealers(&pool).await;
    let a = signed_in(&base, "head@a.example").await;
    let b = signed_in(&base, "head@b.example").await;
    let reviewer = signed_in(&base, "reviewer@oem.example").await;
    let mut a_stream = Stream::open(&a, &base).await;
    let mut b_stream = Stream::open(&b, &base).await;
    let mut reviewer_stream = Stream::open(&reviewer, &base).await;

    let created = common::call(&a, &base, "pcc/create", &[]).await;
    assert_eq!(created.status(), 200);
    let id: String = created.json().await.unwrap();
    let saved = call_json(
        &a,
        &base,
        "pcc/save",
        json!({"save": {"id": id, "version": 1, "form": {"figures": {"lifts": "3"}}}}),
    )
    .await;
    assert_eq!(saved.status(), 200);

    for stream in [&mut a_stream, &mut reviewer_stream] {
        let (name, data) = stream
            .next(Duration::from_secs(5))
            .await
            .expect("a record event");
        assert_eq!(name, "record");
        let data: serde_json::Value = serde_json::from_str(&data).unwrap();
        assert_eq!(data["id"], id.as_str());
        assert_eq!(data["module"], "dealer_pcc");
        let (_, data) = stream
            .next(Duration::from_secs(5))
            .await
            .expect("the save's event");
        assert!(data.contains("\"version\":2"), "{data}");
    }
    // Dealer B hears nothing of A's record, not even its id.
    assert_eq!(b_stream.next(Duration::from_secs(2)).await, None);

    // A reviewer's notification goes to the submitter's stream only.
    sqlx::query("UPDATE dealer_pcc SET status = 'pending', application_number = 'PCC-2026-000001', version = version + 1 WHERE id = $1::uuid")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    let took = call_json(
        &reviewer,
        &base,
        "pcc/step",
        json!({"request": {"id": id, "step": "take_for_review", "version": 3, "comment": ""}}),
    )
    .await;
    assert_eq!(took.status(), 200);
    let mut heard = Vec::new();
    while let Some((name, _)) = a_stream.next(Duration::from_secs(2)).await {
        heard.push(name);
    }
    assert!(heard.contains(&"notification".to_owned()), "{heard:?}");
    assert!(heard.contains(&"record".to_owned()), "{heard:?}");
    assert_eq!(b_stream.next(Duration::from_secs(1)).await, None);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_stream_closes_when_its_session_ends(pool: PgPool) {
    let base = two_dealers(&pool).await;
    let a = signed_in(&base, "head@a.example").await;
    let mut stream = Stream::open(&a, &base).await;
    // Revoked from elsewhere (as an administrator or another device would).
    sqlx::query(
        "UPDATE session_logs SET is_active = false, ended_reason = 'revoked' WHERE is_active",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (name, _) = stream
        .next(Duration::from_secs(3))
        .await
        .expect("a last event before closing");
    assert_eq!(name, "signed_out");
    assert_eq!(
        stream.next(Duration::from_secs(3)).await,
        None,
        "then the stream ends"
    );
    // Without a session there is no stream.
    let again = a.get(format!("{base}/api/events")).send().await.unwrap();
    assert_eq!(again.status(), 401);
}
