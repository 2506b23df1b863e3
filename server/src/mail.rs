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

/// How long a claimed mail is reserved for the worker that claimed it; if that worker dies
/// mid-send, another picks the mail up after this.
const CLAIM_SECONDS: f64 = 300.0;

/// Delivers what is due now; returns how many mails were delivered.
///
/// Mails are claimed in a short transaction (`SKIP LOCKED`, so several instances can run the
/// worker), sent with no transaction open, and each outcome is recorded on its own: a slow SMTP
/// server holds no locks, and one failure never re-sends the mails already delivered.
pub async fn deliver_pending(pool: &PgPool, mailer: &Mailer) -> anyhow::Result<usize> {
    let due = sqlx::query!(
        r#"UPDATE mail_outbox SET next_attempt_at = CURRENT_TIMESTAMP + make_interval(secs => $2)
            WHERE id IN (SELECT id FROM mail_outbox
                          WHERE sent_at IS NULL AND next_attempt_at <= CURRENT_TIMESTAMP
                          ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, to_address, subject, body"#,
        BATCH,
        CLAIM_SECONDS
    )
    .fetch_all(pool)
    .await?;
    let mut delivered = 0;
    for mail in due {
        let body = mail.body.unwrap_or_default();
        let result = match mailer {
            Mailer::DevMailbox => {
                tracing::info!(to = %mail.to_address, subject = %mail.subject, "mail (no SMTP configured):\n{body}");
                Ok("dev_mailbox")
            }
            Mailer::Smtp { transport, from } => {
                send(transport, from, &mail.to_address, &mail.subject, &body)
                    .await
                    .map(|()| "smtp")
            }
        };
        match result {
            Ok(delivery) => {
                // Over SMTP the body is dropped once sent: it may hold a one-time link.
                sqlx::query!(
                    r#"UPDATE mail_outbox SET sent_at = CURRENT_TIMESTAMP, delivery = $2::varchar, attempts = attempts + 1,
                              body = CASE WHEN $2::varchar = 'smtp' THEN NULL ELSE body END, last_error = NULL
                        WHERE id = $1"#,
                    mail.id,
                    delivery
                )
                .execute(pool)
                .await?;
                delivered += 1;
            }
            Err(err) => {
                tracing::warn!(id = %mail.id, "mail delivery failed, will retry: {err}");
                // Waits 30 s, 1 min, 2 min, ... up to an hour between attempts.
                sqlx::query!(
                    r#"UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,
                              next_attempt_at = CURRENT_TIMESTAMP
                                + make_interval(secs => LEAST(3600, 30 * power(2, LEAST(attempts, 12))))
                        WHERE id = $1"#,
                    mail.id,
                    err.to_string()
                )
                .execute(pool)
                .await?;
            }
        }
    }
    Ok(delivered)
}

async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    to: &str,
    subject: &str,
    body: &str,
) -> anyhow::Result<()> {
    let message = Message::builder()
        .from(from.clone())
        .to(to.parse()?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())?;
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
