//! `/modules/{slug}/events`: the event catalogue (upcoming events with their seats, kept current
//! live), and `…/events/new`, `…/events/{id}/edit`: the editor manufacturer staff keep it with.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::{Input, Tabs, current_user, path, stray_error, when_where};
use crate::auth::authorize::{Action as Permission, Area};
use crate::auth::roles::UserType;
use crate::components::time::minutes;
use crate::components::{ErrorPanel, hydrated};
use crate::live::use_live;
use crate::modules::registrations::api::{get_event, list_events, save_event};
use crate::modules::registrations::model::{
    EventForm, EventKind, EventQuery, EventRow, MAX_LOCATION, MAX_NAME, MAX_NOTE,
};

/// The catalogue of one kind.
#[component]
pub fn Catalogue(kind: EventKind) -> impl IntoView {
    let past = crate::components::query("past");
    let live = use_live();
    let events = Resource::new(
        move || (past().is_some(), live.records.get()),
        move |(past, _)| list_events(kind, EventQuery { past }),
    );
    let user = current_user();
    let base = path(kind);
    let title = format!("{}s", kind.event_noun());
    view! {
        <Title text=title.clone()/>
        <h1>{kind.module().title()}</h1>
        <Tabs kind/>
        <div class="toolbar">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let may = user.await.ok().flatten().is_some_and(|u| {
                        u.user_type == UserType::Manufacturer && u.can(Permission::Create, Area::Module(kind.module()))
                    });
                    may.then(|| view! { <A href=format!("{base}/events/new") attr:class="button">"New event"</A> })
                })}
            </Transition>
            {move || if past().is_some() {
                view! { <A href=format!("{base}/events")>"Upcoming events only"</A> }.into_any()
            } else {
                view! { <A href=format!("{base}/events?past=1")>"Include past events"</A> }.into_any()
            }}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading events…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    events.await.map(|rows| if rows.is_empty() {
                        view! { <p class="empty">"No events yet."</p> }.into_any()
                    } else {
                        view! { <EventTable kind rows/> }.into_any()
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn EventTable(kind: EventKind, rows: Vec<EventRow>) -> impl IntoView {
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label="Events">
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Day and place"</th>
                        <th scope="col">"Registrations close"</th>
                        <th scope="col">"Seats"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|e| {
                        let href = format!("{}/events/{}", path(kind), e.id);
                        let place = when_where(e.event_date, &e.location);
                        let closes = minutes(&e.registration_deadline);
                        let seats = e.seats_text();
                        view! {
                            <tr>
                                <td><A href=href>{e.name}</A></td>
                                <td>{place}</td>
                                <td class="nowrap"><time>{closes}</time></td>
                                <td class="seats">{seats}</td>
                                <td><span class=e.status.badge()>{e.status.label()}</span></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Adds an event (`id` none) or changes one.
#[component]
pub fn EventEditor(kind: EventKind, id: Option<Uuid>) -> impl IntoView {
    let loaded = Resource::new(
        move || id,
        move |id| async move {
            match id {
                Some(id) => get_event(kind, id).await.map(|d| Some(d.event)),
                None => Ok(None),
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading the event…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    loaded.await.map(|event| view! { <EventFormView kind event/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn EventFormView(kind: EventKind, event: Option<EventRow>) -> impl IntoView {
    let start = event.as_ref().map(EventForm::from_row).unwrap_or_default();
    let id = event.as_ref().map(|e| e.id);
    let version = event.as_ref().map_or(1, |e| e.version);
    let name = RwSignal::new(start.name);
    let event_date = RwSignal::new(start.event_date);
    let location = RwSignal::new(start.location);
    let capacity = RwSignal::new(start.capacity);
    let dealer_quota = RwSignal::new(start.dealer_quota);
    let deadline = RwSignal::new(start.deadline);
    let note = RwSignal::new(start.eligibility_note);
    let save = Action::new(move |form: &EventForm| save_event(kind, id, version, form.clone()));
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            navigate(
                &format!("{}/events/{saved}", path(kind)),
                Default::default(),
            );
        }
    });
    let ready = hydrated();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(EventForm {
            name: name.get_untracked(),
            event_date: event_date.get_untracked(),
            location: location.get_untracked(),
            capacity: capacity.get_untracked(),
            dealer_quota: dealer_quota.get_untracked(),
            deadline: deadline.get_untracked(),
            eligibility_note: note.get_untracked(),
        });
    };
    let heading = match &event {
        Some(e) => format!("Change {}", e.name),
        None => format!("New {}", kind.event_noun()),
    };
    let back = match id {
        Some(id) => format!("{}/events/{id}", path(kind)),
        None => format!("{}/events", path(kind)),
    };
    const SHOWN: &[&str] = &[
        "name",
        "event_date",
        "location",
        "capacity",
        "dealer_quota",
        "deadline",
        "eligibility_note",
    ];
    view! {
        <Title text=heading.clone()/>
        <p class="breadcrumb"><A href=back>{format!("{}s", kind.event_noun())}</A></p>
        <h1>{heading}</h1>
        <form class="stacked card narrow" on:submit=submit novalidate>
            <Input name="name" label="Name".into() value=name error maxlength=MAX_NAME required=true/>
            <Input name="event_date" label="Day".into() kind="date" value=event_date error required=true/>
            <Input name="location" label="Location".into() value=location error maxlength=MAX_LOCATION required=true/>
            <Input name="capacity" label="Seats".into() kind="number" value=capacity error required=true/>
            <Input name="dealer_quota" label="Seats per dealer".into() kind="number" value=dealer_quota error
                hint="Leave empty for no limit. Past it, a dealer's further registrations wait in line."/>
            <Input name="deadline" label="Registrations close (UTC)".into() kind="datetime-local" value=deadline error required=true/>
            {(kind == EventKind::MtMeet).then(|| view! {
                <Input name="eligibility_note" label="Who may attend".into() value=note error maxlength=MAX_NOTE
                    hint="Shown to dealers when they register a technician."/>
            })}
            <p class="form-error" role="alert">{move || stray_error(error.get(), SHOWN)}</p>
            <button type="submit" class="button" disabled=move || !ready.get() || save.pending().get()>
                {if event.is_some() { "Save changes" } else { "Add the event" }}
            </button>
        </form>
    }
}
