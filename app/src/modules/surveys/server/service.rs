//! Survey response use cases. Each owns its transaction: it finds whose the response is, decides
//! with `authorize` on those facts (a refusal is audited), locks the row, checks the version the
//! user saw, writes, records the timeline entry, audit row, notifications and live event, and
//! commits, all or nothing. The score is computed here, at submission, by the same code the
//! filling page shows it with.

use chrono::{NaiveDateTime, Utc};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::super::model::answers::{self, Stored};
use super::super::model::{PeriodState, ResponseDetail, SaveAnswers, SurveyKind};
use super::super::workflow::{SurveyStatus, TRANSITIONS};
use super::forms;
use super::repo::{self, Locked, NewDraft, StepWrite};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope, authorize};
use crate::auth::server::{Ctx, Tx};
use crate::error::AppError;
use crate::live::LiveEvent;
use crate::live::server::publish;
use crate::notifications::server::{notify, still_at_dealer};
use crate::notifications::{Notice, NoticeKind};
use crate::queue::{QueueItem, QueueQuery};
use crate::workflow::server::{NewHistory, history, next_number, record_history, stale};
use crate::workflow::{
    Saved, Side, Stamp, Step, StepDone, StepRequest, available, check_comment, find,
};

/// The module area of `kind`.
pub const fn area(kind: SurveyKind) -> Area {
    Area::Module(kind.module())
}

/// The scope of a response of `dealer_id` filled by `submitted_by`.
pub fn scope(dealer_id: Uuid, submitted_by: Uuid) -> Scope {
    Scope::DealerRecord {
        dealer_id,
        submitted_by: Some(submitted_by),
    }
}

/// Today, as the server's clock has it (periods are whole days).
pub fn today() -> chrono::NaiveDate {
    Utc::now().date_naive()
}

/// Opens the transaction and decides `action` on response `id` by whose it is: 404 when there is
/// no such response, 403 (audited) when it is not the caller's to act on.
async fn begin_on(
    ctx: &Ctx,
    kind: SurveyKind,
    id: Uuid,
    action: Action,
) -> Result<(Tx, Scope), AppError> {
    let mut tx = ctx.begin().await?;
    let Some((dealer_id, submitted_by)) = repo::owner(&mut tx, kind, id).await? else {
        return Err(AppError::NotFound);
    };
    let scope = scope(dealer_id, submitted_by);
    let tx = ctx.decide(tx, action, area(kind), scope).await?;
    Ok((tx, scope))
}

async fn lock(tx: &mut Tx, kind: SurveyKind, id: Uuid) -> Result<Locked, AppError> {
    repo::lock(tx, kind, id).await?.ok_or(AppError::NotFound)
}

fn record_event(kind: SurveyKind, id: Uuid, dealer_id: Uuid, version: i32) -> LiveEvent {
    LiveEvent::Record {
        module: kind.module(),
        id,
        dealer_id,
        version,
    }
}

