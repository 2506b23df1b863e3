//! `/modules/{slug}/{id}`: one response. A draft its dealer may fill shows the form with inline
//! checks, the live score, and saves itself a moment after each change (a reload continues where
//! the last save left off); Submit checks everything and the server stores the score. Once
//! submitted it reads as answered, by the form version it answered, with what each answer
//! earned, the reviewer's steps and the timeline.

use std::collections::BTreeMap;
use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::fill::FormView;
use super::{error_text, score_text};
use crate::components::time::minutes;
use crate::components::{ErrorPanel, hydrated};
use crate::error::AppError;
use crate::live::use_live;
use crate::modules::surveys::api::{get_response, save_response, step_response};
use crate::modules::surveys::model::answers::{self, Answers};
use crate::modules::surveys::model::{ResponseDetail, SaveAnswers, SurveyKind};
use crate::modules::surveys::workflow::{SurveyStatus, TRANSITIONS};
use crate::workflow::views::Timeline;
use crate::workflow::{CommentRule, Step, StepRequest};

/// How long after the last keystroke a draft saves itself.
const AUTOSAVE_AFTER: Duration = Duration::from_millis(700);

/// One response.
#[component]
pub fn RecordPage(kind: SurveyKind, id: Uuid) -> impl IntoView {
    let live = use_live();
    let changed = RwSignal::new(0u32);
    // Live changes refresh a response being read; one being filled is the filler's own (its
    // draft saves itself), and rebuilding the form under their hands would lose keystrokes.
    let filling = StoredValue::new(false);
    let refresh = Memo::new(move |seen: Option<&u64>| {
        let n = live.records.get();
        match seen {
            Some(seen) if filling.get_value() => *seen,
            _ => n,
        }
    });
    let detail = Resource::new(
        move || (refresh.get(), changed.get()),
        move |_| get_response(kind, id),
    );
    view! {
        <p class="breadcrumb"><A href=kind.path()>{kind.module().title()}</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the survey…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    detail.await.map(|d| {
                        filling.set_value(d.can_edit);
                        if d.can_edit {
                            view! { <Filling detail=d changed/> }.into_any()
                        } else {
                            view! { <Answered detail=d changed/> }.into_any()
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

fn status_label(key: &str) -> String {
    SurveyStatus::from_key(key).map_or_else(|| key.to_owned(), |s| s.label().to_owned())
}

fn heading(d: &ResponseDetail) -> impl IntoView + use<> {
    let row = &d.row;
    view! {
        <Title text=row.number.clone()/>
        <h1>{row.number.clone()}" "<span class=row.status.badge()>{row.status.label()}</span></h1>
        <p class="lead">{format!(
            "{} · {} – {} · {} (closes {}) · form version {}",
            d.kind.module().title(), row.dealer_code, row.dealer_name, row.period_name,
            crate::components::time::day_month_year(&d.period_ends), row.form_version
        )}</p>
        {d.review_comments.clone().filter(|_| row.status == SurveyStatus::Draft).map(|c| view! {
            <div class="callout warn" role="note"><p><strong>"Sent back: "</strong><span class="prewrap">{c}</span></p></div>
        })}
    }
}

/// A draft being filled.
#[component]
fn Filling(detail: ResponseDetail, changed: RwSignal<u32>) -> impl IntoView {
    let kind = detail.kind;
    let id = detail.row.id;
    let def = StoredValue::new(detail.form.clone());
    let answers = RwSignal::new(detail.answers.clone());
    let version = RwSignal::new(detail.version);
    let attempted = RwSignal::new(false);
    let saved_at = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<String>);
    let dirty = RwSignal::new(false);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    // A save still due when the page goes is not made by a timer that outlives it.
    on_cleanup(move || {
        if let Some(Some(h)) = timer.try_get_value() {
            h.clear();
        }
    });

    // Bounds and shapes as you go; required answers once a submission was tried.
    let check = Memo::new(move |_| {
        answers.with(|a| def.with_value(|d| answers::check(d, a, attempted.get())))
    });
    let errors = Signal::derive(move || {
        check.with(|e| {
            e.iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect::<BTreeMap<_, _>>()
        })
    });
    let live_score = Memo::new(move |_| {
        answers.with(|a| def.with_value(|d| answers::score(d, a).map(|s| s.total)))
    });
    let progress = Memo::new(move |_| {
        answers.with(|a| {
            def.with_value(|d| {
                let visible = answers::shown(d, a);
                let required: Vec<_> = d
                    .questions()
                    .filter(|q| q.required && visible.contains(q.id.as_str()))
                    .collect();
                let done = required
                    .iter()
                    .filter(|q| a.get(&q.id).is_some_and(|x| !x.is_blank()))
                    .count();
                (done, required.len())
            })
        })
    });

    let submit = Action::new(move |_: &()| async move {
        let a = answers.get_untracked();
        let saved = save_response(
            kind,
            SaveAnswers {
                id,
                version: version.get_untracked(),
                answers: a,
            },
        )
        .await?;
        version.set(saved.version);
        step_response(
            kind,
            StepRequest {
                id,
                step: Step::Submit,
                version: saved.version,
                comment: String::new(),
            },
        )
        .await
    });
    // Submit pressed while a save was under way: submitted once that save is in.
    let submit_waiting = RwSignal::new(false);
    let save = Action::new(move |a: &Answers| {
        let request = SaveAnswers {
            id,
            version: version.get_untracked(),
            answers: a.clone(),
        };
        async move { save_response(kind, request).await }
    });
    let flush = move || {
        if save.pending().get_untracked() {
            return; // the save under way flushes again when it ends
        }
        let shaped = answers.with_untracked(|a| def.with_value(|d| answers::check(d, a, false)));
        if !shaped.is_empty() {
            problem.set(Some(
                "Not saved yet: correct the answers marked below.".into(),
            ));
            return;
        }
        dirty.set(false);
        save.dispatch(answers.get_untracked());
    };
    Effect::new(move |seen: Option<()>| {
        answers.track();
        if seen.is_some() {
            dirty.set(true);
            problem.set(None);
            if let Some(h) = timer.get_value() {
                h.clear();
            }
            timer.set_value(set_timeout_with_handle(flush, AUTOSAVE_AFTER).ok());
        }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(s)) => {
            version.set(s.version);
            saved_at.set(Some(minutes(&s.at)));
            if submit_waiting.get_untracked() {
                submit_waiting.set(false);
                submit.dispatch(());
            } else if dirty.get_untracked() {
                flush();
            }
        }
        Some(Err(e)) => problem.set(Some(format!("Not saved: {}", error_text(&e)))),
        None => {}
    });

    Effect::new(move |_| match submit.value().get() {
        Some(Ok(_)) => changed.update(|n| *n += 1),
        Some(Err(e)) => problem.set(Some(error_text(&e))),
        None => {}
    });
    let try_submit = move || {
        attempted.set(true);
        let complete = answers.with_untracked(|a| def.with_value(|d| answers::check(d, a, true)));
        if let Some(first) = complete.first() {
            problem.set(Some(format!(
                "{} {} need attention before this survey can be submitted.",
                complete.len(),
                if complete.len() == 1 {
                    "answer"
                } else {
                    "answers"
                }
            )));
            if let Some(el) = document().get_element_by_id(&format!("q-{}", first.field)) {
                use leptos::wasm_bindgen::JsCast;
                let _ = el.unchecked_into::<leptos::web_sys::HtmlElement>().focus();
            }
            return;
        }
        if let Some(h) = timer.get_value() {
            h.clear();
        }
        if save.pending().get_untracked() {
            submit_waiting.set(true);
        } else {
            submit.dispatch(());
        }
    };
    let ready = hydrated();
    let save_status = move || {
        if save.pending().get() || submit.pending().get() {
            "Saving…".to_owned()
        } else if dirty.get() {
            "Unsaved changes".to_owned()
        } else {
            saved_at.get().map_or_else(
                || "Saves itself as you answer.".into(),
                |t| format!("Saved {t}"),
            )
        }
    };
    let can_submit = detail.steps.contains(&Step::Submit);
    view! {
        {heading(&detail)}
        <div class="survey-bar" role="region" aria-label="Progress">
            {detail.answer_key_hidden.then(|| view! {
                <p class="muted small">"Knowledge questions are scored when you submit."</p>
            })}
            <p><strong>"Score so far: "</strong><span class="stat-inline" aria-live="polite">{move || score_text(live_score.get())}</span>" / 100"</p>
            <p>{move || { let (d, n) = progress.get(); format!("{d} of {n} required questions answered") }}</p>
            <p class="save-status" role="status">{save_status}</p>
        </div>
        <form class="survey-form" on:submit=move |ev| { ev.prevent_default(); try_submit(); }>
            <FormView definition=detail.form.clone() answers editable=true errors/>
            <p class="form-error" role="alert">{move || problem.get()}</p>
            <div class="actions">
                {can_submit.then(|| view! {
                    <button type="submit" class="button" disabled=move || !ready.get() || submit.pending().get()>"Submit survey"</button>
                })}
                <span class="muted small">"Submitting locks your answers and stores the score."</span>
            </div>
        </form>
        <section class="card" aria-labelledby="history-heading">
            <h2 id="history-heading">"History"</h2>
            <Timeline entries=detail.history.clone() status=status_label/>
        </section>
    }
}

/// A response read as submitted (or a draft the viewer may not fill).
#[component]
fn Answered(detail: ResponseDetail, changed: RwSignal<u32>) -> impl IntoView {
    let answers = RwSignal::new(detail.answers.clone());
    let scores = detail.score.as_ref().map(|s| s.questions.clone());
    let total = detail.score.as_ref().map(|s| s.total);
    let no_errors = Signal::derive(BTreeMap::new);
    let id = detail.row.id;
    view! {
        {heading(&detail)}
        <div class="columns record">
            <section class="card" aria-labelledby="facts-heading">
                <h2 id="facts-heading">"Response"</h2>
                <dl class="facts">
                    <dt>"Score"</dt><dd><span class="stat">{score_text(total)}</span>" / 100"</dd>
                    <dt>"Submitted by"</dt><dd>{detail.submitted_by.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Submitted"</dt><dd>{detail.row.submitted_at.map_or_else(|| "Not yet".into(), |t| minutes(&t))}</dd>
                    <dt>"Review"</dt><dd class="prewrap">{detail.review_comments.clone().unwrap_or_else(|| "—".into())}</dd>
                    {detail.completion_comments.clone().map(|c| view! { <dt>"On completion"</dt><dd class="prewrap">{c}</dd> })}
                </dl>
                <h3>"Actions"</h3>
                {if detail.steps.is_empty() {
                    view! { <p class="muted">"There is nothing for you to do on this survey now."</p> }.into_any()
                } else {
                    view! { <Steps kind=detail.kind id version=detail.version steps=detail.steps.clone() changed/> }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="history-heading">
                <h2 id="history-heading">"History"</h2>
                <Timeline entries=detail.history.clone() status=status_label/>
            </section>
        </div>
        <h2>"Answers"</h2>
        <FormView definition=detail.form.clone() answers errors=no_errors scores=scores.unwrap_or_default()/>
    }
}

/// The reviewer's step buttons; a step that takes a comment asks for it first.
#[component]
fn Steps(
    kind: SurveyKind,
    id: Uuid,
    version: i32,
    steps: Vec<Step>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let asking = RwSignal::new(None::<Step>);
    let act = Action::new(move |(step, text): &(Step, String)| {
        let request = StepRequest {
            id,
            step: *step,
            version,
            comment: text.clone(),
        };
        async move { step_response(kind, request).await }
    });
    let error = Signal::derive(move || act.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if matches!(act.value().get(), Some(Ok(_))) {
            asking.set(None);
            comment.set(String::new());
            changed.update(|n| *n += 1);
        }
    });
    let ready = hydrated();
    let rule = |step: Step| {
        TRANSITIONS
            .iter()
            .find(|t| t.step == step)
            .map_or(CommentRule::None, |t| t.comment)
    };
    let comment_error = move || {
        error.with(|e| {
            e.as_ref()
                .and_then(|e| e.field_message("comment"))
                .map(str::to_owned)
        })
    };
    let other_error = move || {
        error.with(|e| match e {
            Some(AppError::Validation { fields })
                if fields.iter().all(|f| f.field == "comment") =>
            {
                None
            }
            Some(e) => Some(error_text(e)),
            None => None,
        })
    };
    view! {
        <div class="actions">
            {steps.into_iter().map(|step| {
                let class = if step == Step::SendBack { "button secondary" } else { "button" };
                view! {
                    <button type="button" class=class disabled=move || !ready.get() || act.pending().get()
                        on:click=move |_| {
                            if rule(step) == CommentRule::None {
                                act.dispatch((step, String::new()));
                            } else {
                                asking.set(Some(step));
                            }
                        }>{step.label()}</button>
                }
            }).collect_view()}
        </div>
        {move || asking.get().map(|step| {
            let label = if rule(step) == CommentRule::Required { "Comment (the dealer sees it; required)" } else { "Comment (optional)" };
            view! {
                <div class="stacked">
                    <div class="field" class:invalid=move || comment_error().is_some()>
                        <label for="step-comment">{label}</label>
                        <textarea id="step-comment" rows="3" prop:value=move || comment.get()
                            aria-describedby="step-comment-error"
                            on:input:target=move |ev| comment.set(ev.target().value())></textarea>
                        <p class="field-error" id="step-comment-error" role="alert">{comment_error}</p>
                    </div>
                    <div class="actions">
                        <button type="button" class="button" disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch((step, comment.get_untracked())); }>{step.label()}</button>
                        <button type="button" class="button secondary" on:click=move |_| asking.set(None)>"Back"</button>
                    </div>
                </div>
            }
        })}
        <p class="form-error" role="alert">{other_error}</p>
    }
}
