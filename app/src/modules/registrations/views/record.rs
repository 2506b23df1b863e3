//! `/modules/{slug}/{id}`: one registration: the person, the event, where it stands (a seat, or a
//! place in line), the steps the viewer may take, the calendar entry once confirmed, and the
//! timeline. Kept current live: a promotion from the line shows without a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::{Input, path, stray_error, when_where};
use crate::components::time::minutes;
use crate::components::{ErrorPanel, hydrated};
use crate::live::use_live;
use crate::modules::registrations::api::{get_registration, step_registration};
use crate::modules::registrations::model::{EventKind, RegDetail, calendar_href};
use crate::modules::registrations::workflow::{RegStatus, TRANSITIONS};
use crate::workflow::views::Timeline;
use crate::workflow::{CommentRule, Step, StepRequest};

/// One registration.
#[component]
pub fn RecordPage(kind: EventKind, id: Uuid) -> impl IntoView {
    let live = use_live();
    let changed = RwSignal::new(0u32);
    let detail = Resource::new(
        move || (live.records.get(), changed.get()),
        move |_| get_registration(kind, id),
    );
    view! {
        <p class="breadcrumb"><A href=path(kind)>{kind.module().title()}</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the registration…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    detail.await.map(|d| view! { <RecordView kind detail=d changed/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// A status key as its label, for the timeline.
fn status_label(key: &str) -> String {
    RegStatus::from_key(key).map_or_else(|| key.to_owned(), |s| s.label().to_owned())
}

#[component]
fn RecordView(kind: EventKind, detail: RegDetail, changed: RwSignal<u32>) -> impl IntoView {
    let RegDetail {
        row,
        phone,
        registered_by,
        cancel_reason,
        place_in_line,
        event,
        steps,
        has_calendar,
        history,
    } = detail;
    let (standing, badge) = row.standing();
    let standing_text = match (place_in_line, row.status) {
        (Some(n), RegStatus::Registered) => format!("Waiting for a seat: number {n} in line."),
        (None, RegStatus::Registered) => "Holds a seat; the manufacturer confirms it.".to_owned(),
        (_, s) => format!("This registration is {}.", s.describe()),
    };
    let detail_label = kind.detail_label();
    let event_link = match event
        .as_ref()
        .map(|e| (format!("{}/events/{}", path(kind), e.id), e.name.clone()))
    {
        Some((href, name)) => view! { <A href=href>{name}</A> }.into_any(),
        None => view! { <span>{row.event_name.clone()}</span> }.into_any(),
    };
    let place = event
        .as_ref()
        .map(|e| when_where(e.event_date, &e.location));
    let calendar = calendar_href(kind, row.id);
    view! {
        <Title text=row.number.clone()/>
        <h1>{row.number.clone()}" "<span class=badge>{standing}</span></h1>
        <p class="lead">{format!("{} · {} – {}", row.person, row.dealer_code, row.dealer_name)}</p>
        {cancel_reason.filter(|_| row.status == RegStatus::Cancelled).map(|c| view! {
            <div class="callout warn" role="note"><p><strong>"Why: "</strong><span class="prewrap">{c}</span></p></div>
        })}
        <div class="columns record">
            <section class="card" aria-labelledby="facts-heading">
                <h2 id="facts-heading">"Registration"</h2>
                <p role="status">{standing_text}</p>
                <dl class="facts">
                    <dt>"Name"</dt><dd>{row.person.clone()}</dd>
                    <dt>"E-mail"</dt><dd>{row.email.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Phone"</dt><dd>{phone.unwrap_or_else(|| "—".into())}</dd>
                    <dt>{detail_label}</dt><dd>{row.detail.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Event"</dt>
                    <dd>{event_link}</dd>
                    {place.map(|p| view! { <dt>"Day and place"</dt><dd>{p}</dd> })}
                    <dt>"Registered by"</dt><dd>{registered_by.unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Last change"</dt><dd><time>{minutes(&row.updated_at)}</time></dd>
                </dl>
                {has_calendar.then(|| view! { <p><a href=calendar download>"Add to calendar (.ics)"</a></p> })}
                <h3>"Actions"</h3>
                {if steps.is_empty() {
                    view! { <p class="muted">"There is nothing for you to do on this registration now."</p> }.into_any()
                } else {
                    view! { <Steps kind id=row.id version=row.version steps changed/> }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="history-heading">
                <h2 id="history-heading">"History"</h2>
                <Timeline entries=history status=status_label/>
            </section>
        </div>
    }
}

/// The step buttons; a step that needs (or takes) a comment asks for it first.
#[component]
fn Steps(
    kind: EventKind,
    id: Uuid,
    version: i32,
    steps: Vec<Step>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let asking = RwSignal::new(None::<Step>);
    let act = Action::new(move |(step, text): &(Step, String)| {
        step_registration(
            kind,
            StepRequest {
                id,
                step: *step,
                version,
                comment: text.clone(),
            },
        )
    });
    let error = Signal::derive(move || act.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(_))) {
            asking.set(None);
            comment.set(String::new());
            changed.update(|n| *n += 1);
        }
    });
    let ready = hydrated();
    let rule = |step: Step| {
        TRANSITIONS
            .iter()
            .find(|t| t.step == step)
            .map_or(CommentRule::None, |t| t.comment)
    };
    view! {
        <div class="actions">
            {steps.into_iter().map(|step| {
                let class = if matches!(step, Step::Cancel | Step::Withdraw | Step::MarkNoShow) { "button secondary" } else { "button" };
                view! {
                    <button type="button" class=class disabled=move || !ready.get() || act.pending().get()
                        on:click=move |_| {
                            if rule(step) == CommentRule::None {
                                act.dispatch((step, String::new()));
                            } else {
                                asking.set(Some(step));
                            }
                        }>{step.label()}</button>
                }
            }).collect_view()}
        </div>
        {move || asking.get().map(|step| {
            let label = if rule(step) == CommentRule::Required { "Reason (the dealer sees it)" } else { "Comment (optional)" };
            view! {
                <div class="stacked">
                    <Input name="comment" prefix="step-" label=label.to_owned() value=comment error/>
                    <div class="actions">
                        <button type="button" class="button" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch((step, comment.get_untracked())); }>{step.label()}</button>
                        <button type="button" class="button secondary" on:click=move |_| asking.set(None)>"Back"</button>
                    </div>
                </div>
            }
        })}
        <p class="form-error" role="alert">{move || stray_error(error.get(), &["comment"])}</p>
    }
}
