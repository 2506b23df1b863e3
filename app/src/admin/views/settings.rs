//! The settings screen (super admins): one form per setting, each saved on its own.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::AdminTabs;
use crate::admin::api::{UpdateSetting, list_settings};
use crate::admin::model::SettingRow;
use crate::audit::{AuditAction, AuditEntity};
use crate::components::time::minutes;
use crate::components::{ErrorPanel, Field, FormError, last_error};
use crate::list::encode_params;

/// `/admin/settings` (super admins): session timeouts, two-factor roles, password and rate-limit
/// knobs, each validated against its bounds and audited.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_settings());
    view! {
        <Title text="Settings"/>
        <h1>"Settings"</h1>
        <AdminTabs/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    rows.await.map(|list| list.into_iter().map(|s| view! { <SettingForm setting=s/> }).collect_view())
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn SettingForm(setting: SettingRow) -> impl IntoView {
    let action = ServerAction::<UpdateSetting>::new();
    let error = last_error(action.value());
    let saved = move || action.value().get().and_then(Result::ok);
    let hint = match &setting.description {
        Some(d) => format!("{d} {}", setting.hint),
        None => setting.hint.clone(),
    };
    let history = format!(
        "/admin/audit{}",
        encode_params(&[
            ("entity", AuditEntity::Setting.key().to_owned()),
            ("action", AuditAction::SettingChanged.key().to_owned()),
        ])
    );
    view! {
        <section class="card setting">
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <input type="hidden" name="category" value=setting.category.clone()/>
                <input type="hidden" name="key" value=setting.key.clone()/>
                // Every setting's form posts `value`: the id tells them apart on the page.
                <Field
                    name="value"
                    id=format!("{}-{}", setting.category, setting.key)
                    label=setting.label.clone()
                    hint
                    value=setting.value.clone()
                    inputmode=if setting.numeric { "numeric" } else { "text" }
                    error
                />
                <FormError error fields=&["value"]/>
                <button type="submit" class="button secondary" disabled=move || action.pending().get()>"Save"</button>
                <span class="notice-inline" role="status">
                    {move || saved().map(|s| format!("Saved: {}", s.value))}
                </span>
            </ActionForm>
            <p class="muted small">
                {setting.updated_at.map(|t| format!("Last changed {}", minutes(&t)))}
                " · " <A href=history>"History"</A>
            </p>
        </section>
    }
}
