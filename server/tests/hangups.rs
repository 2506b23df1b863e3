//! Callers who hang up: a client that disconnects has its request's future dropped at whatever
//! await it has reached (axum's timeout does the same). Whatever point that is, nothing may be
//! left behind that the next request pays for (a pooled connection inside a transaction), and
//! nothing that must be recorded may go unrecorded (a refusal's audit row).

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use app::auth::authorize::{Action, Actor, Area, Permissions};
use app::auth::roles::{Role, UserType};
use app::auth::server::access::begin_as;
use app::auth::server::{Visit, admit_visit, session, signin};
use app::error::AppError;
use sqlx::PgPool;

/// The pauses between polls the drops are tried with: none (a yield), and about one round trip
/// or two, so that each of the future's awaits is reached and cut at some point.
const PAUSES: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_millis(1),
    Duration::from_millis(2),
];

/// Runs `future` for `polls + 1` polls, `pause` apart, then drops it: its output if it finished
/// by then, `None` if it was dropped midway.
async fn drop_after<F: Future>(polls: usize, pause: Duration, future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    for _ in 0..=polls {
        if let Poll::Ready(out) =
            std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await
        {
            return Some(out);
        }
        if pause.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(pause).await;
        }
    }
    None
}

/// The state of `one`'s only connection, as another connection sees it while it sits idle:
/// `idle`, or `idle in transaction` if a dropped request left it inside one. Acquiring it first
/// waits until the dropped request has let go of it.
async fn connection_state(pool: &PgPool, one: &PgPool) -> String {
    let mut conn = one.acquire().await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT state FROM pg_stat_activity WHERE pid = $1")
        .bind(pid)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// sqlx 0.9.0 counted a transaction only after BEGIN's answer came back: dropped in between, the
/// connection went back to the pool inside a transaction nobody would end, and the next
/// borrower's statements ran in it and held their row locks (seen in a benchmark as a session's
/// `last_seen_at` update waiting 9.96 s, with "there is already a transaction in progress" in
/// PostgreSQL's log). Here `begin_as` is dropped after each number of polls until it completes,
/// with each of the [`PAUSES`], for both kinds of actor, on a pool of one connection; after every
/// drop that connection must be outside any transaction.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_request_dropped_while_its_transaction_begins_leaves_no_transaction_open(pool: PgPool) {
    let dealer = common::dealer(&pool, "A-001", "active").await;
    let head = common::user(&pool, "head@a.example", "service_head", Some(dealer)).await;
    let admin = common::user(&pool, "root@oem.example", "super_admin", None).await;
    let actor = |id, user_type, dealer_id| Actor {
        id,
        role: Role::ServiceHead,
        user_type,
        dealer_id,
        active: true,
        dealer_active: true,
        permissions: Permissions::ALL,
    };
    let one = server::db::pool((*pool.connect_options()).clone(), 1)
        .await
        .unwrap();
    for who in [
        actor(head, UserType::Dealer, Some(dealer)),
        actor(admin, UserType::Manufacturer, None),
    ] {
        let mut dropped_midway = 0;
        for pause in PAUSES {
            // Up to the number of polls that lets it complete with this pause.
            for polls in 0..100 {
                let completed = drop_after(polls, pause, begin_as(&one, &who))
                    .await
                    .is_some();
                let state = connection_state(&pool, &one).await;
                assert_eq!(
                    state, "idle",
                    "{:?}'s request dropped after {polls} polls {pause:?} apart left its \
                     connection {state}",
                    who.user_type
                );
                if completed {
                    break;
                }
                dropped_midway += 1;
            }
        }
        assert!(
            dropped_midway >= 1,
            "begin_as was dropped midway at least once"
        );
    }
}

/// A caller refused an area who hangs up at once still leaves the refusal's audit row: a prober
/// could otherwise send a request, disconnect as soon as it is sent, and leave no trace of the
/// refusal. The refusal is dropped after each number of polls; every attempt is audited.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_refused_caller_who_hangs_up_is_audited_all_the_same(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let dealer = common::dealer(&pool, "A-001", "active").await;
    common::user(&pool, "head@a.example", "service_head", Some(dealer)).await;
    let state = common::state(pool.clone());
    let visit = common::visit(&state);
    let signed = signin::login(&visit, "head@a.example", common::PASSWORD.into(), None)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    let session = session::resolve(&mut conn, &signed.token)
        .await
        .unwrap()
        .expect("a live session");
    drop(conn);

    let before = common::audited(&pool, "authz.denied").await;
    for polls in 0..4 {
        let refused = admit_visit(
            Visit {
                session: Some(session.clone()),
                ..visit.clone()
            },
            Action::View,
            Area::Users,
        );
        if let Some(answer) = drop_after(polls, Duration::from_millis(2), refused).await {
            assert!(matches!(answer, Err(AppError::Forbidden { .. })));
        }
        // The audit row comes from a task of its own, shortly after.
        let want = before + polls as i64 + 1;
        let mut audited = 0;
        for _ in 0..250 {
            audited = common::audited(&pool, "authz.denied").await;
            if audited >= want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            audited, want,
            "a refusal dropped after {polls} polls was not audited"
        );
    }
}
