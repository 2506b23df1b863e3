//! The notifications page and the header's bell.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_query_map};
use uuid::Uuid;

use super::api::{list_notifications, mark_notifications_read, unread_notifications};
use super::{NoticeKind, NotificationQuery, NotificationRow};
use crate::components::time::minutes;
use crate::components::{ListPage, Notice, hydrated};
use crate::list::Cursor;
use crate::live::{LiveUpdates, use_live};

/// The page's query from its URL: `unread=1` for unread ones only, `after` for a later page.
fn query_from(get: impl Fn(&str) -> Option<String>) -> NotificationQuery {
    NotificationQuery {
        unread_only: get("unread").is_some_and(|v| v == "1"),
        after: get("after")
            .filter(|v| !v.trim().is_empty())
            .map(Cursor::from_param),
    }
}

/// The URL parameters of a query, without its cursor.
fn params(query: &NotificationQuery) -> String {
    if query.unread_only {
        "?unread=1".into()
    } else {
        String::new()
    }
}

/// Marks one notification read (or all of them), then has the list and the bell refetch.
fn mark_read(id: Option<Uuid>, live: LiveUpdates, notice: RwSignal<Option<String>>) {
    leptos::task::spawn_local(async move {
        match mark_notifications_read(id).await {
            Ok(n) => {
                if id.is_none() {
                    notice.set(Some(match n {
                        0 => "Nothing was unread.".to_owned(),
                        1 => "1 notification marked read.".to_owned(),
                        n => format!("{n} notifications marked read."),
                    }));
                }
                live.notifications.update(|n| *n += 1);
            }
            Err(e) => notice.set(Some(format!("Not done: {e}"))),
        }
    });
}

/// `/notifications`: the user's notifications, newest first, unread ones marked.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let q = use_query_map();
    let query = Memo::new(move |_| q.with(|m| query_from(|k| m.get(k))));
    let live = use_live();
    let page = Resource::new(
        move || (query.get(), live.notifications.get()),
        |(q, _)| list_notifications(q),
    );
    // Sent here by an export too big to wait for (see `export::jobs`).
    let preparing = q.with_untracked(|m| m.get("export").as_deref() == Some("preparing"));
    let notice = RwSignal::new(preparing.then(|| {
        "Your export is being prepared. You will be notified here with a download link when it is ready."
            .to_owned()
    }));
    let ready = hydrated();
    let unread_only = move || query.get().unread_only;
    view! {
        <ListPage
            title="Notifications"
            path="/notifications"
            page
            params=move || params(&query.get())
            later=move || query.get().after.is_some()
            noun=("notification", "notifications")
            empty="No notifications to show."
            loading="Loading notifications…"
            scroll=false
            rows={move |rows: Vec<NotificationRow>| view! { <NotificationList rows live notice ready/> }}
        >
            <nav class="tabs" aria-label="Which notifications">
                <a href="/notifications" aria-current=move || (!unread_only()).then_some("page")>"All"</a>
                <a href="/notifications?unread=1" aria-current=move || unread_only().then_some("page")>"Unread only"</a>
            </nav>
            <div class="toolbar">
                <button type="button" class="button secondary" disabled=move || !ready.get()
                    on:click=move |_| mark_read(None, live, notice)>"Mark all read"</button>
            </div>
            <Notice text=notice.into()/>
        </ListPage>
    }
}

#[component]
fn NotificationList(
    rows: Vec<NotificationRow>,
    live: LiveUpdates,
    notice: RwSignal<Option<String>>,
    ready: Signal<bool>,
) -> impl IntoView {
    view! {
        <ul class="notifications">
            {rows.into_iter().map(|n| {
                let id = n.id;
                let unread = !n.is_read;
                let kind = match n.kind {
                    NoticeKind::Info => "notification info",
                    NoticeKind::Success => "notification success",
                    NoticeKind::Warning => "notification warning",
                    NoticeKind::Error => "notification error",
                };
                let title = n.title.clone();
                view! {
                    <li class=kind class:unread=unread>
                        <h2 class="notification-title">
                            {unread.then(|| view! { <span class="badge info first">"Unread"</span>" " })}
                            {n.title}
                        </h2>
                        <p class="prewrap">{n.message}</p>
                        <p class="muted small">
                            <time>{minutes(&n.created_at)}</time>
                            {n.link.map(|link| {
                                let title = title.clone();
                                view! {
                                    " · "
                                    // Opening an unread notification reads it.
                                    <a href=link.clone() rel=link.starts_with("/api/").then_some("external") on:click=move |_| if unread { mark_read(Some(id), live, notice) }>
                                        "Open"<span class="visually-hidden">{format!(": {title}")}</span>
                                    </a>
                                }
                            })}
                            {unread.then(|| view! {
                                " · "
                                <button type="button" class="link-button" disabled=move || !ready.get()
                                    on:click=move |_| mark_read(Some(id), live, notice)>
                                    "Mark read"<span class="visually-hidden">{format!(": {title}")}</span>
                                </button>
                            })}
                        </p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The header's bell: a link to `/notifications` with the unread count, refetched when the user's
/// notifications change (live) and on every change of page. The count is fetched in the browser
/// only (the server's HTML shows the bell without one): the header is rendered inside the user's
/// own suspense, and a resource of its own there would put server and browser out of step while
/// hydrating.
#[component]
pub fn Bell() -> impl IntoView {
    let live = use_live();
    let location = use_location();
    // A signal filled by an effect rather than a resource: effects run only in the browser, after
    // hydration, and this keeps the first page's WASM free of another resource type.
    let count = RwSignal::new(0_i64);
    Effect::new(move |_| {
        live.notifications.track();
        location.pathname.track();
        leptos::task::spawn_local(async move {
            if let Ok(n) = unread_notifications().await {
                count.try_set(n);
            }
        });
    });
    view! { {move || view! { <BellLink count=count.get()/> }} }
}

#[component]
fn BellLink(count: i64) -> impl IntoView {
    let label = if count > 0 {
        format!("Notifications, {count} unread")
    } else {
        "Notifications, none unread".to_owned()
    };
    let shown = if count > 99 {
        "99+".to_owned()
    } else {
        count.to_string()
    };
    view! {
        <A href="/notifications" attr:class="bell" attr:aria-label=label>
            <svg class="bell-icon" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
                <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"/>
            </svg>
            {(count > 0).then(|| view! { <span class="bell-count" aria-hidden="true">{shown}</span> })}
        </A>
    }
}
