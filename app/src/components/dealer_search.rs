//! The dealer filter of a list: a text field (part of a dealer's code or name, matched as every
//! list's dealer filter matches it) that suggests dealers as you type.
//!
//! The page carries no list of dealers: suggestions (at most [`SUGGESTIONS`]) are fetched after a
//! pause in typing and offered through a `<datalist>`, the browser's own accessible suggestion
//! list. Before hydration, and for callers who may not list dealers, it is a plain text field
//! and filters just the same.

use std::time::Duration;

use leptos::prelude::*;

use crate::admin::api::suggest_dealers;
use crate::list::MAX_SEARCH;

/// The most dealers suggested at once.
pub const SUGGESTIONS: i64 = 10;
/// The pause in typing after which suggestions are fetched.
const PAUSE: Duration = Duration::from_millis(200);

/// A `dealer` text field with suggestions; `value` is the filter shown (from the page's URL).
#[component]
pub fn DealerSearch(#[prop(into)] value: Signal<String>) -> impl IntoView {
    let options = RwSignal::new(Vec::new());
    // Each keystroke takes a ticket; only the latest one's answer is shown.
    let ticket = StoredValue::new(0_u64);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let mine = ticket.get_value().wrapping_add(1);
        ticket.set_value(mine);
        if text.trim().is_empty() {
            options.set(Vec::new());
            return;
        }
        set_timeout(
            move || {
                if ticket.try_get_value() != Some(mine) {
                    return;
                }
                leptos::task::spawn_local(async move {
                    // No suggestions (no right to list dealers, or offline) leaves a text field.
                    let found = suggest_dealers(text).await.unwrap_or_default();
                    if ticket.try_get_value() == Some(mine) {
                        options.try_set(found);
                    }
                });
            },
            PAUSE,
        );
    };
    view! {
        <label>"Dealer"
            <input type="search" name="dealer" list="dealer-suggestions" autocomplete="off"
                maxlength=MAX_SEARCH placeholder="Code or name" prop:value=move || value.get()
                on:input=on_input/>
        </label>
        <datalist id="dealer-suggestions">
            {move || options.get().into_iter().map(|d| view! {
                <option value=d.code>{d.name}</option>
            }).collect_view()}
        </datalist>
    }
}
