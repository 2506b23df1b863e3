//! The frame around every page: header with the signed-in user, navigation, main content.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::auth::authorize::{Action, Area};
use crate::auth::model::{AccessStage, CurrentUser};
use crate::auth::views::SignOutButton;
use crate::error::AppError;
use crate::modules::Module;

/// Header with the product name and the user menu; navigation for the six modules and
/// administration once fully signed in; then the page.
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    let signed_in = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .filter(|u| u.stage == AccessStage::Full)
    };
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <A href="/" attr:class="brand">"One Aftersales"</A>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|u| view! {
                        <div class="user-menu">
                            <A href="/account" attr:class="user-name">{u.name}</A>
                            <SignOutButton/>
                        </div>
                    })
                })}
            </Transition>
        </header>
        <div class="frame">
            <Transition fallback=|| view! { <div class="side-nav"></div> }>
                {move || signed_in().map(|u| {
                    let modules: Vec<Module> = Module::ALL
                        .into_iter()
                        .filter(|m| u.can(Action::View, Area::Module(*m)))
                        .collect();
                    let admin = u.can(Action::View, Area::Dashboard);
                    let settings = u.can(Action::View, Area::Settings);
                    view! {
                        <nav class="side-nav" aria-label="Main">
                            <h2 class="nav-heading">"Modules"</h2>
                            {if modules.is_empty() {
                                view! { <p class="muted small">"No module access yet. Ask an administrator."</p> }.into_any()
                            } else {
                                view! {
                                    <ul>
                                        {modules.into_iter().map(|m| view! { <li><A href=m.href()>{m.title()}</A></li> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            {admin.then(|| view! {
                                <h2 class="nav-heading">"Administration"</h2>
                                <ul>
                                    <li><A href="/admin" exact=true>"Dashboard"</A></li>
                                    <li><A href="/admin/users">"Users"</A></li>
                                    <li><A href="/admin/permissions">"Permissions"</A></li>
                                    <li><A href="/admin/dealers">"Dealers"</A></li>
                                    <li><A href="/admin/audit">"Audit trail"</A></li>
                                    {settings.then(|| view! { <li><A href="/admin/settings">"Settings"</A></li> })}
                                    <li><A href="/system/status">"System status"</A></li>
                                </ul>
                            })}
                            <h2 class="nav-heading">"Me"</h2>
                            <ul>
                                <li><A href="/account">"My account"</A></li>
                                <li><A href="/account/sessions">"My sessions"</A></li>
                            </ul>
                        </nav>
                    }
                })}
            </Transition>
            <main id="main" class="content">{children()}</main>
        </div>
    }
}
