//! The one way a server function admits its caller (server only).
//!
//! A protected server function's first line is [`admit`]: it resolves the fully signed-in
//! session, asks [`authorize`] whether the caller may do `action` in `area`, and answers a
//! [`Ctx`] holding everything the service needs: the state, the request's facts, the actor and
//! the area-level decision (whose dealer filter scopes lists). A refusal is logged, audited and
//! answered with 403 before any work starts.
//!
//! The service then owns its transaction ([`Ctx::begin`]: row-level security for dealer users),
//! locks the record it acts on, and decides again on the record's facts with [`Ctx::decide`].
//! So there are two verbs: admit (the area), decide (the locked record).
//!
//! The few functions a caller reaches before being fully signed in (sign-in, password reset, the
//! second-factor steps) start from [`visit`] instead, and say which sign-in stage they accept.

use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};

use super::access::{Reader, begin_as, read_as};
use super::context::{AuthSession, RequestMeta, current_session, request_meta};
use crate::audit::{self, AuditAction, AuditEntity, AuditEntry};
use crate::auth::authorize::{Action, Actor, Area, Decision, Scope, authorize};
use crate::auth::model::AccessStage;
use crate::error::AppError;
use crate::state::{AppState, app_state};

/// A request transaction: as the application role for dealer users (see [`begin_as`]).
pub type Tx = Transaction<'static, Postgres>;

/// An admitted caller: what every service takes.
#[derive(Clone)]
pub struct Ctx {
    /// Pool, configuration and workers.
    pub state: AppState,
    /// IP and user agent, for audit rows.
    pub meta: RequestMeta,
    /// The caller's session.
    pub session: AuthSession,
    /// The caller as [`authorize`] sees them.
    pub actor: Actor,
    /// The area-level decision: allowed, with the dealer filter lists apply.
    pub decision: Decision,
}

/// Admits a fully signed-in caller whom [`authorize`] allows `action` in `area`: 401 without a
/// session, 403 for a session still owing its second factor, and 403 with the reason (logged and
/// audited) when the rule refuses.
pub async fn admit(action: Action, area: Area) -> Result<Ctx, AppError> {
    admit_visit(visit()?, action, area).await
}

/// [`admit`] for a request that is not a server function (a download handler), whose session
/// and request facts the authentication middleware left in the request's extensions.
pub async fn admit_visit(visit: Visit, action: Action, area: Area) -> Result<Ctx, AppError> {
    let session = visit.at_stage(&[AccessStage::Full])?;
    let actor = session.user.actor();
    let decision = authorize(&actor, action, area, Scope::Any);
    if !decision.allowed {
        return Err(refuse(
            &visit.state.pool,
            &visit.meta,
            &actor,
            action,
            area,
            Scope::Any,
            decision,
        )
        .await);
    }
    Ok(Ctx {
        state: visit.state,
        meta: visit.meta,
        session,
        actor,
        decision,
    })
}

impl Ctx {
    /// The request as a [`Visit`]: identity services serve admitted and not yet signed-in
    /// callers alike.
    pub fn visit(&self) -> Visit {
        Visit {
            state: self.state.clone(),
            meta: self.meta.clone(),
            session: Some(self.session.clone()),
        }
    }

    /// Begins the request's transaction on behalf of the actor.
    pub async fn begin(&self) -> Result<Tx, AppError> {
        begin_as(&self.state.pool, &self.actor).await
    }

    /// Opens a list's reads on behalf of the actor (no transaction for manufacturer staff; see
    /// [`read_as`]). For reads only: anything that writes begins a transaction.
    pub async fn read(&self) -> Result<Reader, AppError> {
        read_as(&self.state.pool, &self.actor).await
    }

    /// Decides on a record locked in `tx`, described by `scope`: allowed, `tx` comes back to carry
    /// on; refused, it is rolled back first (returning its connection, undoing anything it did,
    /// releasing its locks), then the refusal is logged and audited, and 403 comes back.
    pub async fn decide(
        &self,
        tx: Tx,
        action: Action,
        area: Area,
        scope: Scope,
    ) -> Result<Tx, AppError> {
        let decision = authorize(&self.actor, action, area, scope);
        if decision.allowed {
            return Ok(tx);
        }
        Err(self.refused(tx, action, area, scope, decision).await)
    }

