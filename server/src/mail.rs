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

/// Delivers what is due now; returns how many mails were delivered.
pub async fn deliver_pending(pool: &PgPool, mailer: &Mailer) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    // SKIP LOCKED: several server instances can run the worker without sending a mail twice.
    let due = sqlx::query!(
        r#"SELECT id, to_address, subject, body FROM mail_outbox
            WHERE sent_at IS NULL AND next_attempt_at <= CURRENT_TIMESTAMP
            ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED"#,
        BATCH
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut delivered = 0;
    for mail in due {
        let body = mail.body.unwrap_or_default();
        let result = match mailer {
            Mailer::DevMailbox => {
                tracing::info!(to = %mail.to_address, subject = %mail.subject, "mail (no SMTP configured; see /dev/mailbox):\n{body}");
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
                .execute(&mut *tx)
                .await?;
                delivered += 1;
            }
            Err(err) => {
                tracing::warn!(id = %mail.id, "mail delivery failed, will retry: {err}");
                sqlx::query!(
                    r#"UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,
                              next_attempt_at = CURRENT_TIMESTAMP + make_interval(secs => LEAST(3600, 30 * power(2, attempts)))
                        WHERE id = $1"#,
                    mail.id,
                    err.to_string()
                )
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
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
