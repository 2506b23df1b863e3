//! Registration server functions, for both kinds of event. Each admits its caller for the kind's
//! module and calls one service; the service decides again on the locked event or registration.
//! No SQL here.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::model::{
    AttendanceMark, EventDetail, EventForm, EventKind, EventQuery, EventRow, ImportMode,
    ImportReport, PersonForm, RegDetail, RegQuery, RegRow, Registered,
};
use super::workflow::EventStatus;
use crate::error::AppError;
use crate::list::Page;
use crate::queue::BulkOutcome;
use crate::workflow::{StepDone, StepRequest};

#[cfg(feature = "ssr")]
use super::server::{catalogue, import, lists, service};
#[cfg(feature = "ssr")]
use crate::auth::authorize::Action;
#[cfg(feature = "ssr")]
use crate::auth::server::admit;

/// A page of registrations: a dealer user's own dealer's, everyone's for manufacturer staff.
#[server(endpoint = "registrations/list", input = Json)]
pub async fn list_registrations(
    kind: EventKind,
    query: RegQuery,
) -> Result<Page<RegRow>, AppError> {
    let ctx = admit(Action::View, service::area(kind)).await?;
    lists::list(&ctx, kind, &query).await
}

/// One registration with its event, timeline and the steps the caller may take.
#[server(endpoint = "registrations/get", input = Json)]
pub async fn get_registration(kind: EventKind, id: Uuid) -> Result<RegDetail, AppError> {
    let ctx = admit(Action::View, service::area(kind)).await?;
    service::detail(&ctx, kind, id).await
}

/// Registers a person of the caller's dealer for an event (a seat, or a place in line).
#[server(endpoint = "registrations/register", input = Json)]
pub async fn register(
    kind: EventKind,
    event: Uuid,
    person: PersonForm,
) -> Result<Registered, AppError> {
    let ctx = admit(Action::Create, service::area(kind)).await?;
    service::register(&ctx, kind, event, &person).await
}

/// Confirms, withdraws, cancels or marks attendance of a registration.
#[server(endpoint = "registrations/step", input = Json)]
pub async fn step_registration(
    kind: EventKind,
    request: StepRequest,
) -> Result<StepDone, AppError> {
    let ctx = admit(Action::View, service::area(kind)).await?;
    service::step(&ctx, kind, &request).await
}

/// Registers a CSV file of people for one event: checks only, all or nothing, or the valid rows.
#[server(endpoint = "registrations/import", input = Json)]
pub async fn import_registrations(
    kind: EventKind,
    event: Uuid,
    csv: String,
    mode: ImportMode,
) -> Result<ImportReport, AppError> {
    let ctx = admit(Action::Create, service::area(kind)).await?;
    import::import(&ctx, kind, event, &csv, mode).await
}

/// The event catalogue: upcoming events (or all), with seats.
#[server(endpoint = "events/list", input = Json)]
pub async fn list_events(kind: EventKind, query: EventQuery) -> Result<Vec<EventRow>, AppError> {
    let ctx = admit(Action::View, service::area(kind)).await?;
    catalogue::events(&ctx, kind, query).await
}

/// One event with its participants as the caller may see them.
#[server(endpoint = "events/get", input = Json)]
pub async fn get_event(kind: EventKind, id: Uuid) -> Result<EventDetail, AppError> {
    let ctx = admit(Action::View, service::area(kind)).await?;
    catalogue::detail(&ctx, kind, id).await
}

/// Adds an event (no `id`) or changes one (quoting its version).
#[server(endpoint = "events/save", input = Json)]
pub async fn save_event(
    kind: EventKind,
    id: Option<Uuid>,
    version: i32,
    form: EventForm,
) -> Result<Uuid, AppError> {
    let action = if id.is_some() {
        Action::Edit
    } else {
        Action::Create
    };
    let ctx = admit(action, service::area(kind)).await?;
    catalogue::save(&ctx, kind, id, version, &form).await
}

/// Closes, reopens or cancels (with a reason) an event.
#[server(endpoint = "events/status", input = Json)]
pub async fn set_event_status(
    kind: EventKind,
    id: Uuid,
    version: i32,
    status: EventStatus,
    reason: String,
) -> Result<(), AppError> {
    let ctx = admit(Action::Edit, service::area(kind)).await?;
    catalogue::set_status(&ctx, kind, id, version, status, &reason).await
}

/// Marks an event's attendance sheet; a result per person.
#[server(endpoint = "events/attendance", input = Json)]
pub async fn mark_attendance(
    kind: EventKind,
    event: Uuid,
    marks: Vec<AttendanceMark>,
) -> Result<Vec<BulkOutcome>, AppError> {
    let ctx = admit(Action::Edit, service::area(kind)).await?;
    catalogue::attendance(&ctx, kind, event, &marks).await
}
