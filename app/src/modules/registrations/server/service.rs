//! Registration use cases. Each owns its transaction. Anything that changes seats locks the event
//! first (`lock_event`), then the registration, so registrations, cancellations and promotions of
//! one event queue on one lock: capacity and quotas hold however many arrive at once.

use chrono::Utc;
use serde_json::json;
use sqlx::PgConnection;
use tracing::instrument;
use uuid::Uuid;

use super::super::model::{EventKind, EventRow, Person, PersonForm, RegDetail, Registered};
use super::super::workflow::{EventStatus, RegStatus, TRANSITIONS, Timing, timing_allows};
use super::repo::{self, Locked};
use crate::audit::{self, AuditAction, AuditEntry};
use crate::auth::authorize::{Action, Area, Scope};
use crate::auth::server::{Ctx, Tx};
use crate::error::AppError;
use crate::live::LiveEvent;
use crate::live::server::publish;
use crate::notifications::server::{notify, still_at_dealer};
use crate::notifications::{Notice, NoticeKind};
use crate::workflow::server::{NewHistory, history, next_number, record_history, stale};
use crate::workflow::{
    HistoryEntry, Side, Step, StepDone, StepRequest, available, check_comment, find,
};

/// The module area of a kind.
pub const fn area(kind: EventKind) -> Area {
    Area::Module(kind.module())
}

/// A registration's facts for `authorize`.
pub fn scope(dealer_id: Uuid, registered_by: Uuid) -> Scope {
    Scope::DealerRecord {
        dealer_id,
        submitted_by: Some(registered_by),
    }
}

/// A registration's page.
pub fn href(kind: EventKind, id: Uuid) -> String {
    format!("{}/{id}", kind.href())
}

/// An event's page.
pub fn event_href(kind: EventKind, id: Uuid) -> String {
    format!("{}/events/{id}", kind.href())
}

/// The live event of a change to an event's seats: every open page of the module hears of it.
pub fn seats_changed(kind: EventKind, event: Uuid) -> LiveEvent {
    LiveEvent::Catalogue {
        module: kind.module(),
        id: event,
    }
}

fn record_changed(kind: EventKind, id: Uuid, dealer_id: Uuid, version: i32) -> LiveEvent {
    LiveEvent::Record {
        module: kind.module(),
        id,
        dealer_id,
        version,
    }
}

fn now() -> chrono::NaiveDateTime {
    Utc::now().naive_utc()
}

/// Opens the transaction and decides `action` on registration `id` by whose it is: 404 when
/// there is none, 403 (audited) when it is not the caller's.
async fn begin_on(
    ctx: &Ctx,
    kind: EventKind,
    id: Uuid,
    action: Action,
) -> Result<(Tx, Scope), AppError> {
    let mut tx = ctx.begin().await?;
    let Some((dealer_id, registered_by)) = repo::owner(&mut tx, kind, id).await? else {
        return Err(AppError::NotFound);
    };
    let scope = scope(dealer_id, registered_by);
    let tx = ctx.decide(tx, action, area(kind), scope).await?;
    Ok((tx, scope))
}

/// Locks an event that must take registrations now: 404 when there is none of this kind, 409
/// when it is closed, cancelled or past its deadline.
pub async fn open_event(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
    dealer: Uuid,
) -> Result<EventRow, AppError> {
    let event = repo::lock_event(conn, kind, id, Some(dealer))
        .await?
        .ok_or(AppError::NotFound)?;
    let closed = |why: String| AppError::Conflict {
        message: why,
        changed_by: None,
        changed_at: None,
    };
    match event.status {
        EventStatus::Cancelled => Err(closed(format!("{} was cancelled.", event.name))),
        EventStatus::Closed => Err(closed(format!(
            "{} no longer takes registrations.",
            event.name
        ))),
        EventStatus::Open if now() > event.registration_deadline => Err(closed(format!(
            "Registrations for {} closed at {} (UTC).",
            event.name,
            crate::components::time::minutes(&event.registration_deadline)
        ))),
        EventStatus::Open => Ok(event),
    }
}

