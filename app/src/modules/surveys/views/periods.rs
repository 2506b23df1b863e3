//! `/modules/{slug}/periods`: a survey's periods with their progress, and (for manufacturer
//! staff) opening a new one; `…/periods/{id}`: one period, changing its name or days, and the
//! active dealers that have not submitted, to chase.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use super::{Tabs, current_user, error_text, user_is};
use crate::auth::authorize::{Action as Permission, Area, Scope};
use crate::auth::model::CurrentUser;
use crate::auth::roles::UserType;
use crate::components::{ErrorPanel, hydrated};
use crate::error::AppError;
use crate::list::{Cursor, MAX_SEARCH, describe_total};
use crate::modules::surveys::api::{list_periods, missing_dealers, save_period};
use crate::modules::surveys::model::{
    MAX_PERIOD_NAME, PeriodForm, PeriodRow, REMINDER_DAYS, SurveyKind,
};

/// Whether `u` opens and changes periods (manufacturer staff with `edit`).
fn manages(kind: SurveyKind, u: &CurrentUser) -> bool {
    u.user_type == UserType::Manufacturer
        && u.decide(Permission::Edit, Area::Module(kind.module()), Scope::Any)
            .allowed
}

/// Every period of a survey.
#[component]
pub fn PeriodsPage(kind: SurveyKind) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let periods = Resource::new(move || changed.get(), move |_| list_periods(kind));
    let user = current_user();
    view! {
        <Title text=format!("{}: periods", kind.module().title())/>
        <h1>{kind.module().title()}</h1>
        <Tabs kind/>
        <p class="lead">{format!(
            "Each period takes one response per dealer, from its first to its last day. Dealers without a submission are reminded {} days before it ends.",
            REMINDER_DAYS.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(" and ")
        )}</p>
        <Transition fallback=|| view! { <p class="muted">"Loading periods…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    periods.await.map(|rows| {
                        if rows.is_empty() {
                            return view! { <p class="empty">"No period has been opened for this survey yet."</p> }.into_any();
                        }
                        view! {
                            <div class="table-scroll">
                                <table class="data">
                                    <thead><tr>
                                        <th scope="col">"Period"</th><th scope="col">"From"</th><th scope="col">"To"</th>
                                        <th scope="col">"State"</th><th scope="col" class="num">"Submitted"</th><th scope="col" class="num">"Drafts"</th>
                                    </tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|p| {
                                            let state = p.state.label();
                                            let href = format!("{}/periods/{}", kind.path(), p.id);
                                            view! {
                                            <tr>
                                                <td><A href=href>{p.name.clone()}</A></td>
                                                <td class="nowrap">{p.starts_on.to_string()}</td>
                                                <td class="nowrap">{p.ends_on.to_string()}</td>
                                                <td>{state}</td>
                                                <td class="num">{p.submitted}</td>
                                                <td class="num">{p.drafts}</td>
                                            </tr>
                                        }}).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    })
                })}
            </ErrorBoundary>
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                user_is(user, |u| manages(kind, u)).await.then(|| view! {
                    <section class="card narrow" aria-labelledby="new-period">
                        <h2 id="new-period">"Open a period"</h2>
                        <PeriodEditor kind period=None changed/>
                    </section>
                })
            })}
        </Transition>
    }
}

/// A period's name and days, new or changed.
#[component]
fn PeriodEditor(
    kind: SurveyKind,
    period: Option<PeriodRow>,
    changed: RwSignal<u32>,
) -> impl IntoView {
    let name = RwSignal::new(period.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let starts = RwSignal::new(
        period
            .as_ref()
            .map(|p| p.starts_on.to_string())
            .unwrap_or_default(),
    );
    let ends = RwSignal::new(
        period
            .as_ref()
            .map(|p| p.ends_on.to_string())
            .unwrap_or_default(),
    );
    let (id, version) = (
        period.as_ref().map(|p| p.id),
        period.as_ref().map_or(0, |p| p.version),
    );
    let save = Action::new(move |_: &()| {
        let form = PeriodForm {
            id,
            version,
            name: name.get_untracked(),
            starts_on: starts.get_untracked(),
            ends_on: ends.get_untracked(),
        };
        async move { save_period(kind, form).await }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            if id.is_none() {
                name.set(String::new());
                starts.set(String::new());
                ends.set(String::new());
            }
            changed.update(|n| *n += 1);
        }
    });
    let message = move |field: &'static str| {
        move || {
            error.with(|e| {
                e.as_ref()
                    .and_then(|e| e.field_message(field))
                    .map(str::to_owned)
            })
        }
    };
    let stray = move || {
        error.get().and_then(|e| match e {
            AppError::Validation { .. } => None,
            e => Some(error_text(&e)),
        })
    };
    let ready = hydrated();
    let prefix = if id.is_some() { "edit-" } else { "new-" };
    let field = move |field: &'static str,
                      label: &'static str,
                      kind_: &'static str,
                      value: RwSignal<String>| {
        let fid = format!("{prefix}{field}");
        let eid = format!("{fid}-error");
        view! {
            <div class="field" class:invalid=move || message(field)().is_some()>
                <label for=fid.clone()>{label}</label>
                <input id=fid type=kind_ maxlength=MAX_PERIOD_NAME required prop:value=move || value.get()
                    aria-describedby=eid.clone() on:input:target=move |ev| value.set(ev.target().value())/>
                <p class="field-error" id=eid role="alert">{message(field)}</p>
            </div>
        }
    };
    view! {
        <form class="stacked" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
            {field("name", "Name (e.g. Q1 2026)", "text", name)}
            {field("starts_on", "First day", "date", starts)}
            {field("ends_on", "Last day", "date", ends)}
            <p class="form-error" role="alert">{stray}</p>
            {move || matches!(save.value().get(), Some(Ok(_))).then(|| view! { <p class="notice" role="status">"Saved."</p> })}
            <button type="submit" class="button" disabled=move || !ready.get() || save.pending().get()>
                {if id.is_some() { "Save changes" } else { "Open the period" }}
            </button>
        </form>
    }
}

