//! The users list, the new-user form and the user screen (details, status, password link,
//! sessions, permissions and the "why" panel).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use super::why::WhyPanel;
use super::{AdminTabs, FlagHeaders, FlagToggle, current_user, id_param};
use crate::admin::api::*;
use crate::admin::model::{
    DESIGNATION_MAX, DealerOption, NAME_MAX, UserDetail, UserQuery, UserRow, UserSort,
};
use crate::auth::authorize::{Action, Area, Scope, TargetUser, UserChange};
use crate::auth::roles::{Role, UserType};
use crate::components::time::minutes;
use crate::components::{
    DealerSearch, ErrorPanel, Field, FormError, ListPage, Notice, SelectField, hydrated,
    last_error, query,
};
use crate::email::MAX_EMAIL;
use crate::error::AppError;
use crate::list::ExportList;
use crate::list::MAX_SEARCH;
use crate::modules::Module;

/// `/admin/users`: search, filter, sort and page through users.
#[component]
pub fn UsersPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| UserQuery::from_params(|k| m.get(k))));
    let page = Resource::new(move || query.get(), list_users);
    view! {
        <ListPage
            title="Users"
            nav=|| view! { <AdminTabs/> }
            new=("/admin/users/new", "New user")
            path="/admin/users"
            export=ExportList::Users
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("user", "users")
            empty="No user matches these filters."
            loading="Loading users…"
            rows={move |rows: Vec<UserRow>| view! { <UserTable rows query=query.get_untracked()/> }}
        >
            <UserFilters query path="/admin/users"/>
        </ListPage>
    }
}

