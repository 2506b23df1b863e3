//! The event catalogue's use cases: the list of events, one event with its participants,
//! adding and changing events, closing, reopening and cancelling them, and the attendance sheet.

use chrono::Utc;
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use super::super::model::{
    AttendanceMark, EventDetail, EventForm, EventKind, EventQuery, EventRow,
};
use super::super::workflow::{EventStatus, RegStatus};
use super::repo::{self, EventWrite};
use super::service::{area, event_href, href, promote, seats_changed, step};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Scope, authorize};
use crate::auth::roles::UserType;
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::live::LiveEvent;
use crate::live::server::publish;
use crate::notifications::server::notify;
use crate::notifications::{Notice, NoticeKind};
use crate::queue::BulkOutcome;
use crate::workflow::server::{NewHistory, record_history, stale};
use crate::workflow::{CommentRule, Step, StepRequest, check_comment};

/// The most events the catalogue lists at once.
pub const CATALOGUE_MAX: i64 = 200;

/// The catalogue: upcoming events (or all), with seats.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn events(ctx: &Ctx, kind: EventKind, q: EventQuery) -> Result<Vec<EventRow>, AppError> {
    let mut tx = ctx.begin().await?;
    let rows = repo::events(&mut tx, kind, q.past, ctx.actor.dealer_id, CATALOGUE_MAX).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Whether the caller is manufacturer staff allowed `action` on the module.
fn staff_may(ctx: &Ctx, kind: EventKind, action: Action) -> bool {
    ctx.actor.user_type == UserType::Manufacturer
        && authorize(&ctx.actor, action, area(kind), Scope::Any).allowed
}

/// One event with its participants as the caller may see them.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn detail(ctx: &Ctx, kind: EventKind, id: Uuid) -> Result<EventDetail, AppError> {
    let mut tx = ctx.begin().await?;
    let event = repo::event(&mut tx, kind, id, ctx.actor.dealer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let participants = repo::participants(&mut tx, kind, id, ctx.decision.dealer_filter).await?;
    tx.commit().await?;
    let now = Utc::now().naive_utc();
    let can_register = ctx.actor.dealer_id.is_some_and(|dealer| {
        authorize(
            &ctx.actor,
            Action::Create,
            area(kind),
            Scope::DealerRecord {
                dealer_id: dealer,
                submitted_by: Some(ctx.actor.id),
            },
        )
        .allowed
    }) && event.takes_registrations(now);
    let live = event.status != EventStatus::Cancelled;
    Ok(EventDetail {
        can_manage: live && staff_may(ctx, kind, Action::Edit),
        can_mark: live && now.date() >= event.event_date && staff_may(ctx, kind, Action::Edit),
        can_confirm: live && staff_may(ctx, kind, Action::Approve),
        can_register,
        event,
        participants,
    })
}

/// Only manufacturer staff keep the catalogue and mark attendance: anyone else is refused like
/// any refusal (logged, audited, 403), though `authorize` allows them `action` on the module.
async fn manufacturer_only(ctx: &Ctx, kind: EventKind, action: Action) -> Result<(), AppError> {
    if ctx.actor.user_type == UserType::Manufacturer {
        return Ok(());
    }
    let tx = ctx.begin().await?;
    Err(ctx
        .refuse(
            tx,
            action,
            area(kind),
            Scope::Any,
            "Events and their attendance are kept by manufacturer staff.".into(),
        )
        .await)
}

