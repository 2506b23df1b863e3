//! The frame around every page: header with the signed-in user, navigation, main content.
//!
//! On narrow screens the navigation folds behind a "Menu" disclosure. It is a plain
//! `<details>`/`<summary>` and the stylesheet does the folding, so it works in the server's HTML,
//! before hydration and without JavaScript, and keyboards and screen readers get the browser's own
//! disclosure button.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use super::nav::admin_links_for;
use crate::auth::authorize::{Action, Area};
use crate::auth::model::{AccessStage, CurrentUser};
use crate::auth::views::SignOutButton;
use crate::error::AppError;
use crate::live::{LiveStatus, connect_while, use_live};
use crate::modules::Module;
use crate::notifications::views::Bell;

/// Header with the product name and the user menu (with the live indicator and the notification
/// bell once fully signed in); navigation for the six modules, the approval queue and
/// administration once fully signed in; then the page. Opens the live event stream after
/// hydration while someone is fully signed in.
#[component]
pub fn AppLayout(children: Children) -> impl IntoView {
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    let signed_in = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .filter(|u| u.stage == AccessStage::Full)
    };
    // Live updates flow while someone is fully signed in: the stream opens after hydration.
    connect_while(move || signed_in().is_some());
    // Once hydrated, links change the page without reloading it, so the menu opened to follow
    // one would otherwise stay open over the new page. Only on a change of page: a menu opened
    // while the app was still loading stays open when hydration finishes.
    let menu = NodeRef::<leptos::html::Details>::new();
    let location = use_location();
    Effect::new(move |previous: Option<String>| {
        let path = location.pathname.get();
        if previous.is_some_and(|p| p != path)
            && let Some(menu) = menu.get_untracked()
        {
            menu.set_open(false);
        }
        path
    });
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <A href="/" attr:class="brand">"One Aftersales"</A>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|u| {
                        let full = u.stage == AccessStage::Full;
                        view! {
                            <div class="user-menu">
                                {full.then(|| view! { <LiveIndicator/> <Bell/> })}
                                <A href="/account" attr:class="user-name">{u.name}</A>
                                <SignOutButton/>
                            </div>
                        }
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
                    let admin: Vec<_> = admin_links_for(&u).collect();
                    let decides = Module::ALL
                        .into_iter()
                        .any(|m| u.can(Action::Approve, Area::Module(m)));
                    view! {
                        <nav class="side-nav" aria-label="Main">
                            <details class="nav-menu" node_ref=menu>
                                <summary>"Menu"</summary>
                            </details>
                            <div class="nav-links">
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
                                {decides.then(|| view! {
                                    <h2 class="nav-heading">"Decisions"</h2>
                                    <ul>
                                        <li><A href="/queue">"Approval queue"</A></li>
                                    </ul>
                                })}
                                {(!admin.is_empty()).then(|| view! {
                                    <h2 class="nav-heading">"Administration"</h2>
                                    <ul>
                                        {admin
                                            .into_iter()
                                            .map(|l| view! { <li><A href=l.href exact=l.exact>{l.label}</A></li> })
                                            .collect_view()}
                                    </ul>
                                })}
                                <h2 class="nav-heading">"Me"</h2>
                                <ul>
                                    <li><A href="/notifications">"Notifications"</A></li>
                                    <li><A href="/account">"My account"</A></li>
                                    <li><A href="/account/sessions">"My sessions"</A></li>
                                </ul>
                            </div>
                        </nav>
                    }
                })}
            </Transition>
            <main id="main" class="content">{children()}</main>
        </div>
    }
}

/// Whether live updates are flowing, in words ("Live", "Reconnecting…"); hidden until the stream
/// first connects, so the server's HTML and a page without JavaScript show nothing. Not a live
/// region: announcing every reconnect would interrupt screen-reader users for nothing they can act
/// on; the text is there when they look.
#[component]
fn LiveIndicator() -> impl IntoView {
    let live = use_live();
    let status = move || live.status.get();
    view! {
        <span class="live-status" title="Whether this page updates by itself"
            class:live=move || status() == LiveStatus::Live
            class:reconnecting=move || status() == LiveStatus::Reconnecting
            hidden=move || status() == LiveStatus::Idle>
            {move || status().label()}
        </span>
    }
}
