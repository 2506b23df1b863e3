//! Delivers the mail queued in `mail_outbox`: over SMTP when `OAP_SMTP_URL` is set, otherwise to the
//! server log and the development mailbox. Failed deliveries are retried with back-off; nothing
//! queued is dropped.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// How often the worker looks for queued mail.
const POLL_EVERY: Duration = Duration::from_secs(2);
/// Mails handled per round.
const BATCH: i64 = 20;

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    /// A real SMTP server.
    Smtp {
        /// The connection pool to it.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// The `From:` address.
        from: Mailbox,
    },
    /// No SMTP settings: the mail is logged and kept for the development mailbox.
    DevMailbox,
}

impl Mailer {
    /// SMTP from a URL like `smtp://user:pass@host:587?tls=required` or `smtps://host:465`;
    /// the development mailbox when `url` is `None`.
    pub fn new(url: Option<&str>, from: &str) -> anyhow::Result<Self> {
        let Some(url) = url else {
            return Ok(Self::DevMailbox);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("OAP_SMTP_URL is not a valid SMTP URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e| anyhow::anyhow!("OAP_MAIL_FROM is not a valid address: {e}"))?;
        Ok(Self::Smtp { transport, from })
    }
}

/// How long a claim lasts: a mail is claimed with its round, and the lease is renewed just before
/// it is sent. Longer than an SMTP exchange can take (its timeout is 20 s), so the mail cannot
/// pass to another worker while it is being sent.
const LEASE_SECONDS: f64 = 60.0;

/// Delivers what is due now; returns how many mails were delivered.
///
/// Exactly once, as far as SMTP allows: a round claims its mails under a token of its own
/// (`SKIP LOCKED`, so several instances can run the worker), renews the lease of each mail just
/// before sending it and records the outcome only under that token, with no transaction open
/// while talking to the SMTP server. A mail whose claim passed to another worker is skipped. The
/// one window left is a crash between the SMTP server's acceptance and the record (milliseconds);
/// a mail sent again after that carries the same `Message-ID` (`<outbox id@sender's domain>`),
/// by which mail systems recognise a repeat.
pub async fn deliver_pending(pool: &PgPool, mailer: &Mailer) -> anyhow::Result<usize> {
    let round = uuid::Uuid::new_v4();
    let due = sqlx::query!(
        r#"UPDATE mail_outbox SET claim = $3, next_attempt_at = CURRENT_TIMESTAMP + make_interval(secs => $2)
            WHERE id IN (SELECT id FROM mail_outbox
                          WHERE sent_at IS NULL AND next_attempt_at <= CURRENT_TIMESTAMP
                          ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, to_address, subject, body"#,
        BATCH,
        LEASE_SECONDS,
        round
    )
    .fetch_all(pool)
    .await?;
    let mut delivered = 0;
    for mail in due {
        let renewed = sqlx::query!(
            r#"UPDATE mail_outbox SET next_attempt_at = CURRENT_TIMESTAMP + make_interval(secs => $3)
                WHERE id = $1 AND claim = $2 AND sent_at IS NULL"#,
            mail.id,
            round,
            LEASE_SECONDS
        )
        .execute(pool)
        .await?;
        if renewed.rows_affected() == 0 {
            // Its lease lapsed while earlier mails were sent, and another worker took it.
            continue;
        }
        let body = mail.body.unwrap_or_default();
        let result = match mailer {
            Mailer::DevMailbox => {
                tracing::info!(id = %mail.id, to = %mail.to_address, subject = %mail.subject, "mail (no SMTP configured):\n{body}");
                Ok("dev_mailbox")
            }
            Mailer::Smtp { transport, from } => {
                let message = Outgoing {
                    id: mail.id,
                    to: &mail.to_address,
                    subject: &mail.subject,
                    body: &body,
                };
                send(transport, from, message).await.map(|()| "smtp")
            }
        };
        match result {
            Ok(delivery) => {
                // Over SMTP the body is dropped once sent: it may hold a one-time link.
                sqlx::query!(
                    r#"UPDATE mail_outbox SET sent_at = CURRENT_TIMESTAMP, delivery = $2::varchar, attempts = attempts + 1,
                              body = CASE WHEN $2::varchar = 'smtp' THEN NULL ELSE body END, last_error = NULL,
                              claim = NULL
                        WHERE id = $1 AND claim = $3"#,
                    mail.id,
                    delivery,
                    round
                )
                .execute(pool)
                .await?;
                delivered += 1;
            }
            Err(err) => {
                tracing::warn!(id = %mail.id, "mail delivery failed, will retry: {err}");
                // Waits 30 s, 1 min, 2 min, ... up to an hour between attempts.
                sqlx::query!(
                    r#"UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2, claim = NULL,
                              next_attempt_at = CURRENT_TIMESTAMP
                                + make_interval(secs => LEAST(3600, 30 * power(2, LEAST(attempts, 12))))
                        WHERE id = $1 AND claim = $3"#,
                    mail.id,
                    err.to_string(),
                    round
                )
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(delivered)
}

/// One mail as it leaves.
struct Outgoing<'a> {
    id: uuid::Uuid,
    to: &'a str,
    subject: &'a str,
    body: &'a str,
}

/// The `Message-ID` of outbox mail `id` sent by `from`: the same on every attempt.
pub fn message_id(id: uuid::Uuid, from: &Mailbox) -> String {
    format!("<{id}@{}>", from.email.domain())
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    mail: Outgoing<'_>,
) -> anyhow::Result<()> {
    let message = Message::builder()
        .from(from.clone())
        .to(mail.to.parse()?)
        .subject(mail.subject)
        .message_id(Some(message_id(mail.id, from)))
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.to_owned())?;
    transport.send(message).await?;
    Ok(())
}

/// Runs the delivery loop until `stop` is cancelled.
pub fn spawn_worker(
    pool: PgPool,
    mailer: Mailer,
    stop: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_pending(&pool, &mailer).await {
                tracing::warn!("mail worker: {err}");
            }
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(POLL_EVERY) => {}
            }
        }
    })
}
