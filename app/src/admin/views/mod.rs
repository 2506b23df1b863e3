//! The administration screens, and the pieces they share.

mod dealers;
mod oversight;
mod permissions;
mod users;

pub use dealers::{DealerEditPage, DealerNewPage, DealersPage};
pub use oversight::{AuditPage, DashboardPage, SettingsPage};
pub use permissions::{PermissionsPage, TemplatesPage};
pub use users::{UserEditPage, UserNewPage, UsersPage};

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::auth::authorize::{Action, Area, FlagSet};
use crate::auth::model::CurrentUser;
use crate::error::AppError;
use crate::modules::Module;

/// The signed-in user, for pages that offer actions depending on what they may do.
pub(crate) fn current_user() -> Signal<Option<CurrentUser>> {
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    Signal::derive(move || user.get().and_then(Result::ok).flatten())
}

/// The tabs across the top of every administration screen; each only for those it is for.
#[component]
pub fn AdminTabs() -> impl IntoView {
    let user = current_user();
    let can = move |action: Action, area: Area| user.get().is_some_and(|u| u.can(action, area));
    view! {
        <nav class="tabs" aria-label="Administration">
            <A href="/admin" exact=true>"Dashboard"</A>
            <A href="/admin/users">"Users"</A>
            <A href="/admin/permissions">"Permissions"</A>
            <A href="/admin/templates">"Role templates"</A>
            <A href="/admin/dealers">"Dealers"</A>
            <A href="/admin/audit">"Audit trail"</A>
            <Show when=move || can(Action::View, Area::Settings)>
                <A href="/admin/settings">"Settings"</A>
            </Show>
        </nav>
    }
}

/// A one-line message under a heading, announced to screen readers.
#[component]
pub fn Notice(
    /// The text; nothing is shown while `None`.
    text: Signal<Option<String>>,
    /// `notice` (good news) or `form-error`.
    #[prop(default = "notice")]
    class: &'static str,
) -> impl IntoView {
    view! {
        <p class=class role="status" aria-live="polite" hidden=move || text.get().is_none()>
            {move || text.get()}
        </p>
    }
}

/// "Next page" for keyset-paginated lists, plus a way back to the first page.
#[component]
pub fn Pager(
    /// The list's path, e.g. `/admin/users`.
    path: &'static str,
    /// The URL parameters of the filters, without the cursor (`?a=b` or empty).
    params: String,
    /// The next page's cursor.
    next: Option<String>,
    /// Whether this is a later page.
    later: bool,
) -> impl IntoView {
    let join = if params.is_empty() { "?" } else { "&" };
    let next_href = next.map(|c| format!("{path}{params}{join}after={}", urlencoding::encode(&c)));
    let first_href = format!("{path}{params}");
    view! {
        <nav class="pager" aria-label="Pages">
            {later.then(|| view! { <a href=first_href.clone()>"First page"</a> })}
            {next_href.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
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
