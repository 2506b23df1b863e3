//! PCC use cases. Each owns its transaction: it finds whose the application is, decides with
//! `authorize` on those facts (a refusal is audited), locks the row, checks the version the user
//! saw, writes, records the timeline entry, audit row, notifications and live event, and commits,
//! all or nothing.

use chrono::{NaiveDateTime, Utc};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::super::model::{Criteria, PccDetail, PccSave, Saved};
use super::super::workflow::{NUMBER_PREFIX, PccStatus, TRANSITIONS};
use super::repo::{self, Locked, StepWrite};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope, authorize};
use crate::auth::server::{Ctx, Tx};
use crate::error::AppError;
use crate::live::LiveEvent;
use crate::live::server::publish;
use crate::modules::Module;
use crate::notifications::server::{notify, still_at_dealer};
use crate::notifications::{Notice, NoticeKind};
use crate::queue::{QueueItem, QueueQuery};
use crate::settings::{self, EMAIL_DECISIONS};
use crate::workflow::server::{NewHistory, history, next_number, record_history, stale};
use crate::workflow::{
    HistoryEntry, Side, Step, StepDone, StepRequest, available, check_comment, find,
};

const MODULE: Module = Module::DealerPcc;
pub(super) const AREA: Area = Area::Module(MODULE);

fn href(id: Uuid) -> String {
    format!("{}/{id}", MODULE.href())
}

fn scope(dealer_id: Uuid, submitted_by: Uuid) -> Scope {
    Scope::DealerRecord {
        dealer_id,
        submitted_by: Some(submitted_by),
    }
}

/// Opens the transaction and decides `action` on application `id` by whose it is: 404 when there
/// is no such application, 403 (audited) when it is not the caller's to act on.
async fn begin_on(ctx: &Ctx, id: Uuid, action: Action) -> Result<(Tx, Scope), AppError> {
    let mut tx = ctx.begin().await?;
    let Some((dealer_id, submitted_by)) = repo::owner(&mut tx, id).await? else {
        return Err(AppError::NotFound);
    };
    let scope = scope(dealer_id, submitted_by);
    let tx = ctx.decide(tx, action, AREA, scope).await?;
    Ok((tx, scope))
}

async fn lock(tx: &mut Tx, id: Uuid) -> Result<Locked, AppError> {
    repo::lock(tx, id).await?.ok_or(AppError::NotFound)
}

fn record_event(l: &Locked, version: i32) -> LiveEvent {
    LiveEvent::Record {
        module: MODULE,
        id: l.id,
        dealer_id: l.dealer_id,
        version,
    }
}

fn label(number: Option<&str>) -> String {
    number.map_or_else(|| "Draft".to_owned(), str::to_owned)
}

/// One application, its timeline, and what the caller may do with it now.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn detail(ctx: &Ctx, id: Uuid) -> Result<PccDetail, AppError> {
    let (mut tx, scope) = begin_on(ctx, id, Action::View).await?;
    let d = repo::detail(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut timeline = vec![HistoryEntry {
        step: Step::Create,
        from_status: None,
        to_status: PccStatus::Draft.key().to_owned(),
        actor_name: d.submitted_by.clone().unwrap_or_default(),
        at: d.created_at,
        comment: None,
    }];
    timeline.extend(history(&mut tx, id).await?);
    tx.commit().await?;
    let status = d.row.status;
    let allowed = |action: Action| authorize(&ctx.actor, action, AREA, scope).allowed;
    Ok(PccDetail {
        version: d.version,
        criteria: Criteria::read(d.criteria.as_ref()),
        submitted_by: d.submitted_by,
        submitted_by_id: d.submitted_by_id,
        review_comments: d.review_comments,
        approval_comments: d.approval_comments,
        updated_by: d.updated_by,
        steps: available(TRANSITIONS, status, &ctx.actor, AREA, scope),
        can_edit: Side::Dealer.includes(&ctx.actor, d.row.dealer_id)
            && status.edit_action().is_some_and(allowed),
        can_delete: status == PccStatus::Draft && allowed(Action::Delete),
        history: timeline,
        row: d.row,
    })
}

