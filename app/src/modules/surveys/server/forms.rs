//! Form definitions: the published version dealers answer, any version a response answered, the
//! shipped first versions, and the builder's use cases (a draft copied from the latest version,
//! its saves, publishing). Only super admins change forms; every change is audited.

use serde_json::json;
use sqlx::PgConnection;
use tracing::instrument;

use super::super::model::{
    FormDefinition, FormSave, FormStatus, FormVersion, FormVersionRow, SurveyKind,
};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope};
use crate::auth::roles::Role;
use crate::auth::server::{Ctx, Tx};
use crate::error::AppError;

/// The largest definition stored (its JSON text).
pub const MAX_DEFINITION_BYTES: usize = 256 * 1024;

/// The first published version of each survey, shipped with the portal.
pub fn default_definition(kind: SurveyKind) -> FormDefinition {
    let text = match kind {
        SurveyKind::Workshop => include_str!("../defaults/workshop.json"),
        SurveyKind::Warranty => include_str!("../defaults/warranty.json"),
        SurveyKind::Technical => include_str!("../defaults/technical.json"),
    };
    serde_json::from_str(text).expect("the shipped survey definitions parse (a unit test checks)")
}

/// Publishes the shipped first version of each survey that has no version yet (at start-up,
/// after the migrations; a no-op once they exist).
pub async fn ensure_defaults(pool: &sqlx::PgPool) -> Result<(), AppError> {
    for &kind in SurveyKind::ALL {
        let definition =
            serde_json::to_value(default_definition(kind)).map_err(AppError::internal)?;
        sqlx::query!(
            r#"INSERT INTO survey_forms (kind, version, status, definition, published_at)
               SELECT $1::varchar, 1, 'published', $2, CURRENT_TIMESTAMP
                WHERE NOT EXISTS (SELECT 1 FROM survey_forms WHERE kind = $1)
               ON CONFLICT DO NOTHING"#,
            kind as SurveyKind,
            definition
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

/// A definition as stored, read back.
fn parse(value: serde_json::Value) -> Result<FormDefinition, AppError> {
    serde_json::from_value(value).map_err(AppError::internal)
}

/// The published version of `kind`: its number and definition.
pub async fn published(
    conn: &mut PgConnection,
    kind: SurveyKind,
) -> Result<(i32, FormDefinition), AppError> {
    let row = sqlx::query!(
        r#"SELECT version, definition FROM survey_forms WHERE kind = $1 AND status = 'published'"#,
        kind as SurveyKind
    )
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::Conflict {
        message: "This survey has no published form yet.".into(),
        changed_by: None,
        changed_at: None,
    })?;
    Ok((row.version, parse(row.definition)?))
}

/// Version `version` of `kind`, whatever its state (a response renders by the version it
/// answered).
pub async fn version(
    conn: &mut PgConnection,
    kind: SurveyKind,
    version: i32,
) -> Result<FormVersion, AppError> {
    let row = sqlx::query!(
        r#"SELECT version, status AS "status: FormStatus", definition, lock,
                  user_display_name(updated_by) AS updated_by
             FROM survey_forms WHERE kind = $1 AND version = $2"#,
        kind as SurveyKind,
        version
    )
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(FormVersion {
        kind,
        version: row.version,
        status: row.status,
        definition: parse(row.definition)?,
        lock: row.lock,
        updated_by: row.updated_by,
    })
}

/// Every version of `kind`, newest first, with how many responses answered each.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn versions(ctx: &Ctx, kind: SurveyKind) -> Result<Vec<FormVersionRow>, AppError> {
    let mut tx = ctx.begin().await?;
    let sql = format!(
        "SELECT f.version, f.status, f.published_at, user_display_name(f.published_by) AS published_by, \
                f.updated_at, (SELECT count(*) FROM {} s WHERE s.form_version = f.version \
                               AND s.status <> 'draft') AS responses \
           FROM survey_forms f WHERE f.kind = $1 ORDER BY f.version DESC",
        super::repo::table(kind)
    );
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .fetch_all(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(rows)
}

/// One version, for the builder or its preview (drafts only for manufacturer staff: RLS).
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn get(ctx: &Ctx, kind: SurveyKind, v: Option<i32>) -> Result<FormVersion, AppError> {
    let mut tx = ctx.begin().await?;
    let v = match v {
        Some(v) => v,
        None => published(&mut tx, kind).await?.0,
    };
    let mut form = version(&mut tx, kind, v).await?;
    tx.commit().await?;
    // A dealer user never receives the answer key (a quiz's correct answers).
    if ctx.actor.dealer_id.is_some() {
        form.definition = form.definition.without_answer_key();
    }
    Ok(form)
}

/// The transaction of a builder change: super admins only (refusals audited).
async fn begin_builder(ctx: &Ctx, kind: SurveyKind) -> Result<Tx, AppError> {
    let area = Area::Module(kind.module());
    let tx = ctx.begin().await?;
    if ctx.actor.role != Role::SuperAdmin {
        return Err(ctx
            .refuse(
                tx,
                Action::Edit,
                area,
                Scope::Any,
                "Only super admins change survey forms.".into(),
            )
            .await);
    }
    ctx.decide(tx, Action::Edit, area, Scope::Any).await
}

fn form_audit(ctx: &Ctx, action: AuditAction) -> AuditEntry {
    AuditEntry::new(Some(ctx.actor.id), action, AuditEntity::SurveyForm, None)
}

/// The draft of `kind`: the one being edited, or a new one copied from the latest version.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn new_draft(ctx: &Ctx, kind: SurveyKind) -> Result<i32, AppError> {
    let mut tx = begin_builder(ctx, kind).await?;
    // Serialises concurrent "new draft" clicks on this survey's forms.
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('survey_forms:' || $1::text))",
        kind.key()
    )
    .execute(&mut *tx)
    .await?;
    let existing = sqlx::query_scalar!(
        r#"SELECT version FROM survey_forms WHERE kind = $1 AND status = 'draft'"#,
        kind as SurveyKind
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(v) = existing {
        tx.commit().await?;
        return Ok(v);
    }
    let latest = sqlx::query!(
        r#"SELECT version, definition FROM survey_forms WHERE kind = $1 ORDER BY version DESC LIMIT 1"#,
        kind as SurveyKind
    )
    .fetch_one(&mut *tx)
    .await?;
    let version = latest.version + 1;
    sqlx::query!(
        r#"INSERT INTO survey_forms (kind, version, status, definition, created_by, updated_by)
           VALUES ($1, $2, 'draft', $3, $4, $4)"#,
        kind as SurveyKind,
        version,
        latest.definition,
        ctx.actor.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        form_audit(ctx, AuditAction::RecordCreated)
            .with_new(json!({ "kind": kind, "version": version, "copied_from": latest.version })),
    )
    .await?;
    tx.commit().await?;
    Ok(version)
}

