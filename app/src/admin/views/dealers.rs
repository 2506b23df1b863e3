//! The dealers list and the dealer form (create and edit).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{AdminTabs, Pager, id_param};
use crate::admin::api::*;
use crate::admin::model::{BRANDS, DEALER_STATUSES, DealerQuery, DealerRow};
use crate::components::{ErrorPanel, FormError, last_error, query};
use crate::error::AppError;

/// `/admin/dealers`.
#[component]
pub fn DealersPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| DealerQuery::from_params(|k| m.get(k))));
    let page = Resource::new(move || query.get(), list_dealers);
    let current = move || query.get();
    view! {
        <Title text="Dealers"/>
        <h1>"Dealers"</h1>
        <AdminTabs/>
        <div class="toolbar">
            <A href="/admin/dealers/new" attr:class="button">"New dealer"</A>
        </div>
        <form method="get" action="/admin/dealers" class="filters" role="search">
            <label>"Search" <input type="search" name="q" maxlength="100" placeholder="Code, name or city" prop:value=move || current().search/></label>
            <label>"Status"
                <select name="status">
                    <option value="">"Any status"</option>
                    {DEALER_STATUSES.into_iter().map(|s| view! {
                        <option value=s selected=move || current().status.as_deref() == Some(s) prop:selected=move || current().status.as_deref() == Some(s)>{s}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>"Brand"
                <select name="brand">
                    <option value="">"Any brand"</option>
                    {BRANDS.into_iter().map(|b| view! {
                        <option value=b selected=move || current().brand.as_deref() == Some(b) prop:selected=move || current().brand.as_deref() == Some(b)>{b}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" class="button secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p class="muted">"Loading dealers…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    let q = query.get_untracked();
                    page.await.map(|p| {
                        let params = q.to_params(false);
                        view! {
                            <p class="muted" role="status">{p.total.map(|t| format!("{t} dealers match."))}</p>
                            <DealerTable rows=p.rows/>
                            <Pager path="/admin/dealers" params next=p.next later=q.after.is_some()/>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn DealerTable(rows: Vec<DealerRow>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"No dealer matches these filters."</p> }.into_any();
    }
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Code"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"City"</th>
                    <th scope="col">"Brand"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Active users"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|d| {
                    let badge = if d.status == "active" { "badge ok" } else { "badge off" };
                    view! {
                    <tr>
                        <td class="mono"><A href=format!("/admin/dealers/{}", d.id)>{d.dealer_code}</A></td>
                        <td>{d.dealer_name}</td>
                        <td>{d.city.unwrap_or_default()}</td>
                        <td>{d.brand.unwrap_or_default()}</td>
                        <td><span class=badge>{d.status}</span></td>
                        <td><A href=format!("/admin/users?dealer={}", d.id)>{d.active_users}</A></td>
                    </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

const DEALER_FIELDS: [&str; 11] = [
    "dealer_code",
    "dealer_name",
    "address",
    "city",
    "state",
    "country",
    "postal_code",
    "phone",
    "email",
    "brand",
    "status",
];

/// The dealer form's fields, filled from `current` when editing.
#[component]
fn DealerFields(error: Signal<Option<AppError>>, current: Option<DealerRow>) -> impl IntoView {
    let value =
        |f: fn(&DealerRow) -> Option<String>| current.as_ref().and_then(f).unwrap_or_default();
    let text = |name: &'static str,
                label: &'static str,
                kind: &'static str,
                max: &'static str,
                v: String| {
        let message = move || {
            error
                .get()
                .and_then(|e| e.field_message(name).map(str::to_owned))
        };
        view! {
            <div class="field" class:invalid=move || message().is_some()>
                <label for=name>{label}</label>
                <input id=name name=name type=kind maxlength=max value=v aria-describedby=format!("{name}-error")
                    aria-invalid=move || message().is_some().then_some("true")/>
                <p class="field-error" id=format!("{name}-error") role="alert">{message}</p>
            </div>
        }
    };
    let choice = |name: &'static str,
                  label: &'static str,
                  options: [&'static str; 3],
                  v: String| {
        let message = move || {
            error
                .get()
                .and_then(|e| e.field_message(name).map(str::to_owned))
        };
        view! {
            <div class="field" class:invalid=move || message().is_some()>
                <label for=name>{label}</label>
                <select id=name name=name aria-describedby=format!("{name}-error")>
                    {(name == "brand").then(|| view! { <option value="">"Choose a brand"</option> })}
                    {options.into_iter().map(|o| view! { <option value=o selected=v == o>{o}</option> }).collect_view()}
                </select>
                <p class="field-error" id=format!("{name}-error") role="alert">{message}</p>
            </div>
        }
    };
    let status = current
        .as_ref()
        .map(|d| d.status.clone())
        .unwrap_or_else(|| "active".into());
    view! {
        {text("dealer_code", "Dealer code", "text", "50", value(|d| Some(d.dealer_code.clone())))}
        {text("dealer_name", "Dealer name", "text", "255", value(|d| Some(d.dealer_name.clone())))}
        {choice("brand", "Brand", BRANDS, value(|d| d.brand.clone()))}
        {choice("status", "Status", DEALER_STATUSES, status)}
        {text("email", "Email", "email", "255", value(|d| d.email.clone()))}
        {text("phone", "Phone", "tel", "20", value(|d| d.phone.clone()))}
        {text("address", "Address", "text", "1000", value(|d| d.address.clone()))}
        {text("city", "City", "text", "100", value(|d| d.city.clone()))}
        {text("state", "State", "text", "100", value(|d| d.state.clone()))}
        {text("postal_code", "Postal code", "text", "20", value(|d| d.postal_code.clone()))}
        {text("country", "Country", "text", "100", current.as_ref().map_or_else(|| "India".to_owned(), |d| d.country.clone().unwrap_or_default()))}
    }
}

/// `/admin/dealers/new`.
#[component]
pub fn DealerNewPage() -> impl IntoView {
    let action = ServerAction::<CreateDealer>::new();
    let error = last_error(action.value());
    view! {
        <Title text="New dealer"/>
        <h1>"New dealer"</h1>
        <AdminTabs/>
        <section class="card narrow">
            <ActionForm action=action attr:class="stacked" attr:novalidate="">
                <DealerFields error current=None/>
                <FormError error fields=&DEALER_FIELDS/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Create dealer"</button>
            </ActionForm>
        </section>
    }
}

/// `/admin/dealers/:id`.
#[component]
pub fn DealerEditPage() -> impl IntoView {
    let id = id_param("id");
    let action = ServerAction::<UpdateDealer>::new();
    let error = last_error(action.value());
    // Reloaded after a successful save only: a refused one keeps what the admin typed.
    let saves = RwSignal::new(0u32);
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            saves.update(|n| *n += 1);
        }
    });
    let dealer = Resource::new(
        move || (id(), saves.get()),
        |(id, _)| async move {
            match id {
                Some(id) => get_dealer(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let created = query("created");
    let saved = query("saved");
    let ended = query("ended");
    view! {
        <Title text="Dealer"/>
        <AdminTabs/>
        {move || created().map(|_| view! { <p class="notice" role="status">"Dealer created."</p> })}
        {move || saved().map(|_| view! {
            <p class="notice" role="status">
                {format!("Changes saved.{}", match ended().as_deref() {
                    Some("0") | None => String::new(),
                    Some(n) => format!(" {n} session(s) of its users ended."),
                })}
            </p>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    dealer.await.map(|d| {
                        let id = d.id;
                        view! {
                            <h1>{format!("{} – {}", d.dealer_code, d.dealer_name)}</h1>
                            <p class="lead">
                                <A href=format!("/admin/users?dealer={id}")>{format!("{} active user(s)", d.active_users)}</A>
                                " · " <A href=format!("/admin/audit?id={id}")>"History"</A>
                            </p>
                            <section class="card narrow">
                                <p class="hint">"Suspending or deactivating a dealer signs out all its users and blocks their sign-in."</p>
                                <ActionForm action=action attr:class="stacked" attr:novalidate="">
                                    <input type="hidden" name="id" value=id.to_string()/>
                                    <DealerFields error current=Some(d)/>
                                    <FormError error fields=&DEALER_FIELDS/>
                                    <button type="submit" class="button" disabled=move || action.pending().get()>"Save changes"</button>
                                </ActionForm>
                            </section>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
