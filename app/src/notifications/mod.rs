//! Notifications (the seed's `notifications` table): what a user should know about their records,
//! created in the same transaction as the change that caused it, counted in the header's bell and
//! listed on `/notifications`. A user sees only their own, by query and by row-level security.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::keyed_enum;
use crate::list::Cursor;

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;
pub mod views;

/// The longest title stored (`notifications.title`).
pub const TITLE_MAX: usize = 255;
/// The longest link stored (`notifications.link`).
pub const LINK_MAX: usize = 500;

keyed_enum! {
    /// How a notification looks (`notifications.type`, the seed's CHECK values).
    pub enum NoticeKind {
        /// Something happened.
        Info = "info",
        /// Something went the user's way (an approval).
        Success = "success",
        /// Something needs the user (a revision request).
        Warning = "warning",
        /// Something went against the user (a rejection).
        Error = "error",
    }
}

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRow {
    /// `notifications.id`.
    pub id: Uuid,
    /// Headline.
    pub title: String,
    /// The message.
    pub message: String,
    /// How it looks.
    pub kind: NoticeKind,
    /// Read yet.
    pub is_read: bool,
    /// Where it leads.
    pub link: Option<String>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// The notifications page's query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread_only: bool,
    /// The page's cursor.
    pub after: Option<Cursor>,
}

/// A notification to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// Headline (at most [`TITLE_MAX`] characters).
    pub title: String,
    /// The message.
    pub message: String,
    /// How it looks.
    pub kind: NoticeKind,
    /// Where it leads (a path of this site).
    pub link: Option<String>,
}
