//! `/modules/{slug}`: the registrations list (a dealer's own people, or every dealer's for
//! manufacturer staff): search by number, person or event; filter by status, dealer and event
//! days; sort; keyset pages. Refreshed live.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{Tabs, path};
use crate::components::ListPage;
use crate::components::time::minutes;
use crate::list::ExportList;
use crate::list::MAX_SEARCH;
use crate::live::use_live;
use crate::modules::registrations::api::list_registrations;
use crate::modules::registrations::model::{EventKind, RegQuery, RegRow, RegSort};
use crate::modules::registrations::workflow::RegStatus;

/// The registrations of one kind.
#[component]
pub fn RegList(kind: EventKind) -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| RegQuery::from_params(|k| m.get(k))));
    let live = use_live();
    let page = Resource::new(
        move || (query.get(), live.records.get()),
        move |(q, _)| list_registrations(kind, q),
    );
    let current = move || query.get();
    let base = path(kind);
    view! {
        <ListPage
            title=kind.module().title()
            nav=move || view! {
                <Tabs kind/>
                <p class="lead">{format!(
                    "People registered for {}s. Register someone from an event's page.",
                    kind.event_noun()
                )}</p>
            }
            path=base
            export=ExportList::Module(kind.module())
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("registration", "registrations")
            empty="No registration matches these filters."
            loading="Loading registrations…"
            rows={move |rows: Vec<RegRow>| view! { <RegTable kind rows/> }}
        >
            <form method="get" action=base class="filters" role="search">
                <label>"Search"
                    <input type="search" name="q" maxlength=MAX_SEARCH
                        placeholder=format!("Number, {}, event", kind.person_noun())
                        value=move || current().search prop:value=move || current().search/>
                </label>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any status"</option>
                        {RegStatus::ALL.iter().copied().map(|s| {
                            let chosen = move || current().status == Some(s);
                            view! { <option value=s.key() selected=chosen prop:selected=chosen>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Dealer"
                    <input type="search" name="dealer" maxlength=MAX_SEARCH placeholder="Code or name"
                        value=move || current().dealer prop:value=move || current().dealer/>
                </label>
                <label>"Events from"
                    <input type="date" name="from"
                        value=move || current().from.map(|d| d.to_string())
                        prop:value=move || current().from.map(|d| d.to_string()).unwrap_or_default()/>
                </label>
                <label>"Events to"
                    <input type="date" name="to"
                        value=move || current().to.map(|d| d.to_string())
                        prop:value=move || current().to.map(|d| d.to_string()).unwrap_or_default()/>
                </label>
                <label>"Sort by"
                    <select name="sort">
                        {RegSort::ALL.into_iter().map(|s| {
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
                {move || current().event.map(|e| view! { <input type="hidden" name="event" value=e.to_string()/> })}
                <button type="submit" class="button secondary">"Apply"</button>
            </form>
        </ListPage>
    }
}

/// The rows of a registrations list (also the event page's participants).
#[component]
pub fn RegTable(kind: EventKind, rows: Vec<RegRow>) -> impl IntoView {
    let detail = kind.detail_label();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Name"</th>
                    <th scope="col">{detail}</th>
                    <th scope="col">"Dealer"</th>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Last change"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let (standing, badge) = r.standing();
                    view! {
                        <tr>
                            <td class="mono nowrap"><A href=format!("{}/{}", path(kind), r.id)>{r.number.clone()}</A></td>
                            <td>{r.person.clone()}<br/><span class="muted small">{r.email.clone()}</span></td>
                            <td>{r.detail.clone().unwrap_or_else(|| "—".into())}</td>
                            <td>{format!("{} – {}", r.dealer_code, r.dealer_name)}</td>
                            <td>{r.event_name.clone()}<br/><span class="muted small">{r.event_date.map(|d| d.to_string())}</span></td>
                            <td>
                                <span class=badge>{standing}</span>
                                {r.waitlist_position.map(|p| view! { <span class="muted small">{format!(" #{p}")}</span> })}
                            </td>
                            <td class="nowrap"><time>{minutes(&r.updated_at)}</time></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
