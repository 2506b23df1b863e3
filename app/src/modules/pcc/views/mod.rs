use leptos::prelude::*;
#[component]
pub fn PccListPage() -> impl IntoView { view! { <h1>"x"</h1> } }
#[component]
pub fn PccRecordPage() -> impl IntoView { view! { <h1>"x"</h1> } }
