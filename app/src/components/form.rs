//! Form pieces: a labelled input or select with its field error, and the form-level error. Every
//! form field goes through [`Field`] or [`SelectField`], so each shows its error the same way.

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

/// What was typed into field `name` of a form posted without JavaScript and refused, when the
/// page is that form coming back (see [`crate::posted`]); secrets never come back.
fn came_back(name: &'static str) -> Option<String> {
    if crate::posted::is_secret(name) {
        return None;
    }
    let query = leptos_router::hooks::use_query_map();
    crate::posted::posted_value(|k| query.with_untracked(|q| q.get(k)), name)
}

/// The frame of one form field: its label, help text, the control, and the field's message from
/// the form's last error, tied to the control for screen readers. [`Field`] and [`SelectField`]
/// differ only in the control.
///
/// The message is computed in plain closures over the form's `error` (owned by the page), never
/// kept in a signal of the field's own: when a form is swapped out, a render effect already queued
/// may still run once, and a signal owned by the disposed field would panic there.
struct FieldFrame {
    id: String,
    hint_id: Option<String>,
    error_id: String,
    name: &'static str,
    error: Signal<Option<AppError>>,
}

impl FieldFrame {
    fn new(
        name: &'static str,
        id: Option<String>,
        has_hint: bool,
        error: Signal<Option<AppError>>,
    ) -> Self {
        let id = id.unwrap_or_else(|| name.to_owned());
        FieldFrame {
            hint_id: has_hint.then(|| format!("{id}-hint")),
            error_id: format!("{id}-error"),
            id,
            name,
            error,
        }
    }

    /// This field's message in the form's last error, if any.
    fn message(&self) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static {
        let (error, name) = (self.error, self.name);
        move || {
            error
                .get()
                .and_then(|e| e.field_message(name).map(str::to_owned))
        }
    }

    /// The control's `aria-describedby`: the hint, and the message while there is one.
    fn described_by(&self) -> impl Fn() -> Option<String> + Send + Sync + 'static {
        let hint_id = self.hint_id.clone();
        let error_id = self.error_id.clone();
        let message = self.message();
        move || {
            let mut ids: Vec<&str> = hint_id.iter().map(String::as_str).collect();
            if message().is_some() {
                ids.push(&error_id);
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    }

    /// The control's `aria-invalid`.
    fn invalid(&self) -> impl Fn() -> Option<&'static str> + Send + Sync + Copy + 'static {
        let message = self.message();
        move || message().is_some().then_some("true")
    }

    fn view(
        self,
        label: Oco<'static, str>,
        hint: Option<Oco<'static, str>>,
        control: impl IntoView + 'static,
    ) -> impl IntoView {
        let message = self.message();
        view! {
            <div class="field" class:invalid=move || message().is_some()>
                <label for=self.id>{label}</label>
                {hint.map(|h| view! { <p class="hint" id=self.hint_id>{h}</p> })}
                {control}
                <p class="field-error" id=self.error_id role="alert">{message}</p>
            </div>
        }
    }
}

/// A labelled input whose validation message (from `error`) is tied to it for screen readers.
#[component]
pub fn Field(
    /// The submitted name; also the `id` unless `id` is given.
    name: &'static str,
    /// The visible label.
    #[prop(into)]
    label: Oco<'static, str>,
    /// `type` attribute.
    #[prop(default = "text")]
    kind: &'static str,
    /// `autocomplete` attribute.
    #[prop(default = "off")]
    autocomplete: &'static str,
    /// The last error of the form.
    error: Signal<Option<AppError>>,
    /// Help text under the label.
    #[prop(optional, into)]
    hint: Option<Oco<'static, str>>,
    /// `inputmode` attribute.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// The value it starts with (the stored one, when editing).
    #[prop(optional, into)]
    value: Option<String>,
    /// The most characters accepted: the model's limit for the field, never a number written here.
    #[prop(optional)]
    maxlength: Option<usize>,
    /// Whether the form needs it (announced to screen readers; the server decides).
    #[prop(optional)]
    required: bool,
    /// The element `id`, when several forms on one page post the same `name`.
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let frame = FieldFrame::new(name, id, hint.is_some(), error);
    let value = came_back(name).or(value);
    let input = view! {
        <input
            id=frame.id.clone()
            name=name
            type=kind
            autocomplete=autocomplete
            inputmode=inputmode
            value=value
            maxlength=maxlength
            required=required
            aria-invalid=frame.invalid()
            aria-describedby=frame.described_by()
        />
    };
    frame.view(label, hint, input)
}

/// A labelled `<select>` whose validation message (from `error`) is tied to it for screen readers.
#[component]
pub fn SelectField(
    /// The submitted name and `id`.
    name: &'static str,
    /// The visible label.
    #[prop(into)]
    label: Oco<'static, str>,
    /// The last error of the form.
    error: Signal<Option<AppError>>,
    /// `(value, label)` of each choice, in order.
    options: Vec<(String, String)>,
    /// The value chosen at first (the stored one, when editing).
    #[prop(optional, into)]
    value: Option<String>,
    /// The label of a first, empty choice ("Choose a role"); none when every choice is an answer.
    #[prop(optional)]
    placeholder: Option<&'static str>,
    /// Help text under the label.
    #[prop(optional, into)]
    hint: Option<Oco<'static, str>>,
    /// Whether the form needs it (announced to screen readers; the server decides).
    #[prop(optional)]
    required: bool,
    /// Whether it cannot be used yet (its choices are still loading).
    #[prop(optional)]
    disabled: bool,
) -> impl IntoView {
    let frame = FieldFrame::new(name, None, hint.is_some(), error);
    let value = came_back(name).or(value);
    let options = options
        .into_iter()
        .map(|(v, l)| {
            let selected = value.as_deref() == Some(v.as_str());
            view! { <option value=v selected=selected>{l}</option> }
        })
        .collect_view();
    let select = view! {
        <select
            id=frame.id.clone()
            name=name
            required=required
            disabled=disabled
            aria-invalid=frame.invalid()
            aria-describedby=frame.described_by()
        >
            {placeholder.map(|p| view! { <option value="">{p}</option> })}
            {options}
        </select>
    };
    frame.view(label, hint, select)
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
