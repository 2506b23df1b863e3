//! Live updates on the server: sending an event from a transaction, the per-process hub that
//! fans events out, the listener that feeds it, and the rule deciding what each stream passes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::PgListener;
use tokio::sync::broadcast;

use super::{CHANNEL, LiveEvent, RecordChanged};
use crate::auth::authorize::{Action, Actor, Area, Scope, authorize};
use crate::error::AppError;
use crate::modules::Module;

/// How many events a slow stream may fall behind before it is told to resync instead.
const BACKLOG: usize = 1_024;
/// The most streams one session may hold open (one per tab): a client opening thousands would
/// otherwise tie up the server and its session checks.
pub const MAX_STREAMS_PER_SESSION: usize = 8;

/// Sends `event` to every process's listeners when the transaction `conn` is in commits (at
/// once outside a transaction).
pub async fn publish(conn: &mut PgConnection, event: &LiveEvent) -> Result<(), AppError> {
    let payload = serde_json::to_string(event).map_err(AppError::internal)?;
    sqlx::query!("SELECT pg_notify($1, $2)", CHANNEL, payload)
        .execute(conn)
        .await?;
    Ok(())
}

/// What the hub passes to each stream.
#[derive(Debug, Clone)]
pub enum Fanout {
    /// An event.
    Event(Arc<LiveEvent>),
    /// Events may have been lost (the listener's connection dropped): every stream tells its
    /// page to refetch.
    Resync,
    /// The server is shutting down: every stream ends, so the shutdown need not wait for pages
    /// to close (browsers reconnect to whichever instance is up).
    Shutdown,
}

/// The process's fan-out point: one listener feeds it, every open stream subscribes.
#[derive(Clone)]
pub struct LiveHub {
    sender: broadcast::Sender<Fanout>,
    open: Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, usize>>>,
    /// Per module (in [`Module::ALL`]'s order), how many changes this hub has heard of, a lost
    /// connection counting as a change to every module: what cached figures are checked against.
    changes: Arc<[AtomicU64; Module::ALL.len()]>,
    /// The same for accounts ([`LiveEvent::Accounts`]).
    account_changes: Arc<AtomicU64>,
}

/// One open stream of a session, counted while it lives.
pub struct StreamSlot {
    session: uuid::Uuid,
    open: Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, usize>>>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.session) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.session);
            }
        }
    }
}

impl Default for LiveHub {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveHub {
    /// A hub with no subscribers yet.
    pub fn new() -> Self {
        LiveHub {
            sender: broadcast::channel(BACKLOG).0,
            open: Arc::default(),
            changes: Arc::new(std::array::from_fn(|_| AtomicU64::new(0))),
            account_changes: Arc::default(),
        }
    }

    /// How many changes to `module`'s records (or catalogue) this hub has heard of: a figure
    /// computed when this was `n` still holds while it is `n` (see [`crate::list::counts`]).
    pub fn changes(&self, module: Module) -> u64 {
        self.changes[module.index()].load(Ordering::Acquire)
    }

    /// How many changes to accounts (or dealers' codes and names) this hub has heard of, as
    /// [`Self::changes`] counts a module's.
    pub fn account_changes(&self) -> u64 {
        self.account_changes.load(Ordering::Acquire)
    }

    /// A slot for one more stream of `session`, or none when it has [`MAX_STREAMS_PER_SESSION`].
    pub fn slot(&self, session: uuid::Uuid) -> Option<StreamSlot> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = open.entry(session).or_insert(0);
        if *n >= MAX_STREAMS_PER_SESSION {
            return None;
        }
        *n += 1;
        Some(StreamSlot {
            session,
            open: self.open.clone(),
        })
    }

    /// A new stream's receiver.
    pub fn subscribe(&self) -> broadcast::Receiver<Fanout> {
        self.sender.subscribe()
    }