fn stored(value: &serde_json::Value) -> Stored {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

fn not_open(p: &repo::Period) -> AppError {
    AppError::Conflict {
        message: format!(
            "{} runs from {} to {}; responses are changed, submitted and sent back only while it is open.",
            p.name,
            crate::components::time::day_month_year(&p.starts_on),
            crate::components::time::day_month_year(&p.ends_on)
        ),
        changed_by: None,
        changed_at: None,
    }
}

/// Whether `p` takes changes today (the one rule: [`PeriodState::of`]).
fn is_open(p: &repo::Period) -> bool {
    PeriodState::of(p.starts_on, p.ends_on, today()) == PeriodState::Open
}

/// Starts the caller's dealer's response to an open period, or answers the one it has.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn start(ctx: &Ctx, kind: SurveyKind, period_id: Uuid) -> Result<Uuid, AppError> {
    let tx = ctx.begin().await?;
    let Some(dealer_id) = ctx.actor.dealer_id else {
        return Err(ctx
            .refuse(
                tx,
                Action::Create,
                area(kind),
                Scope::Any,
                Side::Dealer.refusal().into(),
            )
            .await);
    };
    let mut tx = ctx
        .decide(
            tx,
            Action::Create,
            area(kind),
            scope(dealer_id, ctx.actor.id),
        )
        .await?;
    let period = repo::period(&mut tx, period_id)
        .await?
        .filter(|p| p.kind == kind)
        .ok_or_else(|| AppError::field("period", "There is no such period of this survey."))?;
    if let Some((id, _)) = repo::of_dealer(&mut tx, kind, period.id, dealer_id).await? {
        tx.commit().await?;
        return Ok(id);
    }
    if !is_open(&period) {
        return Err(AppError::field(
            "period",
            format!(
                "{} runs from {} to {}; a response can only be started while it is open.",
                period.name, period.starts_on, period.ends_on
            ),
        ));
    }
    let (form_version, _) = forms::published(&mut tx, kind).await?;
    let responses = serde_json::to_value(Stored {
        form_version,
        ..Stored::default()
    })
    .map_err(AppError::internal)?;
    let number = next_number(&mut tx, kind.prefix(), Utc::now().naive_utc()).await?;
    let inserted = repo::insert_draft(
        &mut tx,
        kind,
        NewDraft {
            period: &period,
            dealer_id,
            user: ctx.actor.id,
            number: &number,
            form_version,
            responses: &responses,
        },
    )
    .await?;
    let Some(id) = inserted else {
        // A colleague started it a moment ago: give the number back and continue theirs.
        tx.rollback().await?;
        let mut tx = ctx.begin().await?;
        let found = repo::of_dealer(&mut tx, kind, period.id, dealer_id).await?;
        tx.commit().await?;
        return found.map(|(id, _)| id).ok_or(AppError::NotFound);
    };
    record_history(
        &mut tx,
        NewHistory {
            module: kind.module(),
            record_id: id,
            dealer_id,
            step: Step::Create,
            from: None,
            to: SurveyStatus::Draft.key(),
            actor_id: ctx.actor.id,
            actor_name: &ctx.session.user.name,
            comment: None,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordCreated,
            kind.audit_entity(),
            Some(id),
        )
        .with_new(json!({ "number": number, "period": period.name, "form_version": form_version })),
    )
    .await?;
    publish(&mut tx, &record_event(kind, id, dealer_id, 1)).await?;
    tx.commit().await?;
    Ok(id)
}

/// One response with the form version it answers, its timeline, and what the caller may do.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn detail(ctx: &Ctx, kind: SurveyKind, id: Uuid) -> Result<ResponseDetail, AppError> {
    let (mut tx, scope) = begin_on(ctx, kind, id, Action::View).await?;
    let d = repo::detail(&mut tx, kind, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = stored(&d.responses);
    let form = forms::version(&mut tx, kind, d.row.form_version).await?;
    let timeline = history(&mut tx, id).await?;
    tx.commit().await?;
    let status = d.row.status;
    // The detail query joined the period already: its days decide by the one rule.
    let open = PeriodState::of(d.period_starts, d.period_ends, today()) == PeriodState::Open;
    let can_edit = status == SurveyStatus::Draft
        && open
        && Side::Dealer.includes(&ctx.actor, d.row.dealer_id)
        && authorize(&ctx.actor, Action::Create, area(kind), scope).allowed;
    let mut steps = available(TRANSITIONS, status, &ctx.actor, area(kind), scope);
    if !open {
        steps.retain(|s| !matches!(s, Step::Submit | Step::SendBack));
    }
    // A dealer user never receives the answer key (a quiz's correct answers).
    let dealer_copy = ctx.actor.dealer_id.is_some() && form.definition.has_answer_key();
    let definition = if dealer_copy {
        form.definition.without_answer_key()
    } else {
        form.definition
    };
    Ok(ResponseDetail {
        kind,
        version: d.version,
        form: definition,
        period_open: open,
        answer_key_hidden: dealer_copy,
        answers: stored.answers,
        score: stored.score,
        period_ends: d.period_ends,
        submitted_by: d.submitted_by,
        review_comments: d.review_comments,
        completion_comments: d.completion_comments,
        steps,
        can_edit,
        history: timeline,
        row: d.row,
    })
}

