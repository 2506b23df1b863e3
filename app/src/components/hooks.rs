//! Small reactive helpers the pages share.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// False in the server's HTML, true once the page has hydrated: for controls that only work with
/// the app running in the browser (their result is shown in place, not on a new page).
pub fn hydrated() -> Signal<bool> {
    let done = RwSignal::new(false);
    Effect::new(move |_| done.set(true));
    done.into()
}

/// A reader of the URL query parameter `name`.
pub fn query(name: &'static str) -> impl Fn() -> Option<String> + Copy {
    let q = use_query_map();
    move || q.with(|m| m.get(name))
}
