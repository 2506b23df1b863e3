//! The workflow buttons of one application: one per step the viewer may take, and the inline
//! comment box for the steps that take a comment.

use leptos::html::Textarea;
use leptos::prelude::*;
use uuid::Uuid;

use super::draft::Draft;
use super::{conflict_text, focus_id, number_or_draft};
use crate::components::hydrated;
use crate::error::AppError;
use crate::modules::pcc::api::step_pcc;
use crate::modules::pcc::workflow::{PccStatus, TRANSITIONS};
use crate::workflow::{CommentRule, MAX_COMMENT, MIN_COMMENT, Step, StepRequest, check_comment};

/// What the step buttons show besides themselves, owned by the record page so a reload (which
/// rebuilds the buttons) keeps a comment being written and the last outcome.
#[derive(Clone, Copy)]
pub struct StepUi {
    /// The comment being written.
    pub comment: RwSignal<String>,
    /// Why the comment was refused.
    pub comment_error: RwSignal<Option<String>>,
    /// Why the last step was not taken.
    pub error: RwSignal<Option<String>>,
    /// The last step was refused because the application changed: offer a reload.
    pub conflicted: RwSignal<bool>,
    /// What the last step did.
    pub notice: RwSignal<Option<String>>,
}

impl StepUi {
    /// Fresh state, owned by the calling component.
    pub fn new() -> Self {
        StepUi {
            comment: RwSignal::new(String::new()),
            comment_error: RwSignal::new(None),
            error: RwSignal::new(None),
            conflicted: RwSignal::new(false),
            notice: RwSignal::new(None),
        }
    }

    /// Takes `step`; a submission first checks the whole form and saves what is typed.
    async fn take(self, draft: Draft, id: Uuid, step: Step, comment: String) {
        self.error.set(None);
        self.conflicted.set(false);
        self.notice.set(None);
        draft.busy.set(true);
        self.run(draft, id, step, comment).await;
        // The page may be gone by now: `try_` from here on (here and in `run`).
        draft.busy.try_set(false);
        draft.settle();
    }

    async fn run(self, draft: Draft, id: Uuid, step: Step, comment: String) {
        if matches!(step, Step::Submit | Step::Resubmit) {
            if !draft.ready_to_submit() {
                self.error.set(Some(
                    "Some fields need attention before this application can be submitted.".into(),
                ));
                return;
            }
            if !draft.save().await {
                self.error.try_set(Some(
                    "Your latest changes could not be saved, so nothing was submitted: see the message under the form."
                        .into(),
                ));
                return;
            }
        }
        let Some(version) = draft.version.try_get_untracked() else {
            return;
        };
        let result = step_pcc(StepRequest {
            id,
            step,
            version,
            comment,
        })
        .await;
        match result {
            Ok(done) => {
                draft.version.try_set(done.version);
                draft.open_step.try_set(None);
                self.comment.try_set(String::new());
                self.notice.try_set(Some(format!(
                    "{} was {}.",
                    number_or_draft(done.number.as_deref()),
                    step.past()
                )));
                draft.refetch();
            }
            Err(AppError::Validation { fields }) => {
                match fields.iter().find(|f| f.field == "comment") {
                    Some(f) => {
                        self.comment_error.try_set(Some(f.message.clone()));
                    }
                    None => {
                        draft.complete.try_set(true);
                        draft.server_fields.try_set(fields);
                        self.error.try_set(Some(
                            "Some fields need attention before this application can be submitted."
                                .into(),
                        ));
                    }
                }
            }
            Err(e @ AppError::Conflict { .. }) => {
                self.error.try_set(Some(conflict_text(&e)));
                self.conflicted.try_set(true);
            }
            Err(e) => {
                self.error.try_set(Some(format!("Not done: {e}")));
            }
        }
    }
}

/// Whether `step` out of `status` asks for a comment.
fn comment_rule(status: PccStatus, step: Step) -> CommentRule {
    TRANSITIONS
        .iter()
        .find(|t| t.step == step && t.from.contains(&status))
        .map_or(CommentRule::None, |t| t.comment)
}

fn button_class(step: Step) -> &'static str {
    match step {
        Step::Reject => "button danger",
        Step::TakeForReview | Step::SendBack => "button secondary",
        _ => "button",
    }
}

