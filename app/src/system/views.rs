//! The system status page.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{PingResult, SystemStatus, get_system_status, ping_database};
use crate::components::ErrorPanel;
use crate::error::AppError;

/// `/system/status`: database version, applied migrations and a live latency probe.
#[component]
pub fn StatusPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| get_system_status());
    view! {
        <Title text="System status"/>
        <h1>"System status"</h1>
        <Transition fallback=|| view! { <p class="muted">"Reading status from the database…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    status.await.map(|s| view! { <StatusDetails status=s/> })
                })}
            </ErrorBoundary>
        </Transition>
        <LatencyProbe/>
    }
}

#[component]
fn StatusDetails(status: SystemStatus) -> impl IntoView {
    let applied = status.migrations.len();
    view! {
        <section class="card" aria-labelledby="db-heading">
            <h2 id="db-heading">"Database"</h2>
            <dl class="facts">
                <dt>"Application version"</dt>
                <dd>{status.app_version}</dd>
                <dt>"Database"</dt>
                <dd>{status.database_name}</dd>
                <dt>"Server"</dt>
                <dd data-testid="database-version">{status.database_version}</dd>
                <dt>"Database clock (UTC)"</dt>
                <dd>{crate::components::time::seconds(&status.database_time.naive_utc())}</dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="migrations-heading">
            <h2 id="migrations-heading">{format!("Applied migrations ({applied})")}</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Applied migrations">
                <table class="data">
                    <thead>
                        <tr>
                            <th scope="col">"Version"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"Applied (UTC)"</th>
                            <th scope="col">"Result"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {status
                            .migrations
                            .into_iter()
                            .map(|m| {
                                view! {
                                    <tr>
                                        <td class="mono">{m.version}</td>
                                        <td>{m.description}</td>
                                        <td>{crate::components::time::minutes(&m.installed_on.naive_utc())}</td>
                                        <td>{if m.success { "applied" } else { "FAILED" }}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// Measures the browser → server → database round trip. It only works once the page has hydrated,
/// which makes it the page's proof that hydration happened: the button is disabled in the server's
/// HTML and enabled by an effect, and effects only run in the browser.
#[component]
fn LatencyProbe() -> impl IntoView {
    let hydrated = crate::components::hydrated();

    let probe = Action::new(|_: &()| async move {
        let started = now_millis();
        let result = ping_database().await;
        (result, now_millis() - started)
    });

    view! {
        <section class="card" aria-labelledby="probe-heading">
            <h2 id="probe-heading">"Latency"</h2>
            <p>"Time a request from this browser through the server to the database and back."</p>
            <button
                type="button"
                class="button"
                disabled=move || !hydrated.get() || probe.pending().get()
                on:click=move |_| {
                    probe.dispatch(());
                }
            >
                "Measure round trip"
            </button>
            <p role="status" aria-live="polite">
                {move || probe.value().get().map(|(result, elapsed_ms)| describe_probe(result, elapsed_ms))}
            </p>
        </section>
    }
}

fn describe_probe(result: Result<PingResult, AppError>, elapsed_ms: f64) -> String {
    match result {
        Ok(ping) => format!(
            "Round trip {elapsed_ms:.1} ms (database {:.2} ms).",
            ping.database_micros as f64 / 1000.0
        ),
        Err(err) => format!("The probe failed: {err}"),
    }
}

/// Milliseconds on the browser's monotonic clock. The probe only ever runs in the browser; the server
/// build needs the symbol but never calls it.
fn now_millis() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}