    /// Refuses an action `authorize` would allow but a module's own rule does not (a workflow
    /// step for the other side): rolled back, logged, audited and answered 403 like any refusal.
    pub async fn refuse(
        &self,
        tx: Tx,
        action: Action,
        area: Area,
        scope: Scope,
        reason: String,
    ) -> AppError {
        let decision = Decision {
            allowed: false,
            rule: crate::auth::authorize::Rule::NotApplicable,
            reason,
            dealer_filter: None,
        };
        self.refused(tx, action, area, scope, decision).await
    }

    /// Rolls `tx` back (returning its connection, undoing anything it did, releasing its locks),
    /// then logs and audits the refusal; answers the error to return. Both run as a task of their
    /// own, like [`refuse`]'s audit, so a caller who hangs up mid-refusal is still audited.
    async fn refused(
        &self,
        tx: Tx,
        action: Action,
        area: Area,
        scope: Scope,
        decision: Decision,
    ) -> AppError {
        let (pool, meta, actor) = (self.state.pool.clone(), self.meta.clone(), self.actor);
        let refused = tokio::spawn(async move {
            if let Err(err) = tx.rollback().await {
                return err.into();
            }
            refuse(&pool, &meta, &actor, action, area, scope, decision).await
        });
        refused.await.unwrap_or_else(AppError::internal)
    }
}

/// A caller who need not be fully signed in: anyone (sign-in, password reset), or a session
/// part-way through signing in (the second-factor steps).
#[derive(Clone)]
pub struct Visit {
    /// Pool, configuration and workers.
    pub state: AppState,
    /// IP and user agent, for audit rows and sessions.
    pub meta: RequestMeta,
    /// The browser's session at whatever stage, if any.
    pub session: Option<AuthSession>,
}

/// The request as it stands, before any admission.
pub fn visit() -> Result<Visit, AppError> {
    Ok(Visit {
        state: app_state()?,
        meta: request_meta(),
        session: current_session(),
    })
}

impl Visit {
    /// The session if it is at one of `stages`: 401 without a session, 403 for a session that
    /// has not got that far (owing its second factor, or its enrolment).
    pub fn at_stage(&self, stages: &[AccessStage]) -> Result<AuthSession, AppError> {
        match &self.session {
            Some(s) if stages.contains(&s.user.stage) => Ok(s.clone()),
            Some(_) => Err(AppError::Forbidden {
                reason: "Finish signing in first.".into(),
            }),
            None => Err(AppError::Unauthenticated),
        }
    }
}

/// Logs and audits a refusal (in a transaction of its own: the request's work is abandoned);
/// returns the error the caller answers with.
///
/// The audit row is written by a task of its own, not by the request: a client that hangs up
/// drops the request's future at its next await, and a prober who disconnects as soon as the
/// request is sent must not be able to leave no trace of the refusal.
async fn refuse(
    pool: &PgPool,
    meta: &RequestMeta,
    actor: &Actor,
    action: Action,
    area: Area,
    scope: Scope,
    decision: Decision,
) -> AppError {
    tracing::warn!(
        user = %actor.id,
        action = action.key(),
        ?area,
        rule = ?decision.rule,
        "access denied: {}",
        decision.reason
    );
    let (pool, meta) = (pool.clone(), meta.clone());
    let actor_id = actor.id;
    let reason = decision.reason.clone();
    let audited = tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        audit::record(
            &mut tx,
            &meta,
            AuditEntry::new(
                Some(actor_id),
                AuditAction::AccessDenied,
                AuditEntity::Access,
                None,
            )
            .with_new(json!({
                "action": action.key(),
                "area": area,
                "scope": scope,
                "rule": decision.rule,
                "reason": reason,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    });
    match audited.await {
        Ok(Ok(())) => AppError::Forbidden {
            reason: decision.reason,
        },
        Ok(Err(err)) => err,
        Err(join) => AppError::internal(join),
    }
}
