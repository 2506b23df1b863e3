//! The module cards: one per business module, leading to it (on the home page, under what needs
//! the user).

use leptos::prelude::*;
use leptos_router::components::A;

use crate::modules::Module;

/// One card per module.
#[component]
pub fn ModuleCards() -> impl IntoView {
    view! {
        <ul class="module-cards">
            {Module::ALL
                .into_iter()
                .map(|m| {
                    view! {
                        <li class="card">
                            <h3><A href=m.href()>{m.title()}</A></h3>
                            <p>{m.summary()}</p>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