/// The filter form of the users list and the permission grid: a GET form, so it works without
/// JavaScript and the URL can be shared.
#[component]
pub fn UserFilters(query: Memo<UserQuery>, path: &'static str) -> impl IntoView {
    let q = move || query.get();
    view! {
        <form method="get" action=path class="filters" role="search">
            <label>"Search" <input type="search" name="q" maxlength=MAX_SEARCH placeholder="Name or email" prop:value=move || q().search/></label>
            <label>"Role"
                <select name="role">
                    <option value="">"Any role"</option>
                    {Role::ALL.into_iter().map(|r| view! {
                        <option value=r.key() selected=move || q().role == Some(r) prop:selected=move || q().role == Some(r)>{r.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Type"
                <select name="type">
                    <option value="">"Any type"</option>
                    {UserType::ALL.into_iter().map(|t| view! {
                        <option value=t.key() selected=move || q().user_type == Some(t) prop:selected=move || q().user_type == Some(t)>{t.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <DealerSearch value=Signal::derive(move || q().dealer)/>
            <label>"Status"
                <select name="active">
                    <option value="">"Active and deactivated"</option>
                    <option value="yes" selected=move || q().active == Some(true) prop:selected=move || q().active == Some(true)>"Active"</option>
                    <option value="no" selected=move || q().active == Some(false) prop:selected=move || q().active == Some(false)>"Deactivated"</option>
                </select>
            </label>
            <label>"Sort by"
                <select name="sort">
                    {UserSort::ALL.into_iter().map(|s| view! {
                        <option value=s.key() selected=move || q().sort == s prop:selected=move || q().sort == s>{sort_label(s)}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Order"
                <select name="dir">
                    <option value="">"Ascending"</option>
                    <option value="desc" selected=move || q().descending prop:selected=move || q().descending>"Descending"</option>
                </select>
            </label>
            <button type="submit" class="button secondary">"Apply"</button>
        </form>
    }
}

fn sort_label(s: UserSort) -> &'static str {
    match s {
        UserSort::Name => "Name",
        UserSort::Email => "Email",
        UserSort::Created => "Created",
        UserSort::LastLogin => "Last sign-in",
    }
}

#[component]
fn UserTable(rows: Vec<UserRow>, query: UserQuery) -> impl IntoView {
    // Column headers sort by that column; choosing the current one flips the order.
    let header = move |label: &'static str, sort: UserSort| {
        let mut q = query.clone();
        q.descending = q.sort == sort && !q.descending;
        q.sort = sort;
        q.after = None;
        let current = query.sort == sort;
        let aria = current.then_some(if query.descending {
            "descending"
        } else {
            "ascending"
        });
        view! {
            <th scope="col" aria-sort=aria>
                <a href=format!("/admin/users{}", q.to_params(false))>{label}</a>
            </th>
        }
    };
    view! {
        <table class="data">
            <thead>
                <tr>
                    {header("Name", UserSort::Name)}
                    {header("Email", UserSort::Email)}
                    <th scope="col">"Role"</th>
                    <th scope="col">"Dealer"</th>
                    <th scope="col">"Status"</th>
                    {header("Last sign-in", UserSort::LastLogin)}
                    {header("Created", UserSort::Created)}
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|u| view! {
                    <tr>
                        <td><A href=format!("/admin/users/{}", u.id)>{u.name}</A></td>
                        <td>{u.email}</td>
                        <td>{u.role.label()}</td>
                        <td>{u.dealer_code.unwrap_or_else(|| "—".into())}</td>
                        <td><StatusBadge active=u.is_active/></td>
                        <td>{u.last_login.map(|t| minutes(&t)).unwrap_or_else(|| "never".into())}</td>
                        <td>{u.created_at.map(|t| minutes(&t)).unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn StatusBadge(active: bool) -> impl IntoView {
    if active {
        view! { <span class="badge ok">"Active"</span> }.into_any()
    } else {
        view! { <span class="badge off">"Deactivated"</span> }.into_any()
    }
}

/// Under the dealer picker, while it loads and after.
const DEALER_HINT: &str = "Dealer roles belong to one dealer; manufacturer staff to none.";

/// The role, type, dealer and designation fields of the user forms.
#[component]
fn UserFields(
    error: Signal<Option<AppError>>,
    dealers: Resource<Result<Vec<DealerOption>, AppError>>,
    #[prop(optional)] current: Option<UserRow>,
) -> impl IntoView {
    let role = current.as_ref().map_or("", |u| u.role.key());
    let user_type = current.as_ref().map_or("", |u| u.user_type.key());
    let dealer = current.as_ref().and_then(|u| u.dealer_id);
    let designation = current
        .as_ref()
        .and_then(|u| u.designation.clone())
        .unwrap_or_default();
    let roles = Role::ALL
        .into_iter()
        .map(|r| {
            let label = format!("{} ({})", r.label(), r.user_type().key());
            (r.key().to_owned(), label)
        })
        .collect();
    let types = UserType::ALL
        .into_iter()
        .map(|t| (t.key().to_owned(), t.label().to_owned()))
        .collect();
    view! {
        <SelectField name="role" label="Role" options=roles placeholder="Choose a role" value=role required=true error/>
        <SelectField name="user_type" label="User type" options=types placeholder="Choose a type" value=user_type required=true error/>
        // The dealers come from the server: the whole field waits for them, so nothing but
        // <option>s ever sits inside the select.
        <Suspense fallback=move || view! {
            <SelectField name="dealer_id" label="Dealer" hint=DEALER_HINT options=vec![]
                placeholder="Loading dealers…" disabled=true error/>
        }>
            {move || Suspend::new(async move {
                let options = dealers
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .map(|d| {
                        // Say so when a dealer cannot work: its users cannot sign in.
                        let state = if d.status.is_active() {
                            String::new()
                        } else {
                            format!(" ({})", d.status.label())
                        };
                        (d.id.to_string(), format!("{} – {}{state}", d.code, d.name))
                    })
                    .collect();
                view! {
                    <SelectField name="dealer_id" label="Dealer" hint=DEALER_HINT options
                        placeholder="No dealer (manufacturer staff)"
                        value=dealer.map(|d| d.to_string()).unwrap_or_default() error/>
                }
            })}
        </Suspense>
        <Field name="designation" label="Designation (optional)" maxlength=DESIGNATION_MAX value=designation error/>
    }
}

/// `/admin/users/new`.
#[component]
pub fn UserNewPage() -> impl IntoView {
    let action = ServerAction::<CreateUser>::new();
    let error = last_error(action.value());
    let dealers = Resource::new(|| (), |_| dealer_options());
    view! {
        <Title text="New user"/>
        <h1>"New user"</h1>
        <AdminTabs/>
        <section class="card narrow">
            <p>"The new user gets their role's template permissions and an email with a link to choose their password. You never see or set it."</p>
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <Field name="name" label="Name" maxlength=NAME_MAX required=true error/>
                <Field name="email" label="Email" kind="email" maxlength=MAX_EMAIL required=true error/>
                <UserFields error dealers/>
                <FormError error fields=&["name", "email", "role", "user_type", "dealer_id", "designation"]/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Create and send invitation"</button>
            </ActionForm>
        </section>
    }
}

/// `/admin/users/:id`.
#[component]
pub fn UserEditPage() -> impl IntoView {
    let id = id_param("id");
    let version = RwSignal::new(0u32);
    // Owned here, not by the screen below, which is rebuilt on every reload: the save's errors and
    // the last message must survive it.
    let update = ServerAction::<UpdateUser>::new();
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if matches!(update.value().get(), Some(Ok(()))) {
            notice.set(Some("Changes saved.".into()));
            version.update(|v| *v += 1);
        }
    });
    let detail = Resource::new(
        move || (id(), version.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_user(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="User"/>
        <AdminTabs/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    detail.await.map(|d| view! { <UserScreen detail=d version update notice/> })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn UserScreen(
    detail: UserDetail,
    version: RwSignal<u32>,
    update: ServerAction<UpdateUser>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let user = detail.user.clone();
    let id = user.id;
    let me = current_user();
    let ready = hydrated();
    let created = query("created");
    let saved = query("saved");
    let target = TargetUser {
        id,
        role: user.role,
        active: user.is_active,
    };
    let may = move |change: UserChange| {
        me.get()
            .map(|u| u.decide(Action::Edit, Area::Users, Scope::User { target, change }))
    };
    let deactivate_decision = move || {
        may(UserChange::Deactivate {
            active_super_admins: detail.active_super_admins,
        })
    };
    let editable =
        Signal::derive(move || ready.get() && may(UserChange::Details).is_some_and(|d| d.allowed));

    let error = last_error(update.value());
    let dealers = Resource::new(|| (), |_| dealer_options());

    let toggle_active = move |active: bool| {
        leptos::task::spawn_local(async move {
            match set_user_active(id, active).await {
                Ok(ended) => {
                    notice.set(Some(if active {
                        "The account is active again.".to_owned()
                    } else {
                        format!("The account is deactivated; {ended} session(s) ended.")
                    }));
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(format!("Not done: {e}"))),
            }
        });
    };
    let send_link = move |_| {
        leptos::task::spawn_local(async move {
            match send_password_link(id).await {
                Ok(()) => {
                    notice.set(Some(
                        "A link to choose a password is on its way to the user.".into(),
                    ));
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(format!("Not sent: {e}"))),
            }
        });
    };
    let revoke = move |session: Option<Uuid>| {
        leptos::task::spawn_local(async move {
            match revoke_user_sessions(id, session).await {
                Ok(n) => {
                    notice.set(Some(format!("{n} session(s) ended.")));
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(format!("Not done: {e}"))),
            }
        });
    };
    let reset_template = move |_| {
        leptos::task::spawn_local(async move {
            match apply_template(vec![id], None).await {
                Ok(_) => {
                    notice.set(Some("Permissions reset to the role's template.".into()));
                    version.update(|v| *v += 1);
                }
                Err(e) => notice.set(Some(format!("Not done: {e}"))),
            }
        });
    };

    let is_active = user.is_active;
    let permissions = user.permissions;
    let form_user = user.clone();
    let name_value = user.name.clone();
    let sessions = detail.sessions.clone();
    let has_sessions = !sessions.is_empty();
    view! {
        <h1>{user.name.clone()}</h1>
        <p class="lead">
            {user.email.clone()} " · " {user.role.label()} " · " <StatusBadge active=user.is_active/>
            {user.mfa_enabled.then(|| view! { " · " <span class="badge ok">"Two-factor on"</span> })}
        </p>
        {move || created().map(|_| view! {
            <p class="notice" role="status">"User created. An invitation to choose a password was mailed to them."</p>
        })}
        {move || saved().filter(|_| notice.get().is_none()).map(|_| view! { <p class="notice" role="status">"Changes saved."</p> })}
        <Notice text=notice.into()/>

        <div class="columns">
            <section class="card" aria-labelledby="details-heading">
                <h2 id="details-heading">"Details"</h2>
                <ActionForm action=update attr:class="stacked" attr:novalidate="">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <Field name="name" label="Name" maxlength=NAME_MAX required=true value=name_value error/>
                    <UserFields error dealers current=form_user.clone()/>
                    <FormError error fields=&["name", "role", "user_type", "dealer_id", "designation"]/>
                    <button type="submit" class="button" disabled=move || update.pending().get()>"Save changes"</button>
                </ActionForm>
                <dl class="facts">
                    <dt>"Created"</dt>
                    <dd>{user.created_at.map(|t| minutes(&t)).unwrap_or_default()} {detail.created_by.clone().map(|c| format!(" by {c}"))}</dd>
                    <dt>"Last sign-in"</dt>
                    <dd>{user.last_login.map(|t| minutes(&t)).unwrap_or_else(|| "never".into())}</dd>
                    <dt>"Password link"</dt>
                    <dd>{if detail.pending_link { "sent, not used yet" } else { "none outstanding" }}</dd>
                </dl>
            </section>

            <section class="card" aria-labelledby="account-heading">
                <h2 id="account-heading">"Account"</h2>
                <div class="actions">
                    {if is_active {
                        view! {
                            <button type="button" class="button danger"
                                disabled=move || !ready.get() || !deactivate_decision().is_some_and(|d| d.allowed)
                                title=move || deactivate_decision().filter(|d| !d.allowed).map(|d| d.reason)
                                on:click=move |_| toggle_active(false)>"Deactivate"</button>
                        }.into_any()
                    } else {
                        view! {
                            <button type="button" class="button" disabled=move || !editable.get()
                                on:click=move |_| toggle_active(true)>"Reactivate"</button>
                        }.into_any()
                    }}
                    <button type="button" class="button secondary" disabled=move || !editable.get() || !is_active
                        on:click=send_link>"Send password link"</button>
                    <A href=format!("/admin/audit?id={id}")>"History"</A>
                </div>
                <h3>"Sessions"</h3>
                {if has_sessions {
                    view! {
                        <div class="table-scroll" tabindex="0" role="region" aria-label="Sessions">
                            <table class="data">
                                <thead><tr><th scope="col">"Signed in"</th><th scope="col">"Last seen"</th><th scope="col">"From"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                <tbody>
                                    {sessions.into_iter().map(|s| {
                                        let sid = s.id;
                                        view! {
                                            <tr>
                                                <td>{minutes(&s.login_at)}</td>
                                                <td>{minutes(&s.last_seen_at)}</td>
                                                <td>{s.ip_address.unwrap_or_default()} " " <span class="muted">{s.user_agent.unwrap_or_default()}</span></td>
                                                <td><button type="button" class="button small secondary" disabled=move || !editable.get()
                                                    on:click=move |_| revoke(Some(sid))>"End"</button></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <button type="button" class="button secondary" disabled=move || !editable.get()
                            on:click=move |_| revoke(None)>"End all sessions"</button>
                    }.into_any()
                } else {
                    view! { <p class="muted">"No live sessions."</p> }.into_any()
                }}
            </section>
        </div>

        <section class="card" aria-labelledby="perm-heading">
            <h2 id="perm-heading">"Permissions"</h2>
            <p class="muted">"Each box saves as soon as you change it. You can only grant what you hold yourself."</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Permissions">
                <table class="data grid">
                    <FlagHeaders leading=vec![]/>
                    <tbody>
                        <tr>
                            {Module::ALL.into_iter().flat_map(|m| Action::ALL.map(move |a| (m, a))).map(|(m, a)| {
                                let initial = permissions.get(m).has(a);
                                view! {
                                    <td class="flag-cell">
                                        <FlagToggle
                                            initial
                                            label=format!("{} – {}", m.title(), a.label())
                                            enabled=editable
                                            save=move |on| set_permission(id, m, a, on)
                                            action=a
                                            notice
                                        />
                                    </td>
                                }
                            }).collect_view()}
                        </tr>
                    </tbody>
                </table>
            </div>
            <button type="button" class="button secondary" disabled=move || !editable.get() on:click=reset_template>
                "Reset to role template"
            </button>
        </section>

        <WhyPanel id/>
    }
}
