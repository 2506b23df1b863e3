//! The approval queue on the server: each module the caller decides on contributes its waiting
//! records; bulk decisions go record by record through the module's own step service, each in its
//! own transaction, so one record's refusal never undoes another's decision.

use tracing::instrument;

use super::{BULK_MAX, BulkItem, BulkOutcome, QUEUE_MAX, QueueItem, QueueQuery};
use crate::auth::authorize::{Action, Area, Scope, authorize};
use crate::auth::model::AccessStage;
use crate::auth::server::{Ctx, Visit, admit};
use crate::error::AppError;
use crate::modules::Module;
use crate::modules::pcc::server::service as pcc;
use crate::modules::registrations::model::EventKind;
use crate::modules::registrations::server::lists as registration_lists;
use crate::modules::registrations::server::service as registrations;
use crate::modules::surveys::model::SurveyKind;
use crate::modules::surveys::server::service as surveys;
use crate::workflow::{Step, StepRequest};

/// Admits the caller for each module whose records they decide on (`approve`). Someone who
/// decides on none is refused (and audited) as for the first module.
async fn deciders(visit: &Visit, only: Option<Module>) -> Result<Vec<(Module, Ctx)>, AppError> {
    let session = visit.at_stage(&[AccessStage::Full])?;
    let actor = session.user.actor();
    let ctxs: Vec<(Module, Ctx)> = Module::ALL
        .into_iter()
        .filter(|m| only.is_none_or(|o| o == *m))
        .filter_map(|m| {
            let decision = authorize(&actor, Action::Approve, Area::Module(m), Scope::Any);
            decision.allowed.then(|| {
                let ctx = Ctx {
                    state: visit.state.clone(),
                    meta: visit.meta.clone(),
                    session: session.clone(),
                    actor,
                    decision,
                };
                (m, ctx)
            })
        })
        .collect();
    if ctxs.is_empty() {
        // Not a decider anywhere: refused as `admit` refuses (logged and audited).
        admit(
            Action::Approve,
            Area::Module(only.unwrap_or(Module::DealerPcc)),
        )
        .await?;
    }
    Ok(ctxs)
}

/// The records awaiting the caller's decision, oldest first, across modules.
#[instrument(skip(visit, q))]
pub async fn list(visit: &Visit, q: &QueueQuery) -> Result<Vec<QueueItem>, AppError> {
    crate::list::search_text("dealer", &q.dealer)?;
    let mut items = Vec::new();
    for (module, ctx) in deciders(visit, q.module).await? {
        // Each module answers through the same shape.
        if module == Module::DealerPcc {
            items.extend(pcc::queue(&ctx, q, QUEUE_MAX).await?);
        } else if let Some(kind) = EventKind::of_module(module) {
            items.extend(registration_lists::queue(&ctx, kind, q, QUEUE_MAX).await?);
        } else if let Some(kind) = SurveyKind::of_module(module) {
            items.extend(surveys::queue(&ctx, kind, q, QUEUE_MAX).await?);
        }
    }
    items.sort_by(|a, b| a.submitted_at.cmp(&b.submitted_at).then(a.id.cmp(&b.id)));
    items.truncate(QUEUE_MAX as usize);
    Ok(items)
}

/// Takes `step` on each record with one comment; a result per record, in the order given.
#[instrument(skip(visit, items, comment), fields(n = items.len(), step = step.key()))]
pub async fn bulk(
    visit: &Visit,
    items: &[BulkItem],
    step: Step,
    comment: &str,
) -> Result<Vec<BulkOutcome>, AppError> {
    if items.is_empty() {
        return Err(AppError::field("items", "Select at least one record."));
    }
    if items.len() > BULK_MAX {
        return Err(AppError::field(
            "items",
            format!("Decide on at most {BULK_MAX} records at once."),
        ));
    }
    if !matches!(
        step,
        Step::Approve
            | Step::Reject
            | Step::SendBack
            | Step::TakeForReview
            | Step::Confirm
            | Step::Review
            | Step::Complete
    ) {
        return Err(AppError::field(
            "step",
            "Only decisions can be taken in bulk.",
        ));
    }
    let ctxs = deciders(visit, None).await?;
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let ctx = ctxs.iter().find(|(m, _)| *m == item.module).map(|(_, c)| c);
        let request = StepRequest {
            id: item.id,
            step,
            version: item.version,
            comment: comment.to_owned(),
        };
        let result = match (ctx, item.module) {
            (Some(ctx), Module::DealerPcc) => pcc::step(ctx, &request).await.map(|_| ()),
            (Some(ctx), m) => match (EventKind::of_module(m), SurveyKind::of_module(m)) {
                (Some(kind), _) => registrations::step(ctx, kind, &request).await.map(|_| ()),
                (_, Some(kind)) => surveys::step(ctx, kind, &request).await.map(|_| ()),
                _ => Err(AppError::BadRequest {
                    message: "This module has no decisions yet.".into(),
                }),
            },
            (None, _) => Err(AppError::Forbidden {
                reason: "You do not decide on this module's records.".into(),
            }),
        };
        outcomes.push(match result {
            Ok(()) => BulkOutcome {
                id: item.id,
                done: true,
                message: format!("{}.", step.headline()),
            },
            Err(err) => BulkOutcome {
                id: item.id,
                done: false,
                message: why_not(&err),
            },
        });
    }
    Ok(outcomes)
}

/// A refusal in the words of a bulk result.
fn why_not(err: &AppError) -> String {
    match err {
        AppError::Validation { fields } => fields
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join(" "),
        AppError::Forbidden { reason } => reason.clone(),
        other => other.to_string(),
    }
}
