//! Form pieces: a labelled input with its field error, and the form-level error.

use leptos::prelude::*;

use crate::error::AppError;

/// The error of an action's last result, if it failed.
pub fn last_error<T, S>(value: S) -> Signal<Option<AppError>>
where
    T: Clone + Send + Sync + 'static,
    S: Get<Value = Option<Result<T, AppError>>> + Send + Sync + 'static,
{
    Signal::derive(move || value.get().and_then(Result::err))
}

/// A labelled input whose validation message (from `error`) is tied to it for screen readers.
#[component]
pub fn Field(
    /// The submitted name; also the `id`.
    name: &'static str,
    /// The visible label.
    label: &'static str,
    /// `type` attribute.
    #[prop(default = "text")]
    kind: &'static str,
    /// `autocomplete` attribute.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// The last error of the form.
    error: Signal<Option<AppError>>,
    /// Help text under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// `inputmode` attribute.
    #[prop(optional)]
    inputmode: Option<&'static str>,
) -> impl IntoView {
    let message = move || {
        error
            .get()
            .and_then(|e| e.field_message(name).map(str::to_owned))
    };
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described_by = {
        let error_id = error_id.clone();
        let hint_id = hint_id.clone();
        move || {
            let mut ids = Vec::new();
            if hint.is_some() {
                ids.push(hint_id.clone());
            }
            if message().is_some() {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field" class:invalid=move || message().is_some()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                aria-invalid=move || message().is_some().then_some("true")
                aria-describedby=described_by
            />
            <p class="field-error" id=error_id role="alert">{message}</p>
        </div>
    }
}

/// Errors not tied to a shown field (not allowed, too many attempts, our fault).
#[component]
pub fn FormError(
    /// The last error of the form.
    error: Signal<Option<AppError>>,
    /// Field names the form shows next to their inputs.
    fields: &'static [&'static str],
) -> impl IntoView {
    let text = move || match error.get() {
        None => None,
        Some(AppError::Validation { fields: errs }) => {
            let stray: Vec<String> = errs
                .into_iter()
                .filter(|f| !fields.contains(&f.field.as_str()))
                .map(|f| f.message)
                .collect();
            (!stray.is_empty()).then(|| stray.join(" "))
        }
        Some(other) => Some(other.to_string()),
    };
    view! {
        <p class="form-error" role="alert">{text}</p>
    }
}
