//! The record page's editing state ([`Draft`]): what is typed, the version it was loaded at, the
//! autosave and its progress, and what live updates told of meanwhile.
//!
//! It is owned by the record page, not by the editor, which is rebuilt on every reload: all of it
//! must survive a refetch, and no render effect may read a signal of a disposed child.

use std::time::Duration;

use chrono::NaiveDateTime;
use leptos::prelude::*;
use uuid::Uuid;

use super::{clock, conflict_text, focus_id};
use crate::error::{AppError, FieldError};
use crate::modules::pcc::api::save_pcc;
use crate::modules::pcc::model::{CriteriaForm, PccDetail, PccSave, all_measures};
use crate::workflow::Step;

/// How long after the last keystroke the draft is saved.
const AUTOSAVE_AFTER: Duration = Duration::from_millis(800);

/// Where the last save stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing saved since the page loaded.
    Idle,
    /// A save is on its way.
    Saving,
    /// Saved at this time.
    Saved(NaiveDateTime),
    /// Not saved: a field needs fixing first.
    Invalid,
    /// Not saved: why.
    Failed(String),
    /// Not saved: someone else changed the application (in words). Autosave stops until reload.
    Conflict(String),
}

/// The editor's state and the application's version as this page last saw it.
#[derive(Clone, Copy)]
pub struct Draft {
    /// The application shown.
    pub record: RwSignal<Option<Uuid>>,
    /// What is typed.
    pub form: RwSignal<CriteriaForm>,
    /// The version every save and step quotes: the loaded one, then each save's answer.
    pub version: RwSignal<i32>,
    /// Bumped on every change typed.
    pub edits: RwSignal<u64>,
    /// The value of `edits` the last successful save covered.
    pub saved_edits: RwSignal<u64>,
    /// A save is in flight.
    pub saving: RwSignal<bool>,
    /// The last save's outcome.
    pub state: RwSignal<SaveState>,
    /// A submission was tried: empty fields are errors now (`check(true)`).
    pub complete: RwSignal<bool>,
    /// Field messages from the server's last answer (the same rules, rarely different data).
    pub server_fields: RwSignal<Vec<FieldError>>,
    /// The newest version live updates told of (`i32::MAX`: unknown, after a reconnect).
    pub remote: RwSignal<Option<i32>>,
    /// The application changed elsewhere while this page had unsaved work.
    pub stale: RwSignal<bool>,
    /// Bumped to refetch the application.
    pub reload: RwSignal<u32>,
    /// The value of `edits` when the last refetch started: typing while it loads keeps the form.
    reload_from: RwSignal<Option<u64>>,
    /// The pending autosave's ticket: bumped to cancel it.
    autosave_ticket: RwSignal<u32>,
    /// A step (or delete) is on its way.
    pub busy: RwSignal<bool>,
    /// The step whose comment box is open: a comment being written is unsaved work too.
    pub open_step: RwSignal<Option<Step>>,
}

impl Draft {
    /// Fresh state, owned by the calling component.
    pub fn new() -> Self {
        Draft {
            record: RwSignal::new(None),
            form: RwSignal::new(CriteriaForm::default()),
            version: RwSignal::new(0),
            edits: RwSignal::new(0),
            saved_edits: RwSignal::new(0),
            saving: RwSignal::new(false),
            state: RwSignal::new(SaveState::Idle),
            complete: RwSignal::new(false),
            server_fields: RwSignal::new(Vec::new()),
            remote: RwSignal::new(None),
            stale: RwSignal::new(false),
            reload: RwSignal::new(0),
            reload_from: RwSignal::new(None),
            autosave_ticket: RwSignal::new(0),
            busy: RwSignal::new(false),
            open_step: RwSignal::new(None),
        }
    }

    /// Takes the application as loaded: what the server has is what the editor shows. Unless
    /// the user typed while this application was being reloaded: then what they typed stays (and
    /// is saved as usual), and the page says the application changed, leaving the reload to them.
    ///
    /// Called once the load is awaited: the page may be gone, hence `try_`.
    pub fn load(self, detail: &PccDetail) {
        let (Some(shown), Some(edits), Some(from)) = (
            self.record.try_get_untracked(),
            self.edits.try_get_untracked(),
            self.reload_from.try_get_untracked(),
        ) else {
            return;
        };
        self.reload_from.try_set(None);
        if shown == Some(detail.row.id) && from.is_some_and(|from| from != edits) {
            self.stale.try_set(true);
            return;
        }
        // Another application than the one being edited (a link followed within the autosave's
        // pause): what was typed there is sent first.
        if shown.is_some_and(|id| id != detail.row.id) {
            self.flush();
        }
        self.record.try_set(Some(detail.row.id));
        self.form.try_set(detail.criteria.to_form());
        self.version.try_set(detail.version);
        self.saved_edits.try_set(edits);
        self.state.try_set(SaveState::Idle);
        self.complete.try_set(false);
        self.server_fields.try_set(Vec::new());
        self.remote.try_set(None);
        self.stale.try_set(false);
    }

