//! Writing the audit trail (server only): in the same transaction as the change the row records.
//! Never credentials, tokens or secrets.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{AuditAction, AuditEntity};
use crate::auth::server::RequestMeta;
use crate::error::AppError;

/// One audit row.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Who acted; `None` for the system or an unidentified visitor.
    pub actor: Option<Uuid>,
    /// What happened.
    pub action: AuditAction,
    /// What kind of record it concerns.
    pub entity_type: AuditEntity,
    /// Which record.
    pub entity_id: Option<Uuid>,
    /// State before.
    pub old_values: Option<Value>,
    /// State after, or details of the event.
    pub new_values: Option<Value>,
}

impl AuditEntry {
    /// An entry with no values.
    pub fn new(
        actor: Option<Uuid>,
        action: AuditAction,
        entity_type: AuditEntity,
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
    entry: AuditEntry,
) -> Result<(), AppError> {
    sqlx::query!(
        r#"INSERT INTO audit_logs (user_id, action, entity_type, entity_id, old_values, new_values, ip_address, user_agent)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"#,
        entry.actor,
        entry.action as AuditAction,
        entry.entity_type as AuditEntity,
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
