//! One's own account (server only): my live sessions, and ending them. The password and second
//! factor are in `passwords.rs` and `second_factor.rs`.

use tracing::instrument;
use uuid::Uuid;

use super::Ctx;
use super::session::{self, EndReason};
use crate::auth::model::SessionSummary;
use crate::error::AppError;

/// My live sessions, newest first, the current one marked.
#[instrument(skip(ctx), fields(user = %ctx.actor.id))]
pub async fn my_sessions(ctx: &Ctx) -> Result<Vec<SessionSummary>, AppError> {
    let mut conn = ctx.state.pool.acquire().await?;
    session::list_for_user(&mut conn, ctx.actor.id, ctx.session.session_id).await
}

/// Ends one of my live sessions (404 for anyone else's, or one already ended). Returns whether
/// it was the session making the request, which signs me out.
#[instrument(skip(ctx), fields(user = %ctx.actor.id))]
pub async fn end_session(ctx: &Ctx, id: Uuid) -> Result<bool, AppError> {
    let mut tx = ctx.state.pool.begin().await?;
    if !session::belongs_to(&mut tx, id, ctx.actor.id).await?
        || !session::end(
            &mut tx,
            id,
            EndReason::Revoked,
            &ctx.meta,
            Some(ctx.actor.id),
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(id == ctx.session.session_id)
}

/// Ends all my sessions but this one; returns how many ended.
#[instrument(skip(ctx), fields(user = %ctx.actor.id))]
pub async fn end_other_sessions(ctx: &Ctx) -> Result<usize, AppError> {
    let mut tx = ctx.state.pool.begin().await?;
    let ended = session::end_all(
        &mut tx,
        ctx.actor.id,
        Some(ctx.session.session_id),
        EndReason::Revoked,
        &ctx.meta,
        Some(ctx.actor.id),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}