/// Starts a draft for the caller's dealer. A dealer has at most one open application.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn create(ctx: &Ctx) -> Result<Uuid, AppError> {
    let Some(dealer_id) = ctx.actor.dealer_id else {
        return Err(AppError::Forbidden {
            reason: "Applications are made by a dealer's own staff, for their dealer.".into(),
        });
    };
    let tx = ctx.begin().await?;
    let mut tx = ctx
        .decide(tx, Action::Create, AREA, scope(dealer_id, ctx.actor.id))
        .await?;
    if let Some((_, number, status)) = repo::open_of_dealer(&mut tx, dealer_id).await? {
        return Err(already_open(number.as_deref(), status));
    }
    let criteria = serde_json::to_value(Criteria::read(None)).map_err(AppError::internal)?;
    let (id, _) = repo::insert_draft(&mut tx, dealer_id, ctx.actor.id, &criteria)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db)
                if db.constraint() == Some("dealer_pcc_one_open_per_dealer") =>
            {
                already_open(None, PccStatus::Draft)
            }
            _ => AppError::from(e),
        })?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordCreated,
            AuditEntity::PccApplication,
            Some(id),
        )
        .with_new(json!({ "status": PccStatus::Draft, "dealer_id": dealer_id })),
    )
    .await?;
    publish(
        &mut tx,
        &LiveEvent::Record {
            module: MODULE,
            id,
            dealer_id,
            version: 1,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn already_open(number: Option<&str>, status: PccStatus) -> AppError {
    AppError::Conflict {
        message: format!(
            "Your dealer already has an open application ({}, {}). {}",
            label(number),
            status.label().to_lowercase(),
            match status {
                PccStatus::Draft => "Continue that draft, or delete it, before starting another.",
                PccStatus::RevisionRequested =>
                    "Revise and resubmit it instead of starting another.",
                _ => "A new one can be started once it is decided.",
            }
        ),
        changed_by: None,
        changed_at: None,
    }
}

/// Saves the criteria of a draft or of an application sent back for revision.
#[instrument(skip(ctx, save), fields(actor = %ctx.actor.id, id = %save.id))]
pub async fn save(ctx: &Ctx, save: &PccSave) -> Result<Saved, AppError> {
    let criteria = save
        .form
        .check(false)
        .map_err(|fields| AppError::Validation { fields })?;
    let (mut tx, scope) = begin_on(ctx, save.id, Action::View).await?;
    let locked = lock(&mut tx, save.id).await?;
    stale(
        save.version,
        locked.version,
        locked.updated_by.clone(),
        locked.updated_at,
        locked.status.describe(),
    )?;
    let Some(action) = locked.status.edit_action() else {
        return Err(AppError::Conflict {
            message: format!(
                "This application is {} now and can no longer be changed.",
                locked.status.describe()
            ),
            changed_by: locked.updated_by,
            changed_at: Some(crate::components::time::minutes(&locked.updated_at)),
        });
    };
    if !Side::Dealer.includes(&ctx.actor, locked.dealer_id) {
        return Err(ctx
            .refuse(tx, action, AREA, scope, Side::Dealer.refusal().into())
            .await);
    }
    let mut tx = ctx.decide(tx, action, AREA, scope).await?;
    let value = serde_json::to_value(&criteria).map_err(AppError::internal)?;
    let (version, at) = repo::save_criteria(&mut tx, save.id, ctx.actor.id, &value).await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordSaved,
            AuditEntity::PccApplication,
            Some(save.id),
        )
        .with_old(json!({ "version": locked.version, "criteria": locked.criteria }))
        .with_new(json!({ "version": version, "criteria": value })),
    )
    .await?;
    publish(&mut tx, &record_event(&locked, version)).await?;
    tx.commit().await?;
    Ok(Saved { version, at })
}