    /// Passes `item` to every subscriber (none listening is fine), counting the change first.
    pub fn send(&self, item: Fanout) {
        match &item {
            Fanout::Event(event) => match **event {
                LiveEvent::Record { module, .. } | LiveEvent::Catalogue { module, .. } => {
                    self.changes[module.index()].fetch_add(1, Ordering::AcqRel);
                }
                LiveEvent::Accounts => {
                    self.account_changes.fetch_add(1, Ordering::AcqRel);
                }
                LiveEvent::Notification { .. } | LiveEvent::SessionEnded { .. } => {}
            },
            Fanout::Resync => {
                for n in self.changes.iter() {
                    n.fetch_add(1, Ordering::AcqRel);
                }
                self.account_changes.fetch_add(1, Ordering::AcqRel);
            }
            Fanout::Shutdown => {}
        }
        let _ = self.sender.send(item);
    }

    /// How many streams are open in this process.
    pub fn streams(&self) -> usize {
        self.sender.receiver_count()
    }
}

/// Listens on [`CHANNEL`] for as long as the process runs and feeds `hub`. A dropped connection
/// is re-established (`PgListener` does so itself on the next receive) and every stream is told
/// to resync, since events sent meanwhile are gone.
pub async fn listen(pool: sqlx::PgPool, hub: LiveHub) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(err) => {
                tracing::warn!("live updates: cannot listen yet: {err}");
                tokio::time::sleep(Duration::from_secs(2)).await;
                continue;
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!("live updates: LISTEN failed: {err}");
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        }
        hub.send(Fanout::Resync);
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => match serde_json::from_str::<LiveEvent>(n.payload()) {
                    Ok(event) => hub.send(Fanout::Event(Arc::new(event))),
                    Err(err) => tracing::warn!("live updates: unreadable event: {err}"),
                },
                Ok(None) => {
                    tracing::warn!("live updates: connection lost; resyncing streams");
                    hub.send(Fanout::Resync);
                }
                Err(err) => {
                    tracing::warn!("live updates: {err}; listening again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    break;
                }
            }
        }
    }
}

/// What a stream does with one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Pass it on as the named SSE event with this data.
    Send(&'static str, String),
    /// Not for this user: skip it.
    Skip,
    /// The stream's own session ended: close the stream.
    Close,
}

/// What the stream of `actor`'s session `session_id` does with `event`. A record change goes only
/// to those `authorize` lets view it (a dealer user never hears of another dealer's records, not
/// even their ids); a notification only to its user.
pub fn deliver(actor: &Actor, session_id: uuid::Uuid, event: &LiveEvent) -> Delivery {
    match event {
        LiveEvent::Record {
            module,
            id,
            dealer_id,
            version,
        } => {
            let scope = Scope::DealerRecord {
                dealer_id: *dealer_id,
                submitted_by: None,
            };
            if authorize(actor, Action::View, Area::Module(*module), scope).allowed {
                let data = RecordChanged {
                    module: *module,
                    id: *id,
                    version: *version,
                };
                Delivery::Send("record", serde_json::to_string(&data).unwrap_or_default())
            } else {
                Delivery::Skip
            }
        }
        LiveEvent::Catalogue { module, id } => {
            if authorize(actor, Action::View, Area::Module(*module), Scope::Any).allowed {
                let data = RecordChanged {
                    module: *module,
                    id: *id,
                    version: 0,
                };
                Delivery::Send("record", serde_json::to_string(&data).unwrap_or_default())
            } else {
                Delivery::Skip
            }
        }
        LiveEvent::Notification { user_id } if *user_id == actor.id => {
            Delivery::Send("notification", "{}".to_owned())
        }
        LiveEvent::Notification { .. } => Delivery::Skip,
        LiveEvent::SessionEnded { session_id: ended } if *ended == session_id => Delivery::Close,
        LiveEvent::SessionEnded { .. } => Delivery::Skip,
        LiveEvent::Accounts => Delivery::Skip,
    }
}