/// Registers one person of the caller's dealer for a locked, open event: a seat if one is free
/// (and the dealer is under its quota), else the next place in line. `event`'s counts move
/// with it, so a file of people is seated in order.
pub async fn register_one(
    conn: &mut PgConnection,
    ctx: &Ctx,
    kind: EventKind,
    event: &mut EventRow,
    dealer_id: Uuid,
    person: &Person,
) -> Result<Registered, AppError> {
    let full = event.taken >= event.capacity
        || event.dealer_quota.is_some_and(|q| event.dealer_taken >= q);
    let position = if full {
        Some(repo::next_waitlist_position(conn, event.id).await?)
    } else {
        None
    };
    let number = next_number(conn, kind.prefix(), now()).await?;
    let id = repo::insert(
        conn,
        kind,
        event,
        dealer_id,
        ctx.actor.id,
        &number,
        person,
        position,
    )
    .await
    .map_err(|e| duplicate(kind, event, e))?;
    if position.is_some() {
        event.waiting += 1;
    } else {
        event.taken += 1;
        event.dealer_taken += 1;
    }
    let note = position.map(|p| format!("No seat was free: waitlisted, number {p} in line."));
    record_history(
        conn,
        NewHistory {
            module: kind.module(),
            record_id: id,
            dealer_id,
            step: Step::Create,
            from: None,
            to: RegStatus::Registered.key(),
            actor_id: ctx.actor.id,
            actor_name: &ctx.session.user.name,
            comment: note.as_deref(),
        },
    )
    .await?;
    audit::record(
        conn,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordCreated,
            kind.audit_entity(),
            Some(id),
        )
        .with_new(json!({
            "number": number,
            "event_id": event.id,
            "dealer_id": dealer_id,
            "person": person,
            "waitlist_position": position,
        })),
    )
    .await?;
    publish(conn, &record_changed(kind, id, dealer_id, 1)).await?;
    publish(conn, &seats_changed(kind, event.id)).await?;
    Ok(Registered {
        id,
        number,
        waitlist_position: position,
    })
}

/// A refusal of the same person twice, in the words of the field it concerns.
fn duplicate(kind: EventKind, event: &EventRow, e: sqlx::Error) -> AppError {
    if let sqlx::Error::Database(db) = &e {
        match db.constraint() {
            Some("api_reg_person_once_per_event" | "mt_meet_email_once_per_event") => {
                return AppError::field(
                    "email",
                    format!("This e-mail is already registered for {}.", event.name),
                );
            }
            Some("mt_meet_technician_once_per_day") => {
                return AppError::field(
                    "employee_id",
                    format!(
                        "This technician is already registered for an {} on {}.",
                        kind.event_noun(),
                        event.event_date
                    ),
                );
            }
            _ => {}
        }
    }
    AppError::from(e)
}

/// Registers one person of the caller's dealer for an event.
#[instrument(skip(ctx, form), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn register(
    ctx: &Ctx,
    kind: EventKind,
    event_id: Uuid,
    form: &PersonForm,
) -> Result<Registered, AppError> {
    let person = form
        .check(kind)
        .map_err(|fields| AppError::Validation { fields })?;
    let dealer_id = own_dealer(ctx, kind).await?;
    let tx = ctx.begin().await?;
    let mut tx = ctx
        .decide(
            tx,
            Action::Create,
            area(kind),
            scope(dealer_id, ctx.actor.id),
        )
        .await?;
    let mut event = open_event(&mut tx, kind, event_id, dealer_id).await?;
    let done = register_one(&mut tx, ctx, kind, &mut event, dealer_id, &person).await?;
    tx.commit().await?;
    Ok(done)
}

/// The caller's dealer: registrations are made by a dealer's own staff, for their dealer. Anyone
/// else is refused like any refusal (logged, audited, 403).
pub async fn own_dealer(ctx: &Ctx, kind: EventKind) -> Result<Uuid, AppError> {
    if let Some(dealer) = ctx.actor.dealer_id {
        return Ok(dealer);
    }
    let tx = ctx.begin().await?;
    Err(ctx
        .refuse(
            tx,
            Action::Create,
            area(kind),
            Scope::Any,
            "People are registered by their dealer's own staff.".into(),
        )
        .await)
}

/// Takes a step on a registration: confirm, withdraw, cancel, attended, no-show. A seat that
/// comes free goes to the first person waiting, in the same transaction.
#[instrument(skip(ctx, req), fields(actor = %ctx.actor.id, id = %req.id, step = req.step.key()))]
pub async fn step(ctx: &Ctx, kind: EventKind, req: &StepRequest) -> Result<StepDone, AppError> {
    let area = area(kind);
    let (mut tx, scope) = begin_on(ctx, kind, req.id, Action::View).await?;
    // The event first, as registering locks it, so the two never wait on each other.
    let event = match repo::event_of(&mut tx, kind, req.id).await? {
        Some(e) => repo::lock_event(&mut tx, kind, e, None).await?,
        None => None,
    };
    let locked = repo::lock(&mut tx, kind, req.id)
        .await?
        .ok_or(AppError::NotFound)?;
    stale(
        req.version,
        locked.version,
        locked.updated_by.clone(),
        locked.updated_at,
        locked.status.describe(),
    )?;
    let t = find(TRANSITIONS, locked.status, req.step, RegStatus::describe)?;
    if !t.side.includes(&ctx.actor, locked.dealer_id) {
        return Err(ctx
            .refuse(tx, t.action, area, scope, t.side.refusal().into())
            .await);
    }
    let mut tx = ctx.decide(tx, t.action, area, scope).await?;
    let comment = check_comment(t.comment, &req.comment)
        .map_err(|f| AppError::Validation { fields: vec![f] })?;
    if let Some(e) = &event {
        timing_allows(req.step, timing(&locked, e))?;
    }
    let version = repo::write_status(
        &mut tx,
        kind,
        req.id,
        t.to,
        ctx.actor.id,
        comment.as_deref().filter(|_| t.to == RegStatus::Cancelled),
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
    // A seat came free: the line moves up.
    let freed = t.to == RegStatus::Cancelled && locked.waitlist_position.is_none();
    let promoted = match (&event, freed) {
        (Some(e), true) => promote(&mut tx, ctx, kind, e.id).await?,
        _ => Vec::new(),
    };
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordTransition,
            kind.audit_entity(),
            Some(req.id),
        )
        .with_old(json!({ "status": locked.status, "version": locked.version, "waitlist_position": locked.waitlist_position }))
        .with_new(json!({
            "step": req.step,
            "status": t.to,
            "version": version,
            "comment": comment,
            "promoted": promoted,
        })),
    )
    .await?;
    if t.side == Side::Manufacturer && matches!(req.step, Step::Confirm | Step::Cancel) {
        tell_registrar(
            &mut tx,
            ctx,
            kind,
            &locked,
            event.as_ref(),
            req.step,
            comment.as_deref(),
        )
        .await?;
    }
    publish(
        &mut tx,
        &record_changed(kind, req.id, locked.dealer_id, version),
    )
    .await?;
    if let Some(e) = &event {
        publish(&mut tx, &seats_changed(kind, e.id)).await?;
    }
    tx.commit().await?;
    Ok(StepDone {
        id: req.id,
        version,
        number: Some(locked.number),
    })
}