/// The draft locked for a change, checked to be a draft at the lock the editor loaded.
async fn lock_draft(
    tx: &mut Tx,
    kind: SurveyKind,
    version: i32,
    lock: i32,
) -> Result<serde_json::Value, AppError> {
    let row = sqlx::query!(
        r#"SELECT status AS "status: FormStatus", lock, definition, updated_at,
                  user_display_name(updated_by) AS updated_by
             FROM survey_forms WHERE kind = $1 AND version = $2 FOR UPDATE"#,
        kind as SurveyKind,
        version
    )
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(AppError::NotFound)?;
    if row.status != FormStatus::Draft {
        return Err(AppError::Conflict {
            message: format!(
                "Version {version} is {} now; a published form never changes. Start a new draft.",
                row.status.label().to_lowercase()
            ),
            changed_by: row.updated_by,
            changed_at: Some(crate::components::time::minutes(&row.updated_at)),
        });
    }
    crate::workflow::server::stale(lock, row.lock, row.updated_by, row.updated_at, "a draft")?;
    Ok(row.definition)
}

/// Saves a draft as edited (it may still be incomplete: publishing checks it).
#[instrument(skip(ctx, save), fields(actor = %ctx.actor.id))]
pub async fn save_draft(ctx: &Ctx, save: &FormSave) -> Result<i32, AppError> {
    let value = serde_json::to_value(&save.definition).map_err(AppError::internal)?;
    if value.to_string().len() > MAX_DEFINITION_BYTES {
        return Err(AppError::field(
            "title",
            "This form is too large to store; remove some questions or shorten their help.",
        ));
    }
    let mut tx = begin_builder(ctx, save.kind).await?;
    let old = lock_draft(&mut tx, save.kind, save.version, save.lock).await?;
    let lock = sqlx::query_scalar!(
        r#"UPDATE survey_forms SET definition = $3, lock = lock + 1, updated_by = $4
            WHERE kind = $1 AND version = $2 RETURNING lock"#,
        save.kind as SurveyKind,
        save.version,
        value,
        ctx.actor.id
    )
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        form_audit(ctx, AuditAction::RecordSaved)
            .with_old(json!({ "kind": save.kind, "version": save.version, "definition": old }))
            .with_new(json!({ "kind": save.kind, "version": save.version, "definition": value })),
    )
    .await?;
    tx.commit().await?;
    Ok(lock)
}

