//! Pages served as lazy routes: their code is split out of the WASM every visitor downloads
//! (`cargo leptos --split`) and fetched the first time someone opens one. The sign-in page stays in
//! the first bundle; the home page (by role, with its charts), the modules, the queue, administration, the status page and
//! the account, two-factor and password pages are fetched on demand. Every module but PCC is one
//! route (`/modules/:slug/*rest`) whose page reads the rest of the path itself, so a new module
//! adds no route code to the first bundle.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::admin::views::*;
use crate::auth::views::{
    AccountPage, DevMailboxPage, ForgotPasswordPage, MfaChallengePage, MfaSetupPage,
    ResetPasswordPage, SessionsPage,
};
use crate::home::views::HomeDashboardPage;
use crate::modules::pcc::views::{PccListPage, PccRecordPage};
use crate::notifications::views::NotificationsPage;
use crate::pages::ModulePage;
use crate::queue::views::QueuePage;
use crate::system::views::StatusPage;

/// Defines, for each `Route("/path") => Page`, the unit struct `Route` and its `LazyRoute` impl,
/// whose view is `<Page/>`. `#[lazy_route]` is what splits the page into its own chunk; it names
/// the chunk after the struct, so each route still gets its own.
macro_rules! lazy_routes {
    ($($route:ident($path:literal) => $page:ident,)+) => {
        $(
            #[doc = concat!("`", $path, "`, loaded on first use.")]
            pub struct $route;

            #[lazy_route]
            impl LazyRoute for $route {
                fn data() -> Self {
                    $route
                }

                fn view(_this: Self) -> AnyView {
                    view! { <$page/> }.into_any()
                }
            }
        )+
    };
}

lazy_routes! {
    HomeRoute("/") => HomeDashboardPage,
    DashboardRoute("/admin") => DashboardPage,
    UsersRoute("/admin/users") => UsersPage,
    UserNewRoute("/admin/users/new") => UserNewPage,
    UserEditRoute("/admin/users/:id") => UserEditPage,
    PermissionsRoute("/admin/permissions") => PermissionsPage,
    TemplatesRoute("/admin/templates") => TemplatesPage,
    DealersRoute("/admin/dealers") => DealersPage,
    DealerNewRoute("/admin/dealers/new") => DealerNewPage,
    DealerEditRoute("/admin/dealers/:id") => DealerEditPage,
    AuditRoute("/admin/audit") => AuditPage,
    SettingsRoute("/admin/settings") => SettingsPage,
    StatusRoute("/system/status") => StatusPage,
    AccountRoute("/account") => AccountPage,
    SessionsRoute("/account/sessions") => SessionsPage,
    MfaSetupRoute("/account/mfa") => MfaSetupPage,
    MfaChallengeRoute("/login/mfa") => MfaChallengePage,
    ForgotPasswordRoute("/password/forgot") => ForgotPasswordPage,
    ResetPasswordRoute("/password/reset") => ResetPasswordPage,
    DevMailboxRoute("/dev/mailbox") => DevMailboxPage,
    PccListRoute("/modules/pcc") => PccListPage,
    PccRecordRoute("/modules/pcc/:id") => PccRecordPage,
    ModuleRoute("/modules/:slug/*rest") => ModulePage,
    QueueRoute("/queue") => QueuePage,
    NotificationsRoute("/notifications") => NotificationsPage,
}
