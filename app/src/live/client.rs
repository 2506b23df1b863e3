//! The browser's side of live updates: one `EventSource` per tab, opened after hydration, whose
//! events bump counters that pages' resources read, so they refetch through the normal server
//! functions. On the server (and before hydration) the counters simply stay at zero.
//!
//! The browser reconnects by itself after a dropped connection, and this code reopens a stream
//! the server refused or closed (after a back-off); whenever a stream is (re)opened, every counter
//! is bumped so each open page refetches and nothing that happened meanwhile is missed. Record
//! changes are coalesced to one refetch a second.

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
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{EventSource, MessageEvent};

    use super::{LiveStatus, LiveUpdates, RecordChanged};
    use crate::live::STREAM_PATH;

    /// Record changes arriving closer together than this reach the pages as one: a dealer's
    /// autosave every second must not make every open list refetch every second.
    const COALESCE: Duration = Duration::from_millis(1_000);
    /// How long to wait before reopening a stream the server closed or refused, doubling up to
    /// [`RETRY_MAX`] (the browser retries dropped connections by itself, but not refused ones).
    const RETRY_FIRST: Duration = Duration::from_secs(2);
    const RETRY_MAX: Duration = Duration::from_secs(60);

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

    /// Bumps `records` at most once per [`COALESCE`], always after the last change.
    #[derive(Clone, Default)]
    struct Coalescer {
        pending: Rc<Cell<bool>>,
    }

    impl Coalescer {
        fn bump(&self, live: LiveUpdates) {
            if self.pending.replace(true) {
                return;
            }
            let pending = self.pending.clone();
            set_timeout(
                move || {
                    pending.set(false);
                    live.records.try_update(|n| *n += 1);
                },
                COALESCE,
            );
        }
    }

    /// Opens the stream and wires its events to the counters. Lazy: its code (the handlers, the
    /// event parsing) is fetched after hydration instead of weighing on the first page's WASM.
    #[leptos::lazy]
    fn open(live: LiveUpdates, reopen: Rc<dyn Fn()>) -> Option<Stream> {
        let source = EventSource::new(STREAM_PATH).ok()?;
        let mut handlers = Vec::new();
        let mut on = |name: &str, f: Box<dyn FnMut(web_sys::Event)>| {
            let handler = Closure::wrap(f);
            let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            handlers.push(handler);
        };
        // Every (re)connection resyncs: whatever changed between the page being rendered (or
        // the connection dropping) and the stream being open is refetched, so nothing is missed.
        on(
            "ready",
            Box::new(move |_| {
                live.status.try_set(LiveStatus::Live);
                live.resync();
            }),
        );
        let closed_source = source.clone();
        on(
            "error",
            Box::new(move |_| {
                live.status.try_set(LiveStatus::Reconnecting);
                // Refused (401 after sign-out, 5xx) or closed by the server: the browser gives up,
                // so try again later ourselves.
                if closed_source.ready_state() == EventSource::CLOSED {
                    reopen();
                }
            }),
        );
        let coalescer = Coalescer::default();
        on(
            "record",
            Box::new(move |e| {
                let data = e
                    .dyn_ref::<MessageEvent>()
                    .and_then(|m| m.data().as_string());
                if let Some(changed) =
                    data.and_then(|d| serde_json::from_str::<RecordChanged>(&d).ok())
                {
                    live.last_record.try_set(Some(changed));
                }
                coalescer.bump(live);
            }),
        );
        on(
            "notification",
            Box::new(move |_| {
                live.notifications.try_update(|n| *n += 1);
            }),
        );
        on("resync", Box::new(move |_| live.resync()));
        // The session ended: the server closes the stream; do not knock again with it.
        let ended_source = source.clone();
        on(
            "signed_out",
            Box::new(move |_| {
                ended_source.close();
                live.status.try_set(LiveStatus::Idle);
            }),
        );
        Some(Stream {
            source,
            _handlers: handlers,
        })
    }

    pub fn connect_while(signed_in: impl Fn() -> bool + Send + Sync + 'static) {
        let live = super::use_live();
        let stream = StoredValue::new_local(None::<Stream>);
        let wanted = StoredValue::new_local(false);
        let delay = StoredValue::new_local(RETRY_FIRST);
        // (Re)opens the stream if it is still wanted.
        fn start(
            live: LiveUpdates,
            stream: StoredValue<Option<Stream>, LocalStorage>,
            wanted: StoredValue<bool, LocalStorage>,
            delay: StoredValue<Duration, LocalStorage>,
        ) {
            if !wanted.try_get_value().unwrap_or(false) {
                return;
            }
            let reopen: Rc<dyn Fn()> = Rc::new(move || {
                let wait = delay.try_get_value().unwrap_or(RETRY_FIRST);
                delay.try_set_value((wait * 2).min(RETRY_MAX));
                stream.try_set_value(None);
                set_timeout(move || start(live, stream, wanted, delay), wait);
            });
            leptos::task::spawn_local(async move {
                let opened = open(live, reopen).await;
                // Still wanted once loaded (the user may have signed out meanwhile)?
                if wanted.try_get_value().unwrap_or(false) {
                    stream.try_set_value(opened);
                }
            });
        }
        Effect::new(move |_| {
            let want = signed_in();
            wanted.set_value(want);
            let has = stream.with_value(Option::is_some);
            if want && !has {
                delay.set_value(RETRY_FIRST);
                start(live, stream, wanted, delay);
            } else if !want && has {
                stream.set_value(None);
                live.status.set(LiveStatus::Idle);
            }
        });
        on_cleanup(move || {
            wanted.try_set_value(false);
            stream.try_set_value(None);
        });
    }
}