/// Saves a draft's answers as typed (incomplete is fine; wrong shapes and bounds are not).
#[instrument(skip(ctx, save), fields(actor = %ctx.actor.id, id = %save.id))]
pub async fn save(ctx: &Ctx, kind: SurveyKind, save: &SaveAnswers) -> Result<Saved, AppError> {
    let (mut tx, scope) = begin_on(ctx, kind, save.id, Action::View).await?;
    let locked = lock(&mut tx, kind, save.id).await?;
    stale(
        save.version,
        locked.version,
        locked.updated_by.clone(),
        locked.updated_at,
        locked.status.describe(),
    )?;
    if locked.status != SurveyStatus::Draft {
        return Err(AppError::Conflict {
            message: format!(
                "This response is {} now and can no longer be changed.",
                locked.status.describe()
            ),
            changed_by: locked.updated_by,
            changed_at: Some(crate::components::time::minutes(&locked.updated_at)),
        });
    }
    if !Side::Dealer.includes(&ctx.actor, locked.dealer_id) {
        return Err(ctx
            .refuse(
                tx,
                Action::Create,
                area(kind),
                scope,
                Side::Dealer.refusal().into(),
            )
            .await);
    }
    let mut tx = ctx.decide(tx, Action::Create, area(kind), scope).await?;
    check_open(&mut tx, &locked).await?;
    let form = forms::version(&mut tx, kind, locked.form_version).await?;
    let errors = answers::check(&form.definition, &save.answers, false);
    if !errors.is_empty() {
        return Err(AppError::Validation { fields: errors });
    }
    let value = serde_json::to_value(Stored {
        form_version: locked.form_version,
        answers: save.answers.clone(),
        score: None,
    })
    .map_err(AppError::internal)?;
    let (version, at) = repo::save_answers(&mut tx, kind, save.id, ctx.actor.id, &value).await?;
    // The audit row says a draft was saved and how far it got; the answers themselves are
    // audited once, at submission (a draft saves itself every few seconds while typed).
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordSaved,
            kind.audit_entity(),
            Some(save.id),
        )
        .with_old(json!({ "version": locked.version }))
        .with_new(json!({ "version": version, "answered": save.answers.len() })),
    )
    .await?;
    tx.commit().await?;
    Ok(Saved { version, at })
}

/// Refuses a change unless the response's period is open.
async fn check_open(tx: &mut Tx, locked: &Locked) -> Result<(), AppError> {
    let Some(period) = locked.period_id else {
        return Ok(());
    };
    match repo::period(tx, period).await? {
        Some(p) if !is_open(&p) => Err(not_open(&p)),
        _ => Ok(()),
    }
}

/// Takes a workflow step under the response's row lock. Submission checks every answer, drops
/// the answers of hidden questions and stores the score.
#[instrument(skip(ctx, req), fields(actor = %ctx.actor.id, id = %req.id, step = req.step.key()))]
pub async fn step(ctx: &Ctx, kind: SurveyKind, req: &StepRequest) -> Result<StepDone, AppError> {
    let (mut tx, scope) = begin_on(ctx, kind, req.id, Action::View).await?;
    let locked = lock(&mut tx, kind, req.id).await?;
    stale(
        req.version,
        locked.version,
        locked.updated_by.clone(),
        locked.updated_at,
        locked.status.describe(),
    )?;
    let t = find(TRANSITIONS, locked.status, req.step, SurveyStatus::describe)?;
    let scope = match scope {
        Scope::DealerRecord { dealer_id, .. } => self::scope(dealer_id, locked.submitted_by),
        other => other,
    };
    if !t.side.includes(&ctx.actor, locked.dealer_id) {
        return Err(ctx
            .refuse(tx, t.action, area(kind), scope, t.side.refusal().into())
            .await);
    }
    let mut tx = ctx.decide(tx, t.action, area(kind), scope).await?;
    let comment = check_comment(t.comment, &req.comment)
        .map_err(|f| AppError::Validation { fields: vec![f] })?;
    let mut submitted: Option<(serde_json::Value, i32)> = None;
    if matches!(req.step, Step::Submit | Step::SendBack) {
        check_open(&mut tx, &locked).await?;
    }
    if req.step == Step::Submit {
        let form = forms::version(&mut tx, kind, locked.form_version).await?;
        let given = stored(&locked.responses).answers;
        let errors = answers::check(&form.definition, &given, true);
        if !errors.is_empty() {
            return Err(AppError::Validation { fields: errors });
        }
        let kept = answers::kept(&form.definition, &given);
        // Forms published before the check required an always-shown scored question could
        // hide every scored one: such a response scores nothing rather than failing.
        let score = answers::score(&form.definition, &kept).unwrap_or(answers::Score {
            total: 0,
            questions: Default::default(),
        });
        let total = score.total as i32;
        let value = serde_json::to_value(Stored {
            form_version: locked.form_version,
            answers: kept,
            score: Some(score),
        })
        .map_err(AppError::internal)?;
        submitted = Some((value, total));
    }
    let version = repo::write_step(
        &mut tx,
        kind,
        StepWrite {
            id: req.id,
            to: t.to,
            user: ctx.actor.id,
            submission: submitted.as_ref().map(|(v, s)| (v, *s)),
            reviewed: t.stamps.contains(&Stamp::Reviewed),
            completed: t.stamps.contains(&Stamp::Approved),
            unscored: req.step == Step::SendBack,
            comment: comment.as_deref(),
        },
    )
    .await?;
    record_history(
        &mut tx,
        NewHistory {
            module: kind.module(),
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
    let score = submitted.as_ref().map(|(_, s)| *s);
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordTransition,
            kind.audit_entity(),
            Some(req.id),
        )
        .with_old(json!({ "status": locked.status, "version": locked.version }))
        .with_new(json!({
            "step": req.step,
            "status": t.to,
            "version": version,
            "score": score.map(|s| answers::percent(s as u32)),
            "responses": submitted.as_ref().map(|(v, _)| v),
            "comment": comment,
        })),
    )
    .await?;
    tell(
        &mut tx,
        ctx,
        kind,
        &locked,
        req.step,
        score,
        comment.as_deref(),
    )
    .await?;
    publish(
        &mut tx,
        &record_event(kind, req.id, locked.dealer_id, version),
    )
    .await?;
    tx.commit().await?;
    Ok(StepDone {
        id: req.id,
        version,
        number: Some(locked.number),
    })
}

