//! The browser entry point. cargo-leptos builds this crate to WASM; the generated JavaScript calls
//! [`hydrate`] once the server-rendered HTML has loaded, which attaches the reactive app to it.

/// Attaches the Leptos app to the server-rendered `<body>`. Asynchronously: a page served on a
/// lazy route (the admin screens) first fetches its split-off WASM chunk, then hydrates.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}