/// One button per step the viewer may take; steps that take a comment open a box for it first.
#[component]
pub fn StepBar(
    draft: Draft,
    ui: StepUi,
    id: Uuid,
    status: PccStatus,
    steps: Vec<Step>,
) -> impl IntoView {
    let ready = hydrated();
    // Not blocked by an autosave in flight: a submission waits for it, then saves the rest.
    let idle = move || ready.get() && !draft.busy.get();
    let buttons = steps
        .iter()
        .copied()
        .map(|step| {
            let rule = comment_rule(status, step);
            let click = move |_| {
                ui.error.set(None);
                if rule == CommentRule::None {
                    leptos::task::spawn_local(ui.take(draft, id, step, String::new()));
                } else {
                    ui.comment_error.set(None);
                    draft.open_step.set(Some(step));
                }
            };
            view! {
                <button type="button" class=button_class(step) id=format!("step-{}", step.key())
                    aria-expanded=move || (rule != CommentRule::None).then(|| {
                        if draft.open_step.get() == Some(step) { "true" } else { "false" }
                    })
                    disabled=move || !idle()
                    on:click=click>
                    {step.label()}
                </button>
            }
        })
        .collect_view();
    let open = move || draft.open_step.get().filter(|s| steps.contains(s));
    view! {
        <div class="actions" role="group" aria-label="What you can do">{buttons}</div>
        {move || open().map(|step| view! {
            <CommentBox draft ui id step rule=comment_rule(status, step)/>
        })}
        <div role="alert" class="step-error">
            {move || ui.error.get().map(|e| view! {
                <p class="form-error">{e}</p>
                {ui.conflicted.get().then(|| view! {
                    <button type="button" class="button small secondary" on:click=move |_| {
                        ui.conflicted.set(false);
                        ui.error.set(None);
                        draft.refetch();
                    }>"Reload"</button>
                })}
            })}
        </div>
    }
}

/// The comment for a step: required ones need [`MIN_COMMENT`] characters, and the dealer sees it.
#[component]
fn CommentBox(draft: Draft, ui: StepUi, id: Uuid, step: Step, rule: CommentRule) -> impl IntoView {
    let area = NodeRef::<Textarea>::new();
    // Opening the box takes the keyboard there.
    Effect::new(move |_| {
        if let Some(el) = area.get() {
            let _ = el.focus();
        }
    });
    let required = rule == CommentRule::Required;
    let label = if required {
        "Comment for the dealer (required)"
    } else {
        "Comment (optional)"
    };
    let hint = if required {
        format!("At least {MIN_COMMENT} characters. The dealer sees this comment.")
    } else {
        "The dealer sees this comment.".to_owned()
    };
    let length = move || ui.comment.with(|c| c.trim().chars().count());
    let cancel = move || {
        draft.open_step.set(None);
        ui.comment_error.set(None);
        // Back to the button that opened the box.
        focus_id(&format!("step-{}", step.key()));
    };
    let confirm = move || {
        let text = ui.comment.get_untracked();
        match check_comment(rule, &text) {
            Err(f) => {
                ui.comment_error.set(Some(f.message));
                if let Some(el) = area.get_untracked() {
                    let _ = el.focus();
                }
            }
            Ok(_) => leptos::task::spawn_local(ui.take(draft, id, step, text)),
        }
    };
    let short = move || required && length() < MIN_COMMENT;
    view! {
        <section class="card comment-box" aria-labelledby="step-comment-heading">
            <h2 id="step-comment-heading">{step.label()}</h2>
            <div class="field" class:invalid=move || ui.comment_error.get().is_some()>
                <label for="step-comment">{label}</label>
                <p class="hint" id="step-comment-hint">{hint}</p>
                <textarea id="step-comment" rows="4" maxlength=MAX_COMMENT node_ref=area
                    required=required
                    aria-describedby="step-comment-hint step-comment-count step-comment-error"
                    aria-invalid=move || ui.comment_error.get().is_some().then_some("true")
                    on:input=move |ev| {
                        ui.comment.set(event_target_value(&ev));
                        ui.comment_error.set(None);
                    }
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            cancel();
                        } else if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                            ev.prevent_default();
                            confirm();
                        }
                    }
                >{ui.comment.try_get_untracked().unwrap_or_default()}</textarea>
                <p class="muted small" id="step-comment-count">
                    {move || if required {
                        format!("{} of {MAX_COMMENT} characters (at least {MIN_COMMENT})", length())
                    } else {
                        format!("{} of {MAX_COMMENT} characters", length())
                    }}
                </p>
                <p class="field-error" id="step-comment-error" role="alert">{move || ui.comment_error.get()}</p>
            </div>
            <div class="actions">
                <button type="button" class=button_class(step)
                    aria-disabled=move || short().then_some("true")
                    disabled=move || draft.busy.get()
                    on:click=move |_| confirm()>
                    {format!("Confirm: {}", step.label())}
                </button>
                <button type="button" class="button secondary" on:click=move |_| cancel()>"Cancel"</button>
                <span class="muted small">"Escape cancels; Ctrl+Enter confirms."</span>
            </div>
        </section>
    }
}
