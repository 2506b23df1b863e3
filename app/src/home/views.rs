//! `/`: the home page by role (a lazy route). Dealer staff: what needs them, their dealer's
//! latest steps, their scores against the network. Approvers: the queue by age against the
//! target, their decisions. Administrators: the network's figures over a date range, each
//! leading to the list it counts. Everyone: the modules.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::api::get_home;
use super::model::{AGE_BANDS, Activity, ApproverHome, DealerHome, NetworkHome};
use crate::components::ErrorPanel;
use crate::components::chart::{Bar, BarChart};
use crate::components::time::{self, minutes};
use crate::list::thousands;
use crate::modules::Module;
use crate::pages::ModuleCards;

fn percent(bp: Option<i32>) -> String {
    bp.map_or_else(
        || "–".to_owned(),
        |bp| format!("{:.1}%", f64::from(bp) / 100.0),
    )
}

/// `/`: the home page.
#[component]
pub fn HomeDashboardPage() -> impl IntoView {
    let q = use_query_map();
    let day = move |k: &str| {
        q.with(|m| m.get(k))
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
    };
    let data = Resource::new(
        move || (day("from"), day("to")),
        |(from, to)| get_home(from, to),
    );
    view! {
        <Title text="Home"/>
        <h1>"Home"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    data.await.map(|home| view! {
                        {home.dealer.map(|d| view! { <DealerPart d/> })}
                        {home.approver.map(|a| view! { <ApproverPart a/> })}
                        {home.network.map(|n| view! { <NetworkPart n/> })}
                    })
                })}
            </ErrorBoundary>
        </Transition>
        <h2>"Modules"</h2>
        <ModuleCards/>
    }
}

