//! The criteria of one application: the editor (its state and autosave are [`Draft`]'s), and the
//! read-only view.

use leptos::prelude::*;

use super::draft::{Draft, SaveState};
use crate::error::FieldError;
use crate::modules::pcc::model::{
    Criteria, FACILITY, JUSTIFICATION_MAX, JUSTIFICATION_MIN, Measure, PEOPLE, PERFORMANCE,
    format_figure,
};

/// The editor: inputs generated from the measure tables, the lounge question and the
/// justification, each with its message as the user types; the save status in a live region.
#[component]
pub fn CriteriaEditor(
    /// The page's editor state (filled from the loaded application).
    draft: Draft,
    /// The form's messages (`CriteriaForm::check`), computed by the page.
    errors: Memo<Vec<FieldError>>,
) -> impl IntoView {
    // What the inputs start with; afterwards they are the user's (uncontrolled), so a partly
    // typed number is never overwritten while typing. A reload builds the editor afresh.
    // Built once the application is loaded (after an await): the page may be gone by then.
    let initial = draft.form.try_get_untracked().unwrap_or_default();
    let section = |legend: &'static str, measures: &'static [Measure]| {
        let initial = initial.clone();
        view! {
            <fieldset class="criteria">
                <legend>{legend}</legend>
                <div class="measure-grid">
                    {measures.iter().map(|m| view! { <MeasureInput m draft errors value=initial.get(m.field)/> }).collect_view()}
                </div>
            </fieldset>
        }
    };
    let lounge = initial.customer_lounge.clone();
    let lounge_error = move || draft.message(errors, "customer_lounge");
    let justification_error = move || draft.message(errors, "justification");
    let length = move || draft.form.with(|f| f.justification.trim().chars().count());
    view! {
        <p class="hint">"Changes are saved as you type. Empty fields are fine in a draft; all of them are needed to submit."</p>
        {section("Facility", &FACILITY)}
        {section("People", &PEOPLE)}
        {section("Performance", &PERFORMANCE)}
        <fieldset class="criteria">
            <legend>"Customer lounge"</legend>
            <div class="choices" class:invalid=move || lounge_error().is_some()>
                {[("yes", "Yes"), ("no", "No")].into_iter().map(|(value, label)| {
                    let id = format!("pcc-customer_lounge-{value}");
                    let label_for = id.clone();
                    view! {
                        <label class="choice" for=label_for>
                            <input type="radio" id=id name="customer_lounge" value=value
                                checked=lounge == value
                                aria-invalid=move || lounge_error().is_some().then_some("true")
                                aria-describedby="pcc-customer_lounge-error"
                                on:change=move |_| draft.edit("customer_lounge", value.to_owned())/>
                            {label}
                        </label>
                    }
                }).collect_view()}
            </div>
            <p class="field-error" id="pcc-customer_lounge-error" aria-live="polite">{lounge_error}</p>
        </fieldset>
        <div class="field" class:invalid=move || justification_error().is_some()>
            <label for="pcc-justification">"Justification"</label>
            <p class="hint" id="pcc-justification-hint">
                {format!("Why the dealer qualifies as a Performance Center: at least {JUSTIFICATION_MIN} characters to submit.")}
            </p>
            <textarea id="pcc-justification" name="justification" rows="6" maxlength=JUSTIFICATION_MAX
                aria-describedby="pcc-justification-hint pcc-justification-count pcc-justification-error"
                aria-invalid=move || justification_error().is_some().then_some("true")
                on:input=move |ev| draft.edit("justification", event_target_value(&ev))
            >{initial.justification.clone()}</textarea>
            <p class="muted small" id="pcc-justification-count">
                {move || format!("{} of {JUSTIFICATION_MAX} characters", length())}
            </p>
            <p class="field-error" id="pcc-justification-error" aria-live="polite">{justification_error}</p>
        </div>
        <SaveStatus draft/>
    }
}

