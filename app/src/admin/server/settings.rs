//! The settings screen (server only): the catalogue's settings with their stored values, and
//! changing one within its bounds.

use serde_json::json;
use sqlx::PgConnection;
use tracing::instrument;

use crate::admin::model::SettingRow;
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope};
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::settings::{CATALOGUE, Setting, SettingKind};

/// The catalogue's settings with their stored values (the default where none is stored).
async fn rows(conn: &mut PgConnection) -> Result<Vec<SettingRow>, AppError> {
    let stored = sqlx::query!("SELECT category, key, value, updated_at FROM settings")
        .fetch_all(&mut *conn)
        .await?;
    Ok(CATALOGUE
        .iter()
        .map(|s| {
            let row = stored
                .iter()
                .find(|r| r.category == s.category && r.key == s.key);
            SettingRow {
                category: s.category.into(),
                key: s.key.into(),
                label: s.label.into(),
                value: row
                    .and_then(|r| r.value.clone())
                    .unwrap_or_else(|| s.default_text()),
                description: Some(s.description.into()),
                numeric: matches!(s.kind, SettingKind::Integer { .. }),
                hint: s.hint(),
                updated_at: row.and_then(|r| r.updated_at),
            }
        })
        .collect())
}

/// The editable settings.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn list(ctx: &Ctx) -> Result<Vec<SettingRow>, AppError> {
    let mut tx = ctx.begin().await?;
    let rows = rows(&mut tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Changes one setting after checking its value against its bounds.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn update(
    ctx: &Ctx,
    category: &str,
    key: &str,
    value: &str,
) -> Result<SettingRow, AppError> {
    let setting = Setting::find(category, key).ok_or(AppError::NotFound)?;
    let value = setting
        .normalise(value)
        .map_err(|message| AppError::field("value", message))?;
    let mut tx = ctx.begin().await?;
    let old = sqlx::query_scalar!(
        "SELECT value FROM settings WHERE category = $1 AND key = $2 FOR UPDATE",
        setting.category,
        setting.key
    )
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    let mut tx = ctx
        .decide(tx, Action::Edit, Area::Settings, Scope::Any)
        .await?;
    if old.as_deref() != Some(value.as_str()) {
        sqlx::query!(
            r#"INSERT INTO settings (category, key, value, description, is_system) VALUES ($1, $2, $3, $4, true)
               ON CONFLICT (category, key) DO UPDATE SET value = EXCLUDED.value"#,
            setting.category,
            setting.key,
            value,
            setting.description
        )
        .execute(&mut *tx)
        .await?;
        let name = format!("{}.{}", setting.category, setting.key);
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::SettingChanged,
                AuditEntity::Setting,
                None,
            )
            .with_old(json!({ "setting": name, "value": old }))
            .with_new(json!({ "setting": name, "value": value })),
        )
        .await?;
    }
    let row = rows(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.category == setting.category && s.key == setting.key)
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}
