//! The registration pages, for both kinds of event: the registrations list (`list.rs`), the event
//! catalogue and its editor (`events.rs`), one event with its seats, registration form,
//! participants and attendance sheet (`event.rs`), the CSV import (`import.rs`) and one
//! registration (`record.rs`).
//!
//! All of them are reached through the modules' one lazy route (`/modules/:slug/*rest`, see
//! `crate::routes` and `crate::pages::ModulePage`, which checks the module's `view` flag first):
//! [`RegistrationsPage`] reads the rest of the path and shows the screen it names, so the
//! registrations add no route code to the first bundle.

mod event;
mod events;
mod import;
mod list;
mod record;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use uuid::Uuid;

use super::model::EventKind;
use crate::auth::model::CurrentUser;
use crate::error::AppError;

/// What a module path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// `/modules/{slug}`: the registrations.
    List,
    /// `…/events`: the catalogue.
    Events,
    /// `…/events/new`.
    NewEvent,
    /// `…/events/{id}`.
    Event(Uuid),
    /// `…/events/{id}/edit`.
    EditEvent(Uuid),
    /// `…/events/{id}/import`.
    Import(Uuid),
    /// `…/{id}`: one registration.
    Record(Uuid),
}

impl Screen {
    /// The kind and screen of a path, if it names one.
    pub fn parse(path: &str) -> Option<(EventKind, Screen)> {
        let rest = path.strip_prefix("/modules/")?.trim_end_matches('/');
        let (slug, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let kind = EventKind::from_slug(slug)?;
        let parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
        let id = |s: &str| Uuid::parse_str(s).ok();
        let screen = match parts.as_slice() {
            [] => Screen::List,
            ["events"] => Screen::Events,
            ["events", "new"] => Screen::NewEvent,
            ["events", e] => Screen::Event(id(e)?),
            ["events", e, "edit"] => Screen::EditEvent(id(e)?),
            ["events", e, "import"] => Screen::Import(id(e)?),
            [r] => Screen::Record(id(r)?),
            _ => return None,
        };
        Some((kind, screen))
    }
}

/// The module's path, as a `'static` string for list pagers.
pub const fn path(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Api => "/modules/api-registrations",
        EventKind::MtMeet => "/modules/mt-meets",
    }
}

/// Every registration screen of both modules.
#[component]
pub fn RegistrationsPage() -> impl IntoView {
    let location = use_location();
    let screen = Memo::new(move |_| location.pathname.with(|p| Screen::parse(p)));
    move || match screen.get() {
        Some((kind, Screen::List)) => view! { <list::RegList kind/> }.into_any(),
        Some((kind, Screen::Events)) => view! { <events::Catalogue kind/> }.into_any(),
        Some((kind, Screen::NewEvent)) => view! { <events::EventEditor kind id=None/> }.into_any(),
        Some((kind, Screen::EditEvent(id))) => {
            view! { <events::EventEditor kind id=Some(id)/> }.into_any()
        }
        Some((kind, Screen::Event(id))) => view! { <event::EventPage kind id/> }.into_any(),
        Some((kind, Screen::Import(id))) => view! { <import::ImportPage kind id/> }.into_any(),
        Some((kind, Screen::Record(id))) => view! { <record::RecordPage kind id/> }.into_any(),
        None => view! {
            <h1>"Page not found"</h1>
            <p>"There is no such page in this module."</p>
        }
        .into_any(),
    }
}

/// The module's tabs: registrations and the event catalogue.
#[component]
fn Tabs(kind: EventKind) -> impl IntoView {
    let base = path(kind);
    let events = format!("{base}/events");
    // `A` marks the tab of the page shown (`aria-current`); the events tab stays marked on an
    // event's own pages.
    view! {
        <nav class="tabs" aria-label=kind.module().title()>
            <A href=base exact=true>"Registrations"</A>
            <A href=events>{format!("{}s", kind.event_noun())}</A>
        </nav>
    }
}

/// The signed-in user (provided by the layout).
fn current_user() -> Resource<Result<Option<CurrentUser>, AppError>> {
    expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>()
}

/// "Day, place" of an event.
fn when_where(date: chrono::NaiveDate, location: &str) -> String {
    format!(
        "{} · {location}",
        crate::components::time::weekday_date(&date)
    )
}

/// A labelled text input bound to `value`, with the message the last error gives its `name`.
#[component]
fn Input(
    /// The field's name (its error's key) and, with `prefix`, its id.
    name: &'static str,
    /// Distinguishes the ids of two forms on one page.
    #[prop(default = "")]
    prefix: &'static str,
    /// The label.
    label: String,
    /// `type`.
    #[prop(default = "text")]
    kind: &'static str,
    /// The value, written as the user types.
    value: RwSignal<String>,
    /// The form's last error.
    error: Signal<Option<AppError>>,
    /// The model's limit.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// Whether the form needs it.
    #[prop(optional)]
    required: bool,
    /// Help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    let id = format!("{prefix}{name}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let message = move || {
        error.with(|e| {
            e.as_ref()
                .and_then(|e| e.field_message(name))
                .map(str::to_owned)
        })
    };
    let described = {
        let (error_id, hint_id) = (error_id.clone(), hint_id.clone());
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=id.clone()>{label}{required.then_some(" (required)")}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input id=id name=name type=kind maxlength=maxlength required=required
                prop:value=move || value.get()
                on:input:target=move |ev| value.set(ev.target().value())
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described/>
            <p class="field-error" id=error_id role="alert">{message}</p>
        </div>
    }
}

/// The message of an error not tied to a field shown (`shown`), if any.
fn stray_error(error: Option<AppError>, shown: &[&str]) -> Option<String> {
    match error? {
        AppError::Validation { fields } => {
            let rest: Vec<String> = fields
                .into_iter()
                .filter(|f| !shown.contains(&f.field.as_str()))
                .map(|f| f.message)
                .collect();
            (!rest.is_empty()).then(|| rest.join(" "))
        }
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_screens() {
        let id = Uuid::nil();
        assert_eq!(
            Screen::parse("/modules/api-registrations"),
            Some((EventKind::Api, Screen::List))
        );
        assert_eq!(
            Screen::parse("/modules/mt-meets/events/"),
            Some((EventKind::MtMeet, Screen::Events))
        );
        assert_eq!(
            Screen::parse(&format!("/modules/mt-meets/events/{id}/import")),
            Some((EventKind::MtMeet, Screen::Import(id)))
        );
        assert_eq!(
            Screen::parse(&format!("/modules/api-registrations/{id}")),
            Some((EventKind::Api, Screen::Record(id)))
        );
        assert_eq!(Screen::parse("/modules/pcc"), None);
        assert_eq!(Screen::parse("/modules/mt-meets/not-an-id"), None);
    }
}
