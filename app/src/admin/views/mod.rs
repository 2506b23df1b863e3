//! The administration screens, and the pieces they share.

mod audit;
mod dashboard;
mod dealers;
mod permissions;
mod settings;
mod users;
mod why;

pub use audit::AuditPage;
pub use dashboard::DashboardPage;
pub use dealers::{DealerEditPage, DealerNewPage, DealersPage};
pub use permissions::{PermissionsPage, TemplatesPage};
pub use settings::SettingsPage;
pub use users::{UserEditPage, UserNewPage, UsersPage};

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::auth::authorize::{Action, FlagSet};
use crate::auth::model::CurrentUser;
use crate::components::admin_links_for;
use crate::error::AppError;
use crate::modules::Module;

/// The signed-in user, for pages that offer actions depending on what they may do.
pub(crate) fn current_user() -> Signal<Option<CurrentUser>> {
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    Signal::derive(move || user.get().and_then(Result::ok).flatten())
}

/// The tabs across the top of every administration screen: the side navigation's administration
/// links ([`crate::components::ADMIN_LINKS`]), each only for those it is for.
#[component]
pub fn AdminTabs() -> impl IntoView {
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    // Awaiting the user (rather than reading whatever has arrived) makes the server's HTML and
    // the hydrating browser agree on which tabs there are.
    view! {
        <nav class="tabs" aria-label="Administration">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|u| {
                        admin_links_for(&u)
                            .map(|l| view! { <A href=l.href exact=l.exact>{l.label}</A> })
                            .collect_view()
                    })
                })}
            </Transition>
        </nav>
    }
}

/// A checkbox for one permission flag that saves as soon as it changes: it shows progress, and
/// when the server refuses it goes back to what it was and says why in `notice`.
#[component]
pub fn FlagToggle<S, F>(
    /// Whether the flag is on now.
    initial: bool,
    /// Accessible name, e.g. "Asha Rao: Warranty Survey – Edit".
    label: String,
    /// Whether the control may be used (hydrated, allowed).
    enabled: Signal<bool>,
    /// Saves `on`; answers the module's flags afterwards.
    save: S,
    /// Which flag this is, to read it back from the answer.
    action: Action,
    /// Where refusals are reported.
    notice: RwSignal<Option<String>>,
) -> impl IntoView
where
    S: Fn(bool) -> F + Copy + Send + Sync + 'static,
    F: std::future::Future<Output = Result<FlagSet, AppError>> + 'static,
{
    let checked = RwSignal::new(initial);
    let saving = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        checked.set(on);
        saving.set(true);
        leptos::task::spawn_local(async move {
            match save(on).await {
                Ok(flags) => {
                    checked.set(flags.has(action));
                    notice.set(None);
                }
                Err(err) => {
                    checked.set(!on);
                    notice.set(Some(format!("Not saved: {err}")));
                }
            }
            saving.set(false);
        });
    };
    view! {
        <input
            type="checkbox"
            class="flag"
            class:saving=move || saving.get()
            aria-label=label
            aria-busy=move || saving.get().then_some("true")
            prop:checked=move || checked.get()
            checked=initial
            disabled=move || !enabled.get() || saving.get()
            on:change=on_change
        />
    }
}

/// The header row pair of a permission grid: modules across, five flags under each.
#[component]
pub fn FlagHeaders(
    /// Columns before the flags (e.g. "User").
    leading: Vec<&'static str>,
) -> impl IntoView {
    view! {
        <thead>
            <tr>
                {leading.iter().map(|_| view! { <th scope="col"></th> }).collect_view()}
                {Module::ALL
                    .into_iter()
                    .map(|m| view! { <th scope="colgroup" colspan="5" class="module-head">{m.title()}</th> })
                    .collect_view()}
            </tr>
            <tr>
                {leading.into_iter().map(|l| view! { <th scope="col">{l}</th> }).collect_view()}
                {Module::ALL
                    .into_iter()
                    .flat_map(|_| Action::ALL)
                    .map(|a| view! { <th scope="col" class="flag-head" title=a.label()>{a.label().chars().next().unwrap_or('?').to_string()}</th> })
                    .collect_view()}
            </tr>
        </thead>
    }
}

/// The id in the route parameter `name`, if it is one.
pub(crate) fn id_param(name: &'static str) -> impl Fn() -> Option<Uuid> + Copy {
    let params = leptos_router::hooks::use_params_map();
    move || params.with(|p| p.get(name).and_then(|v| Uuid::parse_str(&v).ok()))
}