/// Takes a workflow step on an application, under its row lock: exactly one of several
/// concurrent deciders wins; the others are told who decided and how.
#[instrument(skip(ctx, req), fields(actor = %ctx.actor.id, id = %req.id, step = req.step.key()))]
pub async fn step(ctx: &Ctx, req: &StepRequest) -> Result<StepDone, AppError> {
    let (mut tx, scope) = begin_on(ctx, req.id, Action::View).await?;
    let locked = lock(&mut tx, req.id).await?;
    stale(
        req.version,
        locked.version,
        locked.updated_by.clone(),
        locked.updated_at,
        locked.status.describe(),
    )?;
    let t = find(TRANSITIONS, locked.status, req.step, PccStatus::describe)?;
    // Decided on the locked row's facts: its submitter may have changed since `begin_on` read it.
    let scope = match scope {
        Scope::DealerRecord { dealer_id, .. } => self::scope(dealer_id, locked.submitted_by),
        other => other,
    };
    if !t.side.includes(&ctx.actor, locked.dealer_id) {
        return Err(ctx
            .refuse(tx, t.action, AREA, scope, t.side.refusal().into())
            .await);
    }
    let mut tx = ctx.decide(tx, t.action, AREA, scope).await?;
    let comment = check_comment(t.comment, &req.comment)
        .map_err(|f| AppError::Validation { fields: vec![f] })?;
    let submitting = matches!(req.step, Step::Submit | Step::Resubmit);
    if submitting {
        // Everything must be there now; the fields' messages say what is missing.
        Criteria::read(locked.criteria.as_ref())
            .to_form()
            .check(true)
            .map_err(|fields| AppError::Validation { fields })?;
    }
    let now = Utc::now().naive_utc();
    let number = match (&locked.number, submitting) {
        (None, true) => Some(next_number(&mut tx, NUMBER_PREFIX, now).await?),
        _ => None,
    };
    let stamps = t.stamps;
    use crate::workflow::Stamp;
    let version = repo::write_step(
        &mut tx,
        StepWrite {
            id: req.id,
            to: t.to,
            user: ctx.actor.id,
            number: number.as_deref(),
            submitted: stamps.contains(&Stamp::Submitted),
            reviewed: stamps.contains(&Stamp::Reviewed),
            approved: stamps.contains(&Stamp::Approved),
            comment: comment.as_deref(),
        },
    )
    .await?;
    record_history(
        &mut tx,
        NewHistory {
            module: MODULE,
            record_id: req.id,
            dealer_id: locked.dealer_id,
            step: req.step,
            from: Some(locked.status.key()),
            to: t.to.key(),
            actor_id: ctx.actor.id,
            actor_name: &ctx.session.user.name,
            comment: comment.as_deref(),
        },
    )
    .await?;
    let number = number.or_else(|| locked.number.clone());
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordTransition,
            AuditEntity::PccApplication,
            Some(req.id),
        )
        .with_old(json!({ "status": locked.status, "version": locked.version }))
        .with_new(json!({
            "step": req.step,
            "status": t.to,
            "version": version,
            "number": number,
            "comment": comment,
        })),
    )
    .await?;
    tell(
        &mut tx,
        ctx,
        &locked,
        req.step,
        number.as_deref(),
        comment.as_deref(),
    )
    .await?;
    publish(&mut tx, &record_event(&locked, version)).await?;
    tx.commit().await?;
    Ok(StepDone {
        id: req.id,
        version,
        number,
    })
}

/// The notifications of a step: approvers hear of a submission, the submitter of a decision.
async fn tell(
    tx: &mut Tx,
    ctx: &Ctx,
    l: &Locked,
    step: Step,
    number: Option<&str>,
    comment: Option<&str>,
) -> Result<(), AppError> {
    let number = label(number);
    let link = Some(href(l.id));
    let dealer = format!("{} {}", l.dealer_code, l.dealer_name);
    let (recipients, notice) = match step {
        Step::Submit | Step::Resubmit => {
            let approvers: Vec<Uuid> = sqlx::query_scalar!(
                r#"SELECT m AS "id!" FROM module_approvers($1) AS m"#,
                MODULE as Module
            )
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .filter(|id| *id != ctx.actor.id)
            .collect();
            let notice = Notice {
                title: format!("PCC application {number} awaits a decision"),
                message: format!("{dealer} {} its application.", step.past()),
                kind: NoticeKind::Info,
                link,
            };
            (approvers, notice)
        }
        Step::TakeForReview | Step::Approve | Step::Reject | Step::SendBack => {
            let kind = match step {
                Step::Approve => NoticeKind::Success,
                Step::Reject => NoticeKind::Error,
                Step::SendBack => NoticeKind::Warning,
                _ => NoticeKind::Info,
            };
            let mut message = format!(
                "{} {} application {number}.",
                ctx.session.user.name,
                verb(step)
            );
            if let Some(c) = comment {
                message.push_str(&format!(" Comment: {c}"));
            }
            let notice = Notice {
                title: format!("PCC application {number} {}", step.past()),
                message,
                kind,
                link,
            };
            // Only while the submitter still works for the record's dealer: a user moved to
            // another dealer no longer hears of this one's decisions.
            let still_there = still_at_dealer(tx, l.submitted_by, l.dealer_id).await?;
            if !still_there {
                return Ok(());
            }
            if step != Step::TakeForReview {
                mail_decision(tx, ctx, l.submitted_by, &notice).await?;
            }
            (vec![l.submitted_by], notice)
        }
        _ => return Ok(()),
    };
    let recipients: Vec<Uuid> = recipients
        .into_iter()
        .filter(|id| *id != ctx.actor.id)
        .collect();
    notify(tx, &recipients, &notice).await
}

