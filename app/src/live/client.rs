//! The browser's side of live updates: one `EventSource` per tab, opened after hydration, whose
//! events bump counters that pages' resources read, so they refetch through the normal server
//! functions. On the server (and before hydration) the counters simply stay at zero.
//!
//! The browser reconnects by itself after a dropped connection; when it is back, every counter is
//! bumped so each open page refetches and nothing that happened meanwhile is missed.

use leptos::prelude::*;

use super::RecordChanged;

/// Whether live updates are flowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Not connected yet (server rendering, or before hydration).
    Idle,
    /// Connected: changes arrive within moments.
    Live,
    /// The connection dropped; the browser is retrying.
    Reconnecting,
}

impl LiveStatus {
    /// The indicator's text.
    pub const fn label(self) -> &'static str {
        match self {
            LiveStatus::Idle => "Connecting…",
            LiveStatus::Live => "Live",
            LiveStatus::Reconnecting => "Reconnecting…",
        }
    }
}

/// The counters pages read to refetch when something they show changed.
#[derive(Debug, Clone, Copy)]
pub struct LiveUpdates {
    /// Bumped on every record change the user may see (and after a reconnect).
    pub records: RwSignal<u64>,
    /// The last record change.
    pub last_record: RwSignal<Option<RecordChanged>>,
    /// Bumped when the user's notifications change (and after a reconnect).
    pub notifications: RwSignal<u64>,
    /// The connection's state.
    pub status: RwSignal<LiveStatus>,
}

impl LiveUpdates {
    /// Tells every page to refetch: after a reconnect, or after the user's own change.
    pub fn resync(&self) {
        self.records.update(|n| *n += 1);
        self.notifications.update(|n| *n += 1);
    }
}

/// Provides the counters to the whole app (once, in `App`).
pub fn provide_live() -> LiveUpdates {
    let live = LiveUpdates {
        records: RwSignal::new(0),
        last_record: RwSignal::new(None),
        notifications: RwSignal::new(0),
        status: RwSignal::new(LiveStatus::Idle),
    };
    provide_context(live);
    live
}

/// The app's live counters.
pub fn use_live() -> LiveUpdates {
    expect_context::<LiveUpdates>()
}

/// Opens the event stream while `signed_in` is true, and closes it when it turns false. Call once
/// from the layout.
pub fn connect_while(signed_in: impl Fn() -> bool + Send + Sync + 'static) {
    #[cfg(feature = "hydrate")]
    browser::connect_while(signed_in);
    #[cfg(not(feature = "hydrate"))]
    let _ = signed_in;
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::{LiveStatus, LiveUpdates, RecordChanged};
    use crate::live::STREAM_PATH;

    /// The open stream and the handlers it calls (dropped together).
    struct Stream {
        source: EventSource,
        _handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    }

    impl Drop for Stream {
        fn drop(&mut self) {
            self.source.close();
        }
    }

    fn open(live: LiveUpdates) -> Option<Stream> {
        let source = EventSource::new(STREAM_PATH).ok()?;
        let mut handlers = Vec::new();
        let mut on = |name: &str, f: Box<dyn FnMut(web_sys::Event)>| {
            let handler = Closure::wrap(f);
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handlers.push(handler);
        };
        // The first `open` is the initial connection; any later one follows a drop, and the
        // pages refetch what they may have missed.
        let mut opened_before = false;
        on(
            "open",
            Box::new(move |_| {
                if opened_before {
                    live.resync();
                }
                opened_before = true;
                live.status.set(LiveStatus::Live);
            }),
        );
        on(
            "error",
            Box::new(move |_| live.status.set(LiveStatus::Reconnecting)),
        );
        on(
            "record",
            Box::new(move |e| {
                let data = e
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| m.data().as_string());
                if let Some(changed) =
                    data.and_then(|d| serde_json::from_str::<RecordChanged>(&d).ok())
                {
                    live.last_record.set(Some(changed));
                }
                live.records.update(|n| *n += 1);
            }),
        );
        on(
            "notification",
            Box::new(move |_| live.notifications.update(|n| *n += 1)),
        );
        on("resync", Box::new(move |_| live.resync()));
        Some(Stream {
            source,
            _handlers: handlers,
        })
    }

    pub fn connect_while(signed_in: impl Fn() -> bool + Send + Sync + 'static) {
        let live = super::use_live();
        let stream = StoredValue::new_local(None::<Stream>);
        Effect::new(move |_| {
            let want = signed_in();
            let has = stream.with_value(Option::is_some);
            if want && !has {
                stream.set_value(open(live));
            } else if !want && has {
                stream.set_value(None);
                live.status.set(LiveStatus::Idle);
            }
        });
        on_cleanup(move || stream.set_value(None));
    }
}
