//! `/modules/{slug}/events/{id}`: one event. Its facts and seats (live: anyone's registration or
//! cancellation updates them), the registration form for dealer staff, the participants (a
//! dealer's own, or everyone's), and for manufacturer staff: confirming seats, the attendance
//! sheet, closing, reopening and cancelling the event, and the participant downloads.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::list::RegTable;
use super::{Input, path, stray_error, when_where};
use crate::components::time::minutes;
use crate::components::{ErrorPanel, hydrated};
use crate::error::AppError;
use crate::live::use_live;
use crate::modules::registrations::api::{
    get_event, mark_attendance, register, set_event_status, step_registration,
};
use crate::modules::registrations::model::{
    AttendanceMark, EventDetail, EventKind, MAX_DESIGNATION, MAX_EMPLOYEE_ID, MAX_NAME, MAX_PHONE,
    PersonForm, RegRow, Registered, participants_href,
};
use crate::modules::registrations::workflow::{EventStatus, RegStatus};
use crate::queue::BulkOutcome;
use crate::workflow::{Step, StepRequest};

/// One event.
#[component]
pub fn EventPage(kind: EventKind, id: Uuid) -> impl IntoView {
    let live = use_live();
    // Bumped after this page's own changes; live events cover everyone else's.
    let changed = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (live.records.get(), changed.get()),
        move |_| get_event(kind, id),
    );
    let registering = Registering::new(kind, id, changed);
    let sheet = Action::new(move |m: &Vec<AttendanceMark>| mark_attendance(kind, id, m.clone()));
    // Ticks not saved yet: kept here so a live refetch of the event does not undo them.
    let ticks = RwSignal::new(HashMap::<Uuid, bool>::new());
    Effect::new(move |_| {
        if matches!(sheet.value().get(), Some(Ok(_))) {
            ticks.set(HashMap::new());
            changed.update(|n| *n += 1);
        }
    });
    view! {
        <p class="breadcrumb"><A href=format!("{}/events", path(kind))>{format!("{}s", kind.event_noun())}</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the event…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    detail.await.map(|d| view! { <EventView kind detail=d changed registering sheet ticks/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn EventView(
    kind: EventKind,
    detail: EventDetail,
    changed: RwSignal<u32>,
    registering: Registering,
    sheet: Action<Vec<AttendanceMark>, Result<Vec<BulkOutcome>, AppError>>,
    ticks: RwSignal<HashMap<Uuid, bool>>,
) -> impl IntoView {
    let EventDetail {
        event,
        participants,
        can_register,
        can_manage,
        can_mark,
        can_confirm,
    } = detail;
    let base = path(kind);
    let id = event.id;
    let staff = can_manage || can_confirm || can_mark;
    let heading = event.name.clone();
    view! {
        <Title text=heading.clone()/>
        <h1>{heading}" "<span class=event.status.badge()>{event.status.label()}</span></h1>
        <p class="lead">{when_where(event.event_date, &event.location)}</p>
        {event.cancel_reason.clone().filter(|_| event.status == EventStatus::Cancelled).map(|r| view! {
            <div class="callout warn" role="note"><p><strong>"Cancelled: "</strong><span class="prewrap">{r}</span></p></div>
        })}
        <div class="columns record">
            <section class="card" aria-labelledby="seats-heading">
                <h2 id="seats-heading">"Seats"</h2>
                <p class="seats" role="status" aria-live="polite">{event.seats_text()}</p>
                <dl class="facts">
                    <dt>"Seats in all"</dt><dd>{event.capacity}</dd>
                    <dt>"Per dealer"</dt><dd>{event.dealer_quota.map_or_else(|| "No limit".to_owned(), |q| q.to_string())}</dd>
                    {(!staff).then(|| view! { <dt>"Your dealer holds"</dt><dd>{event.dealer_taken}</dd> })}
                    <dt>"Registrations close"</dt><dd><time>{minutes(&event.registration_deadline)}</time>" (UTC)"</dd>
                    {event.eligibility_note.clone().map(|n| view! { <dt>"Who may attend"</dt><dd class="prewrap">{n}</dd> })}
                </dl>
                <p class="toolbar">
                    <a href=participants_href(kind, id, "csv") download>"Participants (CSV)"</a>
                    <a href=participants_href(kind, id, "xlsx") download>"Participants (XLSX)"</a>
                    {can_register.then(|| view! { <A href=format!("{base}/events/{id}/import")>"Register from a CSV file"</A> })}
                    {can_manage.then(|| view! { <A href=format!("{base}/events/{id}/edit")>"Change the event"</A> })}
                </p>
                {can_manage.then(|| view! { <EventStatusControls kind id version=event.version status=event.status changed/> })}
            </section>
            {can_register.then(|| view! { <RegisterForm kind r=registering/> })}
        </div>
        <section class="card" aria-labelledby="people-heading">
            <h2 id="people-heading">{if staff { "Participants" } else { "Your people" }}</h2>
            {if can_mark {
                view! { <AttendanceSheet rows=participants save=sheet ticks/> }.into_any()
            } else if can_confirm {
                view! { <ConfirmList kind rows=participants changed/> }.into_any()
            } else if participants.is_empty() {
                view! { <p class="empty">"Nobody registered yet."</p> }.into_any()
            } else {
                view! { <div class="table-scroll" tabindex="0" role="region" aria-label="Participants"><RegTable kind rows=participants/></div> }.into_any()
            }}
        </section>
    }
}

/// The registration form's state, owned by the event page rather than the form: the page is
/// rebuilt whenever the event changes (anyone's registration, live), and what is typed, the last
/// answer and its message must survive that.
#[derive(Clone, Copy)]
struct Registering {
    name: RwSignal<String>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    designation: RwSignal<String>,
    employee_id: RwSignal<String>,
    send: Action<PersonForm, Result<Registered, AppError>>,
    done: RwSignal<Option<String>>,
}

impl Registering {
    /// The state, and what a registration's answer does: a message, an empty form, a refetch.
    fn new(kind: EventKind, event: Uuid, changed: RwSignal<u32>) -> Self {
        let r = Registering {
            name: RwSignal::new(String::new()),
            email: RwSignal::new(String::new()),
            phone: RwSignal::new(String::new()),
            designation: RwSignal::new(String::new()),
            employee_id: RwSignal::new(String::new()),
            send: Action::new(move |p: &PersonForm| register(kind, event, p.clone())),
            done: RwSignal::new(None),
        };
        Effect::new(move |_| {
            if let Some(Ok(answer)) = r.send.value().get() {
                let name = r.name.get_untracked();
                r.done.set(Some(match answer.waitlist_position {
                    None => format!("{name} is registered with a seat ({}).", answer.number),
                    Some(p) => format!(
                        "No seat was free: {name} is on the waitlist, number {p} in line ({}).",
                        answer.number
                    ),
                }));
                for s in [r.name, r.email, r.phone, r.designation, r.employee_id] {
                    s.set(String::new());
                }
                changed.update(|n| *n += 1);
            }
        });
        r
    }
}

/// Registering one person of the user's dealer.
#[component]
fn RegisterForm(kind: EventKind, r: Registering) -> impl IntoView {
    let Registering {
        name,
        email,
        phone,
        designation,
        employee_id,
        send,
        done,
    } = r;
    let error = Signal::derive(move || send.value().get().and_then(Result::err));
    let ready = hydrated();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(None);
        send.dispatch(PersonForm {
            name: name.get_untracked(),
            email: email.get_untracked(),
            phone: phone.get_untracked(),
            designation: designation.get_untracked(),
            employee_id: employee_id.get_untracked(),
        });
    };
    const SHOWN: &[&str] = &["name", "email", "phone", "designation", "employee_id"];
    view! {
        <section class="card" aria-labelledby="register-heading">
            <h2 id="register-heading">{format!("Register {}", kind.a_person())}</h2>
            <form class="stacked" on:submit=submit novalidate>
                <Input name="name" prefix="reg-" label="Full name".into() value=name error maxlength=MAX_NAME required=true/>
                {(kind == EventKind::MtMeet).then(|| view! {
                    <Input name="employee_id" prefix="reg-" label="Employee id".into() value=employee_id error maxlength=MAX_EMPLOYEE_ID required=true/>
                })}
                <Input name="email" prefix="reg-" label="E-mail".into() kind="email" value=email error
                    maxlength=crate::email::MAX_EMAIL required={kind == EventKind::Api}/>
                <Input name="phone" prefix="reg-" label="Phone".into() kind="tel" value=phone error maxlength=MAX_PHONE/>
                {(kind == EventKind::Api).then(|| view! {
                    <Input name="designation" prefix="reg-" label="Designation".into() value=designation error maxlength=MAX_DESIGNATION/>
                })}
                <p class="form-error" role="alert">{move || stray_error(error.get(), SHOWN)}</p>
                <p class="notice" role="status" hidden=move || done.get().is_none()>{move || done.get()}</p>
                <button type="submit" class="button" disabled=move || !ready.get() || send.pending().get()>"Register"</button>
            </form>
        </section>
    }
}

/// Participants with a Confirm button on each seat holder not yet confirmed.
#[component]
fn ConfirmList(kind: EventKind, rows: Vec<RegRow>, changed: RwSignal<u32>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"Nobody registered yet."</p> }.into_any();
    }
    let error = RwSignal::new(None::<String>);
    let confirm = Action::new(move |r: &(Uuid, i32)| {
        step_registration(
            kind,
            StepRequest {
                id: r.0,
                step: Step::Confirm,
                version: r.1,
                comment: String::new(),
            },
        )
    });
    Effect::new(move |_| match confirm.value().get() {
        Some(Ok(_)) => {
            error.set(None);
            changed.update(|n| *n += 1);
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    let ready = hydrated();
    view! {
        <p class="form-error" role="alert">{move || error.get()}</p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="Participants">
            <table class="data">
                <thead><tr><th scope="col">"Number"</th><th scope="col">"Name"</th><th scope="col">"Dealer"</th><th scope="col">"Status"</th><th scope="col">"Action"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let (standing, badge) = r.standing();
                        let confirmable = r.status == RegStatus::Registered && r.waitlist_position.is_none();
                        let (rid, version, person) = (r.id, r.version, r.person.clone());
                        view! {
                            <tr>
                                <td class="mono nowrap"><A href=format!("{}/{}", path(kind), r.id)>{r.number.clone()}</A></td>
                                <td>{r.person.clone()}</td>
                                <td>{format!("{} – {}", r.dealer_code, r.dealer_name)}</td>
                                <td><span class=badge>{standing}</span>{r.waitlist_position.map(|p| format!(" #{p}"))}</td>
                                <td>{confirmable.then(|| view! {
                                    <button type="button" class="button small" aria-label=format!("Confirm {person}")
                                        disabled=move || !ready.get() || confirm.pending().get()
                                        on:click=move |_| { confirm.dispatch((rid, version)); }>"Confirm"</button>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The attendance sheet: a checkbox per seat holder (Tab and Space mark it), "everyone came",
/// and one save for the whole sheet, with a result per person.
#[component]
fn AttendanceSheet(
    rows: Vec<RegRow>,
    /// Owned by the page, so its report survives the refetch its success causes.
    save: Action<Vec<AttendanceMark>, Result<Vec<BulkOutcome>, AppError>>,
    /// The user's ticks not saved yet, by registration (owned by the page too).
    ticks: RwSignal<HashMap<Uuid, bool>>,
) -> impl IntoView {
    let seated: Vec<RegRow> = rows
        .into_iter()
        .filter(|r| r.waitlist_position.is_none())
        .collect();
    if seated.is_empty() {
        return view! { <p class="empty">"Nobody holds a seat."</p> }.into_any();
    }
    let marks: Vec<(RegRow, RwSignal<bool>)> = seated
        .into_iter()
        .map(|r| {
            let ticked = ticks.with_untracked(|t| t.get(&r.id).copied());
            let came = RwSignal::new(ticked.unwrap_or(r.status == RegStatus::Attended));
            (r, came)
        })
        .collect();
    let all: Vec<(Uuid, RwSignal<bool>)> = marks.iter().map(|(r, c)| (r.id, *c)).collect();
    let sheet: Vec<(Uuid, i32, RwSignal<bool>)> =
        marks.iter().map(|(r, c)| (r.id, r.version, *c)).collect();
    let report = move || match save.value().get() {
        Some(Ok(outcomes)) => {
            let failed: Vec<String> = outcomes
                .iter()
                .filter(|o| !o.done)
                .map(|o| o.message.clone())
                .collect();
            Some(if failed.is_empty() {
                match outcomes.len() {
                    1 => "Attendance saved for 1 person.".to_owned(),
                    n => format!("Attendance saved for {n} people."),
                }
            } else {
                format!(
                    "{} saved; not saved: {}",
                    outcomes.len() - failed.len(),
                    failed.join(" ")
                )
            })
        }
        Some(Err(e)) => Some(e.to_string()),
        None => None,
    };
    let ready = hydrated();
    view! {
        <p class="muted">"Tick who came; everyone else is marked as a no-show when you save."</p>
        <div class="toolbar">
            <button type="button" class="button secondary" on:click=move |_| all.iter().for_each(|(id, c)| {
                    c.set(true);
                    ticks.update(|t| { t.insert(*id, true); });
                })>"Everyone came"</button>
        </div>
        <table class="data attendance">
            <thead><tr><th scope="col">"Came"</th><th scope="col">"Name"</th><th scope="col">"Dealer"</th><th scope="col">"Now"</th></tr></thead>
            <tbody>
                {marks.into_iter().map(|(r, came)| {
                    let box_id = format!("came-{}", r.id);
                    let rid = r.id;
                    let (standing, badge) = r.standing();
                    view! {
                        <tr>
                            <td><input type="checkbox" id=box_id.clone() prop:checked=move || came.get()
                                on:change:target=move |ev| {
                                    let v = ev.target().checked();
                                    came.set(v);
                                    ticks.update(|t| { t.insert(rid, v); });
                                }/></td>
                            <td><label for=box_id>{r.person.clone()}</label><br/><span class="muted small mono">{r.number.clone()}</span></td>
                            <td>{format!("{} – {}", r.dealer_code, r.dealer_name)}</td>
                            <td><span class=badge>{standing}</span></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <p class="notice" role="status" hidden=move || report().is_none()>{report}</p>
        <button type="button" class="button" disabled=move || !ready.get() || save.pending().get()
            on:click=move |_| {
                let m = sheet.iter().map(|(id, version, came)| AttendanceMark { id: *id, version: *version, attended: came.get_untracked() }).collect();
                save.dispatch(m);
            }>"Save attendance"</button>
    }
    .into_any()
}

/// Close, reopen, or cancel (with a reason) the event.
#[component]
fn EventStatusControls(
    kind: EventKind,
    id: Uuid,
    version: i32,
    status: EventStatus,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let asking = RwSignal::new(false);
    let act = Action::new(move |(to, why): &(EventStatus, String)| {
        set_event_status(kind, id, version, *to, why.clone())
    });
    let error = Signal::derive(move || act.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(()))) {
            asking.set(false);
            changed.update(|n| *n += 1);
        }
    });
    let ready = hydrated();
    let toggle = match status {
        EventStatus::Open => Some((EventStatus::Closed, "Close registrations")),
        EventStatus::Closed => Some((EventStatus::Open, "Reopen registrations")),
        EventStatus::Cancelled => None,
    };
    view! {
        <div class="danger-zone">
            {toggle.map(|(to, label)| view! {
                <button type="button" class="button secondary" disabled=move || !ready.get() || act.pending().get()
                    on:click=move |_| { act.dispatch((to, String::new())); }>{label}</button>
            })}
            {move || if asking.get() {
                view! {
                    <div class="stacked">
                        <Input name="comment" prefix="cancel-" label="Why is the event cancelled?".into() value=reason error
                            hint="Every registered dealer is told, with this reason."/>
                        <div class="actions">
                            <button type="button" class="button danger" disabled=move || act.pending().get()
                                on:click=move |_| { act.dispatch((EventStatus::Cancelled, reason.get_untracked())); }>"Cancel the event"</button>
                            <button type="button" class="button secondary" on:click=move |_| asking.set(false)>"Keep it"</button>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button secondary" disabled=move || !ready.get()
                        on:click=move |_| asking.set(true)>"Cancel the event…"</button>
                }.into_any()
            }}
            <p class="form-error" role="alert">{move || stray_error(error.get(), &["comment"])}</p>
        </div>
    }
}
