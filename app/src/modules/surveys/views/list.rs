//! `/modules/{slug}`: the periods open now, with a dealer's Start or Continue button, and the
//! responses (a dealer's own, or every dealer's for manufacturer staff): search by number or
//! dealer, filter by period and status, keyset pages. Refreshed live.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{Tabs, current_user, score_text};
use crate::auth::authorize::{Action, Area, Scope};
use crate::components::time::{self, minutes};
use crate::components::{FormError, ListPage, last_error};
use crate::list::ExportList;
use crate::list::MAX_SEARCH;
use crate::live::use_live;
use crate::modules::surveys::api::{StartResponse, list_periods, list_responses, open_periods};
use crate::modules::surveys::model::{OpenPeriod, ResponseQuery, ResponseRow, SurveyKind};
use crate::modules::surveys::workflow::SurveyStatus;

/// The responses of one survey.
#[component]
pub fn ResponsesList(kind: SurveyKind) -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| ResponseQuery::from_params(|k| m.get(k))));
    let live = use_live();
    let page = Resource::new(
        move || (query.get(), live.records.get()),
        move |(q, _)| list_responses(kind, q),
    );
    let open = Resource::new(move || live.records.get(), move |_| open_periods(kind));
    let periods = Resource::new(|| (), move |_| list_periods(kind));
    let current = move || query.get();
    let base = kind.path();
    view! {
        <ListPage
            title=kind.module().title()
            nav=move || view! {
                <Tabs kind/>
                <p class="lead">{kind.module().summary()}</p>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let open = open.await.unwrap_or_default();
                        view! { <OpenPeriods kind open/> }
                    })}
                </Transition>
            }
            path=base
            export=ExportList::Module(kind.module())
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("response", "responses")
            empty="No response matches these filters."
            loading="Loading responses…"
            rows={move |rows: Vec<ResponseRow>| view! { <ResponseTable kind rows/> }}
        >
            <form method="get" action=base class="filters" role="search">
                <label>"Search"
                    <input type="search" name="q" maxlength=MAX_SEARCH placeholder="Number or dealer"
                        value=move || current().search prop:value=move || current().search/>
                </label>
                <label>"Period"
                    <select name="period">
                        <option value="">"Any period"</option>
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                periods.await.unwrap_or_default().into_iter().map(|p| {
                                    let chosen = move || current().period == Some(p.id);
                                    view! { <option value=p.id.to_string() selected=chosen prop:selected=chosen>{p.name}</option> }
                                }).collect_view()
                            })}
                        </Transition>
                    </select>
                </label>
                <label>"Status"
                    <select name="status">
                        <option value="">"Any status"</option>
                        {SurveyStatus::ALL.iter().copied().map(|s| {
                            let chosen = move || current().status == Some(s);
                            view! { <option value=s.key() selected=chosen prop:selected=chosen>{s.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Order"
                    <select name="dir">
                        <option value="" selected=move || !current().ascending prop:selected=move || !current().ascending>"Last change first"</option>
                        <option value="asc" selected=move || current().ascending prop:selected=move || current().ascending>"Oldest change first"</option>
                    </select>
                </label>
                <button type="submit" class="button secondary">"Apply"</button>
            </form>
        </ListPage>
    }
}

/// The periods open now: a dealer user starts or continues its response from here.
#[component]
fn OpenPeriods(kind: SurveyKind, open: Vec<OpenPeriod>) -> impl IntoView {
    let user = current_user();
    let start = ServerAction::<StartResponse>::new();
    let start_error = last_error(start.value());
    if open.is_empty() {
        return view! { <p class="muted">"No period of this survey is open now."</p> }.into_any();
    }
    view! {
        <Transition fallback=|| ()>
            {move || {
                let open = open.clone();
                Suspend::new(async move {
                    let user = user.await.ok().flatten();
                    let fills = user.as_ref().is_some_and(|u| {
                        u.dealer_id.is_some()
                            && u.decide(Action::Create, Area::Module(kind.module()), Scope::Any).allowed
                    });
                    view! {
                        <ul class="period-list" aria-label="Open periods">
                            {open.into_iter().map(|o| {
                                let state = o.period.state;
                                let when = format!("{} to {}", time::day_month(&o.period.starts_on), time::day_month_year(&o.period.ends_on));
                                let action = match (o.response, fills) {
                                    (Some((id, status)), _) if status.is_submitted() => view! {
                                        <A href=kind.response_href(id)>{format!("Your response ({})", status.label().to_lowercase())}</A>
                                    }.into_any(),
                                    (Some((id, _)), true) => view! {
                                        <A href=kind.response_href(id) attr:class="button">"Continue your draft"</A>
                                    }.into_any(),
                                    (None, true) if state == super::super::model::PeriodState::Open => view! {
                                        <ActionForm action=start attr:class="inline-form">
                                            <input type="hidden" name="kind" value=kind.key()/>
                                            <input type="hidden" name="period" value=o.period.id.to_string()/>
                                            <button type="submit" class="button" disabled=move || start.pending().get()>"Start the survey"</button>
                                        </ActionForm>
                                    }.into_any(),
                                    _ => ().into_any(),
                                };
                                view! {
                                    <li class="card period">
                                        <p><strong>{o.period.name.clone()}</strong>" "<span class="badge info">{state.label()}</span></p>
                                        <p class="muted small">{when}</p>
                                        {action}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        <FormError error=start_error fields=&[]/>
                    }
                })
            }}
        </Transition>
    }
    .into_any()
}

/// The rows of a responses list.
#[component]
fn ResponseTable(kind: SurveyKind, rows: Vec<ResponseRow>) -> impl IntoView {
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Dealer"</th>
                    <th scope="col">"Period"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="num">"Score"</th>
                    <th scope="col">"Last change"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr>
                        <td class="mono nowrap"><A href=kind.response_href(r.id)>{r.number.clone()}</A></td>
                        <td>{format!("{} – {}", r.dealer_code, r.dealer_name)}</td>
                        <td>{r.period_name.clone()}</td>
                        <td><span class=r.status.badge()>{r.status.label()}</span></td>
                        <td class="num">{score_text(r.score.and_then(|s| u32::try_from(s).ok()))}</td>
                        <td class="nowrap"><time>{minutes(&r.updated_at)}</time></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
