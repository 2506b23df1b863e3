//! Notification server functions: the bell's count, the list, marking read. Everyone signed in
//! has their own notifications; the services keep to the caller's.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use uuid::Uuid;

use super::{NotificationQuery, NotificationRow};
use crate::error::AppError;
use crate::list::Page;

#[cfg(feature = "ssr")]
use super::server;
#[cfg(feature = "ssr")]
use crate::auth::authorize::{Action, Area};
#[cfg(feature = "ssr")]
use crate::auth::server::admit;

/// How many of the caller's notifications are unread (the bell).
#[server(endpoint = "notifications/unread")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let ctx = admit(Action::View, Area::Account).await?;
    server::unread(&ctx).await
}

/// A page of the caller's notifications, newest first.
#[server(endpoint = "notifications/list", input = Json)]
pub async fn list_notifications(
    query: NotificationQuery,
) -> Result<Page<NotificationRow>, AppError> {
    let ctx = admit(Action::View, Area::Account).await?;
    server::list(&ctx, &query).await
}

/// Marks one of the caller's notifications read (`id`), or all of them (no `id`). Answers how many
/// changed.
#[server(endpoint = "notifications/read")]
pub async fn mark_notifications_read(#[server(default)] id: Option<Uuid>) -> Result<u64, AppError> {
    let ctx = admit(Action::Edit, Area::Account).await?;
    server::mark_read(&ctx, id).await
}
