//! Live updates: what changed, told to every open page that may see it.
//!
//! A transaction that changes a record or notifies someone sends a [`LiveEvent`] with PostgreSQL's
//! `NOTIFY` on [`CHANNEL`] (delivered only when it commits, so nobody hears of a change that was
//! rolled back). Each server process listens once and fans the events out to its open event
//! streams (`/api/events`, Server-Sent Events), each of which passes on only what its user may
//! see. Events carry ids and versions, never content: the page refetches through the normal
//! server functions, which decide again.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::modules::Module;

mod client;
#[cfg(feature = "ssr")]
pub mod server;

pub use client::{LiveStatus, LiveUpdates, connect_while, provide_live, use_live};

/// The PostgreSQL channel every event travels on.
pub const CHANNEL: &str = "oap_events";
/// The path of the event stream.
pub const STREAM_PATH: &str = "/api/events";

/// Something that changed, as sent through `NOTIFY`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A module record changed (created, saved, stepped, deleted).
    Record {
        /// Its module.
        module: Module,
        /// Its id.
        id: Uuid,
        /// Its dealer: only that dealer's users, and manufacturer staff, hear of it.
        dealer_id: Uuid,
        /// Its version after the change (0 once deleted).
        version: i32,
    },
    /// Something every user of a module may see changed: an event of the catalogue, or its
    /// seats (registrations of any dealer change them).
    Catalogue {
        /// The module.
        module: Module,
        /// What changed (an event's id).
        id: Uuid,
    },
    /// A user has a new (or newly read) notification.
    Notification {
        /// Whose.
        user_id: Uuid,
    },
    /// A session ended: its streams close.
    SessionEnded {
        /// Which.
        session_id: Uuid,
    },
    /// Accounts changed in a way the users list shows (added, removed, renamed, moved, given
    /// another role or (de)activated), or a dealer's code or name did. Sent by triggers on
    /// `users` and `dealers`, once per statement; no page hears of it, but it retires the users
    /// list's kept counts ([`crate::list::counts`]).
    Accounts,
}

/// A record change as the browser receives it (the `record` event's data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordChanged {
    /// Its module.
    pub module: Module,
    /// Its id.
    pub id: Uuid,
    /// Its version after the change.
    pub version: i32,
}