/// Adds an event (`id` none) or changes one, quoting the version the editor loaded. Seats can
/// grow (the line moves up) but not shrink below those already held.
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn save(
    ctx: &Ctx,
    kind: EventKind,
    id: Option<Uuid>,
    version: i32,
    form: &EventForm,
) -> Result<Uuid, AppError> {
    let action = if id.is_some() {
        Action::Edit
    } else {
        Action::Create
    };
    manufacturer_only(ctx, kind, action).await?;
    let input = form
        .check()
        .map_err(|fields| AppError::Validation { fields })?;
    let write = EventWrite {
        kind,
        name: &input.name,
        event_date: input.event_date,
        location: &input.location,
        capacity: input.capacity,
        dealer_quota: input.dealer_quota,
        deadline: input.deadline,
        eligibility_note: input.eligibility_note.as_deref(),
        user: ctx.actor.id,
    };
    let mut tx = ctx.begin().await?;
    let Some(id) = id else {
        let id = repo::insert_event(&mut tx, &write).await?;
        audit::record(
            &mut tx,
            &ctx.meta,
            AuditEntry::new(
                Some(ctx.actor.id),
                AuditAction::RecordCreated,
                AuditEntity::Event,
                Some(id),
            )
            .with_new(json!({ "kind": kind, "event": input })),
        )
        .await?;
        publish(&mut tx, &seats_changed(kind, id)).await?;
        tx.commit().await?;
        return Ok(id);
    };
    let old = repo::lock_event(&mut tx, kind, id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    stale(
        version,
        old.version,
        None,
        old.registration_deadline,
        old.status.label(),
    )?;
    if old.status == EventStatus::Cancelled {
        return Err(AppError::Conflict {
            message: "A cancelled event cannot be changed.".into(),
            changed_by: None,
            changed_at: None,
        });
    }
    if input.capacity < old.taken {
        return Err(AppError::field(
            "capacity",
            format!(
                "{} seats are already held; cancel registrations before offering fewer seats.",
                old.taken
            ),
        ));
    }
    let new_version = repo::update_event(&mut tx, id, &write).await?;
    repo::copy_event_facts(&mut tx, kind, id).await?;
    let promoted = promote(&mut tx, ctx, kind, id).await?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordSaved,
            AuditEntity::Event,
            Some(id),
        )
        .with_old(json!({ "version": old.version, "event": EventForm::from_row(&old) }))
        .with_new(json!({ "version": new_version, "event": input, "promoted": promoted })),
    )
    .await?;
    publish(&mut tx, &seats_changed(kind, id)).await?;
    tx.commit().await?;
    Ok(id)
}

