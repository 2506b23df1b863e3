//! `/modules/{slug}/results`: for one period, the network's score distribution and average, each
//! question's average, the trend over periods and, for manufacturer staff, each dealer's scores
//! over those periods. A dealer user sees its own scores against the network's averages. Every
//! figure is a table (bars drawn with CSS widths beside the numbers), so screen readers and
//! copying get the numbers.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{Tabs, score_text};
use crate::components::ErrorPanel;
use crate::list::{MAX_SEARCH, thousands};
use crate::modules::surveys::api::survey_results;
use crate::modules::surveys::model::{MIN_NETWORK, Results, ResultsQuery, SurveyKind, band_label};

/// A bar `points` basis points long (of 10 000), with its number.
fn bar(points: Option<u32>) -> impl IntoView {
    let width = points.map_or(0, |p| p / 100);
    view! {
        <span class="bar-cell">
            <span class="bar" style=format!("width: {width}%") aria-hidden="true"></span>
            <span class="bar-value">{score_text(points)}</span>
        </span>
    }
}

/// One survey's results.
#[component]
pub fn ResultsPage(kind: SurveyKind) -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| ResultsQuery::from_params(|k| m.get(k))));
    let results = Resource::new(move || query.get(), move |q| survey_results(kind, q));
    let base = format!("{}/results", kind.path());
    view! {
        <Title text=format!("{}: results", kind.module().title())/>
        <h1>{kind.module().title()}</h1>
        <Tabs kind/>
        <Transition fallback=|| view! { <p class="muted">"Loading results…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || {
                    let base = base.clone();
                    Suspend::new(async move {
                        results.await.map(|r| view! { <ResultsView r base query=query.get_untracked()/> })
                    })
                }}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn ResultsView(r: Results, base: String, query: ResultsQuery) -> impl IntoView {
    let Some(period) = r.period.clone() else {
        return view! { <p class="empty">"No period of this survey has started yet, so there are no results."</p> }.into_any();
    };
    let dealer_view = r.own.is_some();
    let chosen = period.id;
    let total: i64 = r.network.distribution.iter().sum();
    view! {
        <form method="get" action=base.clone() class="filters">
            <label>"Period"
                <select name="period">
                    {r.periods.iter().map(|p| view! {
                        <option value=p.id.to_string() selected=p.id == chosen>{p.name.clone()}</option>
                    }).collect_view()}
                </select>
            </label>
            {(!dealer_view).then(|| view! {
                <label>"Dealers"
                    <input type="search" name="dealer" maxlength=MAX_SEARCH placeholder="Code or name" value=query.dealer.clone()/>
                </label>
            })}
            <button type="submit" class="button secondary">"Show"</button>
        </form>
        <ul class="stats">
            <li class="card"><span class="stat">{thousands(r.network.responses)}</span>" responses submitted"</li>
            <li class="card"><span class="stat">{score_text(r.network.average)}</span>" network average"</li>
            {r.own.clone().map(|o| view! {
                <li class="card"><span class="stat">{score_text(o.score)}</span>
                    {if o.score.is_some() { " your score" } else if o.response.is_some() { " your response is not submitted yet" } else { " you have not responded" }}
                </li>
            })}
        </ul>
        {(dealer_view && r.network.average.is_none() && r.network.responses > 0).then(|| view! {
            <p class="notice" role="note">{format!("The network's figures show once the period has ended, if at least {MIN_NETWORK} other dealers submitted.")}</p>
        })}
        {(!dealer_view).then(|| view! {
            <figure class="card">
                <figcaption><h2>{format!("Score distribution, {}", period.name)}</h2></figcaption>
                <table class="data">
                    <thead><tr><th scope="col">"Score band"</th><th scope="col">"Dealers"</th></tr></thead>
                    <tbody>
                        {r.network.distribution.iter().enumerate().map(|(i, n)| {
                            let share = if total > 0 { (n * 10_000 / total) as u32 } else { 0 };
                            view! {
                                <tr>
                                    <th scope="row">{band_label(i)}</th>
                                    <td><span class="bar-cell">
                                        <span class="bar" style=format!("width: {}%", share / 100) aria-hidden="true"></span>
                                        <span class="bar-value">{thousands(*n)}</span>
                                    </span></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </figure>
        })}
        <figure class="card">
            <figcaption><h2>{format!("Question by question, {}", period.name)}</h2></figcaption>
            <div class="table-scroll">
                <table class="data">
                    <thead><tr>
                        <th scope="col">"Question"</th><th scope="col">"Section"</th><th scope="col" class="num">"Answered"</th>
                        <th scope="col">"Network average"</th>
                        {dealer_view.then(|| view! { <th scope="col">"Yours"</th> })}
                    </tr></thead>
                    <tbody>
                        {r.questions.iter().map(|q| view! {
                            <tr>
                                <td>{q.label.clone()}</td>
                                <td>{q.section.clone()}</td>
                                <td class="num">{thousands(q.answered)}</td>
                                <td>{bar(q.network)}</td>
                                {dealer_view.then(|| view! { <td>{bar(q.own)}</td> })}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </figure>
        <figure class="card">
            <figcaption><h2>"Trend over periods"</h2></figcaption>
            <table class="data">
                <thead><tr>
                    <th scope="col">"Period"</th><th scope="col" class="num">"Responses"</th><th scope="col">"Network average"</th>
                    {dealer_view.then(|| view! { <th scope="col">"Yours"</th> })}
                </tr></thead>
                <tbody>
                    {r.trend.iter().map(|t| view! {
                        <tr>
                            <th scope="row">{t.period.name.clone()}</th>
                            <td class="num">{thousands(t.responses)}</td>
                            <td>{bar(t.network)}</td>
                            {dealer_view.then(|| view! { <td>{bar(t.own)}</td> })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </figure>
        {(!dealer_view).then(|| view! {
            <figure class="card">
                <figcaption>
                    <h2>"Each dealer over the periods"</h2>
                    <p class="muted small">{format!(
                        "{} of {} dealers, by code; search to narrow.",
                        r.dealers.len(), thousands(r.dealers_total)
                    )}</p>
                </figcaption>
                <div class="table-scroll">
                    <table class="data">
                        <thead><tr>
                            <th scope="col">"Dealer"</th>
                            {r.trend.iter().map(|t| view! { <th scope="col" class="num">{t.period.name.clone()}</th> }).collect_view()}
                        </tr></thead>
                        <tbody>
                            {r.dealers.iter().map(|d| view! {
                                <tr>
                                    <th scope="row">{format!("{} – {}", d.dealer_code, d.dealer_name)}</th>
                                    {d.scores.iter().map(|s| view! { <td class="num">{score_text(*s)}</td> }).collect_view()}
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </figure>
        })}
    }
    .into_any()
}