/// The notifications of a step: reviewers hear of a submission, the submitter of the rest.
async fn tell(
    tx: &mut Tx,
    ctx: &Ctx,
    kind: SurveyKind,
    l: &Locked,
    step: Step,
    score: Option<i32>,
    comment: Option<&str>,
) -> Result<(), AppError> {
    let link = Some(kind.response_href(l.id));
    let title = kind.module().title();
    let (recipients, notice) = if step == Step::Submit {
        let reviewers: Vec<Uuid> = sqlx::query_scalar!(
            r#"SELECT m AS "id!" FROM module_approvers($1) AS m"#,
            kind.module() as crate::modules::Module
        )
        .fetch_all(&mut **tx)
        .await?;
        let notice = Notice {
            title: format!("{title} {} awaits review", l.number),
            message: format!(
                "{} {} submitted its {} (score {}).",
                l.dealer_code,
                l.dealer_name,
                kind.noun(),
                score.map_or_else(|| "—".into(), |s| answers::percent(s as u32))
            ),
            kind: NoticeKind::Info,
            link,
        };
        (reviewers, notice)
    } else {
        if !still_at_dealer(tx, l.submitted_by, l.dealer_id).await? {
            return Ok(());
        }
        let mut message = format!(
            "{} {} survey {}.",
            ctx.session.user.name,
            step.past(),
            l.number
        );
        if step == Step::SendBack {
            message = format!(
                "{} sent survey {} back to you to correct and submit again.",
                ctx.session.user.name, l.number
            );
        }
        if let Some(c) = comment {
            message.push_str(&format!(" Comment: {c}"));
        }
        let notice = Notice {
            title: format!("{title} {} {}", l.number, step.past()),
            message,
            kind: if step == Step::SendBack {
                NoticeKind::Warning
            } else {
                NoticeKind::Success
            },
            link,
        };
        (vec![l.submitted_by], notice)
    };
    let recipients: Vec<Uuid> = recipients
        .into_iter()
        .filter(|id| *id != ctx.actor.id)
        .collect();
    notify(tx, &recipients, &notice).await
}

/// Submitted responses the caller may review, for the approval queue.
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id))]
pub async fn queue(
    ctx: &Ctx,
    kind: SurveyKind,
    q: &QueueQuery,
    limit: i64,
) -> Result<Vec<QueueItem>, AppError> {
    let mut tx = ctx.begin().await?;
    let rows = repo::awaiting(&mut tx, kind, q, limit).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let scope = scope(r.dealer_id, r.submitted_by);
            let steps = available(TRANSITIONS, r.status, &ctx.actor, area(kind), scope);
            (!steps.is_empty()).then(|| QueueItem {
                module: kind.module(),
                id: r.id,
                number: r.number,
                version: r.version,
                status: format!(
                    "{} · {} · {}",
                    r.status.label(),
                    r.period_name,
                    r.score
                        .map_or_else(|| "—".into(), |s| answers::percent(s as u32))
                ),
                dealer_code: r.dealer_code,
                dealer_name: r.dealer_name,
                brand: r.brand,
                submitted_at: r.submitted_at.unwrap_or(NaiveDateTime::MIN),
                reviewer: None,
                steps,
                href: kind.response_href(r.id),
            })
        })
        .collect())
}
