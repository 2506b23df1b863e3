//! `/modules/pcc`: the applications list (a dealer's own, or every dealer's for manufacturer
//! staff), and the button that starts a new application.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::number_or_draft;
use crate::auth::authorize::{Action, Area};
use crate::auth::model::CurrentUser;
use crate::auth::roles::UserType;
use crate::components::time::minutes;
use crate::components::{FormError, ListPage, last_error};
use crate::dealers::Brand;
use crate::error::AppError;
use crate::list::ExportList;
use crate::list::MAX_SEARCH;
use crate::live::use_live;
use crate::modules::Module;
use crate::modules::pcc::api::{CreatePcc, list_pcc};
use crate::modules::pcc::model::{PccQuery, PccRow, PccSort};
use crate::modules::pcc::workflow::PccStatus;

const AREA: Area = Area::Module(Module::DealerPcc);

/// `/modules/pcc`: search, filter, sort and page through applications; start a new one.
#[component]
pub fn PccListPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| PccQuery::from_params(|k| m.get(k))));
    let live = use_live();
    // Refetched whenever a record the user may see changes (live), keeping the rows shown until
    // the new page arrives.
    let page = Resource::new(
        move || (query.get(), live.records.get()),
        |(q, _)| list_pcc(q),
    );
    let user = expect_context::<Resource<Result<Option<CurrentUser>, AppError>>>();
    let create = ServerAction::<CreatePcc>::new();
    let create_error = last_error(create.value());
    let deleted = crate::components::query("deleted");
    let current = move || query.get();
    view! {
        <ListPage
            title="Performance Center Program"
            nav=move || view! { <Lead user/> }
            path="/modules/pcc"
            export=ExportList::Module(Module::DealerPcc)
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("application", "applications")
            empty="No application matches these filters."
            loading="Loading applications…"
            rows={|rows: Vec<PccRow>| view! { <PccTable rows/> }}
        >
            {move || deleted().map(|_| view! { <p class="notice" role="status">"The draft was deleted."</p> })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let may_create = user
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|u| u.can(Action::Create, AREA));
                    may_create.then(|| view! {
                        <div class="toolbar">
                            // A form post, so it works before hydration too; the answer leads
                            // to the new draft.
                            <ActionForm action=create attr:class="inline-form">
                                <button type="submit" class="button" disabled=move || create.pending().get()>
                                    "New application"
                                </button>
                            </ActionForm>
                        </div>
                    })
                })}
            </Transition>
            <FormError error=create_error fields=&[]/>
            <form method="get" action="/modules/pcc" class="filters" role="search">
                <label>"Search"
                    <input type="search" name="q" maxlength=MAX_SEARCH placeholder="Number or dealer"
                        value=move || current().search prop:value=move || current().search/>
                </label>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any status"</option>
                        {PccStatus::ALL.iter().copied().map(|s| {
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
                <label>"Applied from"
                    <input type="date" name="from"
                        value=move || current().from.map(|d| d.to_string())
                        prop:value=move || current().from.map(|d| d.to_string()).unwrap_or_default()/>
                </label>
                <label>"Applied to"
                    <input type="date" name="to"
                        value=move || current().to.map(|d| d.to_string())
                        prop:value=move || current().to.map(|d| d.to_string()).unwrap_or_default()/>
                </label>
                <label>"Sort by"
                    <select name="sort">
                        {PccSort::ALL.into_iter().map(|s| {
                            let chosen = move || current().sort == s;
                            view! { <option value=s.key() selected=chosen prop:selected=chosen>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Order"
                    <select name="dir">
                        <option value="" selected=move || !current().ascending prop:selected=move || !current().ascending>"Descending"</option>
                        <option value="asc" selected=move || current().ascending prop:selected=move || current().ascending>"Ascending"</option>
                    </select>
                </label>
                <button type="submit" class="button secondary">"Apply"</button>
            </form>
        </ListPage>
    }
}

/// Whose applications these are: a dealer's own, or every dealer's.
#[component]
fn Lead(user: Resource<Result<Option<CurrentUser>, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let user = user.await.ok().flatten();
                let dealer = user.as_ref().is_some_and(|u| u.user_type == UserType::Dealer);
                let decides = user.as_ref().is_some_and(|u| u.can(Action::Approve, AREA));
                if dealer {
                    view! {
                        <h2>"Our applications"</h2>
                        <p class="lead">"Apply with your facility, people and performance figures; the manufacturer reviews each application."</p>
                    }.into_any()
                } else if decides {
                    view! {
                        <p class="lead">"Applications from every dealer. Those waiting for your decision are also in the "
                            <A href="/queue">"approval queue"</A>"."</p>
                    }.into_any()
                } else {
                    view! { <p class="lead">"Applications from every dealer."</p> }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn PccTable(rows: Vec<PccRow>) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Dealer"</th>
                    <th scope="col">"Brand"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Applied"</th>
                    <th scope="col">"Last change"</th>
                    <th scope="col">"Reviewer"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td class="mono nowrap">
                            <A href=format!("/modules/pcc/{}", r.id)>{number_or_draft(r.number.as_deref())}</A>
                        </td>
                        <td>{format!("{} – {}", r.dealer_code, r.dealer_name)}</td>
                        <td>{r.brand.map(Brand::label)}</td>
                        <td><span class=r.status.badge()>{r.status.label()}</span></td>
                        <td class="nowrap">{r.application_date.to_string()}</td>
                        <td class="nowrap"><time>{minutes(&r.updated_at)}</time></td>
                        <td>{r.reviewer.unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
