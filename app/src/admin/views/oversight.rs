//! The dashboard, the audit viewer and the settings screen.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{AdminTabs, Pager};
use crate::admin::api::*;
use crate::admin::model::{AuditQuery, AuditRow, SettingRow, diff};
use crate::auth::roles::Role;
use crate::components::time::{minutes, seconds};
use crate::components::{ErrorPanel, last_error};

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
                                <li class="card"><span class="stat">{n}</span>{format!(" {s} dealers")}</li>
                            }).collect_view()}
                        </ul>
                        <div class="columns">
                            <section class="card" aria-labelledby="modules-heading">
                                <h2 id="modules-heading">"Access per module"</h2>
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
                            </section>
                            <section class="card" aria-labelledby="recent-heading">
                                <h2 id="recent-heading">"Recent sign-ins"</h2>
                                <table class="data">
                                    <thead><tr><th scope="col">"User"</th><th scope="col">"Role"</th><th scope="col">"Dealer"</th><th scope="col">"Signed in"</th></tr></thead>
                                    <tbody>
                                        {d.recent.into_iter().map(|u| view! {
                                            <tr>
                                                <td><A href=format!("/admin/users/{}", u.id)>{u.name}</A></td>
                                                <td>{Role::from_key(&u.role).map(Role::label).unwrap_or_default()}</td>
                                                <td>{u.dealer_code.unwrap_or_else(|| "—".into())}</td>
                                                <td>{u.last_login.map(|t| minutes(&t)).unwrap_or_default()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        </div>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// `/admin/audit`: who changed what, with each change shown field by field.
#[component]
pub fn AuditPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| AuditQuery::from_params(|k| m.get(k))));
    let page = Resource::new(move || query.get(), list_audit);
    let current = move || query.get();
    view! {
        <Title text="Audit trail"/>
        <h1>"Audit trail"</h1>
        <AdminTabs/>
        <form method="get" action="/admin/audit" class="filters" role="search">
            <label>"Actor" <input type="search" name="actor" maxlength="100" placeholder="Email or name" prop:value=move || current().actor/></label>
            <label>"Entity"
                <select name="entity">
                    <option value="">"Any"</option>
                    {["user", "dealer", "session", "access", "setting", "role_template"].into_iter().map(|e| view! {
                        <option value=e selected=move || current().entity_type == e prop:selected=move || current().entity_type == e>{e}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Action starts with" <input name="action" maxlength="100" placeholder="e.g. user. or auth.login" prop:value=move || current().action/></label>
            <label>"From" <input type="date" name="from" prop:value=move || current().from/></label>
            <label>"To" <input type="date" name="to" prop:value=move || current().to/></label>
            {move || current().entity_id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
            <button type="submit" class="button secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    page.await.map(|p| {
                        let params = q.to_params(false);
                        let empty = p.rows.is_empty();
                        view! {
                            {empty.then(|| view! { <p class="empty">"No entry matches these filters."</p> })}
                            <ol class="audit">
                                {p.rows.into_iter().map(|r| view! { <AuditEntryView row=r/> }).collect_view()}
                            </ol>
                            <Pager path="/admin/audit" params next=p.next later=q.after.is_some()/>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn AuditEntryView(row: AuditRow) -> impl IntoView {
    let fields = diff(row.old_values.as_ref(), row.new_values.as_ref());
    let entity_type = row.entity_type.clone();
    let entity_link = row.entity_id.map(|id| {
        let label = id.to_string();
        let href = match row.entity_type.as_str() {
            "user" => format!("/admin/users/{id}"),
            "dealer" => format!("/admin/dealers/{id}"),
            _ => format!("/admin/audit?id={id}"),
        };
        view! { <A href=href>{label}</A> }
    });
    view! {
        <li class="card">
            <details>
                <summary>
                    <span class="mono">{seconds(&row.created_at)}</span>
                    " · " <strong>{row.action.clone()}</strong>
                    " · " {row.actor_email.clone().unwrap_or_else(|| "system".into())}
                    " · " {entity_type}
                </summary>
                {entity_link.map(|l| view! { <p class="small">"Record: " {l}</p> })}
                <table class="data diff">
                    <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                    <tbody>
                        {fields.into_iter().map(|f| {
                            let changed = f.changed();
                            view! {
                                <tr class:changed=changed>
                                    <th scope="row">{f.field}</th>
                                    <td>{f.old.unwrap_or_else(|| "—".into())}</td>
                                    <td>{f.new.unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="muted small">{format!("From {} · {}", row.ip_address.unwrap_or_else(|| "-".into()), row.user_agent.unwrap_or_default())}</p>
            </details>
        </li>
    }
}

/// `/admin/settings` (super admins): session timeouts, two-factor roles, password and rate-limit
/// knobs, each validated against its bounds and audited.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let rows = Resource::new(|| (), |_| list_settings());
    view! {
        <Title text="Settings"/>
        <h1>"Settings"</h1>
        <AdminTabs/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    rows.await.map(|list| list.into_iter().map(|s| view! { <SettingForm setting=s/> }).collect_view())
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn SettingForm(setting: SettingRow) -> impl IntoView {
    let action = ServerAction::<UpdateSetting>::new();
    let error = last_error(action.value());
    let saved = move || action.value().get().and_then(Result::ok);
    let id = format!("{}-{}", setting.category, setting.key);
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let message = move || {
        error.get().map(|e| {
            e.field_message("value")
                .map(str::to_owned)
                .unwrap_or_else(|| e.to_string())
        })
    };
    view! {
        <section class="card setting">
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <input type="hidden" name="category" value=setting.category.clone()/>
                <input type="hidden" name="key" value=setting.key.clone()/>
                <div class="field" class:invalid=move || message().is_some()>
                    <label for=id.clone()>{setting.label.clone()}</label>
                    <p class="hint" id=hint_id.clone()>{setting.description.clone()} " " {setting.hint.clone()}</p>
                    <input id=id.clone() name="value" value=setting.value.clone()
                        inputmode=setting.numeric.then_some("numeric")
                        aria-describedby=format!("{hint_id} {error_id}")
                        aria-invalid=move || message().is_some().then_some("true")/>
                    <p class="field-error" id=error_id.clone() role="alert">{message}</p>
                </div>
                <button type="submit" class="button secondary" disabled=move || action.pending().get()>"Save"</button>
                <span class="notice-inline" role="status">
                    {move || saved().map(|s| format!("Saved: {}", s.value))}
                </span>
            </ActionForm>
            <p class="muted small">
                {setting.updated_at.map(|t| format!("Last changed {}", minutes(&t)))}
                " · " <A href=format!("/admin/audit?entity=setting&action=setting.")>"History"</A>
            </p>
        </section>
    }
}
