//! The approval queue page: every record awaiting a decision the user may take, oldest first,
//! triaged with the keyboard one record at a time or decided in bulk.

mod table;

use std::collections::BTreeSet;

use leptos::html::{Button, Tbody, Textarea};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::api::{bulk_decide, list_queue};
use super::{BULK_MAX, BulkItem, QueueItem, QueueQuery};
use crate::components::{ErrorPanel, hydrated};
use crate::dealers::Brand;
use crate::list::MAX_SEARCH;
use crate::live::use_live;
use crate::modules::Module;
use crate::workflow::{CommentRule, MAX_COMMENT, MIN_COMMENT, Step, check_comment};
use table::QueueTable;

/// A decision waiting for its comment.
#[derive(Debug, Clone, PartialEq)]
struct Ask {
    step: Step,
    targets: Vec<QueueItem>,
}

/// What became of one record.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    number: String,
    done: bool,
    message: String,
}

/// The page's state, owned by the page: the table below is rebuilt on every refetch and must
/// keep the selection, the focused row and what was decided.
#[derive(Clone, Copy)]
struct Triage {
    selected: RwSignal<BTreeSet<Uuid>>,
    cursor: RwSignal<Option<Uuid>>,
    help: RwSignal<bool>,
    ask: RwSignal<Option<Ask>>,
    comment: RwSignal<String>,
    comment_error: RwSignal<Option<String>>,
    pending: RwSignal<Option<String>>,
    outcomes: RwSignal<Vec<Outcome>>,
    said: RwSignal<String>,
    refresh: RwSignal<u32>,
    body: NodeRef<Tbody>,
    /// The list had the keyboard last: a refetch, which rebuilds it, gives the keyboard back.
    keyboard: RwSignal<bool>,
}

impl Triage {
    /// Takes `step` on `targets` (each at the version shown) with one comment, and reports each.
    async fn decide(self, step: Step, targets: Vec<QueueItem>, comment: String) {
        let verb = step.label().to_lowercase();
        let (allowed, refused): (Vec<QueueItem>, Vec<QueueItem>) =
            targets.into_iter().partition(|i| i.steps.contains(&step));
        let mut outcomes: Vec<Outcome> = refused
            .iter()
            .map(|i| Outcome {
                number: i.number.clone(),
                done: false,
                message: format!("You cannot {verb} this record now."),
            })
            .collect();
        self.outcomes.set(Vec::new());
        self.pending.set(Some(format!(
            "{}: {}…",
            step.label(),
            records(allowed.len())
        )));
        let mut decided: Vec<Uuid> = Vec::new();
        for chunk in allowed.chunks(BULK_MAX) {
            let items = chunk
                .iter()
                .map(|i| BulkItem {
                    module: i.module,
                    id: i.id,
                    version: i.version,
                })
                .collect();
            let number = |id: Uuid| {
                chunk
                    .iter()
                    .find(|i| i.id == id)
                    .map_or_else(String::new, |i| i.number.clone())
            };
            match bulk_decide(items, step, comment.clone()).await {
                Ok(results) => {
                    decided.extend(results.iter().filter(|r| r.done).map(|r| r.id));
                    outcomes.extend(results.into_iter().map(|r| Outcome {
                        number: number(r.id),
                        done: r.done,
                        message: r.message,
                    }));
                }
                Err(e) => outcomes.extend(chunk.iter().map(|i| Outcome {
                    number: i.number.clone(),
                    done: false,
                    message: e.to_string(),
                })),
            }
        }
        // What was decided leaves the selection; what was not stays, to try again or unselect.
        // The page may be gone by now: `try_`.
        self.selected
            .try_update(|s| s.retain(|id| !decided.contains(id)));
        self.pending.try_set(None);
        self.outcomes.try_set(outcomes);
        self.refresh.try_update(|n| *n += 1);
    }

    /// Asks for a comment (optional for an approval) and a confirmation before taking `step` on
    /// `targets`.
    fn ask(self, step: Step, targets: Vec<QueueItem>) {
        self.comment.set(String::new());
        self.comment_error.set(None);
        self.ask.set(Some(Ask { step, targets }));
    }

    /// Closes the comment box and gives the keyboard back to the table.
    fn close(self) {
        self.ask.set(None);
        if let Some(body) = self.body.get_untracked() {
            let _ = body.focus();
        }
    }

    fn toggle(self, id: Uuid) {
        self.selected.update(|s| {
            if !s.remove(&id) {
                s.insert(id);
            }
        });
    }
}

fn records(n: usize) -> String {
    if n == 1 {
        "1 record".into()
    } else {
        format!("{n} records")
    }
}

