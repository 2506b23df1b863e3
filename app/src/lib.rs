//! One Aftersales Platform: the shared crate.
//!
//! Everything the browser and the server have in common lives here: types, validation, components,
//! pages and `#[server]` functions. Server-only code sits behind the `ssr` feature; the browser build
//! enables `hydrate`. The two are never built together.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod components;
pub mod dealers;
pub mod email;
pub mod error;
#[cfg(feature = "ssr")]
pub mod export;
pub mod home;
pub mod list;
pub mod live;
#[cfg(feature = "ssr")]
pub mod mail;
pub mod modules;
pub mod notifications;
pub mod pages;
pub mod posted;
pub mod queue;
pub mod routes;
pub mod settings;
#[cfg(feature = "ssr")]
pub mod state;
pub mod system;
pub mod text;
pub mod workflow;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use auth::views::LoginPage;
use components::AppLayout;
use leptos_router::Lazy;
use pages::NotFound;
use routes::{
    AccountRoute, AuditRoute, DashboardRoute, DealerEditRoute, DealerNewRoute, DealersRoute,
    DevMailboxRoute, ForgotPasswordRoute, HomeRoute, MfaChallengeRoute, MfaSetupRoute, ModuleRoute,
    NotificationsRoute, PccListRoute, PccRecordRoute, PermissionsRoute, QueueRoute,
    ResetPasswordRoute, SessionsRoute, SettingsRoute, StatusRoute, TemplatesRoute, UserEditRoute,
    UserNewRoute, UsersRoute,
};

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
    auth::views::provide_auth();
    live::provide_live();
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css")/>
        <Title formatter=|page: String| format!("{page} · One Aftersales")/>
        <Router>
            <AppLayout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view={Lazy::<HomeRoute>::new()}/>
                    <Route path=path!("/modules/pcc") view={Lazy::<PccListRoute>::new()}/>
                    <Route path=path!("/modules/pcc/:id") view={Lazy::<PccRecordRoute>::new()}/>
                    // A module's own page has no rest; the server's router (axum) matches a wildcard
                    // only with at least one segment, so it needs a route of its own.
                    <Route path=path!("/modules/:slug") view={Lazy::<ModuleRoute>::new()}/>
                    <Route path=path!("/modules/:slug/*rest") view={Lazy::<ModuleRoute>::new()}/>
                    <Route path=path!("/queue") view={Lazy::<QueueRoute>::new()}/>
                    <Route path=path!("/notifications") view={Lazy::<NotificationsRoute>::new()}/>
                    <Route path=path!("/admin") view={Lazy::<DashboardRoute>::new()}/>
                    <Route path=path!("/admin/users") view={Lazy::<UsersRoute>::new()}/>
                    <Route path=path!("/admin/users/new") view={Lazy::<UserNewRoute>::new()}/>
                    <Route path=path!("/admin/users/:id") view={Lazy::<UserEditRoute>::new()}/>
                    <Route path=path!("/admin/permissions") view={Lazy::<PermissionsRoute>::new()}/>
                    <Route path=path!("/admin/templates") view={Lazy::<TemplatesRoute>::new()}/>
                    <Route path=path!("/admin/dealers") view={Lazy::<DealersRoute>::new()}/>
                    <Route path=path!("/admin/dealers/new") view={Lazy::<DealerNewRoute>::new()}/>
                    <Route path=path!("/admin/dealers/:id") view={Lazy::<DealerEditRoute>::new()}/>
                    <Route path=path!("/admin/audit") view={Lazy::<AuditRoute>::new()}/>
                    <Route path=path!("/admin/settings") view={Lazy::<SettingsRoute>::new()}/>
                    <Route path=path!("/system/status") view={Lazy::<StatusRoute>::new()}/>
                    <Route path=path!("/login") view=LoginPage/>
                    <Route path=path!("/login/mfa") view={Lazy::<MfaChallengeRoute>::new()}/>
                    <Route path=path!("/password/forgot") view={Lazy::<ForgotPasswordRoute>::new()}/>
                    <Route path=path!("/password/reset") view={Lazy::<ResetPasswordRoute>::new()}/>
                    <Route path=path!("/account") view={Lazy::<AccountRoute>::new()}/>
                    <Route path=path!("/account/sessions") view={Lazy::<SessionsRoute>::new()}/>
                    <Route path=path!("/account/mfa") view={Lazy::<MfaSetupRoute>::new()}/>
                    <Route path=path!("/dev/mailbox") view={Lazy::<DevMailboxRoute>::new()}/>
                </Routes>
            </AppLayout>
        </Router>
    }
}
