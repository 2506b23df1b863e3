//! The audit viewer's model: its filters, its rows, and the field-by-field diff of an entry.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::audit::AuditEntity;
use crate::list::{Cursor, encode_params};

/// Filters and position of the audit viewer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Part of the acting user's email or name.
    pub actor: String,
    /// Entity type, e.g. `user`.
    #[serde(default, deserialize_with = "crate::list::empty_is_none")]
    pub entity_type: Option<AuditEntity>,
    /// One record.
    pub entity_id: Option<Uuid>,
    /// Action prefix, e.g. `user.` or `auth.login`.
    pub action: String,
    /// From this day (inclusive, `YYYY-MM-DD`, UTC).
    pub from: String,
    /// To this day (inclusive, `YYYY-MM-DD`, UTC).
    pub to: String,
    /// The cursor of the page to show.
    pub after: Option<Cursor>,
}

impl AuditQuery {
    /// The query described by URL parameters.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Self {
        let value = |k: &str| get(k).map(|v| v.trim().to_owned()).unwrap_or_default();
        AuditQuery {
            actor: value("actor"),
            entity_type: AuditEntity::from_key(&value("entity")),
            entity_id: get("id").and_then(|i| Uuid::parse_str(i.trim()).ok()),
            action: value("action"),
            from: value("from"),
            to: value("to"),
            after: get("after")
                .filter(|a| !a.is_empty())
                .map(Cursor::from_param),
        }
    }

    /// URL parameters for this query (without the cursor unless `with_cursor`).
    pub fn to_params(&self, with_cursor: bool) -> String {
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.is_empty() {
                params.push((k, v.clone()));
            }
        }
        if let Some(entity) = self.entity_type {
            params.push(("entity", entity.key().to_owned()));
        }
        if let Some(id) = self.entity_id {
            params.push(("id", id.to_string()));
        }
        if with_cursor && let Some(a) = &self.after {
            params.push(("after", a.as_str().to_owned()));
        }
        encode_params(&params)
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    /// `audit_logs.id`.
    pub id: Uuid,
    /// When (UTC).
    pub created_at: NaiveDateTime,
    /// Who acted.
    pub actor_id: Option<Uuid>,
    /// Their email, if they are a user.
    pub actor_email: Option<String>,
    /// What happened.
    pub action: String,
    /// The kind of record.
    pub entity_type: String,
    /// The record.
    pub entity_id: Option<Uuid>,
    /// State before.
    pub old_values: Option<Value>,
    /// State after, or details.
    pub new_values: Option<Value>,
    /// Client address.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// One field of an audit entry, before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDiff {
    /// The field.
    pub field: String,
    /// Its value before, as JSON text.
    pub old: Option<String>,
    /// Its value after, as JSON text.
    pub new: Option<String>,
}

impl FieldDiff {
    /// Whether the value changed.
    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field-by-field comparison of an entry's old and new values, fields in name order. Values
/// that are not objects are compared as one field called `value`.
pub fn diff(old: Option<&Value>, new: Option<&Value>) -> Vec<FieldDiff> {
    let as_fields = |v: Option<&Value>| -> Vec<(String, String)> {
        match v {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), show(v))).collect(),
            Some(other) => vec![("value".to_owned(), show(other))],
        }
    };
    let old = as_fields(old);
    let new = as_fields(new);
    let mut fields: Vec<String> = old
        .iter()
        .chain(new.iter())
        .map(|(k, _)| k.clone())
        .collect();
    fields.sort();
    fields.dedup();
    fields
        .into_iter()
        .map(|field| FieldDiff {
            old: old
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.clone()),
            new: new
                .iter()
                .find(|(k, _)| *k == field)
                .map(|(_, v)| v.clone()),
            field,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_diffs_line_up_fields_and_mark_changes() {
        let old = serde_json::json!({ "name": "A", "role": "service_head" });
        let new = serde_json::json!({ "name": "B", "role": "service_head", "active": false });
        let d = diff(Some(&old), Some(&new));
        let changed: Vec<&str> = d
            .iter()
            .filter(|f| f.changed())
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(changed, ["active", "name"]);
        assert_eq!(d[1].old.as_deref(), Some("A"));
        assert_eq!(d[1].new.as_deref(), Some("B"));
    }
}
