//! `/modules/{slug}/events/{id}/import`: registering a CSV file of people for one event. The
//! file is read in the browser and checked on the server row by row; the user sees each row's
//! outcome and chooses: register all (only if every row passes) or register the valid rows.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::path;
use crate::components::hydrated;
use crate::modules::registrations::api::import_registrations;
use crate::modules::registrations::model::{
    EventKind, IMPORT_MAX_ROWS, ImportMode, ImportReport, RowOutcome, import_header, template_href,
};

/// The CSV import for one event.
#[component]
pub fn ImportPage(kind: EventKind, id: Uuid) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let file_error = RwSignal::new(None::<String>);
    let run = Action::new(move |mode: &ImportMode| {
        import_registrations(kind, id, text.get_untracked(), *mode)
    });
    let ready = hydrated();
    let event_href = format!("{}/events/{id}", path(kind));
    let template = template_href(kind);
    let on_file = move |ev: leptos::ev::Event| {
        file_error.set(None);
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = match ev.target().and_then(|t| t.dyn_into().ok())
            {
                Some(i) => i,
                None => return,
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            if file.size() > crate::modules::registrations::model::IMPORT_MAX_BYTES as f64 {
                file_error.set(Some(format!(
                    "The file is larger than {} KB; split it.",
                    crate::modules::registrations::model::IMPORT_MAX_BYTES / 1024
                )));
                return;
            }
            leptos::task::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    Ok(v) => text.set(v.as_string().unwrap_or_default()),
                    Err(_) => file_error.set(Some("The file could not be read.".into())),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    let busy = move || !ready.get() || run.pending().get() || text.with(String::is_empty);
    view! {
        <Title text="Register from a CSV file"/>
        <p class="breadcrumb"><A href=event_href.clone()>"Back to the event"</A></p>
        <h1>"Register from a CSV file"</h1>
        <p class="lead">{format!(
            "One {} per line, at most {IMPORT_MAX_ROWS}. The first line names the columns: {}. ",
            kind.person_noun(),
            import_header(kind).join(", ")
        )}<a href=template download>"Download the template"</a>"."</p>
        <div class="card stacked">
            <div class="field">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file disabled=move || !ready.get()/>
                <p class="field-error" role="alert">{move || file_error.get()}</p>
            </div>
            <div class="field">
                <label for="import-text">"Or paste the rows"</label>
                <textarea id="import-text" rows="8" class="mono" prop:value=move || text.get()
                    on:input:target=move |ev| text.set(ev.target().value())></textarea>
            </div>
            <div class="actions">
                <button type="button" class="button secondary" disabled=busy on:click=move |_| { run.dispatch(ImportMode::Check); }>"Check the rows"</button>
                <button type="button" class="button" disabled=busy on:click=move |_| { run.dispatch(ImportMode::All); }>"Register all, or none if any row is refused"</button>
                <button type="button" class="button secondary" disabled=busy on:click=move |_| { run.dispatch(ImportMode::ValidOnly); }>"Register the valid rows"</button>
            </div>
        </div>
        <div role="status" aria-live="polite">
            {move || run.value().get().map(|r| match r {
                Ok(report) => view! { <Report report event_href=event_href.clone()/> }.into_any(),
                Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn Report(report: ImportReport, event_href: String) -> impl IntoView {
    let passed = report.passed();
    let total = report.rows.len();
    let summary = if report.applied {
        format!("Registered {passed} of {total} people.")
    } else if passed == total {
        format!("All {total} rows pass; nothing was registered yet.")
    } else {
        format!(
            "{} of {total} rows are refused; nothing was registered.",
            total - passed
        )
    };
    view! {
        <h2>"Result"</h2>
        <p class=if report.applied { "notice" } else { "muted" }>{summary}" "
            {report.applied.then(|| view! { <A href=event_href>"See the event"</A> })}</p>
        <table class="data">
            <thead><tr><th scope="col">"Line"</th><th scope="col">"Name"</th><th scope="col">"Outcome"</th></tr></thead>
            <tbody>
                {report.rows.into_iter().map(|r| {
                    let (class, text) = match r.outcome {
                        RowOutcome::Registered { number, waitlist_position } => {
                            let seat = match waitlist_position {
                                None => "a seat".to_owned(),
                                Some(p) => format!("the waitlist (number {p})"),
                            };
                            let text = if number.is_empty() {
                                format!("Passes: would get {seat}.")
                            } else {
                                format!("Registered as {number}, with {seat}.")
                            };
                            ("badge ok", text)
                        }
                        RowOutcome::Refused { reasons } => ("badge off", format!("Refused: {}", reasons.join(" "))),
                        RowOutcome::NotApplied => ("badge", "Passes, but was not registered because other rows were refused.".to_owned()),
                    };
                    view! {
                        <tr>
                            <td>{r.line}</td>
                            <td>{r.name}</td>
                            <td><span class=class>{if class == "badge off" { "Refused" } else { "OK" }}</span>" "{text}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
