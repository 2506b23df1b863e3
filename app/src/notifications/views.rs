use leptos::prelude::*;
#[component]
pub fn NotificationsPage() -> impl IntoView { view! { <h1>"x"</h1> } }
