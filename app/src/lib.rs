//! One Aftersales Platform: the shared crate.
//!
//! Everything the browser and the server have in common lives here: types, validation, components,
//! pages and `#[server]` functions. Server-only code sits behind the `ssr` feature; the browser build
//! enables `hydrate`. The two are never built together.

pub mod auth;
pub mod components;
pub mod error;
pub mod modules;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod state;
pub mod system;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use components::AppLayout;
use pages::{AdminPage, HomePage, ModulePage, NotFound};
use system::views::StatusPage;

/// The name cargo-leptos gives the generated CSS, JS and WASM files (`[[workspace.metadata.leptos]] name`).
pub const OUTPUT_NAME: &str = "one-aftersales";

/// The HTML document the server renders around [`App`].
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css")/>
        <Title formatter=|page: String| format!("{page} · One Aftersales")/>
        <Router>
            <AppLayout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/modules/:slug") view=ModulePage/>
                    <Route path=path!("/admin") view=AdminPage/>
                    <Route path=path!("/system/status") view=StatusPage/>
                </Routes>
            </AppLayout>
        </Router>
    }
}