    /// Whether something typed is not saved yet.
    pub fn dirty(self) -> bool {
        self.edits.try_get_untracked() != self.saved_edits.try_get_untracked()
    }

    /// Refetches the application, noting what was typed so far (see [`Draft::load`]).
    pub fn refetch(self) {
        if let Some(edits) = self.edits.try_get_untracked() {
            self.reload_from.try_set(Some(edits));
        }
        self.reload.try_update(|n| *n += 1);
    }

    /// Live updates told of `version` (`None`: maybe anything, after a reconnect).
    pub fn heard(self, version: Option<i32>) {
        let version = version.unwrap_or(i32::MAX);
        self.remote
            .update(|r| *r = Some(r.map_or(version, |old| old.max(version))));
        self.settle();
    }

    /// Acts on a change heard of, once nothing of ours is in flight: refetch, or, with unsaved
    /// work on the page, say so and let the user choose when.
    pub fn settle(self) {
        let (Some(Some(remote)), Some(held), Some(false), Some(false)) = (
            self.remote.try_get_untracked(),
            self.version.try_get_untracked(),
            self.saving.try_get_untracked(),
            self.busy.try_get_untracked(),
        ) else {
            return;
        };
        // Our own saves and steps come back as events too: the version is then the one we hold.
        if remote != 0 && remote <= held {
            self.remote.try_set(None);
            return;
        }
        let writing = self.open_step.try_get_untracked().flatten().is_some();
        if self.dirty() || writing {
            self.stale.try_set(true);
        } else {
            self.refetch();
        }
    }

    /// A change typed into `field`: kept, checked as the user types, and saved shortly after the
    /// last keystroke.
    pub fn edit(self, field: &'static str, value: String) {
        self.form.update(|f| f.set(field, value));
        self.server_fields
            .update(|errs| errs.retain(|e| e.field != field));
        self.edits.update(|n| *n += 1);
        self.schedule();
    }

    /// Saves after [`AUTOSAVE_AFTER`] unless more is typed meanwhile (or it is cancelled).
    pub fn schedule(self) {
        let (Some(seen), Some(ticket)) = (
            self.edits.try_get_untracked(),
            self.autosave_ticket.try_get_untracked(),
        ) else {
            return;
        };
        set_timeout(
            move || {
                if self.edits.try_get_untracked() == Some(seen)
                    && self.autosave_ticket.try_get_untracked() == Some(ticket)
                {
                    leptos::task::spawn_local(self.autosave());
                }
            },
            AUTOSAVE_AFTER,
        );
    }

    /// Cancels the autosave waiting for its pause to run out (one already sent is not).
    pub fn cancel_autosave(self) {
        self.autosave_ticket.try_update(|n| *n = n.wrapping_add(1));
    }

    /// The autosave proper: after any save in flight, unless a step or delete is on its way
    /// (a save now would race it; it is tried again once that is done).
    async fn autosave(self) {
        self.no_save_in_flight().await;
        match self.busy.try_get_untracked() {
            Some(false) => {
                self.save().await;
            }
            Some(true) => self.schedule(),
            None => {}
        }
    }

    /// Waits until no save is in flight (at once when none is, or the page is gone).
    pub async fn no_save_in_flight(self) {
        while self.saving.try_get_untracked() == Some(true) {
            pause(Duration::from_millis(50)).await;
        }
    }

