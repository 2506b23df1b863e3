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

    let mailer = Mailer::new(
        Some(&format!("smtp://127.0.0.1:{}", sink.port)),
        "One Aftersales <no-reply@oneaftersales.invalid>",
    )
    .unwrap();
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
