//! The browser entry point. cargo-leptos builds this crate to WASM; the generated JavaScript calls
//! [`hydrate`] once the server-rendered HTML has loaded, which attaches the reactive app to it.

use leptos::prelude::document;

/// Attaches the Leptos app to the server-rendered `<body>`. Asynchronously: a page served on a
/// lazy route (the admin and account screens) first fetches its split-off WASM chunk, then
/// hydrates. Once the whole page is live, `<html data-hydrated="true">` says so (end-to-end tests
/// wait for it before typing into forms).
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        if let Some(root) = document().document_element() {
            // Only a marker for tests; nothing depends on it being set.
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