/// One numeric criterion: a number input bounded by its measure, with its message.
#[component]
fn MeasureInput(
    m: &'static Measure,
    draft: Draft,
    errors: Memo<Vec<FieldError>>,
    value: String,
) -> impl IntoView {
    let field = m.field;
    let id = format!("pcc-{field}");
    let label_for = id.clone();
    let error_id = format!("pcc-{field}-error");
    let message = move || draft.message(errors, field);
    let label = if m.unit.is_empty() {
        m.label.to_owned()
    } else {
        format!("{} ({})", m.label, m.unit)
    };
    let on_input = move |ev: leptos::ev::Event| {
        let mut text = event_target_value(&ev);
        // A number input reports "" for text that is not a number yet ("1e"); keep it an error
        // rather than saving the field as empty.
        if text.is_empty() && !valid_input(&ev) {
            text = "?".into();
        }
        draft.edit(field, text);
    };
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=label_for>{label}</label>
            <input id=id type="number" name=field
                min=format_figure(m.min) max=format_figure(m.max)
                step=if m.whole { "1" } else { "0.01" }
                inputmode=if m.whole { "numeric" } else { "decimal" }
                value=value
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=error_id.clone()
                on:input=on_input
            />
            <p class="field-error" id=error_id aria-live="polite">{message}</p>
        </div>
    }
}

/// Whether the input that fired `ev` holds what it accepts (false for a half-typed number).
fn valid_input(ev: &leptos::ev::Event) -> bool {
    #[cfg(feature = "hydrate")]
    {
        // Not required and only ever empty or typed: invalid means "not a number".
        event_target::<web_sys::HtmlInputElement>(ev).check_validity()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        true
    }
}

/// "Saving…", "Saved at 14:05." or why not, announced politely; after a conflict, the way out.
#[component]
fn SaveStatus(draft: Draft) -> impl IntoView {
    let conflict = move || matches!(draft.state.get(), SaveState::Conflict(_));
    view! {
        <div class="save-status">
            <p role="status" aria-live="polite" class:form-error=move || {
                matches!(draft.state.get(), SaveState::Failed(_) | SaveState::Conflict(_) | SaveState::Invalid)
            }>{move || draft.status_text()}</p>
            {move || conflict().then(|| view! {
                <p>
                    "Your changes are still in the form. "
                    <button type="button" class="button small" on:click=move |_| draft.refetch()>
                        "Reload"
                    </button>
                    " shows the application as it is now, discarding your unsaved changes."
                </p>
            })}
        </div>
    }
}

/// The criteria as a definition list, for those who may not change them (or not now).
#[component]
pub fn CriteriaFacts(criteria: Criteria) -> impl IntoView {
    let section = |title: &'static str, measures: &'static [Measure]| {
        let rows = measures
            .iter()
            .map(|m| {
                let value = criteria.figure(m.field).map_or_else(
                    || "Not given".to_owned(),
                    |v| {
                        if m.unit.is_empty() {
                            format_figure(v)
                        } else {
                            format!("{} {}", format_figure(v), m.unit)
                        }
                    },
                );
                view! { <dt>{m.label}</dt><dd>{value}</dd> }
            })
            .collect_view();
        view! {
            <h3>{title}</h3>
            <dl class="facts">{rows}</dl>
        }
    };
    let lounge = match criteria.customer_lounge {
        Some(true) => "Yes",
        Some(false) => "No",
        None => "Not given",
    };
    let justification = criteria.justification.clone();
    view! {
        {section("Facility", &FACILITY)}
        {section("People", &PEOPLE)}
        {section("Performance", &PERFORMANCE)}
        <h3>"Customer lounge"</h3>
        <p>{lounge}</p>
        <h3>"Justification"</h3>
        {if justification.is_empty() {
            view! { <p class="muted">"Not given"</p> }.into_any()
        } else {
            view! { <p class="prewrap">{justification}</p> }.into_any()
        }}
    }
}
