//! `/modules/pcc/:id`: one application: its facts, the criteria (an editor while the viewer may
//! change them), the steps the viewer may take, and its timeline. Kept current by live updates
//! without ever overwriting what the user is typing.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::draft::Draft;
use super::editor::{CriteriaEditor, CriteriaFacts};
use super::steps::{StepBar, StepUi};
use super::{conflict_text, focused_id, id_param, number_or_draft, restore_focus};
use crate::components::time::minutes;
use crate::components::{ErrorPanel, Notice, hydrated};
use crate::dealers::Brand;
use crate::error::AppError;
use crate::live::{RecordChanged, use_live};
use crate::modules::pcc::api::{delete_pcc, get_pcc};
use crate::modules::pcc::model::PccDetail;
use crate::modules::pcc::workflow::PccStatus;
use crate::workflow::HistoryEntry;

/// `/modules/pcc/:id`.
#[component]
pub fn PccRecordPage() -> impl IntoView {
    let id = id_param();
    // Owned here, not by the screen below, which is rebuilt on every reload: what is typed, the
    // version last seen and the last outcome survive it.
    let draft = Draft::new();
    let ui = StepUi::new();
    let record = Resource::new(
        move || (id(), draft.reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_pcc(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // The form's messages as the user types; empty fields count once a submission was tried.
    let errors = Memo::new(move |_| {
        let complete = draft.complete.get();
        draft
            .form
            .with(|f| f.check(complete).err().unwrap_or_default())
    });

    // Live updates: a change to this application (by anyone, in any tab) refetches it, unless
    // the user has unsaved work here; a bump with no new record event follows a reconnect, after
    // which anything may have changed.
    let live = use_live();
    Effect::new(move |previous: Option<Option<RecordChanged>>| {
        live.records.track();
        let last = live.last_record.get_untracked();
        if let Some(previous) = previous {
            match &last {
                Some(changed) if previous.as_ref() != Some(changed) => {
                    if draft.record.get_untracked() == Some(changed.id) {
                        draft.heard(Some(changed.version));
                    }
                }
                _ => draft.heard(None),
            }
        }
        last
    });
    on_cleanup(move || draft.flush());

    view! {
        <p class="breadcrumb"><A href="/modules/pcc">"Performance Center Program"</A></p>
        <Notice text=ui.notice.into()/>
        <div role="status" aria-live="polite">
            {move || draft.stale.get().then(|| view! {
                <p class="notice">
                    "This application changed: "
                    <button type="button" class="link-button" on:click=move |_| draft.refetch()>"reload"</button>
                    " (what you typed here and have not saved yet will be discarded)."
                </p>
            })}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the application…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    record.await.map(|detail| {
                        // A refetch rebuilds the page: the field being typed in keeps the keyboard.
                        let refocus = focused_id();
                        // What the server has is what the editor starts from.
                        draft.load(&detail);
                        view! { <RecordView detail draft ui errors refocus/> }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn RecordView(
    detail: PccDetail,
    draft: Draft,
    ui: StepUi,
    errors: Memo<Vec<crate::error::FieldError>>,
    /// The element to give the keyboard back to once shown.
    refocus: Option<String>,
) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(id) = &refocus {
            restore_focus(id);
        }
    });
    let PccDetail {
        row,
        version,
        criteria,
        submitted_by,
        review_comments,
        approval_comments,
        updated_by,
        steps,
        can_edit,
        can_delete,
        history,
        ..
    } = detail;
    let name = number_or_draft(row.number.as_deref());
    let title = row
        .number
        .clone()
        .unwrap_or_else(|| "Draft application".into());
    let status = row.status;
    let comment = match status {
        PccStatus::RevisionRequested | PccStatus::Rejected => {
            review_comments.map(|c| ("callout warn", "The reviewer's comment: ", c))
        }
        PccStatus::Approved => {
            approval_comments.map(|c| ("callout ok", "The approver's comment: ", c))
        }
        _ => None,
    };
    let last_change = match updated_by {
        Some(who) => format!("{} by {who}", minutes(&row.updated_at)),
        None => minutes(&row.updated_at),
    };
    let has_steps = !steps.is_empty();
    view! {
        <Title text=title/>
        <h1>{name}" "<span class=status.badge()>{status.label()}</span></h1>
        <p class="lead">{format!("{} – {}", row.dealer_code, row.dealer_name)}</p>
        {comment.map(|(class, lead, text)| view! {
            <div class=class role="note">
                <p><strong>{lead}</strong><span class="prewrap">{text}</span></p>
            </div>
        })}
        <div class="columns record">
            <section class="card" aria-labelledby="criteria-heading">
                <h2 id="criteria-heading">"Criteria"</h2>
                {if can_edit {
                    view! { <CriteriaEditor draft errors/> }.into_any()
                } else {
                    view! { <CriteriaFacts criteria/> }.into_any()
                }}
            </section>
            <div class="stack">
                <section class="card" aria-labelledby="status-heading">
                    <h2 id="status-heading">"Status"</h2>
                    <p>{format!("This application is {}.", status.describe())}</p>
                    <dl class="facts">
                        <dt>"Dealer"</dt><dd>{format!("{} – {}", row.dealer_code, row.dealer_name)}</dd>
                        <dt>"Brand"</dt><dd>{row.brand.map_or("—", Brand::label)}</dd>
                        <dt>"Applied"</dt><dd>{row.application_date.to_string()}</dd>
                        <dt>"Submitted"</dt>
                        <dd>{match (row.submitted_at, submitted_by) {
                            (Some(at), Some(who)) => format!("{} by {who}", minutes(&at)),
                            (Some(at), None) => minutes(&at),
                            (None, _) => "Not yet".into(),
                        }}</dd>
                        <dt>"Reviewer"</dt><dd>{row.reviewer.unwrap_or_else(|| "None yet".into())}</dd>
                        <dt>"Last change"</dt><dd>{last_change}</dd>
                    </dl>
                    <h3>"Actions"</h3>
                    {if has_steps {
                        view! { <StepBar draft ui id=row.id status steps/> }.into_any()
                    } else {
                        view! { <p class="muted">"There is nothing for you to do on this application now."</p> }.into_any()
                    }}
                    {can_delete.then(|| view! { <DeleteDraft id=row.id version draft/> })}
                </section>
                <section class="card" aria-labelledby="history-heading">
                    <h2 id="history-heading">"History"</h2>
                    <Timeline entries=history/>
                </section>
            </div>
        </div>
    }
}

/// Deleting a draft, after a second, explicit confirmation; then back to the list.
#[component]
fn DeleteDraft(id: Uuid, version: i32, draft: Draft) -> impl IntoView {
    let ready = hydrated();
    let asking = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let delete = move |_| {
        if draft.busy.get_untracked() {
            return;
        }
        let navigate = navigate.clone();
        // Marked first: from here on no autosave starts (nor a flush on leaving), and the one
        // waiting for its pause is cancelled, so nothing overtakes the delete.
        draft.busy.set(true);
        draft.cancel_autosave();
        error.set(None);
        leptos::task::spawn_local(async move {
            // A save already on its way answers with the version the delete must quote.
            draft.no_save_in_flight().await;
            // The page may be gone by now (and with it the version saved last).
            let Some(held) = draft.version.try_get_untracked() else {
                return;
            };
            match delete_pcc(id, held.max(version)).await {
                Ok(()) => {
                    // Nothing left to save; back to the list, unless the user left already.
                    let Some(edits) = draft.edits.try_get_untracked() else {
                        return;
                    };
                    draft.saved_edits.try_set(edits);
                    navigate("/modules/pcc?deleted=1", Default::default());
                }
                Err(e) => {
                    error.try_set(Some(match e {
                        AppError::Conflict { .. } => conflict_text(&e),
                        other => format!("Not deleted: {other}"),
                    }));
                    draft.busy.try_set(false);
                    // What the cancelled autosave would have sent, and what was heard meanwhile.
                    draft.schedule();
                    draft.settle();
                }
            }
        });
    };
    view! {
        <div class="danger-zone">
            {move || if asking.get() {
                view! {
                    <p><strong>"Delete this draft? This cannot be undone."</strong></p>
                    <div class="actions">
                        <button type="button" class="button danger" disabled=move || draft.busy.get()
                            on:click=delete.clone()>"Delete the draft"</button>
                        <button type="button" class="button secondary" on:click=move |_| asking.set(false)>"Keep it"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="button secondary" disabled=move || !ready.get()
                        on:click=move |_| asking.set(true)>"Delete draft…"</button>
                }.into_any()
            }}
            <p class="form-error" role="alert">{move || error.get()}</p>
        </div>
    }
}

/// The application's history, oldest first: who took which step, when, and what they said.
#[component]
fn Timeline(entries: Vec<HistoryEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nothing has happened yet."</p> }.into_any();
    }
    let status = |key: &str| {
        PccStatus::from_key(key).map_or_else(|| key.to_owned(), |s| s.label().to_owned())
    };
    view! {
        <ol class="timeline" aria-labelledby="history-heading">
            {entries.into_iter().map(|h| {
                let change = match &h.from_status {
                    Some(from) => format!(" · from {} to {}", status(from), status(&h.to_status)),
                    None => format!(" · now {}", status(&h.to_status)),
                };
                view! {
                    <li>
                        <p class="timeline-what"><strong>{h.step.headline()}</strong>{format!(" by {}", h.actor_name)}</p>
                        <p class="muted small"><time>{minutes(&h.at)}</time>{change}</p>
                        {h.comment.map(|c| view! { <blockquote class="prewrap">{c}</blockquote> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
    .into_any()
}