/// The decision by e-mail too, when the setting asks for it (decisions are taken by manufacturer
/// staff, whose transactions may queue mail).
async fn mail_decision(tx: &mut Tx, ctx: &Ctx, to: Uuid, notice: &Notice) -> Result<(), AppError> {
    if !settings::switch(tx, EMAIL_DECISIONS).await? {
        return Ok(());
    }
    let Some(email) = sqlx::query_scalar!(
        "SELECT email::text FROM users WHERE id = $1 AND is_active IS TRUE",
        to
    )
    .fetch_optional(&mut **tx)
    .await?
    .flatten() else {
        return Ok(());
    };
    let link = notice.link.as_deref().unwrap_or("/");
    let body = format!(
        "{}\n\nOpen it: {}{link}\n\nYou get this e-mail because decisions are also sent by e-mail; the portal's notifications show them too.",
        notice.message, ctx.state.auth.public_url
    );
    crate::mail::enqueue(tx, &email, &notice.title, &body).await
}

fn verb(step: Step) -> &'static str {
    match step {
        Step::TakeForReview => "took for review",
        Step::Approve => "approved",
        Step::Reject => "rejected",
        Step::SendBack => "sent back for revision",
        _ => "changed",
    }
}

/// Deletes a draft (nothing else is ever deleted).
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn delete(ctx: &Ctx, id: Uuid, version: i32) -> Result<(), AppError> {
    let (mut tx, scope) = begin_on(ctx, id, Action::View).await?;
    let locked = lock(&mut tx, id).await?;
    stale(
        version,
        locked.version,
        locked.updated_by.clone(),
        locked.updated_at,
        locked.status.describe(),
    )?;
    if locked.status != PccStatus::Draft {
        return Err(AppError::Conflict {
            message: format!(
                "Only drafts can be deleted; this application is {}.",
                locked.status.describe()
            ),
            changed_by: None,
            changed_at: None,
        });
    }
    let mut tx = ctx.decide(tx, Action::Delete, AREA, scope).await?;
    repo::delete(&mut tx, id).await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(Some(ctx.actor.id), AuditAction::RecordDeleted, AuditEntity::PccApplication, Some(id))
            .with_old(json!({ "status": locked.status, "version": locked.version, "criteria": locked.criteria })),
    )
    .await?;
    publish(&mut tx, &record_event(&locked, 0)).await?;
    tx.commit().await?;
    Ok(())
}

/// The applications awaiting a decision the caller may take, for the approval queue.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn queue(ctx: &Ctx, q: &QueueQuery, limit: i64) -> Result<Vec<QueueItem>, AppError> {
    let mut tx = ctx.begin().await?;
    let rows = repo::awaiting(&mut tx, q, limit).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let scope = scope(r.dealer_id, r.submitted_by);
            let steps = available(TRANSITIONS, r.status, &ctx.actor, AREA, scope);
            (!steps.is_empty()).then(|| QueueItem {
                module: MODULE,
                id: r.id,
                number: label(r.number.as_deref()),
                version: r.version,
                status: r.status.label().to_owned(),
                dealer_code: r.dealer_code,
                dealer_name: r.dealer_name,
                brand: r.brand,
                submitted_at: r.submitted_at.unwrap_or(NaiveDateTime::MIN),
                reviewer: r.reviewer,
                steps,
                href: href(r.id),
            })
        })
        .collect())
}
