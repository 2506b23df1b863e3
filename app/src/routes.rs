//! Pages served as lazy routes: their code is split out of the WASM every visitor downloads
//! (`cargo leptos --split`) and fetched the first time someone opens one. The sign-in page, the home
//! page and the module pages stay in the first bundle; administration, the status page and the
//! account, two-factor and password pages are fetched on demand.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::admin::views::*;
use crate::auth::views::{
    AccountPage, DevMailboxPage, ForgotPasswordPage, MfaChallengePage, MfaSetupPage,
    ResetPasswordPage, SessionsPage,
};
use crate::system::views::StatusPage;

/// `/admin`, loaded on first use.
pub struct DashboardRoute;

#[lazy_route]
impl LazyRoute for DashboardRoute {
    fn data() -> Self {
        DashboardRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <DashboardPage/> }.into_any()
    }
}

/// `/admin/users`, loaded on first use.
pub struct UsersRoute;

#[lazy_route]
impl LazyRoute for UsersRoute {
    fn data() -> Self {
        UsersRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <UsersPage/> }.into_any()
    }
}

/// `/admin/users/new`, loaded on first use.
pub struct UserNewRoute;

#[lazy_route]
impl LazyRoute for UserNewRoute {
    fn data() -> Self {
        UserNewRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <UserNewPage/> }.into_any()
    }
}

/// `/admin/users/:id`, loaded on first use.
pub struct UserEditRoute;

#[lazy_route]
impl LazyRoute for UserEditRoute {
    fn data() -> Self {
        UserEditRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <UserEditPage/> }.into_any()
    }
}

/// `/admin/permissions`, loaded on first use.
pub struct PermissionsRoute;

#[lazy_route]
impl LazyRoute for PermissionsRoute {
    fn data() -> Self {
        PermissionsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <PermissionsPage/> }.into_any()
    }
}

/// `/admin/templates`, loaded on first use.
pub struct TemplatesRoute;

#[lazy_route]
impl LazyRoute for TemplatesRoute {
    fn data() -> Self {
        TemplatesRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <TemplatesPage/> }.into_any()
    }
}

/// `/admin/dealers`, loaded on first use.
pub struct DealersRoute;

#[lazy_route]
impl LazyRoute for DealersRoute {
    fn data() -> Self {
        DealersRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <DealersPage/> }.into_any()
    }
}

/// `/admin/dealers/new`, loaded on first use.
pub struct DealerNewRoute;

#[lazy_route]
impl LazyRoute for DealerNewRoute {
    fn data() -> Self {
        DealerNewRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <DealerNewPage/> }.into_any()
    }
}

/// `/admin/dealers/:id`, loaded on first use.
pub struct DealerEditRoute;

#[lazy_route]
impl LazyRoute for DealerEditRoute {
    fn data() -> Self {
        DealerEditRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <DealerEditPage/> }.into_any()
    }
}

/// `/admin/audit`, loaded on first use.
pub struct AuditRoute;

#[lazy_route]
impl LazyRoute for AuditRoute {
    fn data() -> Self {
        AuditRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <AuditPage/> }.into_any()
    }
}

/// `/admin/settings`, loaded on first use.
pub struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        SettingsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <SettingsPage/> }.into_any()
    }
}

/// `/system/status`, loaded on first use.
pub struct StatusRoute;

#[lazy_route]
impl LazyRoute for StatusRoute {
    fn data() -> Self {
        StatusRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <StatusPage/> }.into_any()
    }
}

/// `/account`, loaded on first use.
pub struct AccountRoute;

#[lazy_route]
impl LazyRoute for AccountRoute {
    fn data() -> Self {
        AccountRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <AccountPage/> }.into_any()
    }
}

/// `/account/sessions`, loaded on first use.
pub struct SessionsRoute;

#[lazy_route]
impl LazyRoute for SessionsRoute {
    fn data() -> Self {
        SessionsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <SessionsPage/> }.into_any()
    }
}

/// `/account/mfa`, loaded on first use.
pub struct MfaSetupRoute;

#[lazy_route]
impl LazyRoute for MfaSetupRoute {
    fn data() -> Self {
        MfaSetupRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <MfaSetupPage/> }.into_any()
    }
}

/// `/login/mfa`, loaded on first use.
pub struct MfaChallengeRoute;

#[lazy_route]
impl LazyRoute for MfaChallengeRoute {
    fn data() -> Self {
        MfaChallengeRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <MfaChallengePage/> }.into_any()
    }
}

/// `/password/forgot`, loaded on first use.
pub struct ForgotPasswordRoute;

#[lazy_route]
impl LazyRoute for ForgotPasswordRoute {
    fn data() -> Self {
        ForgotPasswordRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ForgotPasswordPage/> }.into_any()
    }
}

/// `/password/reset`, loaded on first use.
pub struct ResetPasswordRoute;

#[lazy_route]
impl LazyRoute for ResetPasswordRoute {
    fn data() -> Self {
        ResetPasswordRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <ResetPasswordPage/> }.into_any()
    }
}

/// `/dev/mailbox`, loaded on first use.
pub struct DevMailboxRoute;

#[lazy_route]
impl LazyRoute for DevMailboxRoute {
    fn data() -> Self {
        DevMailboxRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <DevMailboxPage/> }.into_any()
    }
}
