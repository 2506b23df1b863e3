//! How an error looks wherever a page fails.

use leptos::prelude::*;

/// The fallback of every `<ErrorBoundary>`: what went wrong, in words, and a way to try again.
/// Rendered on the server, it also gives the response the status of what went wrong (the worst
/// of its errors: 500 over 404 over 403...), so monitors and proxies do not count a failed page
/// as a success. Pages render in full before they are sent (`SsrMode::Async`), so the status can
/// still be set here.
#[component]
pub fn ErrorPanel(errors: ArcRwSignal<Errors>) -> impl IntoView {
    #[cfg(feature = "ssr")]
    answer_with_status(&errors.get_untracked());
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

#[cfg(feature = "ssr")]
fn answer_with_status(errors: &Errors) {
    let status = errors
        .iter()
        .map(|(_, e)| {
            e.downcast_ref::<crate::error::AppError>()
                .map_or(http::StatusCode::INTERNAL_SERVER_ERROR, |e| e.status())
        })
        .max();
    if let (Some(status), Some(response)) = (status, use_context::<leptos_axum::ResponseOptions>())
    {
        response.set_status(status);
    }
}
