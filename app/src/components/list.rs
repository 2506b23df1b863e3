//! The frame every list page shares: heading, filters, the count of matches, the rows in a box
//! that scrolls sideways on its own, and the way to the next page. A list page supplies only its
//! filters and how its rows look.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::ErrorPanel;
use crate::error::AppError;
use crate::list::{Cursor, ExportList, Page, describe_total};

/// A one-line message under a heading, announced to screen readers.
#[component]
pub fn Notice(
    /// The text; nothing is shown while `None`.
    text: Signal<Option<String>>,
    /// `notice` (good news) or `form-error`.
    #[prop(default = "notice")]
    class: &'static str,
) -> impl IntoView {
    view! {
        <p class=class role="status" aria-live="polite" hidden=move || text.get().is_none()>
            {move || text.get()}
        </p>
    }
}

/// "Next page" for keyset-paginated lists, plus a way back to the first page.
#[component]
pub fn Pager(
    /// The list's path, e.g. `/admin/users`.
    path: &'static str,
    /// The URL parameters of the filters, without the cursor (`?a=b` or empty).
    params: String,
    /// The next page's cursor.
    next: Option<Cursor>,
    /// Whether this is a later page.
    later: bool,
) -> impl IntoView {
    let join = if params.is_empty() { "?" } else { "&" };
    let next_href = next.map(|c| {
        format!(
            "{path}{params}{join}after={}",
            urlencoding::encode(c.as_str())
        )
    });
    let first_href = format!("{path}{params}");
    view! {
        <nav class="pager" aria-label="Pages">
            {later.then(|| view! { <a href=first_href.clone()>"First page"</a> })}
            {next_href.map(|href| view! { <a href=href rel="next">"Next page"</a> })}
        </nav>
    }
}

/// A list page: the heading (also the document title), `nav` under it, an optional "new" link,
/// the filters (`children`), then, once `page` arrives, how many rows match, the rows as `rows`
/// draws them (or `empty` when there are none) and the [`Pager`].
///
/// The filters travel in the URL (a GET form), so the list works before hydration and a
/// filtered list can be bookmarked; `params` and `later` describe the URL of the page shown.
#[component]
pub fn ListPage<T, R, V>(
    /// The heading and document title.
    title: &'static str,
    /// Under the heading: the area's tabs, a lead paragraph.
    #[prop(optional, into)]
    nav: ViewFnOnce,
    /// `(href, label)` of the link that creates a new row, for those who may.
    #[prop(optional)]
    new: Option<(&'static str, &'static str)>,
    /// The filter form, and whatever belongs between it and the rows (bulk actions, notices).
    children: Children,
    /// The list's path, e.g. `/admin/users`, for the pager.
    path: &'static str,
    /// The page to show.
    page: Resource<Result<Page<T>, AppError>>,
    /// The URL parameters of the filters, without the cursor (`?a=b` or empty).
    #[prop(into)]
    params: Signal<String>,
    /// Whether a cursor is given, i.e. this is not the first page.
    #[prop(into)]
    later: Signal<bool>,
    /// `(singular, plural)` of what is listed, for the count line ("1 user matches.").
    noun: (&'static str, &'static str),
    /// Said in place of the rows when none match.
    empty: &'static str,
    /// Said while the first page loads.
    #[prop(default = "Loading…")]
    loading: &'static str,
    /// Whether the rows are one table, scrolled sideways in its own box when wider than the page
    /// (so the filters and pager stay put). Lists of cards say `false`.
    #[prop(default = true)]
    scroll: bool,
    /// The list as a download (every matching row, with the filters shown), if it has one.
    #[prop(optional)]
    export: Option<ExportList>,
    /// Draws the rows of a page (never called with none).
    rows: R,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    R: Fn(Vec<T>) -> V + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        {nav.run()}
        {new.map(|(href, label)| view! {
            <div class="toolbar">
                <A href=href attr:class="button">{label}</A>
            </div>
        })}
        {children()}
        {export.map(|list| view! {
            <p class="downloads">
                "Download every matching row: "
                <a href=move || list.href("csv", &params.get()) download>"CSV"</a>
                " · "
                <a href=move || list.href("xlsx", &params.get()) download>"Excel (XLSX)"</a>
            </p>
        })}
        <Transition fallback=move || view! { <p class="muted">{loading}</p> }>
            <ErrorBoundary fallback=|errors| view! { <ErrorPanel errors/> }>
                {move || Suspend::new(async move {
                    // Read as the page arrives, untracked: the resource already reloads on a
                    // new URL, and the pager must describe the page it sits under.
                    let params = params.get_untracked();
                    let later = later.get_untracked();
                    page.await.map(|p| {
                        let results = if p.rows.is_empty() {
                            view! { <p class="empty">{empty}</p> }.into_any()
                        } else if scroll {
                            view! { <div class="table-scroll" tabindex="0" role="region" aria-label=title>{rows(p.rows)}</div> }.into_any()
                        } else {
                            rows(p.rows).into_any()
                        };
                        view! {
                            <p class="muted" role="status">
                                {p.total.map(|t| describe_total(t, noun.0, noun.1))}
                            </p>
                            {results}
                            <Pager path params next=p.next later/>
                        }
                    })
                })}
            </ErrorBoundary>
        </Transition>
    }
}
