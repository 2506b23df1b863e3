//! The PCC pages: the applications list (`list.rs`) and one application (`record.rs`), whose
//! criteria editor (`editor.rs`), editing state and autosave (`draft.rs`) and workflow buttons
//! (`steps.rs`) are split out.
//! Both pages are lazy routes (`crate::routes`).

mod draft;
mod editor;
mod list;
mod record;
mod steps;

pub use list::PccListPage;
pub use record::PccRecordPage;

use chrono::{NaiveDateTime, Timelike};
use uuid::Uuid;

use crate::error::AppError;

/// The application's name in headings and messages: its number, or "Draft" before it has one.
fn number_or_draft(number: Option<&str>) -> String {
    number.unwrap_or("Draft").to_owned()
}

/// `14:05` (UTC, like every time the portal shows).
fn clock(t: &NaiveDateTime) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// A conflict in words: the server's message, and when the other change was made.
fn conflict_text(error: &AppError) -> String {
    match error {
        AppError::Conflict {
            message,
            changed_at: Some(at),
            ..
        } => format!("{message} (Changed {at}.)"),
        other => other.to_string(),
    }
}

/// The record id in the route parameter `id`, if it is one.
fn id_param() -> impl Fn() -> Option<Uuid> + Copy + Send + Sync + 'static {
    use leptos::prelude::With;
    let params = leptos_router::hooks::use_params_map();
    move || params.with(|p| p.get("id").and_then(|v| Uuid::parse_str(&v).ok()))
}

/// The id of the element that has the keyboard, if it has one.
fn focused_id() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::document()
            .active_element()
            .map(|e| e.id())
            .filter(|id| !id.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}

/// Gives the keyboard back to the element with `id` if nothing has it (its element was rebuilt).
fn restore_focus(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        let lost = leptos::prelude::document()
            .active_element()
            .is_none_or(|e| e.tag_name() == "BODY");
        if lost {
            focus_id(id);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Moves keyboard focus to the element with `id` (after a failed submit: the first field to fix).
fn focus_id(id: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = leptos::prelude::document()
            .get_element_by_id(id)
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
