//! The frame around every page: header, navigation, main content.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::modules::Module;

/// Header with the product name, navigation for the six modules and administration, and the page.
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <A href="/" attr:class="brand">"One Aftersales"</A>
        </header>
        <div class="frame">
            <nav class="side-nav" aria-label="Main">
                <h2 class="nav-heading">"Modules"</h2>
                <ul>
                    {Module::ALL
                        .into_iter()
                        .map(|m| view! { <li><A href=m.href()>{m.title()}</A></li> })
                        .collect_view()}
                </ul>
                <h2 class="nav-heading">"Administration"</h2>
                <ul>
                    <li><A href="/admin">"Users, dealers and permissions"</A></li>
                    <li><A href="/system/status">"System status"</A></li>
                </ul>
            </nav>
            <main id="main" class="content">{children()}</main>
        </div>
    }
}