/// Publishes a draft: it must pass [`FormDefinition::check`]; the version published before is
/// retired (responses that answered it keep it).
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn publish(ctx: &Ctx, kind: SurveyKind, version: i32, lock: i32) -> Result<(), AppError> {
    let mut tx = begin_builder(ctx, kind).await?;
    let definition = parse(lock_draft(&mut tx, kind, version, lock).await?)?;
    definition
        .check()
        .map_err(|fields| AppError::Validation { fields })?;
    let retired = sqlx::query_scalar!(
        r#"UPDATE survey_forms SET status = 'retired', updated_by = $2
            WHERE kind = $1 AND status = 'published' RETURNING version"#,
        kind as SurveyKind,
        ctx.actor.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query!(
        r#"UPDATE survey_forms SET status = 'published', published_by = $3,
                  published_at = CURRENT_TIMESTAMP, updated_by = $3
            WHERE kind = $1 AND version = $2"#,
        kind as SurveyKind,
        version,
        ctx.actor.id
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        form_audit(ctx, AuditAction::RecordTransition)
            .with_old(json!({ "kind": kind, "published": retired }))
            .with_new(json!({ "kind": kind, "published": version, "questions": definition.questions().count() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Throws a draft away.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn discard(ctx: &Ctx, kind: SurveyKind, version: i32, lock: i32) -> Result<(), AppError> {
    let mut tx = begin_builder(ctx, kind).await?;
    let old = lock_draft(&mut tx, kind, version, lock).await?;
    sqlx::query!(
        "DELETE FROM survey_forms WHERE kind = $1 AND version = $2",
        kind as SurveyKind,
        version
    )
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        form_audit(ctx, AuditAction::RecordDeleted)
            .with_old(json!({ "kind": kind, "version": version, "definition": old })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::surveys::model::answers;

    #[test]
    fn the_shipped_forms_can_be_answered_and_scored() {
        for &kind in SurveyKind::ALL {
            let def = default_definition(kind);
            assert_eq!(def.check(), Ok(()), "{kind:?}");
            assert!(
                def.questions().count() >= 12,
                "{kind:?} has realistic depth"
            );
            // Nothing answered: every shown scored question earns nothing.
            assert_eq!(
                answers::score(&def, &Default::default()).map(|s| s.total),
                Some(0)
            );
        }
        let quiz = default_definition(SurveyKind::Technical);
        assert!(quiz.questions().any(|q| matches!(
            &q.kind,
            crate::modules::surveys::model::form::QuestionKind::SingleChoice {
                correct: Some(_),
                ..
            }
        )));
    }
}
