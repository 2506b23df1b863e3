//! Renders a form definition: its sections, and the questions the answers so far show. Editable
//! (the dealer filling a draft, the builder's preview) or read-only (a submitted response, with
//! what each answer earned). Native inputs in fieldsets, so the keyboard alone fills it.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;

use crate::modules::surveys::model::answers::{Answer, Answers, shown};
use crate::modules::surveys::model::form::{
    FormDefinition, MAX_LONG_TEXT, MAX_SHORT_TEXT, Question, QuestionKind, SCALE_HIGH, SCALE_LOW,
};
use crate::modules::surveys::model::percent;

/// One form, answered through `answers`.
#[component]
pub fn FormView(
    /// The form.
    definition: FormDefinition,
    /// The answers, written as the user answers when `editable`.
    answers: RwSignal<Answers>,
    /// Whether the answers can be changed.
    #[prop(optional)]
    editable: bool,
    /// The message to show under each question, by id.
    #[prop(into)]
    errors: Signal<BTreeMap<String, String>>,
    /// What each answer earned (a submitted response).
    #[prop(optional)]
    scores: Option<BTreeMap<String, u32>>,
    /// Distinguishes the ids of two forms on one page.
    #[prop(default = "q-")]
    prefix: &'static str,
) -> impl IntoView {
    let def = StoredValue::new(definition.clone());
    let visible = Memo::new(move |_| {
        answers.with(|a| {
            def.with_value(|d| {
                shown(d, a)
                    .into_iter()
                    .map(str::to_owned)
                    .collect::<BTreeSet<String>>()
            })
        })
    });
    let scores = StoredValue::new(scores);
    view! {
        {(!definition.intro.is_empty()).then(|| view! { <p class="lead prewrap">{definition.intro.clone()}</p> })}
        {definition.sections.into_iter().map(|s| {
            let ids: Vec<String> = s.questions.iter().map(|q| q.id.clone()).collect();
            let any_shown = move || visible.with(|v| ids.iter().any(|i| v.contains(i)));
            view! {
                <section class="card survey-section" class:hidden=move || !any_shown()>
                    <h2>{s.title.clone()}</h2>
                    {(!s.help.is_empty()).then(|| view! { <p class="hint prewrap">{s.help.clone()}</p> })}
                    {s.questions.into_iter().map(|q| {
                        let qid = q.id.clone();
                        let shown_now = move || visible.with(|v| v.contains(&qid));
                        let error = {
                            let id = q.id.clone();
                            Signal::derive(move || errors.with(|e| e.get(&id).cloned()))
                        };
                        let earned = scores.with_value(|s| s.as_ref().and_then(|s| s.get(&q.id).copied()));
                        let q = StoredValue::new(q);
                        view! {
                            <Show when=shown_now>
                                <QuestionField q=q.get_value() answers editable error earned prefix/>
                            </Show>
                        }
                    }).collect_view()}
                </section>
            }
        }).collect_view()}
    }
}

