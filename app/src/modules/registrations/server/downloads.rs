//! The registrations' downloads (plain axum handlers, mounted by the server under
//! [`DOWNLOADS_PATH`]): an event's participants as CSV or XLSX, a confirmed registration as an
//! `.ics` calendar entry, and the CSV import's template. Each admits its caller like a server
//! function; a dealer user's participant list holds only their own dealer's people (the area
//! decision's dealer filter, with row-level security behind it), and each export is audited.

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use chrono::Utc;
use serde_json::json;
use uuid::Uuid;

use super::super::model::{DOWNLOADS_PATH, EventKind, import_header};
use super::super::workflow::RegStatus;
use super::repo;
use super::service::{area, href};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::Action;
use crate::auth::server::{AuthSession, Ctx, RequestMeta, Visit, admit_visit};
use crate::error::AppError;
use crate::export::{Cell, Format, attachment, refusal};
use crate::state::AppState;

async fn admitted(
    state: AppState,
    meta: Option<Extension<RequestMeta>>,
    session: Option<Extension<AuthSession>>,
    slug: &str,
    action: Action,
) -> Result<(Ctx, EventKind), AppError> {
    let kind = EventKind::from_slug(slug).ok_or(AppError::NotFound)?;
    let visit = Visit {
        state,
        meta: meta.map(|Extension(m)| m).unwrap_or_default(),
        session: session.map(|Extension(s)| s),
    };
    Ok((admit_visit(visit, action, area(kind)).await?, kind))
}

/// `GET …/{slug}/events/{id}/participants.{csv|xlsx}`.
pub async fn participants(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    session: Option<Extension<AuthSession>>,
    Path((slug, id, file)): Path<(String, Uuid, String)>,
) -> Response {
    let result = async {
        let format = file
            .strip_prefix("participants.")
            .and_then(Format::from_extension)
            .ok_or(AppError::NotFound)?;
        let (ctx, kind) = admitted(state, meta, session, &slug, Action::View).await?;
        participant_file(&ctx, kind, id, format).await
    }
    .await;
    result.unwrap_or_else(refusal)
}

async fn participant_file(
    ctx: &Ctx,
    kind: EventKind,
    id: Uuid,
    format: Format,
) -> Result<Response, AppError> {
    let mut tx = ctx.begin().await?;
    let event = repo::event(&mut tx, kind, id, ctx.actor.dealer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = repo::participants(&mut tx, kind, id, ctx.decision.dealer_filter).await?;
    let detail_label = kind.detail_label();
    let header = [
        "Number",
        "Dealer code",
        "Dealer",
        "Name",
        "E-mail",
        detail_label,
        "Status",
        "Waitlist position",
        "Event",
        "Event date",
    ];
    let table: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                r.number.as_str().into(),
                r.dealer_code.as_str().into(),
                r.dealer_name.as_str().into(),
                r.person.as_str().into(),
                r.email.clone().into(),
                r.detail.clone().into(),
                r.standing().0.into(),
                r.waitlist_position.into(),
                r.event_name.as_str().into(),
                r.event_date.into(),
            ]
        })
        .collect();
    let bytes = format.render("Participants", &header, &table)?;
    audit::record(
        &mut tx,
        &ctx.meta,
        AuditEntry::new(
            Some(ctx.actor.id),
            AuditAction::RecordsExported,
            AuditEntity::Event,
            Some(id),
        )
        .with_new(json!({
            "what": "participants",
            "module": kind.module(),
            "format": format.extension(),
            "dealer_filter": ctx.decision.dealer_filter,
            "rows": rows.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    let name = format!(
        "participants-{}-{}.{}",
        event.event_date,
        event.name.to_lowercase(),
        format.extension()
    );
    Ok(attachment(&name, format.content_type(), bytes))
}

/// `GET …/{slug}/{id}/calendar.ics`: a confirmed registration's event as a calendar entry.
pub async fn calendar(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    session: Option<Extension<AuthSession>>,
    Path((slug, id)): Path<(String, Uuid)>,
) -> Response {
    let result = async {
        let (ctx, kind) = admitted(state, meta, session, &slug, Action::View).await?;
        let d = super::service::detail(&ctx, kind, id).await?;
        let event = match (&d.event, d.row.status) {
            (Some(e), RegStatus::Confirmed) => e,
            _ => {
                return Err(AppError::Conflict {
                    message: "Only a confirmed registration has a calendar entry.".into(),
                    changed_by: None,
                    changed_at: None,
                });
            }
        };
        Ok(ics(&ctx, kind, &d.row.number, &d.row.person, event, id))
    }
    .await;
    result.unwrap_or_else(refusal)
}

fn ics(
    ctx: &Ctx,
    kind: EventKind,
    number: &str,
    person: &str,
    event: &super::super::model::EventRow,
    id: Uuid,
) -> Response {
    use icalendar::{Calendar, Component, EventLike};
    let link = format!("{}{}", ctx.state.auth.public_url, href(kind, id));
    let entry = icalendar::Event::new()
        .uid(&format!("{id}@one-aftersales"))
        .summary(&format!("{} ({})", event.name, kind.event_noun()))
        .description(&format!(
            "{person} is confirmed for {}. Registration {number}: {link}",
            event.name
        ))
        .location(&event.location)
        .all_day(event.event_date)
        .timestamp(Utc::now())
        .url(&link)
        .done();
    let calendar = Calendar::new().name(kind.event_noun()).push(entry).done();
    attachment(
        &format!("{number}.ics"),
        "text/calendar; charset=utf-8",
        calendar.to_string().into_bytes(),
    )
}

/// `GET …/{slug}/template.csv`: the header row the import expects.
pub async fn template(
    State(state): State<AppState>,
    meta: Option<Extension<RequestMeta>>,
    session: Option<Extension<AuthSession>>,
    Path(slug): Path<String>,
) -> Response {
    let result = async {
        let (_, kind) = admitted(state, meta, session, &slug, Action::Create).await?;
        let bytes = crate::export::csv(import_header(kind), &[])?;
        Ok(attachment(
            &format!("{}-import-template.csv", kind.module().slug()),
            Format::Csv.content_type(),
            bytes,
        ))
    }
    .await;
    result.unwrap_or_else(refusal)
}

/// The download routes, for the server's router.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route(
            &format!("{DOWNLOADS_PATH}/{{slug}}/template.csv"),
            get(template),
        )
        .route(
            &format!("{DOWNLOADS_PATH}/{{slug}}/events/{{id}}/{{file}}"),
            get(participants),
        )
        .route(
            &format!("{DOWNLOADS_PATH}/{{slug}}/{{id}}/calendar.ics"),
            get(calendar),
        )
}
