//! The audit trail (server only): one row per sensitive event, written in the same transaction as
//! the change it records. Never credentials, tokens or secrets.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::auth::server::RequestMeta;
use crate::error::AppError;

/// One audit row.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// Who acted; `None` for the system or an unidentified visitor.
    pub actor: Option<Uuid>,
    /// Dotted verb, e.g. `auth.login_failed`.
    pub action: &'a str,
    /// What kind of record it concerns, e.g. `user`, `session`.
    pub entity_type: &'a str,
    /// Which record.
    pub entity_id: Option<Uuid>,
    /// State before.
    pub old_values: Option<Value>,
    /// State after, or details of the event.
    pub new_values: Option<Value>,
}

impl<'a> AuditEntry<'a> {
    /// An entry with no values.
    pub fn new(
        actor: Option<Uuid>,
        action: &'a str,
        entity_type: &'a str,
        entity_id: Option<Uuid>,
    ) -> Self {
        Self {
            actor,
            action,
            entity_type,
            entity_id,
            old_values: None,
            new_values: None,
        }
    }

    /// With details of the event.
    pub fn with_new(mut self, values: Value) -> Self {
        self.new_values = Some(values);
        self
    }

    /// With the state before the change.
    pub fn with_old(mut self, values: Value) -> Self {
        self.old_values = Some(values);
        self
    }
}

/// Writes `entry` with the request's IP and user agent.
pub async fn record(
    conn: &mut PgConnection,
    meta: &RequestMeta,
    entry: AuditEntry<'_>,
) -> Result<(), AppError> {
    sqlx::query!(
        r#"INSERT INTO audit_logs (user_id, action, entity_type, entity_id, old_values, new_values, ip_address, user_agent)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        entry.actor,
        entry.action,
        entry.entity_type,
        entry.entity_id,
        entry.old_values,
        entry.new_values,
        meta.ip.as_deref(),
        meta.user_agent.as_deref(),
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}
