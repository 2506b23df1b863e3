use leptos::prelude::*;
#[component]
pub fn QueuePage() -> impl IntoView { view! { <h1>"x"</h1> } }
