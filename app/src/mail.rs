//! Outgoing mail (server only). Mail is written to `mail_outbox` in the transaction that causes it;
//! the server's worker delivers it over SMTP, or, without SMTP settings, to the server log and the
//! development mailbox.

use sqlx::PgConnection;

use crate::error::AppError;

/// Queues a plain-text mail.
pub async fn enqueue(
    conn: &mut PgConnection,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    sqlx::query!(
        "INSERT INTO mail_outbox (to_address, subject, body) VALUES ($1, $2, $3)",
        to,
        subject,
        body
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The development mailbox: the newest 50 mails that went to it instead of an SMTP server.
pub async fn dev_mailbox(
    pool: &sqlx::PgPool,
) -> Result<Vec<crate::auth::model::DevMail>, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(sqlx::query_as!(
        crate::auth::model::DevMail,
        r#"SELECT to_address AS "to", subject, COALESCE(body, '') AS "body!", created_at AS "created_at!"
             FROM mail_outbox WHERE delivery = 'dev_mailbox' ORDER BY created_at DESC LIMIT 50"#
    )
    .fetch_all(&mut *conn)
    .await?)
}
