//! Mail delivery against a real SMTP server process (aiosmtpd, a local sink that writes a Maildir).

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use app::auth::server::{RequestMeta, Visit, passwords};
use server::mail::{Mailer, deliver_pending};
use sqlx::PgPool;

/// A request with no session, as the mail tests' callers make.
fn visit(state: &app::state::AppState) -> Visit {
    Visit {
        state: state.clone(),
        meta: RequestMeta::default(),
        session: None,
    }
}

/// The Python that has aiosmtpd (Debian's python3-aiosmtpd, which scripts/bootstrap.sh installs).
const PYTHON: &str = "/usr/bin/python3";

struct Sink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    /// A mailer that delivers to this sink as `no-reply@oneaftersales.invalid`.
    fn mailer(&self) -> Mailer {
        Mailer::new(
            Some(&format!("smtp://127.0.0.1:{}", self.port)),
            "One Aftersales <no-reply@oneaftersales.invalid>",
        )
        .unwrap()
    }
}

fn start_sink() -> Sink {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let maildir = tempfile::tempdir().unwrap();
    let child = Command::new(PYTHON)
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir.path().join("box"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aiosmtpd (apt-get install python3-aiosmtpd; scripts/bootstrap.sh does)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the SMTP sink did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Sink {
        child,
        port,
        maildir,
    }
}

fn received(sink: &Sink) -> Vec<String> {
    let new = sink.maildir.path().join("box").join("new");
    std::fs::read_dir(new)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .collect()
        })
        .unwrap_or_default()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_reset_link_goes_out_over_smtp_and_works(pool: PgPool) {
    let sink = start_sink();
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    passwords::request_reset(&visit(&state), "ada@example.com")
        .await
        .unwrap();

    let mailer = sink.mailer();
    assert_eq!(deliver_pending(&pool, &mailer).await.unwrap(), 1);

    let mails = received(&sink);
    assert_eq!(mails.len(), 1);
    let mail = mailparse::parse_mail(mails[0].as_bytes()).expect("a well-formed message");
    let header = |name: &str| {
        mail.headers
            .iter()
            .find(|h| h.get_key() == name)
            .map(|h| h.get_value())
    };
    assert_eq!(header("To").as_deref(), Some("ada@example.com"));
    assert_eq!(
        header("Subject").as_deref(),
        Some("Reset your One Aftersales password")
    );
    let text = mail.get_body().expect("a decodable body");
    let token = text
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the mail carries the link");

    let (body, delivery): (Option<String>, String) =
        sqlx::query_as("SELECT body, delivery FROM mail_outbox")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(delivery, "smtp");
    assert_eq!(body, None, "the link is not kept once sent");

    let new = "granite orchard lantern whistle";
    passwords::reset_password(&visit(&state), token, new.into(), new.into())
        .await
        .unwrap();
    assert_eq!(
        deliver_pending(&pool, &mailer).await.unwrap(),
        0,
        "nothing is sent twice"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn mail_that_cannot_be_delivered_stays_queued_for_a_retry(pool: PgPool) {
    common::user(&pool, "ada@example.com", "manufacturer_admin", None).await;
    let state = common::state(pool.clone());
    passwords::request_reset(&visit(&state), "ada@example.com")
        .await
        .unwrap();
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer = Mailer::new(Some(&format!("smtp://127.0.0.1:{closed_port}")), "a@b.co").unwrap();
    assert_eq!(deliver_pending(&pool, &mailer).await.unwrap(), 0);
    let (attempts, sent, body): (i32, Option<chrono::NaiveDateTime>, Option<String>) =
        sqlx::query_as("SELECT attempts, sent_at, body FROM mail_outbox")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((attempts, sent), (1, None));
    assert!(body.is_some(), "kept until it is delivered");
}

/// Three workers at once, and the mails of a worker that died mid-round (claimed, lease lapsed):
/// every queued mail reaches the SMTP server exactly once, each under its outbox id's Message-ID.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn pending_mail_goes_out_exactly_once_across_workers_and_a_dead_one(pool: PgPool) {
    const MAILS: i64 = 60;
    let sink = start_sink();
    sqlx::query(
        "INSERT INTO mail_outbox (to_address, subject, body, created_at)
         SELECT 'user' || n || '@example.com', 'Mail ' || n, 'Body ' || n,
                CURRENT_TIMESTAMP - make_interval(secs => 100 - n)
           FROM generate_series(1, $1) n",
    )
    .bind(MAILS)
    .execute(&pool)
    .await
    .unwrap();
    // A worker claimed the first ten, then died before sending them; its lease has lapsed.
    sqlx::query(
        "UPDATE mail_outbox SET claim = gen_random_uuid(), next_attempt_at = CURRENT_TIMESTAMP - interval '1 second'
          WHERE id IN (SELECT id FROM mail_outbox ORDER BY created_at LIMIT 10)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mailer = sink.mailer();
    let worker = |pool: PgPool, mailer: Mailer| async move {
        let mut sent = 0;
        loop {
            let n = deliver_pending(&pool, &mailer).await.unwrap();
            if n == 0 {
                return sent;
            }
            sent += n;
        }
    };
    let (a, b, c) = tokio::join!(
        tokio::spawn(worker(pool.clone(), mailer.clone())),
        tokio::spawn(worker(pool.clone(), mailer.clone())),
        tokio::spawn(worker(pool.clone(), mailer.clone())),
    );
    let reported = a.unwrap() + b.unwrap() + c.unwrap();
    assert_eq!(reported, MAILS as usize);

    let ids: Vec<uuid::Uuid> =
        sqlx::query_scalar("SELECT id FROM mail_outbox WHERE sent_at IS NOT NULL")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(ids.len(), MAILS as usize, "every mail is recorded as sent");
    let mut seen: Vec<String> = received(&sink)
        .iter()
        .map(|raw| {
            let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
            mail.headers
                .iter()
                .find(|h| h.get_key().eq_ignore_ascii_case("Message-ID"))
                .map(|h| h.get_value())
                .expect("each mail has a Message-ID")
        })
        .collect();
    seen.sort();
    let mut expected: Vec<String> = ids
        .iter()
        .map(|id| format!("<{id}@oneaftersales.invalid>"))
        .collect();
    expected.sort();
    assert_eq!(seen, expected, "each mail once, under its outbox id");
}
