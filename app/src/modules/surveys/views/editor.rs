//! The form builder's editor: a draft version's title, sections and questions, each editable in
//! place (kind, options with points, the correct answer, bounds, weight, required, show-if on an
//! earlier question), reordered and removed; the definition's checks shown where they apply, a
//! live preview, Save and Publish. Each section and question keeps its own signals, so typing
//! in one redraws nothing else.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::error_text;
use super::fill::FormView;
use super::kind_settings::{KindSettings, list_text, parse_list};
use crate::components::hydrated;
use crate::modules::surveys::api::{discard_form, publish_form, save_form};
use crate::modules::surveys::model::answers::{self, Answers};
use crate::modules::surveys::model::form::{
    FormDefinition, KINDS, Question, QuestionKind, Section, ShowIf,
};
use crate::modules::surveys::model::{FormSave, FormVersion, percent};

#[derive(Clone, Copy)]
struct QState {
    key: u32,
    q: RwSignal<Question>,
}

#[derive(Clone, Copy)]
struct SState {
    key: u32,
    id: RwSignal<String>,
    title: RwSignal<String>,
    help: RwSignal<String>,
    questions: RwSignal<Vec<QState>>,
}

/// The editor's state: the definition split into signals.
#[derive(Clone, Copy)]
struct Draft {
    title: RwSignal<String>,
    intro: RwSignal<String>,
    sections: RwSignal<Vec<SState>>,
    next: StoredValue<u32>,
    /// The editor's owner: sections and questions added by a click belong to the editor, not to
    /// whatever part of the page the click came from (which the preview toggle rebuilds).
    owner: StoredValue<Owner>,
}

impl Draft {
    fn new(d: FormDefinition) -> Self {
        let draft = Draft {
            title: RwSignal::new(d.title),
            intro: RwSignal::new(d.intro),
            sections: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            owner: StoredValue::new(Owner::current().unwrap_or_default()),
        };
        let sections = d.sections.into_iter().map(|s| draft.section(s)).collect();
        draft.sections.set(sections);
        draft
    }

    fn key(self) -> u32 {
        self.next.update_value(|n| *n += 1);
        self.next.get_value()
    }

    fn section(self, s: Section) -> SState {
        let questions = s.questions.into_iter().map(|q| self.question(q)).collect();
        let key = self.key();
        self.owner.with_value(|o| {
            o.with(|| SState {
                key,
                id: RwSignal::new(s.id),
                title: RwSignal::new(s.title),
                help: RwSignal::new(s.help),
                questions: RwSignal::new(questions),
            })
        })
    }

    fn question(self, q: Question) -> QState {
        let key = self.key();
        self.owner.with_value(|o| {
            o.with(|| QState {
                key,
                q: RwSignal::new(q),
            })
        })
    }

    fn fresh_question(self) -> Question {
        let n = self.next.get_value() + 1;
        Question {
            id: format!("question_{n}"),
            label: "New question".into(),
            help: String::new(),
            kind: QuestionKind::Scale {
                low_label: "Poor".into(),
                high_label: "Excellent".into(),
            },
            required: true,
            weight: 1,
            show_if: None,
        }
    }

    /// The definition as edited (reactive).
    fn definition(self) -> FormDefinition {
        FormDefinition {
            title: self.title.get(),
            intro: self.intro.get(),
            sections: self
                .sections
                .get()
                .into_iter()
                .map(|s| Section {
                    id: s.id.get(),
                    title: s.title.get(),
                    help: s.help.get(),
                    questions: s.questions.get().into_iter().map(|q| q.q.get()).collect(),
                })
                .collect(),
        }
    }

    /// The check's key of a section or question by its editor key (`s1`, `s1q3`).
    fn check_key(self, section: u32, question: Option<u32>) -> Option<String> {
        self.sections.with(|all| {
            let si = all.iter().position(|s| s.key == section)?;
            match question {
                None => Some(format!("s{si}")),
                Some(k) => {
                    let qi = all[si]
                        .questions
                        .with(|qs| qs.iter().position(|q| q.key == k))?;
                    Some(format!("s{si}q{qi}"))
                }
            }
        })
    }
}

