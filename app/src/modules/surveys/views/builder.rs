//! `/modules/{slug}/forms`: the versions of a survey's form (which is published, which retired,
//! how many responses answered each), and for super admins a new draft copied from the latest;
//! `…/forms/{version}`: a draft in the editor, with its live checks, a preview exactly as dealers
//! see it (answerable, with the live score), Save and Publish; any other version read-only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::editor::Editor;
use super::fill::FormView;
use super::{Tabs, current_user, error_text, user_is};
use crate::auth::model::CurrentUser;
use crate::auth::roles::Role;
use crate::components::time::minutes;
use crate::components::{ErrorPanel, hydrated};
use crate::modules::surveys::api::{draft_form, form_versions, get_form};
use crate::modules::surveys::model::{FormStatus, SurveyKind};

/// Whether `u` is a super admin (the only ones who change forms).
fn super_admin(u: &CurrentUser) -> bool {
    u.role == Role::SuperAdmin
}

/// The versions of a survey's form.
#[component]
pub fn FormsPage(kind: SurveyKind) -> impl IntoView {
    let versions = Resource::new(|| (), move |_| form_versions(kind));
    let user = current_user();
    let navigate = use_navigate();
    let draft = Action::new(move |_: &()| draft_form(kind));
    Effect::new(move |_| {
        if let Some(Ok(v)) = draft.value().get() {
            navigate(&format!("{}/forms/{v}", kind.path()), Default::default());
        }
    });
    let ready = hydrated();
    view! {
        <Title text=format!("{}: form", kind.module().title())/>
        <h1>{kind.module().title()}</h1>
        <Tabs kind/>
        <p class="lead">"Dealers answer the published version. A published version never changes: a change is a new version, and every response keeps the version it answered."</p>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                user_is(user, super_admin).await.then(|| view! {
                    <div class="toolbar">
                        <button type="button" class="button" disabled=move || !ready.get() || draft.pending().get()
                            on:click=move |_| { draft.dispatch(()); }>"Edit the form (new version)"</button>
                    </div>
                    <p class="form-error" role="alert">{move || draft.value().get().and_then(Result::err).map(|e| error_text(&e))}</p>
                })
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="muted">"Loading versions…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    versions.await.map(|rows| view! {
                        <table class="data">
                            <thead><tr>
                                <th scope="col">"Version"</th><th scope="col">"State"</th><th scope="col">"Published"</th>
                                <th scope="col" class="num">"Responses"</th><th scope="col">"Last change"</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|v| {
                                    let badge = match v.status { FormStatus::Published => "badge ok", FormStatus::Draft => "badge warn", FormStatus::Retired => "badge" };
                                    view! {
                                        <tr>
                                            <td><A href=format!("{}/forms/{}", kind.path(), v.version)>{format!("Version {}", v.version)}</A></td>
                                            <td><span class=badge>{v.status.label()}</span></td>
                                            <td>{v.published_at.map(|t| format!("{} by {}", minutes(&t), v.published_by.clone().unwrap_or_else(|| "the portal".into())))}</td>
                                            <td class="num">{v.responses}</td>
                                            <td><time>{minutes(&v.updated_at)}</time></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// One version: the editor for a super admin's draft, else a preview.
#[component]
pub fn FormPage(kind: SurveyKind, version: i32) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let form = Resource::new(
        move || changed.get(),
        move |_| get_form(kind, Some(version)),
    );
    let user = current_user();
    view! {
        <p class="breadcrumb"><A href=format!("{}/forms", kind.path())>{format!("{}: form", kind.module().title())}</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    let may_edit = user_is(user, super_admin).await;
                    form.await.map(|f| {
                        let title = format!("{} · version {} ({})", kind.module().title(), f.version, f.status.label().to_lowercase());
                        let body = if f.status == FormStatus::Draft && may_edit {
                            view! { <Editor form=f changed/> }.into_any()
                        } else {
                            let answers = RwSignal::new(Default::default());
                            view! {
                                <p class="lead">"As dealers see it (answers given here are not saved)."</p>
                                <FormView definition=f.definition answers editable=true errors=Signal::derive(Default::default) prefix="p-"/>
                            }.into_any()
                        };
                        view! { <Title text=title.clone()/><h1>{title}</h1>{body} }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