/// Closes, reopens or cancels an event. Cancelling needs a reason, cancels every registration
/// and tells each dealer's registrars.
#[instrument(skip(ctx, reason), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn set_status(
    ctx: &Ctx,
    kind: EventKind,
    id: Uuid,
    version: i32,
    to: EventStatus,
    reason: &str,
) -> Result<(), AppError> {
    manufacturer_only(ctx, kind, Action::Edit).await?;
    let rule = if to == EventStatus::Cancelled {
        CommentRule::Required
    } else {
        CommentRule::None
    };
    let reason =
        check_comment(rule, reason).map_err(|f| AppError::Validation { fields: vec![f] })?;
    let mut tx = ctx.begin().await?;
    let old = repo::lock_event(&mut tx, kind, id, None)
        .await?
        .ok_or(AppError::NotFound)?;
    stale(
        version,
        old.version,
        None,
        old.registration_deadline,
        old.status.label(),
    )?;
    if old.status == EventStatus::Cancelled || old.status == to {
        return Err(AppError::Conflict {
            message: format!(
                "This event is {} already.",
                old.status.label().to_lowercase()
            ),
            changed_by: None,
            changed_at: None,
        });
    }
    let new_version =
        repo::set_event_status(&mut tx, id, to, reason.as_deref(), ctx.actor.id).await?;
    let mut cancelled = Vec::new();
    if to == EventStatus::Cancelled {
        let why = format!(
            "The event was cancelled: {}",
            reason.as_deref().unwrap_or_default()
        );
        let mut registrars: Vec<Uuid> = Vec::new();
        for (rid, dealer_id, registered_by, number, status) in
            repo::active_of_event(&mut tx, kind, id).await?
        {
            let v = repo::write_status(
                &mut tx,
                kind,
                rid,
                RegStatus::Cancelled,
                ctx.actor.id,
                Some(&why),
            )
            .await?;
            record_history(
                &mut tx,
                NewHistory {
                    module: kind.module(),
                    record_id: rid,
                    dealer_id,
                    step: Step::Cancel,
                    from: Some(status.key()),
                    to: RegStatus::Cancelled.key(),
                    actor_id: ctx.actor.id,
                    actor_name: &ctx.session.user.name,
                    comment: Some(&why),
                },
            )
            .await?;
            audit::record(
                &mut tx,
                &ctx.meta,
                AuditEntry::new(Some(ctx.actor.id), AuditAction::RecordTransition, kind.audit_entity(), Some(rid))
                    .with_old(json!({ "status": status }))
                    .with_new(json!({ "step": Step::Cancel, "status": RegStatus::Cancelled, "version": v, "comment": why })),
            )
            .await?;
            publish(
                &mut tx,
                &LiveEvent::Record {
                    module: kind.module(),
                    id: rid,
                    dealer_id,
                    version: v,
                },
            )
            .await?;
            if !registrars.contains(&registered_by) {
                registrars.push(registered_by);
            }
            cancelled.push(number);
        }
        let active: Vec<Uuid> = sqlx::query_scalar!(
            "SELECT id FROM users WHERE id = ANY($1) AND is_active IS TRUE AND dealer_id IS NOT NULL",
            &registrars
        )
        .fetch_all(&mut *tx)
        .await?;
        let notice = Notice {
            title: format!("{} was cancelled", old.name),
            message: format!(
                "{} on {} was cancelled, and with it your dealer's registrations. Reason: {}",
                old.name,
                old.event_date,
                reason.as_deref().unwrap_or_default()
            ),
            kind: NoticeKind::Warning,
            link: Some(event_href(kind, id)),
        };
        notify(&mut tx, &active, &notice).await?;
    } else if to == EventStatus::Open {
        promote(&mut tx, ctx, kind, id).await?;
    }
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(Some(ctx.actor.id), AuditAction::RecordTransition, AuditEntity::Event, Some(id))
            .with_old(json!({ "status": old.status, "version": old.version }))
            .with_new(json!({ "status": to, "version": new_version, "reason": reason, "cancelled": cancelled })),
    )
    .await?;
    publish(&mut tx, &seats_changed(kind, id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks the attendance sheet: each person attended or not, each through the registration's own
/// step (its rules, version check, timeline and audit), so one stale row never undoes another.
#[instrument(skip(ctx, marks), fields(actor = %ctx.actor.id, n = marks.len()))]
pub async fn attendance(
    ctx: &Ctx,
    kind: EventKind,
    event: Uuid,
    marks: &[AttendanceMark],
) -> Result<Vec<BulkOutcome>, AppError> {
    manufacturer_only(ctx, kind, Action::Edit).await?;
    if marks.len() > crate::modules::registrations::model::MAX_CAPACITY as usize {
        return Err(AppError::field("marks", "Too many rows on one sheet."));
    }
    let mut tx = ctx.begin().await?;
    let on_sheet: Vec<(Uuid, RegStatus)> = repo::participants(&mut tx, kind, event, None)
        .await?
        .into_iter()
        .map(|r| (r.id, r.status))
        .collect();
    tx.commit().await?;
    let mut outcomes = Vec::with_capacity(marks.len());
    for m in marks {
        let Some((_, status)) = on_sheet.iter().find(|(id, _)| *id == m.id) else {
            outcomes.push(BulkOutcome {
                id: m.id,
                done: false,
                message: "Not on this event's sheet.".into(),
            });
            continue;
        };
        let (step_to, already) = if m.attended {
            (Step::MarkAttended, *status == RegStatus::Attended)
        } else {
            (Step::MarkNoShow, *status == RegStatus::NoShow)
        };
        if already {
            outcomes.push(BulkOutcome {
                id: m.id,
                done: true,
                message: "Already marked.".into(),
            });
            continue;
        }
        let request = StepRequest {
            id: m.id,
            step: step_to,
            version: m.version,
            comment: String::new(),
        };
        outcomes.push(match step(ctx, kind, &request).await {
            Ok(_) => BulkOutcome {
                id: m.id,
                done: true,
                message: format!("{}.", step_to.headline()),
            },
            Err(e) => BulkOutcome {
                id: m.id,
                done: false,
                message: e.to_string(),
            },
        });
    }
    Ok(outcomes)
}

/// The page of a registration (for links in exports and calendars).
pub fn registration_link(ctx: &Ctx, kind: EventKind, id: Uuid) -> String {
    format!("{}{}", ctx.state.auth.public_url, href(kind, id))
}
