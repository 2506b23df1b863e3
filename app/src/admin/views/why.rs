//! The "why" panel of the user screen: whether the user may do something, and the reason
//! `authorize` gives, with the facts it decided on.

use leptos::prelude::*;
use uuid::Uuid;

use crate::admin::api::explain_access;
use crate::auth::authorize::{Action, Area};
use crate::components::hydrated;
use crate::modules::Module;

/// Whether this user may do something, and the reason `authorize` gives.
#[component]
pub(super) fn WhyPanel(id: Uuid) -> impl IntoView {
    let area_key = RwSignal::new(Module::ALL[0].key().to_owned());
    let action_key = RwSignal::new("view".to_owned());
    let ready = hydrated();
    let ask = leptos::prelude::Action::new(move |_: &()| {
        let area = area_from_key(&area_key.get_untracked());
        let action = Action::from_key(&action_key.get_untracked()).unwrap_or(Action::View);
        async move { explain_access(id, action, area).await }
    });
    view! {
        <section class="card" aria-labelledby="why-heading">
            <h2 id="why-heading">"Why can or can't this user…?"</h2>
            <div class="filters">
                <label>"Action"
                    <select on:change=move |ev| action_key.set(event_target_value(&ev))>
                        {Action::ALL.into_iter().map(|a| view! { <option value=a.key()>{a.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"In"
                    <select on:change=move |ev| area_key.set(event_target_value(&ev))>
                        {Module::ALL.into_iter().map(|m| view! { <option value=m.key()>{m.title()}</option> }).collect_view()}
                        {ADMIN_AREAS.into_iter().map(|(k, a)| view! { <option value=k>{crate::text::capitalise(a.title())}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button secondary" disabled=move || !ready.get() || ask.pending().get()
                    on:click=move |_| { ask.dispatch(()); }>"Check"</button>
            </div>
            <div role="status" aria-live="polite">
                {move || ask.value().get().map(|r| match r {
                    Ok(ex) => view! {
                        <p class=if ex.decision.allowed { "verdict allowed" } else { "verdict denied" }>
                            <strong>{if ex.decision.allowed { "Allowed. " } else { "Refused. " }}</strong>
                            {ex.decision.reason}
                        </p>
                        <ul class="muted">{ex.facts.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}</ul>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                })}
            </div>
        </section>
    }
}

const ADMIN_AREAS: [(&str, Area); 6] = [
    ("users", Area::Users),
    ("dealers", Area::Dealers),
    ("role_templates", Area::RoleTemplates),
    ("audit", Area::AuditLog),
    ("settings", Area::Settings),
    ("dashboard", Area::Dashboard),
];

fn area_from_key(key: &str) -> Area {
    Module::from_key(key)
        .map(Area::Module)
        .or_else(|| ADMIN_AREAS.iter().find(|(k, _)| *k == key).map(|(_, a)| *a))
        .unwrap_or(Area::Module(Module::ALL[0]))
}
