//! The dealers list and the dealer form (create and edit).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{AdminTabs, id_param};
use crate::admin::api::*;
use crate::admin::model::{
    ADDRESS_MAX, CITY_MAX, COUNTRY_MAX, DEALER_CODE_MAX, DEALER_NAME_MAX, DealerQuery, DealerRow,
    PHONE_MAX, POSTAL_CODE_MAX, STATE_MAX,
};
use crate::components::{ErrorPanel, Field, FormError, ListPage, SelectField, last_error, query};
use crate::dealers::{Brand, DealerStatus};
use crate::email::MAX_EMAIL;
use crate::error::AppError;
use crate::list::ExportList;
use crate::list::MAX_SEARCH;

/// `/admin/dealers`.
#[component]
pub fn DealersPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| DealerQuery::from_params(|k| m.get(k))));
    let page = Resource::new(move || query.get(), list_dealers);
    let current = move || query.get();
    view! {
        <ListPage
            title="Dealers"
            nav=|| view! { <AdminTabs/> }
            new=("/admin/dealers/new", "New dealer")
            path="/admin/dealers"
            export=ExportList::Dealers
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("dealer", "dealers")
            empty="No dealer matches these filters."
            loading="Loading dealers…"
            rows={|rows: Vec<DealerRow>| view! { <DealerTable rows/> }}
        >
            <form method="get" action="/admin/dealers" class="filters" role="search">
                <label>"Search" <input type="search" name="q" maxlength=MAX_SEARCH placeholder="Code, name or city" prop:value=move || current().search/></label>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any status"</option>
                        {DealerStatus::ALL.into_iter().map(|s| {
                            let chosen = move || current().status == Some(s);
                            view! { <option value=s.key() selected=chosen prop:selected=chosen>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Brand"
                    <select name="brand">
                        <option value="">"Any brand"</option>
                        {Brand::ALL.into_iter().map(|b| {
                            let chosen = move || current().brand == Some(b);
                            view! { <option value=b.key() selected=chosen prop:selected=chosen>{b.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="button secondary">"Apply"</button>
            </form>
        </ListPage>
    }
}

#[component]
fn DealerTable(rows: Vec<DealerRow>) -> impl IntoView {
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
                    let badge = if d.status.is_active() { "badge ok" } else { "badge off" };
                    let users = format!("/admin/users?dealer={}", urlencoding::encode(&d.dealer_code));
                    view! {
                    <tr>
                        <td class="mono"><A href=format!("/admin/dealers/{}", d.id)>{d.dealer_code}</A></td>
                        <td>{d.dealer_name}</td>
                        <td>{d.city.unwrap_or_default()}</td>
                        <td>{d.brand.map(Brand::label)}</td>
                        <td><span class=badge>{d.status.label()}</span></td>
                        <td><A href=users>{d.active_users}</A></td>
                    </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
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
    let text = |f: fn(&DealerRow) -> Option<&String>| {
        current.as_ref().and_then(f).cloned().unwrap_or_default()
    };
    // A new dealer is most likely in India, and starts active.
    let country = current.as_ref().map_or_else(
        || "India".to_owned(),
        |d| d.country.clone().unwrap_or_default(),
    );
    let status = current.as_ref().map(|d| d.status).unwrap_or_default();
    let brands = Brand::ALL
        .into_iter()
        .map(|b| (b.key().to_owned(), b.label().to_owned()))
        .collect();
    let statuses = DealerStatus::ALL
        .into_iter()
        .map(|s| (s.key().to_owned(), s.label().to_owned()))
        .collect();
    view! {
        <Field name="dealer_code" label="Dealer code" maxlength=DEALER_CODE_MAX required=true
            value=text(|d| Some(&d.dealer_code)) error/>
        <Field name="dealer_name" label="Dealer name" maxlength=DEALER_NAME_MAX required=true
            value=text(|d| Some(&d.dealer_name)) error/>
        <SelectField name="brand" label="Brand" options=brands placeholder="Choose a brand" required=true
            value=current.as_ref().and_then(|d| d.brand).map_or("", Brand::key) error/>
        <SelectField name="status" label="Status" options=statuses required=true
            value=status.key() error/>
        <Field name="email" label="Email" kind="email" maxlength=MAX_EMAIL value=text(|d| d.email.as_ref()) error/>
        <Field name="phone" label="Phone" kind="tel" maxlength=PHONE_MAX value=text(|d| d.phone.as_ref()) error/>
        <Field name="address" label="Address" maxlength=ADDRESS_MAX value=text(|d| d.address.as_ref()) error/>
        <Field name="city" label="City" maxlength=CITY_MAX value=text(|d| d.city.as_ref()) error/>
        <Field name="state" label="State" maxlength=STATE_MAX value=text(|d| d.state.as_ref()) error/>
        <Field name="postal_code" label="Postal code" maxlength=POSTAL_CODE_MAX value=text(|d| d.postal_code.as_ref()) error/>
        <Field name="country" label="Country" maxlength=COUNTRY_MAX value=country error/>
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
                        let users = format!("/admin/users?dealer={}", urlencoding::encode(&d.dealer_code));
                        view! {
                            <h1>{format!("{} – {}", d.dealer_code, d.dealer_name)}</h1>
                            <p class="lead">
                                <A href=users>{format!("{} active user(s)", d.active_users)}</A>
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
