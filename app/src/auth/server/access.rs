//! The row-level security context of a request's transaction (server only).

use sqlx::pool::PoolConnection;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

use crate::auth::authorize::Actor;
use crate::auth::roles::UserType;
use crate::error::AppError;

/// The role request transactions run as: no BYPASSRLS, no UPDATE or DELETE on `audit_logs`.
pub const APP_ROLE: &str = "oap_app";

/// Begins a request transaction on behalf of `actor`. A dealer user's runs as [`APP_ROLE`] with
/// `app.scope = 'dealer'` and their dealer, so row-level security limits it to that dealer's rows
/// whatever its queries forget. Manufacturer staff may see every dealer's rows, so theirs keeps
/// the connecting role: the policies would let every row through anyway, but as security barriers
/// they also stop the planner from using indexes for non-leakproof conditions (LIKE searches,
/// keyset cursors), which turned a 3 ms users page into 700 ms at 100,000 users. Audit rows stay
/// append-only for both: the application role lacks the privilege, and triggers refuse everyone.
///
/// Everything is `LOCAL`, so it ends with the transaction and never leaks to the pooled
/// connection's next user.
pub async fn begin_as(
    pool: &PgPool,
    actor: &Actor,
) -> Result<Transaction<'static, Postgres>, AppError> {
    let mut tx = pool.begin().await?;
    // The connecting role is not subject to the policies, so a manufacturer's transaction needs
    // no declaration (and saves a round trip on every admin request).
    if actor.user_type == UserType::Dealer {
        let dealer = actor.dealer_id.map(|d| d.to_string()).unwrap_or_default();
        sqlx::query!(
            r#"SELECT set_config('role', $1, true) AS "role!",
                      set_config('app.scope', 'dealer', true) AS "scope!",
                      set_config('app.dealer_id', $2, true) AS "dealer!",
                      set_config('app.user_id', $3, true) AS "user!""#,
            APP_ROLE,
            dealer,
            actor.id.to_string()
        )
        .fetch_one(&mut *tx)
        .await?;
    }
    Ok(tx)
}

/// A list's reads on behalf of an actor ([`read_as`]): a dealer user's in a transaction under the
/// application role (row-level security needs its `LOCAL` settings), manufacturer staff's on a
/// plain pooled connection, each statement its own snapshot.
pub enum Reader {
    /// A dealer user's: row-level security applies.
    Scoped(Transaction<'static, Postgres>),
    /// Manufacturer staff's: no declaration, no transaction.
    Plain(PoolConnection<Postgres>),
}

impl std::ops::Deref for Reader {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        match self {
            Reader::Scoped(tx) => tx,
            Reader::Plain(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for Reader {
    fn deref_mut(&mut self) -> &mut PgConnection {
        match self {
            Reader::Scoped(tx) => tx,
            Reader::Plain(conn) => conn,
        }
    }
}

impl Reader {
    /// Ends the reads: commits a dealer user's transaction (it changed nothing), returns the
    /// connection either way.
    pub async fn finish(self) -> Result<(), AppError> {
        if let Reader::Scoped(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Opens a list's reads on behalf of `actor` (see [`Reader`]). A page and its count need no
/// common snapshot: the count is a figure kept while it holds anyway ([`crate::list::counts`]).
/// Manufacturer staff's reads skip `BEGIN` and `COMMIT`, two of a list request's four round
/// trips to the database.
pub async fn read_as(pool: &PgPool, actor: &Actor) -> Result<Reader, AppError> {
    match actor.user_type {
        UserType::Dealer => Ok(Reader::Scoped(begin_as(pool, actor).await?)),
        UserType::Manufacturer => Ok(Reader::Plain(pool.acquire().await?)),
    }
}