    /// Saves what is typed, if anything is unsaved. True when everything typed is saved.
    pub async fn save(self) -> bool {
        // One save at a time (each quotes the version the previous one answered): a second
        // waits for the first, then sends only what the first did not cover.
        self.no_save_in_flight().await;
        let (Some(Some(id)), Some(edits), Some(saved), Some(form), Some(version), Some(state)) = (
            self.record.try_get_untracked(),
            self.edits.try_get_untracked(),
            self.saved_edits.try_get_untracked(),
            self.form.try_get_untracked(),
            self.version.try_get_untracked(),
            self.state.try_get_untracked(),
        ) else {
            return false;
        };
        if edits == saved {
            return true;
        }
        // After a conflict only a reload (the user's choice) continues.
        if matches!(state, SaveState::Conflict(_)) {
            return false;
        }
        // The server runs the same check; a draft it would refuse is not sent.
        if form.check(false).is_err() {
            self.state.try_set(SaveState::Invalid);
            return false;
        }
        self.saving.try_set(true);
        self.state.try_set(SaveState::Saving);
        let result = save_pcc(PccSave { id, version, form }).await;
        // The page may be gone by now.
        self.saving.try_set(false);
        let done = match result {
            Ok(saved) => {
                // The save went through at the version held, so nobody changed the application
                // meanwhile: a change only suspected (after a reconnect) is ruled out.
                if self.remote.try_get_untracked() == Some(Some(i32::MAX)) {
                    self.remote.try_set(None);
                    self.stale.try_set(false);
                }
                self.version.try_set(saved.version);
                self.saved_edits.try_set(edits);
                self.server_fields.try_set(Vec::new());
                self.state.try_set(SaveState::Saved(saved.at));
                self.edits.try_get_untracked() == Some(edits)
            }
            Err(AppError::Validation { fields }) => {
                self.server_fields.try_set(fields);
                self.state.try_set(SaveState::Invalid);
                false
            }
            Err(e @ AppError::Conflict { .. }) => {
                self.state.try_set(SaveState::Conflict(conflict_text(&e)));
                false
            }
            Err(e) => {
                self.state
                    .try_set(SaveState::Failed(format!("Not saved: {e}")));
                false
            }
        };
        self.settle();
        done
    }

    /// Sends what is typed but not saved yet, without waiting for the answer: the page is being
    /// left before the autosave's pause ran out. Not while a step or delete is on its way, which
    /// a save would race.
    pub fn flush(self) {
        if !self.dirty()
            || self.saving.try_get_untracked() != Some(false)
            || self.busy.try_get_untracked() != Some(false)
        {
            return;
        }
        if let (Some(Some(id)), Some(form), Some(version), Some(state)) = (
            self.record.try_get_untracked(),
            self.form.try_get_untracked(),
            self.version.try_get_untracked(),
            self.state.try_get_untracked(),
        ) && !matches!(state, SaveState::Conflict(_))
            && form.check(false).is_ok()
        {
            leptos::task::spawn_local(async move {
                let _ = save_pcc(PccSave { id, version, form }).await;
            });
        }
    }

    /// The message for `field`: the browser's check first, then the server's answer.
    pub fn message(self, errors: Memo<Vec<FieldError>>, field: &str) -> Option<String> {
        let find = |errs: &Vec<FieldError>| {
            errs.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        };
        errors.with(find).or_else(|| self.server_fields.with(find))
    }

    /// Marks the form as being submitted; when something is missing, focuses the first field to
    /// fix and answers false.
    pub fn ready_to_submit(self) -> bool {
        self.complete.try_set(true);
        let Some(form) = self.form.try_get_untracked() else {
            return false;
        };
        match form.check(true) {
            Ok(_) => true,
            Err(errors) => {
                if let Some(first) = first_in_form_order(&errors) {
                    focus_id(&input_id(first));
                }
                false
            }
        }
    }

    /// What the save-status line says.
    pub fn status_text(self) -> String {
        let dirty = self.edits.get() != self.saved_edits.get();
        match self.state.get() {
            SaveState::Saving => "Saving…".into(),
            SaveState::Invalid => "Not saved yet: correct the marked fields.".into(),
            SaveState::Failed(message) | SaveState::Conflict(message) => message,
            _ if dirty => "Unsaved changes…".into(),
            SaveState::Saved(at) => format!("Saved at {}.", clock(&at)),
            SaveState::Idle => String::new(),
        }
    }
}

/// Waits `duration` on the browser's timer (only ever awaited in the browser).
async fn pause(duration: Duration) {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::task::{Poll, Waker};
    let state: Rc<RefCell<(bool, Option<Waker>)>> = Rc::default();
    let timer = Rc::clone(&state);
    set_timeout(
        move || {
            let mut s = timer.borrow_mut();
            s.0 = true;
            if let Some(waker) = s.1.take() {
                waker.wake();
            }
        },
        duration,
    );
    std::future::poll_fn(|cx| {
        let mut s = state.borrow_mut();
        if s.0 {
            Poll::Ready(())
        } else {
            s.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    })
    .await
}

/// The first field with an error, in the order the form shows them.
fn first_in_form_order(errors: &[FieldError]) -> Option<&str> {
    all_measures()
        .map(|m| m.field)
        .chain(["customer_lounge", "justification"])
        .find(|f| errors.iter().any(|e| e.field == *f))
}

/// The element id of a field's input.
fn input_id(field: &str) -> String {
    if field == "customer_lounge" {
        "pcc-customer_lounge-yes".into()
    } else {
        format!("pcc-{field}")
    }
}
