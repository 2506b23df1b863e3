//! `/`: the starting point, one card per module.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::modules::Module;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <h1>"One Aftersales Platform"</h1>
        <p class="lead">
            "The aftersales portal for the dealer network: programme applications, event registrations and surveys in one place."
        </p>
        <ul class="module-cards">
            {Module::ALL
                .into_iter()
                .map(|m| {
                    view! {
                        <li class="card">
                            <h2><A href=m.href()>{m.title()}</A></h2>
                            <p>{m.summary()}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
