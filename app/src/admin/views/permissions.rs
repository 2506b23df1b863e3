//! The inline permission grid (users × modules × flags) and the role templates.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::users::UserFilters;
use super::{AdminTabs, FlagHeaders, FlagToggle, current_user};
use crate::admin::api::*;
use crate::admin::model::{RoleTemplate, UserQuery, UserRow};
use crate::auth::authorize::{Action, Area};
use crate::auth::roles::Role;
use crate::components::{ErrorPanel, ListPage, Notice, hydrated};
use crate::modules::Module;

/// `/admin/permissions`: every flag of every listed user, saved as it is toggled.
#[component]
pub fn PermissionsPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| UserQuery::from_params(|k| m.get(k))));
    let version = RwSignal::new(0u32);
    let page = Resource::new(move || (query.get(), version.get()), |(q, _)| list_users(q));
    let notice = RwSignal::new(None::<String>);
    let selected = RwSignal::new(Vec::<Uuid>::new());
    // A selection is of rows on screen: new filters or another page start a new one.
    Effect::new(move |_| {
        query.track();
        selected.set(Vec::new());
    });
    let template = RwSignal::new(String::new());
    let ready = hydrated();
    let me = current_user();
    let editable = Signal::derive(move || {
        ready.get() && me.get().is_some_and(|u| u.can(Action::Edit, Area::Users))
    });

    let apply = move |_| {
        let ids = selected.get_untracked();
        let role = Role::from_key(&template.get_untracked());
        leptos::task::spawn_local(async move {
            match apply_template(ids, role).await {
                Ok(n) => {
                    notice.set(Some(format!("Template applied; {n} user(s) changed.")));
                    selected.set(Vec::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(format!("Not applied: {e}"))),
            }
        });
    };

    view! {
        <ListPage
            title="Permissions"
            nav=|| view! {
                <AdminTabs/>
                <p class="lead">"Each box saves the moment it changes. A refused change springs back and says why."</p>
            }
            path="/admin/permissions"
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("user", "users")
            empty="No user matches these filters."
            rows={move |rows: Vec<UserRow>| view! {
                <table class="data grid">
                    <FlagHeaders leading=vec!["Select", "User"]/>
                    <tbody>
                        {rows.into_iter().map(|u| view! { <GridRow user=u editable notice selected/> }).collect_view()}
                    </tbody>
                </table>
            }}
        >
            <UserFilters query path="/admin/permissions"/>
            <div class="toolbar" role="group" aria-label="Bulk actions">
                <span>{move || format!("{} selected", selected.get().len())}</span>
                <label>"Template"
                    <select on:change=move |ev| template.set(event_target_value(&ev))>
                        <option value="">"Each user's own role"</option>
                        {Role::ALL.into_iter().map(|r| view! { <option value=r.key()>{r.label()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button secondary"
                    disabled=move || !editable.get() || selected.get().is_empty()
                    on:click=apply>"Apply template to selected"</button>
            </div>
            <Notice text=notice.into()/>
        </ListPage>
    }
}

#[component]
fn GridRow(
    user: UserRow,
    editable: Signal<bool>,
    notice: RwSignal<Option<String>>,
    selected: RwSignal<Vec<Uuid>>,
) -> impl IntoView {
    let id = user.id;
    let name = user.name.clone();
    view! {
        <tr>
            <td>
                <input type="checkbox" aria-label=format!("Select {name}")
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    disabled=move || !editable.get()
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| {
                            s.retain(|x| *x != id);
                            if on {
                                s.push(id);
                            }
                        });
                    }/>
            </td>
            <th scope="row">
                <A href=format!("/admin/users/{id}")>{user.name.clone()}</A>
                <span class="muted small">{format!(" {}", user.role.label())}</span>
            </th>
            {Module::ALL.into_iter().flat_map(|m| Action::ALL.map(move |a| (m, a))).map(|(m, a)| {
                let initial = user.permissions.get(m).has(a);
                view! {
                    <td class="flag-cell">
                        <FlagToggle
                            initial
                            label=format!("{name}: {} – {}", m.title(), a.label())
                            enabled=editable
                            save=move |on| set_permission(id, m, a, on)
                            action=a
                            notice
                        />
                    </td>
                }
            }).collect_view()}
        </tr>
    }
}

/// `/admin/templates`: the permissions each role starts with. Super admins edit them.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let templates = Resource::new(|| (), |_| list_templates());
    let notice = RwSignal::new(None::<String>);
    let ready = hydrated();
    let me = current_user();
    let editable = Signal::derive(move || {
        ready.get()
            && me
                .get()
                .is_some_and(|u| u.can(Action::Edit, Area::RoleTemplates))
    });
    view! {
        <Title text="Role templates"/>
        <h1>"Role templates"</h1>
        <AdminTabs/>
        <p class="lead">
            "A new user starts with their role's template. Changing a template does not change existing users; "
            "use “Apply template” on the permissions screen for that."
        </p>
        <Notice text=notice.into()/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    templates.await.map(|list| view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label="Role templates">
                            <table class="data grid">
                                <FlagHeaders leading=vec!["Role"]/>
                                <tbody>
                                    {list.into_iter().map(|t| view! { <TemplateRow template=t editable notice/> }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn TemplateRow(
    template: RoleTemplate,
    editable: Signal<bool>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let role = template.role;
    view! {
        <tr>
            <th scope="row">{role.label()}</th>
            {Module::ALL.into_iter().flat_map(|m| Action::ALL.map(move |a| (m, a))).map(|(m, a)| {
                let initial = template.permissions.get(m).has(a);
                view! {
                    <td class="flag-cell">
                        <FlagToggle
                            initial
                            label=format!("{} template: {} – {}", role.label(), m.title(), a.label())
                            enabled=editable
                            save=move |on| set_template_flag(role, m, a, on)
                            action=a
                            notice
                        />
                    </td>
                }
            }).collect_view()}
        </tr>
    }
}