/// One period: its facts, its editor, and the dealers that have not submitted.
#[component]
pub fn PeriodPage(kind: SurveyKind, id: Uuid) -> impl IntoView {
    let changed = RwSignal::new(0u32);
    let periods = Resource::new(move || changed.get(), move |_| list_periods(kind));
    let user = current_user();
    view! {
        <p class="breadcrumb"><A href=format!("{}/periods", kind.path())>{format!("{}: periods", kind.module().title())}</A></p>
        <Transition fallback=|| view! { <p class="muted">"Loading the period…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    let manager = user_is(user, |u| manages(kind, u)).await;
                    periods.await.and_then(|rows| {
                        let p = rows.into_iter().find(|p| p.id == id).ok_or(AppError::NotFound)?;
                        Ok(view! {
                            <Title text=p.name.clone()/>
                            <h1>{format!("{} · {}", kind.module().title(), p.name)}</h1>
                            <p class="lead">{format!(
                                "{} to {} · {} submitted · {} drafts started",
                                p.starts_on, p.ends_on, p.submitted, p.drafts
                            )}</p>
                            <p><A href=format!("{}?period={}", kind.path(), p.id)>"Its responses"</A>" · "
                               <A href=format!("{}/results?period={}", kind.path(), p.id)>"Its results"</A></p>
                            {manager.then(|| view! {
                                <Missing kind period=id/>
                                <section class="card narrow" aria-labelledby="edit-period">
                                    <h2 id="edit-period">"Change the period"</h2>
                                    <PeriodEditor kind period=Some(p.clone()) changed/>
                                </section>
                            })}
                        })
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The active dealers with no submitted response to `period`, searchable, a page at a time.
#[component]
fn Missing(kind: SurveyKind, period: Uuid) -> impl IntoView {
    let search = RwSignal::new(String::new());
    let applied = RwSignal::new(String::new());
    let after = RwSignal::new(None::<Cursor>);
    let page = Resource::new(
        move || (applied.get(), after.get()),
        move |(s, a)| missing_dealers(kind, period, s, a),
    );
    view! {
        <section class="card" aria-labelledby="missing-heading">
            <h2 id="missing-heading">"Not submitted yet"</h2>
            <form class="filters" role="search" on:submit=move |ev| {
                ev.prevent_default();
                after.set(None);
                applied.set(search.get_untracked());
            }>
                <label>"Dealer"
                    <input type="search" maxlength=MAX_SEARCH placeholder="Code or name" prop:value=move || search.get()
                        on:input:target=move |ev| search.set(ev.target().value())/>
                </label>
                <button type="submit" class="button secondary">"Search"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading dealers…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                    {move || Suspend::new(async move {
                        page.await.map(|p| view! {
                            {p.total.map(|t| view! { <p role="status">{describe_total(t, "dealer", "dealers")}</p> })}
                            <table class="data">
                                <thead><tr><th scope="col">"Dealer"</th><th scope="col">"City"</th><th scope="col">"Draft started"</th></tr></thead>
                                <tbody>
                                    {p.rows.into_iter().map(|d| view! {
                                        <tr>
                                            <td>{format!("{} – {}", d.dealer_code, d.dealer_name)}</td>
                                            <td>{d.city.unwrap_or_default()}</td>
                                            <td>{if d.has_draft { "Yes" } else { "No" }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {p.next.map(|n| view! {
                                <button type="button" class="button secondary" on:click=move |_| after.set(Some(n.clone()))>"Next dealers"</button>
                            })}
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