/// `/queue`.
#[component]
pub fn QueuePage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| QueueQuery::from_params(|k| m.get(k))));
    let live = use_live();
    let t = Triage {
        selected: RwSignal::new(BTreeSet::new()),
        cursor: RwSignal::new(None),
        help: RwSignal::new(false),
        ask: RwSignal::new(None),
        comment: RwSignal::new(String::new()),
        comment_error: RwSignal::new(None),
        pending: RwSignal::new(None),
        outcomes: RwSignal::new(Vec::new()),
        said: RwSignal::new(String::new()),
        refresh: RwSignal::new(0),
        body: NodeRef::new(),
        keyboard: RwSignal::new(false),
    };
    let items = Resource::new(
        move || (query.get(), live.records.get(), t.refresh.get()),
        |(q, _, _)| list_queue(q),
    );
    // The selection keeps only records still waiting.
    Effect::new(move |_| {
        if let Some(Ok(list)) = items.get() {
            t.selected.maybe_update(|s| {
                let before = s.len();
                s.retain(|id| list.iter().any(|i| i.id == *id));
                s.len() != before
            });
        }
    });
    let ready = hydrated();
    let current = move || query.get();
    let chosen = move || {
        let selected = t.selected.get();
        items
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .filter(|i| selected.contains(&i.id))
            .collect::<Vec<_>>()
    };
    let idle =
        move || ready.get() && t.pending.get().is_none() && !t.selected.with(BTreeSet::is_empty);
    view! {
        <Title text="Approval queue"/>
        <h1>"Approval queue"</h1>
        <p class="lead">"Records waiting for your decision, oldest first."</p>
        <form method="get" action="/queue" class="filters" role="search">
            <label>"Module"
                <select name="module">
                    <option value="">"Any module"</option>
                    {Module::ALL.into_iter().map(|m| {
                        let on = move || current().module == Some(m);
                        view! { <option value=m.key() selected=on prop:selected=on>{m.title()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Dealer"
                <input type="search" name="dealer" maxlength=MAX_SEARCH placeholder="Code or name"
                    value=move || current().dealer prop:value=move || current().dealer/>
            </label>
            <label>"Brand"
                <select name="brand">
                    <option value="">"Any brand"</option>
                    {Brand::ALL.into_iter().map(|b| {
                        let on = move || current().brand == Some(b);
                        view! { <option value=b.key() selected=on prop:selected=on>{b.label()}</option> }
                    }).collect_view()}
                </select>
            </label>
            <label>"Waiting at least (days)"
                <input type="number" name="age" min="0" max="3650" step="1" inputmode="numeric"
                    value=move || current().min_age_days.map(|d| d.to_string())
                    prop:value=move || current().min_age_days.map(|d| d.to_string()).unwrap_or_default()/>
            </label>
            <button type="submit" class="button secondary">"Apply"</button>
        </form>
        <div class="toolbar" role="group" aria-label="Selected records">
            <span>{move || format!("{} selected", t.selected.with(BTreeSet::len))}</span>
            <button type="button" class="button" disabled=move || !idle()
                on:click=move |_| t.ask(Step::Approve, chosen())>"Approve selected"</button>
            <button type="button" class="button danger" disabled=move || !idle()
                on:click=move |_| t.ask(Step::Reject, chosen())>"Reject selected"</button>
            <button type="button" class="button secondary" disabled=move || !idle()
                on:click=move |_| t.ask(Step::Confirm, chosen())>"Confirm selected registrations"</button>
            <button type="button" class="link-button" disabled=move || !idle()
                on:click=move |_| t.selected.set(BTreeSet::new())>"Clear selection"</button>
            <button type="button" class="button secondary small" aria-controls="queue-keys"
                aria-expanded=move || if t.help.get() { "true" } else { "false" }
                on:click=move |_| t.help.update(|h| *h = !*h)>"Keyboard shortcuts"</button>
        </div>
        <KeyHelp t/>
        {move || t.ask.get().map(|ask| view! { <CommentDialog t ask/> })}
        <div class="bulk-status" role="status" aria-live="polite" aria-busy=move || t.pending.get().is_some().then_some("true")>
            {move || t.pending.get().map(|p| view! { <p>{p}</p> })}
            {move || {
                let outcomes = t.outcomes.get();
                (!outcomes.is_empty()).then(|| {
                    let done = outcomes.iter().filter(|o| o.done).count();
                    view! {
                        <p><strong>{format!("{done} of {} decided.", records(outcomes.len()))}</strong></p>
                        <ul class="outcomes">
                            {outcomes.into_iter().map(|o| view! {
                                <li class=if o.done { "done" } else { "not-done" }>
                                    <span class="mono">{o.number}</span>
                                    {if o.done { ": decided. " } else { ": not decided. " }}
                                    {o.message}
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                })
            }}
        </div>
        <p class="visually-hidden" role="status" aria-live="polite">{move || t.said.get()}</p>
        <Transition fallback=|| view! { <p class="muted">"Loading the queue…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    items.await.map(|list| {
                        if list.is_empty() {
                            view! { <p class="empty">"Nothing is waiting for your decision."</p> }.into_any()
                        } else {
                            view! { <QueueTable t items list/> }.into_any()
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The keys, listed (`?` or the "Keyboard shortcuts" button).
#[component]
fn KeyHelp(t: Triage) -> impl IntoView {
    let keys = [
        ("j or ↓", "Next record"),
        ("k or ↑", "Previous record"),
        ("Enter", "Open the record"),
        ("x or Space", "Select or unselect the record"),
        ("t", "Take for review"),
        ("a", "Approve (asks to confirm; the comment is optional)"),
        ("c", "Confirm a registration's seat (asks to confirm)"),
        ("r", "Reject (asks for a comment)"),
        ("s", "Send back for revision (asks for a comment)"),
        ("?", "Show or hide this list"),
        ("Escape", "Close this list or the comment box"),
    ];
    view! {
        <section id="queue-keys" class="card kbd-help" aria-labelledby="queue-keys-heading" hidden=move || !t.help.get()>
            <h2 id="queue-keys-heading">"Keyboard shortcuts"</h2>
            <p class="hint">"Focus the list of records (Tab to it), then use these keys. A key does nothing on a record that does not offer that step."</p>
            <dl class="facts">
                {keys.into_iter().map(|(k, what)| view! { <dt><kbd>{k}</kbd></dt><dd>{what}</dd> }).collect_view()}
            </dl>
        </section>
    }
}

/// The comment for a decision (required for reject and send back, optional for approve), for one
/// record or the selection.
#[component]
fn CommentDialog(t: Triage, ask: Ask) -> impl IntoView {
    let area = NodeRef::<Textarea>::new();
    let cancel = NodeRef::<Button>::new();
    Effect::new(move |_| {
        if let Some(el) = area.get() {
            let _ = el.focus();
        }
    });
    let Ask { step, targets } = ask;
    let rule = match step {
        Step::Reject | Step::SendBack => CommentRule::Required,
        _ => CommentRule::Optional,
    };
    let required = rule == CommentRule::Required;
    let what = match targets.as_slice() {
        [one] => one.number.clone(),
        many => records(many.len()),
    };
    let heading = format!("{}: {what}", step.label());
    let length = move || t.comment.with(|c| c.trim().chars().count());
    let targets = StoredValue::new(targets);
    let confirm = move || {
        let text = t.comment.get_untracked();
        match check_comment(rule, &text) {
            Err(f) => t.comment_error.set(Some(f.message)),
            Ok(_) => {
                let targets = targets.get_value();
                t.close();
                leptos::task::spawn_local(t.decide(step, targets, text));
            }
        }
    };
    view! {
        <section class="card comment-box" role="dialog" aria-modal="true" aria-labelledby="queue-dialog-heading"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                match ev.key().as_str() {
                    "Escape" => {
                        ev.prevent_default();
                        t.close();
                    }
                    "Tab" => keep_tab_inside(&ev, area, cancel),
                    _ => {}
                }
            }>
            <h2 id="queue-dialog-heading">{heading}</h2>
            <div class="field" class:invalid=move || t.comment_error.get().is_some()>
                <label for="queue-comment">
                    {if required { "Comment for the dealer (required)" } else { "Comment for the dealer (optional)" }}
                </label>
                <p class="hint" id="queue-comment-hint">
                    {if required { format!("At least {MIN_COMMENT} characters. The dealer sees it.") } else { "The dealer sees it.".to_owned() }}
                </p>
                <textarea id="queue-comment" rows="4" maxlength=MAX_COMMENT node_ref=area required=required
                    aria-describedby="queue-comment-hint queue-comment-count queue-comment-error"
                    aria-invalid=move || t.comment_error.get().is_some().then_some("true")
                    on:input=move |ev| {
                        t.comment.set(event_target_value(&ev));
                        t.comment_error.set(None);
                    }></textarea>
                <p class="muted small" id="queue-comment-count">
                    {move || format!("{} of {MAX_COMMENT} characters", length())}
                </p>
                <p class="field-error" id="queue-comment-error" role="alert">{move || t.comment_error.get()}</p>
            </div>
            <div class="actions">
                <button type="button" class=if matches!(step, Step::Approve | Step::Confirm) { "button" } else { "button danger" }
                    aria-disabled=move || (required && length() < MIN_COMMENT).then_some("true")
                    on:click=move |_| confirm()>{format!("Confirm: {}", step.label())}</button>
                <button type="button" class="button secondary" node_ref=cancel on:click=move |_| t.close()>"Cancel"</button>
                <span class="muted small">"Escape cancels."</span>
            </div>
        </section>
    }
}

/// Keeps Tab inside the dialog: from its last control (`last`) round to its first (`first`), and
/// back with Shift+Tab.
fn keep_tab_inside(
    ev: &leptos::ev::KeyboardEvent,
    first: NodeRef<Textarea>,
    last: NodeRef<Button>,
) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsValue;
        let (Some(first), Some(last)) = (first.get_untracked(), last.get_untracked()) else {
            return;
        };
        let first: web_sys::HtmlElement = first.into();
        let last: web_sys::HtmlElement = last.into();
        let (from, to) = if ev.shift_key() {
            (&first, &last)
        } else {
            (&last, &first)
        };
        let on_edge = ev
            .target()
            .is_some_and(|target| JsValue::from(target) == JsValue::from(from.clone()));
        if on_edge {
            ev.prevent_default();
            let _ = to.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, first, last);
}