#[component]
fn ActivityTable(rows: Vec<Activity>, label: &'static str) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="empty">"Nothing yet."</p> }.into_any();
    }
    view! {
        <div class="table-scroll" tabindex="0" role="region" aria-label=label>
            <table class="data">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Module"</th><th scope="col">"Step"</th>
                    <th scope="col">"Now"</th><th scope="col">"By"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|a| view! {
                        <tr>
                            <td>{minutes(&a.at)}</td>
                            <td>{a.module.title()}</td>
                            <td><a href=a.href>{a.step}</a></td>
                            <td>{a.to_status.replace('_', " ")}</td>
                            <td>{a.actor}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DealerPart(d: DealerHome) -> impl IntoView {
    let todo_count = d.todos.len();
    view! {
        <section class="home-part" aria-labelledby="todo-heading">
            <h2 id="todo-heading">{format!("Needs you now ({todo_count})")}</h2>
            {if d.todos.is_empty() {
                view! { <p class="empty">"Nothing needs you now."</p> }.into_any()
            } else {
                view! {
                    <ul class="todos">
                        {d.todos.into_iter().map(|t| view! {
                            <li>
                                <a href=t.href>{t.text}</a>
                                {t.due.map(|due| view! { <span class="muted">{format!(" (by {})", minutes(&due))}</span> })}
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="home-part" aria-labelledby="scores-heading">
            <h2 id="scores-heading">"Your scores and the network's"</h2>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Your scores and the network's">
                <table class="data">
                    <thead><tr>
                        <th scope="col">"Survey"</th><th scope="col">"Period"</th>
                        <th scope="col" class="num">"Your score"</th><th scope="col" class="num">"Network average"</th>
                    </tr></thead>
                    <tbody>
                        {d.scores.into_iter().map(|s| view! {
                            <tr>
                                <th scope="row"><A href=s.module.href()>{s.module.title()}</A></th>
                                <td>{if s.period.is_empty() { "No response yet".to_owned() } else { s.period }}</td>
                                <td class="num">{percent(s.own_bp)}</td>
                                <td class="num">{percent(s.network_bp)}{(s.responses > 0).then(|| format!(" ({} dealers)", thousands(s.responses)))}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
        <section class="home-part" aria-labelledby="recent-heading">
            <h2 id="recent-heading">{format!("Latest at {}", d.dealer_name)}</h2>
            <ActivityTable rows=d.recent label="Latest steps"/>
        </section>
    }
}

#[component]
fn ApproverPart(a: ApproverHome) -> impl IntoView {
    let waiting: i64 = a.bands.iter().sum();
    let more = if a.more { " (the oldest shown)" } else { "" };
    let summary = format!(
        "{} records wait for you{more}; {} of them longer than the {}-hour target.",
        thousands(waiting),
        thousands(a.past_target),
        a.target_hours
    );
    let bars = AGE_BANDS
        .iter()
        .zip(a.bands)
        .map(|((label, _), n)| Bar {
            label: (*label).to_owned(),
            value: n,
            href: Some("/queue".into()),
        })
        .collect();
    let modules = a
        .by_module
        .into_iter()
        .map(|(m, n)| Bar {
            label: m.title().to_owned(),
            value: n,
            href: Some(format!("/queue?module={}", m.key())),
        })
        .collect();
    view! {
        <section class="home-part" aria-labelledby="queue-heading">
            <h2 id="queue-heading">"Your queue"</h2>
            <p><strong class="stat">{thousands(a.past_target)}</strong>" past the target · "<A href="/queue">"Open the queue"</A></p>
            <div class="columns">
                <BarChart caption="Waiting, by age".into() summary noun="records" bars/>
                <BarChart caption="Waiting, by module".into() summary="Where the waiting records are.".into() noun="records" bars=modules/>
            </div>
            <h3>"Your latest decisions"</h3>
            <ActivityTable rows=a.decisions label="Your latest decisions"/>
        </section>
    }
}

#[component]
fn NetworkPart(n: NetworkHome) -> impl IntoView {
    let (from, to) = (n.from, n.to);
    let range = format!("from={from}&to={to}");
    let totals: Vec<i64> = n.months.iter().map(|m| m.per_module.iter().sum()).collect();
    let submitted: i64 = totals.iter().sum();
    let busiest = n
        .months
        .iter()
        .zip(&totals)
        .max_by_key(|(_, t)| **t)
        .map(|(m, t)| {
            format!(
                " The busiest month was {} with {}.",
                time::month_year(&m.month),
                thousands(*t)
            )
        })
        .unwrap_or_default();
    let month_bars = n
        .months
        .iter()
        .zip(&totals)
        .map(|(m, t)| {
            let end = m
                .month
                .checked_add_months(chrono::Months::new(1))
                .map(|d| d.pred_opt().unwrap_or(d))
                .unwrap_or(m.month);
            Bar {
                label: time::short_month_year(&m.month),
                value: *t,
                href: Some(format!("/modules/pcc?from={}&to={end}", m.month)),
            }
        })
        .collect();
    let per_module: Vec<Bar> = Module::ALL
        .into_iter()
        .enumerate()
        .map(|(i, m)| Bar {
            label: m.title().to_owned(),
            value: n.months.iter().map(|x| x.per_module[i]).sum(),
            href: Some(m.href()),
        })
        .collect();
    let events: Vec<Bar> = n
        .events
        .iter()
        .map(|e| Bar {
            label: format!("{} ({})", e.name, time::day_month(&e.date)),
            value: e.registered,
            href: Some(format!("{}/events/{}", e.module.href(), e.id)),
        })
        .collect();
    let rate = n
        .approval_rate()
        .map_or_else(|| "–".to_owned(), |r| format!("{r:.0}%"));
    let median = n.median_decision_hours.map_or_else(
        || "–".to_owned(),
        |h| {
            if h < 48.0 {
                format!("{h:.0} hours")
            } else {
                format!("{:.1} days", h / 24.0)
            }
        },
    );
    view! {
        <section class="home-part" aria-labelledby="network-heading">
            <h2 id="network-heading">"The network"</h2>
            <form method="get" action="/" class="filters" role="search">
                <label>"From"<input type="date" name="from" value=from.to_string()/></label>
                <label>"To"<input type="date" name="to" value=to.to_string()/></label>
                <button type="submit" class="button">"Show"</button>
            </form>
            <ul class="stats">
                <li class="card"><span class="stat">{thousands(submitted)}</span>" submissions"</li>
                <li class="card"><span class="stat">{rate}</span>
                    <a href=format!("/modules/pcc?status=approved&{range}")>" of PCC decisions approved"</a>
                    {format!(" ({} of {})", thousands(n.approved), thousands(n.approved + n.rejected))}</li>
                <li class="card"><span class="stat">{median}</span>" median from submission to decision"</li>
            </ul>
            <div class="columns">
                <BarChart caption="Submissions per month".into()
                    summary=format!("{} submissions from {} to {}.{busiest}", thousands(submitted), time::day_month_year(&from), time::day_month_year(&to))
                    noun="submissions" bars=month_bars/>
                <BarChart caption="Submissions per module".into()
                    summary="Applications, registrations and survey responses in the range.".into()
                    noun="submissions" bars=per_module/>
            </div>
            <BarChart caption="Registrations per event".into()
                summary=format!("The {} events of the range with the most registrations (cancellations left out).", n.events.len())
                noun="registrations" bars=events/>
            <div class="columns">
                {n.scores.into_iter().map(|b| {
                    let name = b.brand.map_or("No brand", |b| b.label());
                    let total: i64 = b.bands.iter().sum();
                    let bars = b.bands.iter().enumerate().map(|(i, c)| Bar {
                        label: if i == 9 { "90–100".to_owned() } else { format!("{}–{}", i * 10, i * 10 + 9) },
                        value: *c,
                        href: None,
                    }).collect();
                    view! {
                        <BarChart caption=format!("Survey scores: {name} dealers")
                            summary=format!("{} responses averaging {}.", thousands(total), percent(b.average_bp))
                            noun="responses" bars/>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}