/// Moves the item with `key` one place up (`-1`) or down (`1`).
fn shift<T>(items: &mut [T], index: Option<usize>, by: isize) {
    if let Some(i) = index {
        let j = i as isize + by;
        if j >= 0 && (j as usize) < items.len() {
            items.swap(i, j as usize);
        }
    }
}

/// The editor of a draft version.
#[component]
pub fn Editor(form: FormVersion, changed: RwSignal<u32>) -> impl IntoView {
    let kind = form.kind;
    let version = form.version;
    let lock = RwSignal::new(form.lock);
    let draft = Draft::new(form.definition);
    let current = Memo::new(move |_| draft.definition());
    let problems = Memo::new(move |_| current.with(|d| d.check().err().unwrap_or_default()));
    let saved = RwSignal::new(true);
    Effect::new(move |seen: Option<()>| {
        current.track();
        if seen.is_some() {
            saved.set(false);
        }
    });
    let save = Action::new(move |_: &()| {
        let request = FormSave {
            kind,
            version,
            lock: lock.get_untracked(),
            definition: current.get_untracked(),
        };
        async move { save_form(request).await }
    });
    let publish = Action::new(move |_: &()| {
        let request = FormSave {
            kind,
            version,
            lock: lock.get_untracked(),
            definition: current.get_untracked(),
        };
        async move {
            let saved = save_form(request).await?;
            // Kept even if publishing then fails: the next save quotes this draft's new lock.
            lock.set(saved);
            publish_form(kind, version, saved).await
        }
    });
    let navigate = use_navigate();
    let discard = Action::new(move |_: &()| discard_form(kind, version, lock.get_untracked()));
    Effect::new(move |_| {
        if let Some(Ok(l)) = save.value().get() {
            lock.set(l);
            saved.set(true);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = publish.value().get() {
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = discard.value().get() {
            navigate(&format!("{}/forms", kind.path()), Default::default());
        }
    });
    let error = move || {
        [
            save.value().get(),
            publish.value().get().map(|r| r.map(|_| 0)),
            discard.value().get().map(|r| r.map(|_| 0)),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
        .map(|e| error_text(&e))
    };
    let preview = RwSignal::new(false);
    let preview_answers = RwSignal::new(Answers::new());
    let preview_score = Memo::new(move |_| {
        preview_answers.with(|a| current.with(|d| answers::score(d, a).map(|s| s.total)))
    });
    let title_messages = move || {
        problems.with(|p| {
            p.iter()
                .filter(|f| f.field == "title")
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
        })
    };
    let ready = hydrated();
    let busy = move || !ready.get() || save.pending().get() || publish.pending().get();
    view! {
        <div class="toolbar editor-bar" role="region" aria-label="Draft">
            <button type="button" class="button secondary" on:click=move |_| preview.update(|p| *p = !*p)>
                {move || if preview.get() { "Back to the editor" } else { "Preview" }}
            </button>
            <button type="button" class="button secondary" disabled=busy on:click=move |_| { save.dispatch(()); }>"Save draft"</button>
            <button type="button" class="button" disabled=move || busy() || !problems.with(Vec::is_empty)
                on:click=move |_| { publish.dispatch(()); }>"Publish"</button>
            <button type="button" class="link-button" disabled=busy on:click=move |_| { discard.dispatch(()); }>"Discard this draft"</button>
            <span class="save-status" role="status">{move || if saved.get() { "All changes saved." } else { "Unsaved changes." }}</span>
        </div>
        <p class="form-error" role="alert">{error}</p>
        <p class="muted" role="status">{move || match problems.with(Vec::len) {
            0 => "The form can be published.".to_owned(),
            n => format!("{n} problems keep this form from being published; each is shown where it is."),
        }}</p>
        <Show when=move || preview.get() fallback=move || view! {
            <section class="card">
                <div class="field">
                    <label for="form-title">"Title"</label>
                    <input id="form-title" type="text" prop:value=move || draft.title.get()
                        on:input:target=move |ev| draft.title.set(ev.target().value())/>
                </div>
                <div class="field">
                    <label for="form-intro">"Introduction"</label>
                    <textarea id="form-intro" rows="2" prop:value=move || draft.intro.get()
                        on:input:target=move |ev| draft.intro.set(ev.target().value())></textarea>
                </div>
                <ul class="problems">{move || title_messages().into_iter().map(|m| view! { <li class="field-error">{m}</li> }).collect_view()}</ul>
            </section>
            <For each=move || draft.sections.get() key=|s| s.key let:s>
                <SectionEditor draft s problems/>
            </For>
            <button type="button" class="button secondary" on:click=move |_| {
                let q = draft.fresh_question();
                let n = draft.next.get_value() + 1;
                let s = draft.section(Section { id: format!("section_{n}"), title: "New section".into(), help: String::new(), questions: vec![q] });
                draft.sections.update(|v| v.push(s));
            }>"Add a section"</button>
        }>
            <p class="lead">{move || format!("Preview: score so far {} / 100 (nothing here is saved).", preview_score.get().map_or_else(|| "—".into(), percent))}</p>
            {move || view! { <FormView definition=current.get() answers=preview_answers editable=true errors=Signal::derive(Default::default) prefix="p-"/> }}
        </Show>
    }
}

/// One section: its heading, help, questions, and moves.
#[component]
fn SectionEditor(
    draft: Draft,
    s: SState,
    problems: Memo<Vec<crate::error::FieldError>>,
) -> impl IntoView {
    let messages = move || {
        let key = draft.check_key(s.key, None);
        problems.with(|p| {
            p.iter()
                .filter(|f| Some(&f.field) == key.as_ref())
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
        })
    };
    let index = move || {
        draft
            .sections
            .with(|v| v.iter().position(|x| x.key == s.key))
    };
    let fid = format!("s{}", s.key);
    view! {
        <section class="card section-editor" aria-label=move || format!("Section: {}", s.title.get())>
            <div class="measure-grid">
                <div class="field">
                    <label for=format!("{fid}-title")>"Section title"</label>
                    <input id=format!("{fid}-title") type="text" prop:value=move || s.title.get()
                        on:input:target=move |ev| s.title.set(ev.target().value())/>
                </div>
                <div class="field">
                    <label for=format!("{fid}-id")>"Section id"</label>
                    <input id=format!("{fid}-id") type="text" class="mono" prop:value=move || s.id.get()
                        on:input:target=move |ev| s.id.set(ev.target().value())/>
                </div>
            </div>
            <div class="field">
                <label for=format!("{fid}-help")>"Help"</label>
                <input id=format!("{fid}-help") type="text" prop:value=move || s.help.get()
                    on:input:target=move |ev| s.help.set(ev.target().value())/>
            </div>
            <ul class="problems">{move || messages().into_iter().map(|m| view! { <li class="field-error">{m}</li> }).collect_view()}</ul>
            <div class="actions">
                <button type="button" class="button secondary" on:click=move |_| draft.sections.update(|v| shift(v, index(), -1))>"Move section up"</button>
                <button type="button" class="button secondary" on:click=move |_| draft.sections.update(|v| shift(v, index(), 1))>"Move section down"</button>
                <button type="button" class="link-button" on:click=move |_| draft.sections.update(|v| v.retain(|x| x.key != s.key))>"Remove section"</button>
            </div>
            <For each=move || s.questions.get() key=|q| q.key let:q>
                <QuestionEditor draft s qs=q problems/>
            </For>
            <button type="button" class="button secondary" on:click=move |_| {
                let q = draft.question(draft.fresh_question());
                s.questions.update(|v| v.push(q));
            }>"Add a question"</button>
        </section>
    }
}

/// One question's settings.
#[component]
fn QuestionEditor(
    draft: Draft,
    s: SState,
    qs: QState,
    problems: Memo<Vec<crate::error::FieldError>>,
) -> impl IntoView {
    let q = qs.q;
    let fid = format!("q{}", qs.key);
    let messages = move || {
        let key = draft.check_key(s.key, Some(qs.key));
        problems.with(|p| {
            p.iter()
                .filter(|f| Some(&f.field) == key.as_ref())
                .map(|f| f.message.clone())
                .collect::<Vec<_>>()
        })
    };
    let index = move || s.questions.with(|v| v.iter().position(|x| x.key == qs.key));
    // The ids of the questions before this one: what a condition may name.
    let earlier = Memo::new(move |_| {
        let mut out = Vec::new();
        for sec in draft.sections.get() {
            for other in sec.questions.get() {
                if other.key == qs.key {
                    return out;
                }
                out.push(other.q.with(|o| o.id.clone()));
            }
        }
        out
    });
    let kind_key = Memo::new(move |_| q.with(|q| q.kind.key()));
    let base = fid.clone();
    let text_input = move |suffix: &'static str,
                           label: &'static str,
                           get: fn(&Question) -> String,
                           put: fn(&mut Question, String)| {
        let id = format!("{base}-{suffix}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input id=id type="text" prop:value=move || q.with(get)
                    on:input:target=move |ev| q.update(|q| put(q, ev.target().value()))/>
            </div>
        }
    };
    view! {
        <fieldset class="question-editor">
            <legend>{move || q.with(|q| format!("{} · {}", q.id, q.label))}</legend>
            <div class="measure-grid">
                {text_input("id", "Question id", |q| q.id.clone(), |q, v| q.id = v)}
                <div class="field">
                    <label for=format!("{fid}-kind")>"Kind"</label>
                    <select id=format!("{fid}-kind") on:change:target=move |ev| {
                        let key = ev.target().value();
                        q.update(|q| q.kind = q.kind.switch_to(&key));
                    }>
                        {KINDS.iter().map(|(k, label)| view! {
                            <option value=*k selected=move || kind_key.get() == *k>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=format!("{fid}-weight")>"Weight (0: not scored)"</label>
                    <input id=format!("{fid}-weight") type="number" min="0" max="100" step="1"
                        prop:value=move || q.with(|q| q.weight.to_string())
                        on:input:target=move |ev| { if let Ok(w) = ev.target().value().parse() { q.update(|q| q.weight = w) } }/>
                </div>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || q.with(|q| q.required)
                        on:change:target=move |ev| q.update(|q| q.required = ev.target().checked())/>
                    "Required"
                </label>
            </div>
            {text_input("label", "Question", |q| q.label.clone(), |q, v| q.label = v)}
            {text_input("help", "Help", |q| q.help.clone(), |q, v| q.help = v)}
            {let fid = fid.clone(); move || view! { <KindSettings q fid=fid.clone() kind=kind_key.get()/> }}
            <div class="measure-grid">
                <div class="field">
                    <label for=format!("{fid}-showif")>"Show only when"</label>
                    <select id=format!("{fid}-showif") on:change:target=move |ev| {
                        let target = ev.target().value();
                        q.update(|q| q.show_if = (!target.is_empty()).then(|| ShowIf {
                            question: target,
                            any_of: q.show_if.as_ref().map(|c| c.any_of.clone()).unwrap_or_default(),
                        }));
                    }>
                        <option value="" selected=move || q.with(|q| q.show_if.is_none())>"Always shown"</option>
                        {move || earlier.get().into_iter().map(|id| {
                            let chosen = { let id = id.clone(); move || q.with(|q| q.show_if.as_ref().is_some_and(|c| c.question == id)) };
                            view! { <option value=id.clone() selected=chosen>{format!("{id} is answered…")}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for=format!("{fid}-values")>"…with one of (option ids, yes/no, 1–5)"</label>
                    <input id=format!("{fid}-values") type="text" disabled=move || q.with(|q| q.show_if.is_none())
                        prop:value=move || q.with(|q| q.show_if.as_ref().map(|c| list_text(&c.any_of)).unwrap_or_default())
                        on:change:target=move |ev| {
                            let values = parse_list(&ev.target().value());
                            q.update(|q| if let Some(c) = q.show_if.as_mut() { c.any_of = values; });
                        }/>
                </div>
            </div>
            <ul class="problems">{move || messages().into_iter().map(|m| view! { <li class="field-error" role="alert">{m}</li> }).collect_view()}</ul>
            <div class="actions">
                <button type="button" class="button secondary" on:click=move |_| s.questions.update(|v| shift(v, index(), -1))>"Move up"</button>
                <button type="button" class="button secondary" on:click=move |_| s.questions.update(|v| shift(v, index(), 1))>"Move down"</button>
                <button type="button" class="link-button" on:click=move |_| s.questions.update(|v| v.retain(|x| x.key != qs.key))>"Remove"</button>
            </div>
        </fieldset>
    }
}
