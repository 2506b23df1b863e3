//! Module pages that are not built yet say so plainly, with what the module will do. No sample data.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::NotFound;
use crate::modules::Module;

/// `/modules/:slug`.
#[component]
pub fn ModulePage() -> impl IntoView {
    let params = use_params_map();
    let module = move || params.with(|p| p.get("slug").and_then(|s| Module::from_slug(&s)));
    move || match module() {
        Some(m) => view! { <ComingSoon title=m.title() summary=m.summary()/> }.into_any(),
        None => view! { <NotFound/> }.into_any(),
    }
}

/// `/admin`.
#[component]
pub fn AdminPage() -> impl IntoView {
    view! {
        <ComingSoon
            title="Administration"
            summary="Manage users, dealers and per-module permissions, review the audit trail and change settings."
        />
    }
}

#[component]
fn ComingSoon(title: &'static str, summary: &'static str) -> impl IntoView {
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <p class="lead">{summary}</p>
        <p class="notice" role="note">"This module is coming soon. Nothing here is live yet."</p>
    }
}
