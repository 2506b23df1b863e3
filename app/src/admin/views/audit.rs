//! The audit viewer: who changed what, filtered by actor, kind of record, action and day, with
//! each change shown field by field.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::AdminTabs;
use crate::admin::api::{audit_chain, list_audit};
use crate::admin::model::{AuditQuery, AuditRow, diff};
use crate::audit::{AuditEntity, ChainState};
use crate::components::ListPage;
use crate::components::time::seconds;
use crate::list::ExportList;
use crate::list::{MAX_SEARCH, thousands};

/// `/admin/audit`: who changed what, with each change shown field by field.
#[component]
pub fn AuditPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| AuditQuery::from_params(|k| m.get(k))));
    let page = Resource::new(move || query.get(), list_audit);
    let current = move || query.get();
    view! {
        <ListPage
            title="Audit trail"
            nav=|| view! { <AdminTabs/> }
            path="/admin/audit"
            export=ExportList::Audit
            page
            params=move || query.get().to_params(false)
            later=move || query.get().after.is_some()
            noun=("entry", "entries")
            empty="No entry matches these filters."
            // Cards, not a table: each entry's change table is boxed on its own.
            scroll=false
            rows={|rows: Vec<AuditRow>| view! {
                <ol class="audit">
                    {rows.into_iter().map(|r| view! { <AuditEntryView row=r/> }).collect_view()}
                </ol>
            }}
        >
            <ChainStatus/>
            <form method="get" action="/admin/audit" class="filters" role="search">
                <label>"Actor" <input type="search" name="actor" maxlength=MAX_SEARCH placeholder="Email or name" prop:value=move || current().actor/></label>
                <label>"Entity"
                    <select name="entity">
                        <option value="">"Any"</option>
                        {AuditEntity::ALL.iter().map(|e| {
                            let chosen = move || current().entity_type == Some(*e);
                            view! { <option value=e.key() selected=chosen prop:selected=chosen>{e.label()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Action starts with" <input name="action" maxlength=MAX_SEARCH placeholder="e.g. user. or auth.login" prop:value=move || current().action/></label>
                <label>"From" <input type="date" name="from" prop:value=move || current().from/></label>
                <label>"To" <input type="date" name="to" prop:value=move || current().to/></label>
                {move || current().entity_id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
                <button type="submit" class="button secondary">"Apply"</button>
            </form>
        </ListPage>
    }
}

#[component]
fn AuditEntryView(row: AuditRow) -> impl IntoView {
    let fields = diff(row.old_values.as_ref(), row.new_values.as_ref());
    let entity_type = row.entity_type.clone();
    let entity_link = row.entity_id.map(|id| {
        let label = id.to_string();
        // Records without a page of their own link to their history.
        let href = AuditEntity::from_key(&row.entity_type)
            .and_then(|e| e.href(id))
            .unwrap_or_else(|| format!("/admin/audit?id={id}"));
        view! { <A href=href>{label}</A> }
    });
    view! {
        <li class="card">
            <details>
                <summary>
                    <span class="mono">{seconds(&row.created_at)}</span>
                    " · " <strong>{row.action.clone()}</strong>
                    " · " {row.actor_email.clone().unwrap_or_else(|| "system".into())}
                    " · " {entity_type}
                </summary>
                {entity_link.map(|l| view! { <p class="small">"Record: " {l}</p> })}
                <div class="table-scroll">
                    <table class="data diff">
                        <thead><tr><th scope="col">"Field"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                        <tbody>
                            {fields.into_iter().map(|f| {
                                let changed = f.changed();
                                view! {
                                    <tr class:changed=changed>
                                        <th scope="row">{f.field}</th>
                                        <td>{f.old.unwrap_or_else(|| "—".into())}</td>
                                        <td>{f.new.unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <p class="muted small">{format!("From {} · {}", row.ip_address.unwrap_or_else(|| "-".into()), row.user_agent.unwrap_or_default())}</p>
            </details>
        </li>
    }
}

/// What the latest tamper check of the audit chain found.
#[component]
fn ChainStatus() -> impl IntoView {
    let state = Resource::new(|| (), |_| audit_chain());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                state.await.ok().map(|s| {
                    let class = if s.problem.is_some() { "notice error" } else { "hint" };
                    view! { <p class=class role="status">{describe_chain(&s)}</p> }
                })
            })}
        </Suspense>
    }
}

fn describe_chain(s: &ChainState) -> String {
    let entries = thousands(s.entries);
    match (&s.problem, &s.checked_at) {
        (Some(problem), Some(at)) => format!(
            "Tamper check failed ({}): {problem}. Run `server audit-verify` and compare with the daily audit export.",
            seconds(at)
        ),
        (None, Some(at)) => format!(
            "Tamper check: intact through entry {} of {entries} (checked {}; new entries are checked every 10 minutes).",
            thousands(s.intact_through),
            seconds(at)
        ),
        _ => {
            format!("Tamper check: {entries} entries, not checked yet (it runs every 10 minutes).")
        }
    }
}