/// One question with its input (or its answer, read-only) and its message.
#[component]
fn QuestionField(
    q: Question,
    answers: RwSignal<Answers>,
    editable: bool,
    error: Signal<Option<String>>,
    earned: Option<u32>,
    prefix: &'static str,
) -> impl IntoView {
    let id = format!("{prefix}{}", q.id);
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let described = {
        let (error_id, help_id, has_help) = (error_id.clone(), help_id.clone(), !q.help.is_empty());
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(help_id.clone());
            }
            if error.with(Option::is_some) {
                ids.push(error_id.clone());
            }
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let key = q.id.clone();
    let current = {
        let key = key.clone();
        move || answers.with(|a| a.get(&key).cloned())
    };
    let set = {
        let key = key.clone();
        move |value: Option<Answer>| {
            answers.update(|a| match value {
                Some(v) => {
                    a.insert(key.clone(), v);
                }
                None => {
                    a.remove(&key);
                }
            })
        }
    };
    let label = format!("{}{}", q.label, if q.required { " (required)" } else { "" });
    let help = (!q.help.is_empty())
        .then(|| view! { <p class="hint" id=help_id.clone()>{q.help.clone()}</p> });
    let earned =
        earned.map(|e| view! { <p class="muted small">{format!("Earned {} %", percent(e))}</p> });
    let message =
        view! { <p class="field-error" id=error_id.clone() role="alert">{move || error.get()}</p> };
    if !editable {
        let text = answer_text(&q, current().as_ref());
        return view! {
            <div class="field question">
                <p class="question-label">{label}</p>
                {help}
                <p class="answer prewrap">{text}</p>
                {earned}
            </div>
        }
        .into_any();
    }
    let invalid = move || error.with(Option::is_some).then_some("true");
    let input = match q.kind.clone() {
        QuestionKind::SingleChoice { options, .. } => {
            let choices = options
                .into_iter()
                .map(|o| (o.id.clone(), o.label.clone(), Answer::Text(o.id)))
                .collect();
            view! { <Choices id=id.clone() label=label.clone() choices current=Signal::derive(current.clone()) set=Callback::new(set.clone()) described invalid/> }.into_any()
        }
        QuestionKind::YesNo { .. } => {
            let choices = vec![
                ("yes".to_owned(), "Yes".to_owned(), Answer::Flag(true)),
                ("no".to_owned(), "No".to_owned(), Answer::Flag(false)),
            ];
            view! { <Choices id=id.clone() label=label.clone() choices current=Signal::derive(current.clone()) set=Callback::new(set.clone()) described invalid/> }.into_any()
        }
        QuestionKind::Scale {
            low_label,
            high_label,
        } => {
            let choices = (SCALE_LOW..=SCALE_HIGH)
                .map(|n| {
                    let text = match n {
                        SCALE_LOW if !low_label.is_empty() => format!("{n} – {low_label}"),
                        SCALE_HIGH if !high_label.is_empty() => format!("{n} – {high_label}"),
                        _ => n.to_string(),
                    };
                    (n.to_string(), text, Answer::Number(n))
                })
                .collect();
            view! { <Choices id=id.clone() label=label.clone() choices current=Signal::derive(current.clone()) set=Callback::new(set.clone()) described invalid/> }.into_any()
        }
        QuestionKind::MultipleChoice { options, .. } => {
            let current = current.clone();
            let set = set.clone();
            view! {
                <fieldset class="choices-group" aria-describedby=described aria-invalid=invalid>
                    <legend class="question-label">{label.clone()}</legend>
                    <div class="choices stacked-choices">
                        {options.into_iter().enumerate().map(|(i, o)| {
                            let (current, set) = (current.clone(), set.clone());
                            let picked = {
                                let (current, oid) = (current.clone(), o.id.clone());
                                move || matches!(current(), Some(Answer::Many(v)) if v.contains(&oid))
                            };
                            let oid = o.id.clone();
                            view! {
                                <label class="choice">
                                    <input type="checkbox" name=id.clone() id=(i == 0).then(|| id.clone()) value=o.id.clone() prop:checked=picked
                                        on:change:target=move |ev| {
                                            let mut v = match current() { Some(Answer::Many(v)) => v, _ => Vec::new() };
                                            v.retain(|x| *x != oid);
                                            if ev.target().checked() { v.push(oid.clone()); }
                                            set((!v.is_empty()).then_some(Answer::Many(v)));
                                        }/>
                                    {o.label}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::Number { min, max, unit, .. } => {
            let value = move || match current() {
                Some(Answer::Number(n)) => n.to_string(),
                Some(Answer::Text(t)) => t,
                _ => String::new(),
            };
            view! {
                <label class="question-label" for=id.clone()>{label.clone()}</label>
                <span class="number-input">
                    <input id=id.clone() type="number" inputmode="numeric" step="1" min=min max=max
                        prop:value=value aria-describedby=described aria-invalid=invalid
                        on:input:target=move |ev| {
                            let raw = ev.target().value();
                            let raw = raw.trim();
                            set(if raw.is_empty() { None } else {
                                Some(raw.parse().map_or_else(|_| Answer::Text(raw.to_owned()), Answer::Number))
                            });
                        }/>
                    {(!unit.is_empty()).then(|| view! { <span class="unit">{unit}</span> })}
                </span>
            }
            .into_any()
        }
        QuestionKind::ShortText | QuestionKind::LongText => {
            let long = matches!(q.kind, QuestionKind::LongText);
            let value = move || match current() {
                Some(Answer::Text(t)) => t,
                _ => String::new(),
            };
            let on_input = move |raw: String| set((!raw.is_empty()).then_some(Answer::Text(raw)));
            let field = if long {
                view! {
                    <textarea id=id.clone() rows="4" maxlength=MAX_LONG_TEXT prop:value=value
                        aria-describedby=described aria-invalid=invalid
                        on:input:target=move |ev| on_input(ev.target().value())></textarea>
                }
                .into_any()
            } else {
                view! {
                    <input id=id.clone() type="text" maxlength=MAX_SHORT_TEXT prop:value=value
                        aria-describedby=described aria-invalid=invalid
                        on:input:target=move |ev| on_input(ev.target().value())/>
                }
                .into_any()
            };
            view! { <label class="question-label" for=id.clone()>{label.clone()}</label>{field} }
                .into_any()
        }
    };
    view! {
        <div class="field question" class:invalid=move || error.with(Option::is_some)>
            {input}
            {help}
            {message}
        </div>
    }
    .into_any()
}

/// A group of radio buttons: `(value, label, answer)` each.
#[component]
fn Choices(
    id: String,
    label: String,
    choices: Vec<(String, String, Answer)>,
    current: Signal<Option<Answer>>,
    set: Callback<Option<Answer>>,
    described: impl Fn() -> Option<String> + Send + Sync + 'static,
    invalid: impl Fn() -> Option<&'static str> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="choices-group" aria-describedby=described aria-invalid=invalid>
            <legend class="question-label">{label}</legend>
            <div class="choices stacked-choices">
                {choices.into_iter().enumerate().map(|(i, (value, text, answer))| {
                    let checked = {
                        let answer = answer.clone();
                        move || current.with(|c| c.as_ref() == Some(&answer))
                    };
                    view! {
                        <label class="choice">
                            <input type="radio" name=id.clone() id=(i == 0).then(|| id.clone()) value=value prop:checked=checked
                                on:change=move |_| set.run(Some(answer.clone()))/>
                            {text}
                        </label>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// A stored answer in words.
pub fn answer_text(q: &Question, a: Option<&Answer>) -> String {
    let option = |id: &str| {
        q.kind
            .options()
            .iter()
            .find(|o| o.id == id)
            .map_or_else(|| id.to_owned(), |o| o.label.clone())
    };
    match (a, &q.kind) {
        (None, _) => "Not answered".into(),
        (Some(Answer::Flag(b)), _) => if *b { "Yes" } else { "No" }.into(),
        (Some(Answer::Number(n)), QuestionKind::Number { unit, .. }) if !unit.is_empty() => {
            format!("{n} {unit}")
        }
        (Some(Answer::Number(n)), _) => n.to_string(),
        (Some(Answer::Text(t)), QuestionKind::SingleChoice { .. }) => option(t),
        (Some(Answer::Text(t)), _) => t.clone(),
        (Some(Answer::Many(v)), _) => v.iter().map(|i| option(i)).collect::<Vec<_>>().join("; "),
    }
}
