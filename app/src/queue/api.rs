//! Approval-queue server functions: the queue, and decisions on one or many records (each taken
//! by its module's own step service, in its own transaction).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{BulkItem, BulkOutcome, QueueItem, QueueQuery};
use crate::error::AppError;
use crate::workflow::Step;

#[cfg(feature = "ssr")]
use super::server;
#[cfg(feature = "ssr")]
use crate::auth::server::visit;

/// The records awaiting a decision the caller may take, oldest first.
#[server(endpoint = "queue/list", input = Json)]
pub async fn list_queue(query: QueueQuery) -> Result<Vec<QueueItem>, AppError> {
    server::list(&visit()?, &query).await
}

/// Takes `step` on each of `items` with one comment: a result per record.
#[server(endpoint = "queue/bulk", input = Json)]
pub async fn bulk_decide(
    items: Vec<BulkItem>,
    step: Step,
    #[server(default)] comment: String,
) -> Result<Vec<BulkOutcome>, AppError> {
    server::bulk(&visit()?, &items, step, &comment).await
}
