//! How an error looks wherever a page fails.

use leptos::prelude::*;

/// The fallback of every `<ErrorBoundary>`: what went wrong, in words, and a way to try again.
#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::error::PageStatus::report_errors(errors.read_untracked().iter().map(|(_, e)| e));
    let messages = move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| view! { <li>{e.to_string()}</li> })
            .collect_view()
    };
    view! {
        <section class="card error-panel" role="alert">
            <h2>"This page could not be loaded"</h2>
            <ul>{messages}</ul>
            <p>
                "Reload the page to try again. If it keeps happening, give the reference above to your administrator."
            </p>
        </section>
    }
}
