//! The queue's table: a focusable body whose focused row moves with the keyboard, and the keys
//! for the common decisions on it.

use chrono::NaiveDateTime;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::{Triage, records};
use crate::components::time::minutes;
use crate::dealers::Brand;
use crate::error::AppError;
use crate::queue::{QUEUE_MAX, QueueItem};
use crate::workflow::Step;

/// The records: a focusable body with a moving focused row, keys for the common decisions.
#[component]
pub(super) fn QueueTable(
    t: Triage,
    items: Resource<Result<Vec<QueueItem>, AppError>>,
    list: Vec<QueueItem>,
) -> impl IntoView {
    let navigate = use_navigate();
    let count = list.len();
    let ids: Vec<Uuid> = list.iter().map(|i| i.id).collect();
    let all_ids = ids.clone();
    let all_selected = move || t.selected.with(|s| all_ids.iter().all(|id| s.contains(id)));
    let now = now();
    // A refetch (a decision, anyone's change) rebuilds the table: the keyboard stays on it.
    Effect::new(move |_| {
        if let Some(body) = t.body.get()
            && t.keyboard.get_untracked()
            && focus_lost()
        {
            let _ = body.focus();
        }
    });
    // The records as shown now (the resource keeps the last list while refetching).
    let shown = move || {
        items
            .get_untracked()
            .and_then(Result::ok)
            .unwrap_or_default()
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || t.ask.get_untracked().is_some() {
            return;
        }
        // From a checkbox or link inside the rows, Enter and Space keep their own meaning.
        let on_body = ev.target() == ev.current_target();
        let list = shown();
        let at = t
            .cursor
            .get_untracked()
            .and_then(|id| list.iter().position(|i| i.id == id));
        let current = at.and_then(|i| list.get(i)).cloned();
        let step_key = |step: Step| match &current {
            Some(item) if item.steps.contains(&step) => Some(item.clone()),
            Some(item) => {
                t.said.set(format!(
                    "{}: {} is not possible now.",
                    item.number,
                    step.label()
                ));
                None
            }
            None => None,
        };
        let busy = t.pending.get_untracked().is_some();
        match ev.key().as_str() {
            "j" | "ArrowDown" | "k" | "ArrowUp" | "Home" | "End" if !list.is_empty() => {
                let last = list.len() - 1;
                let next = match (ev.key().as_str(), at) {
                    ("Home", _) => 0,
                    ("End", _) => last,
                    ("j" | "ArrowDown", Some(i)) => (i + 1).min(last),
                    ("k" | "ArrowUp", Some(i)) => i.saturating_sub(1),
                    ("j" | "ArrowDown", None) => 0,
                    _ => last,
                };
                let item = &list[next];
                t.cursor.set(Some(item.id));
                reveal(&row_id(item.id));
                if !on_body && let Some(body) = t.body.get_untracked() {
                    let _ = body.focus();
                }
                t.said.set(format!(
                    "{}, {} – {}, {}, waiting {}. {} of {}.",
                    item.number,
                    item.dealer_code,
                    item.dealer_name,
                    item.status,
                    age(&item.submitted_at, now),
                    next + 1,
                    list.len()
                ));
            }
            "Enter" if on_body => {
                if let Some(item) = &current {
                    navigate(&item.href, Default::default());
                }
            }
            "x" => {
                if let Some(item) = &current {
                    t.toggle(item.id);
                }
            }
            " " if on_body => {
                if let Some(item) = &current {
                    t.toggle(item.id);
                }
            }
            "t" | "a" | "c" if busy => t.said.set("Still deciding; a moment.".into()),
            "t" => {
                if let Some(item) = step_key(Step::TakeForReview) {
                    leptos::task::spawn_local(t.decide(
                        Step::TakeForReview,
                        vec![item],
                        String::new(),
                    ));
                }
            }
            // Asks to confirm: a stray key press approves nothing.
            "a" => {
                if let Some(item) = step_key(Step::Approve) {
                    t.ask(Step::Approve, vec![item]);
                }
            }
            "c" => {
                if let Some(item) = step_key(Step::Confirm) {
                    t.ask(Step::Confirm, vec![item]);
                }
            }
            "r" => {
                if let Some(item) = step_key(Step::Reject) {
                    t.ask(Step::Reject, vec![item]);
                }
            }
            "s" => {
                if let Some(item) = step_key(Step::SendBack) {
                    t.ask(Step::SendBack, vec![item]);
                }
            }
            "?" => t.help.update(|h| *h = !*h),
            "Escape" if t.help.get_untracked() => t.help.set(false),
            _ => return,
        }
        ev.prevent_default();
    };
    view! {
        <p class="muted" role="status">
            {if count as i64 >= QUEUE_MAX {
                format!("The oldest {count} records waiting; more follow as these are decided.")
            } else {
                format!("{} waiting.", records(count))
            }}
        </p>
        // The body is the keyboard's stop (Tab to it); the box still scrolls sideways under it.
        <div class="table-scroll" role="region" aria-label="Records waiting">
            <table class="data queue">
                <thead>
                    <tr>
                        <th scope="col">
                            <input type="checkbox" aria-label="Select all"
                                prop:checked=all_selected
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    t.selected.update(|s| {
                                        for id in &ids {
                                            if on { s.insert(*id); } else { s.remove(id); }
                                        }
                                    });
                                }/>
                        </th>
                        <th scope="col">"Number"</th>
                        <th scope="col">"Module"</th>
                        <th scope="col">"Dealer"</th>
                        <th scope="col">"Brand"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Waiting"</th>
                        <th scope="col">"Reviewer"</th>
                    </tr>
                </thead>
                <tbody tabindex="0" node_ref=t.body
                    aria-label="Records: j and k move, ? lists the keys"
                    on:keydown=on_key
                    on:focusin=move |_| {
                        t.keyboard.set(true);
                        // The first visit starts at the oldest record.
                        if t.cursor.get_untracked().is_none() && let Some(first) = shown().first() {
                            t.cursor.set(Some(first.id));
                        }
                    }
                    on:focusout=move |ev| {
                        // Focus moved somewhere on purpose (not lost with a rebuilt table).
                        if ev.related_target().is_some() {
                            t.keyboard.set(false);
                        }
                    }>
                    {list.into_iter().map(|i| {
                        let id = i.id;
                        let on = move || t.cursor.get() == Some(id);
                        // `aria-current` marks the focused row (a plain table exposes no
                        // `aria-selected`); the hidden live region says which it is as it moves.
                        view! {
                            <tr id=row_id(id) aria-current=move || on().then_some("true")
                                class:current=on on:click=move |_| t.cursor.set(Some(id))>
                                <td>
                                    <input type="checkbox" aria-label=format!("Select {}", i.number)
                                        prop:checked=move || t.selected.with(|s| s.contains(&id))
                                        on:change=move |_| t.toggle(id)/>
                                </td>
                                <td class="mono nowrap"><A href=i.href.clone()>{i.number.clone()}</A></td>
                                <td>{i.module.title()}</td>
                                <td>{format!("{} – {}", i.dealer_code, i.dealer_name)}</td>
                                <td>{i.brand.map_or("—", Brand::label)}</td>
                                <td><span class="badge info">{i.status.clone()}</span></td>
                                <td class="nowrap"><time datetime=minutes(&i.submitted_at) title=minutes(&i.submitted_at)>{age(&i.submitted_at, now)}</time></td>
                                <td>{i.reviewer.clone().unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn row_id(id: Uuid) -> String {
    format!("queue-{id}")
}

/// Scrolls the row with element id `id` into view, as little as needed.
fn reveal(id: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = document().get_element_by_id(id) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&options);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Whether nothing has the keyboard (the element that had it was removed).
fn focus_lost() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document()
            .active_element()
            .is_none_or(|e| e.tag_name() == "BODY")
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// The time now (UTC): the server's clock, or the browser's (chrono's clock does not run in WASM).
fn now() -> Option<NaiveDateTime> {
    #[cfg(feature = "ssr")]
    {
        Some(chrono::Utc::now().naive_utc())
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let performance = web_sys::window()?.performance()?;
        let millis = performance.time_origin() + performance.now();
        chrono::DateTime::from_timestamp_millis(millis as i64).map(|t| t.naive_utc())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}

/// How long a record has waited: "12 minutes", "5 hours", "3 days".
fn age(since: &NaiveDateTime, now: Option<NaiveDateTime>) -> String {
    let Some(now) = now else {
        return minutes(since);
    };
    let count = |n: i64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    match (now - *since).num_minutes().max(0) {
        0 => "under a minute".into(),
        m if m < 60 => count(m, "minute"),
        m if m < 48 * 60 => count(m / 60, "hour"),
        m => count(m / (24 * 60), "day"),
    }
}