fn timing(l: &Locked, e: &EventRow) -> Timing {
    Timing {
        waiting: l.waitlist_position.is_some(),
        event_date: e.event_date,
        deadline: e.registration_deadline,
        now: now(),
    }
}

/// Gives an event's free seats to the people waiting (their timeline entries and notifications
/// are written by the database function, which reaches any dealer's rows); publishes the changes
/// and answers the numbers promoted.
pub async fn promote(
    conn: &mut PgConnection,
    ctx: &Ctx,
    kind: EventKind,
    event: Uuid,
) -> Result<Vec<String>, AppError> {
    let promoted = repo::promote_waiting(
        conn,
        event,
        ctx.actor.id,
        &ctx.session.user.name,
        &kind.href(),
    )
    .await?;
    for p in &promoted {
        publish(conn, &record_changed(kind, p.id, p.dealer_id, p.version)).await?;
        publish(
            conn,
            &LiveEvent::Notification {
                user_id: p.registered_by,
            },
        )
        .await?;
    }
    Ok(promoted.into_iter().map(|p| p.number).collect())
}

/// Tells the person who registered someone that the manufacturer confirmed or cancelled it,
/// while they still work for that dealer.
async fn tell_registrar(
    tx: &mut Tx,
    ctx: &Ctx,
    kind: EventKind,
    l: &Locked,
    event: Option<&EventRow>,
    step: Step,
    comment: Option<&str>,
) -> Result<(), AppError> {
    let still_there = still_at_dealer(tx, l.registered_by, l.dealer_id).await?;
    if !still_there || l.registered_by == ctx.actor.id {
        return Ok(());
    }
    let event_name = event.map_or_else(|| kind.event_noun().to_owned(), |e| e.name.clone());
    let mut message = format!(
        "{}'s registration for {event_name} was {}.",
        l.person,
        step.past()
    );
    if let Some(c) = comment {
        message.push_str(&format!(" Reason: {c}"));
    }
    let notice = Notice {
        title: format!("{} {}", l.number, step.past()),
        message,
        kind: if step == Step::Confirm {
            NoticeKind::Success
        } else {
            NoticeKind::Warning
        },
        link: Some(href(kind, l.id)),
    };
    notify(tx, &[l.registered_by], &notice).await
}

/// One registration, its event and timeline, and what the caller may do with it now.
#[instrument(skip(ctx), fields(actor = %ctx.actor.id))]
pub async fn detail(ctx: &Ctx, kind: EventKind, id: Uuid) -> Result<RegDetail, AppError> {
    let (mut tx, scope) = begin_on(ctx, kind, id, Action::View).await?;
    let d = repo::detail(&mut tx, kind, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let event = match d.row.event_id {
        Some(e) => repo::event(&mut tx, kind, e, ctx.actor.dealer_id).await?,
        None => None,
    };
    let timeline: Vec<HistoryEntry> = history(&mut tx, id).await?;
    tx.commit().await?;
    let status = d.row.status;
    let steps = available(TRANSITIONS, status, &ctx.actor, area(kind), scope)
        .into_iter()
        .filter(|s| {
            event.as_ref().is_none_or(|e| {
                timing_allows(
                    *s,
                    Timing {
                        waiting: d.row.waitlist_position.is_some(),
                        event_date: e.event_date,
                        deadline: e.registration_deadline,
                        now: now(),
                    },
                )
                .is_ok()
            })
        })
        .collect();
    Ok(RegDetail {
        phone: d.phone,
        registered_by: d.registered_by,
        cancel_reason: d.cancel_reason,
        place_in_line: d.place_in_line,
        has_calendar: status == RegStatus::Confirmed && event.is_some(),
        event,
        steps,
        history: timeline,
        row: d.row,
    })
}
