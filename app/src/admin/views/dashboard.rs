//! The administrators' dashboard: who is active, who never signed in, dealers by status, and
//! access per module.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::AdminTabs;
use crate::admin::api::get_dashboard;
use crate::components::ErrorPanel;
use crate::components::time::minutes;

/// `/admin`: the dashboard, from the seed's `v_active_users` and `v_module_statistics`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Administration"/>
        <h1>"Administration"</h1>
        <AdminTabs/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    data.await.map(|d| view! {
                        <ul class="stats">
                            <li class="card"><span class="stat">{d.active_users}</span>" active users"</li>
                            <li class="card"><span class="stat">{d.active_dealer_users}</span>" of them dealer staff"</li>
                            <li class="card"><span class="stat">{d.never_signed_in}</span>" never signed in"</li>
                            {d.dealers_by_status.into_iter().map(|(s, n)| view! {
                                <li class="card"><span class="stat">{n}</span>{format!(" {} dealers", s.label().to_lowercase())}</li>
                            }).collect_view()}
                        </ul>
                        <div class="columns">
                            <section class="card" aria-labelledby="modules-heading">
                                <h2 id="modules-heading">"Access per module"</h2>
                                <div class="table-scroll" tabindex="0" role="region" aria-label="Access per module">
                                    <table class="data">
                                        <thead><tr>
                                            <th scope="col">"Module"</th><th scope="col">"Users"</th>
                                            <th scope="col">"Create"</th><th scope="col">"Edit"</th><th scope="col">"Approve"</th>
                                        </tr></thead>
                                        <tbody>
                                            {d.modules.into_iter().map(|m| view! {
                                                <tr>
                                                    <th scope="row">{m.module.title()}</th>
                                                    <td>{m.total_users}</td><td>{m.can_create}</td><td>{m.can_edit}</td><td>{m.can_approve}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            </section>
                            <section class="card" aria-labelledby="recent-heading">
                                <h2 id="recent-heading">"Recent sign-ins"</h2>
                                <div class="table-scroll" tabindex="0" role="region" aria-label="Recent sign-ins">
                                    <table class="data">
                                        <thead><tr><th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col">"Dealer"</th><th scope="col">"Signed in"</th></tr></thead>
                                        <tbody>
                                            {d.recent.into_iter().map(|u| view! {
                                                <tr>
                                                    <td><A href=format!("/admin/users/{}", u.id)>{u.name}</A></td>
                                                    <td>{u.role.label()}</td>
                                                    <td>{u.dealer_code.unwrap_or_else(|| "—".into())}</td>
                                                    <td>{u.last_login.map(|t| minutes(&t)).unwrap_or_default()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            </section>
                        </div>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
