//! The workflow core's one shared view: a record's timeline.

use leptos::prelude::*;

use super::HistoryEntry;
use crate::components::time::minutes;

/// A record's history, oldest first; `status` turns a stored status key into its label.
#[component]
pub fn Timeline(entries: Vec<HistoryEntry>, status: fn(&str) -> String) -> impl IntoView {
    view! {
        <ol class="timeline" aria-labelledby="history-heading">
            {entries.into_iter().map(|h| {
                let change = match &h.from_status {
                    Some(from) if *from != h.to_status => format!(" · from {} to {}", status(from), status(&h.to_status)),
                    Some(_) => String::new(),
                    None => format!(" · now {}", status(&h.to_status)),
                };
                view! {
                    <li>
                        <p class="timeline-what"><strong>{h.step.headline()}</strong>{format!(" by {}", h.actor_name)}</p>
                        <p class="muted small"><time>{minutes(&h.at)}</time>{change}</p>
                        {h.comment.map(|c| view! { <blockquote class="prewrap">{c}</blockquote> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
