//! The live-update stream (`GET /api/events`, Server-Sent Events) and the listener feeding it.
//!
//! One `PgListener` per process feeds the [`LiveHub`]; each stream subscribes, passes on only what
//! its user may see ([`deliver`]) and ends within moments of its session ending: at once when
//! the session is ended (sign-out, revocation, deactivation: a trigger announces it), and at the
//! next check (every [`RECHECK`]) when it times out or the user's permissions change. On a lagging
//! receiver or a lost listener connection the page is told to resync.

use std::convert::Infallible;
use std::time::Duration;

use app::auth::model::AccessStage;
use app::auth::server::{AuthSession, cookie, session};
use app::error::AppError;
use app::live::server::{Delivery, Fanout, LiveHub, StreamSlot, deliver, listen};
use app::state::AppState;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use http::{HeaderMap, HeaderValue, header};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

/// How often a stream checks that its session is still live and rereads the user's permissions.
const RECHECK: Duration = Duration::from_secs(10);
/// How often a comment is sent to keep proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Starts the process's listener (once, at start-up).
pub fn spawn_listener(pool: sqlx::PgPool, hub: LiveHub) -> JoinHandle<()> {
    tokio::spawn(listen(pool, hub))
}

struct Subscriber {
    state: AppState,
    token: String,
    session: AuthSession,
    receiver: tokio::sync::broadcast::Receiver<Fanout>,
    recheck: tokio::time::Interval,
    greeted: bool,
    closed: bool,
    _slot: StreamSlot,
}

impl Subscriber {
    /// The next SSE event, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Event> {
        if self.closed {
            return None;
        }
        if !self.greeted {
            self.greeted = true;
            return Some(Event::default().event("ready").data("{}"));
        }
        loop {
            tokio::select! {
                item = self.receiver.recv() => match item {
                    Ok(Fanout::Event(event)) => {
                        match deliver(&self.session.user.actor(), self.session.session_id, &event) {
                            Delivery::Send(name, data) => return Some(Event::default().event(name).data(data)),
                            Delivery::Skip => {}
                            Delivery::Close => return self.close(),
                        }
                    }
                    Ok(Fanout::Resync) | Err(RecvError::Lagged(_)) => {
                        return Some(Event::default().event("resync").data("{}"));
                    }
                    Ok(Fanout::Shutdown) => return None,
                    Err(RecvError::Closed) => return None,
                },
                _ = self.recheck.tick() => {
                    if !self.still_signed_in().await {
                        return self.close();
                    }
                }
            }
        }
    }

    /// Rereads the session (without counting as activity) and the user's permissions.
    async fn still_signed_in(&mut self) -> bool {
        let Ok(mut conn) = self.state.pool.acquire().await else {
            // The database is unreachable: keep the stream; the next check decides.
            return true;
        };
        match session::recheck(&mut conn, &self.token).await {
            Ok(Some(s)) if s.user.stage == AccessStage::Full => {
                self.session = s;
                true
            }
            Ok(_) => false,
            Err(_) => true,
        }
    }

    /// Ends the stream: a last `signed_out` event lets the page say so.
    fn close(&mut self) -> Option<Event> {
        self.closed = true;
        Some(Event::default().event("signed_out").data("{}"))
    }
}

/// `GET /api/events`: the signed-in user's live updates.
pub async fn events(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| cookie::token_from_header(h, state.auth.https));
    let Some(token) = token else {
        return refuse(AppError::Unauthenticated);
    };
    let resolved = match state.pool.acquire().await {
        Ok(mut conn) => session::recheck(&mut conn, &token).await,
        Err(err) => Err(AppError::from(err)),
    };
    let session = match resolved {
        Ok(Some(s)) if s.user.stage == AccessStage::Full => s,
        Ok(Some(_)) => {
            return refuse(AppError::Forbidden {
                reason: "Finish signing in first.".into(),
            });
        }
        Ok(None) => return refuse(AppError::Unauthenticated),
        Err(err) => return refuse(err),
    };
    let Some(slot) = state.live.slot(session.session_id) else {
        return refuse(AppError::RateLimited {
            retry_after_secs: RECHECK.as_secs(),
        });
    };
    // Streams opened together (every tab after a restart) spread their checks over the period
    // instead of all querying at the same moment.
    let spread = Duration::from_millis((session.session_id.as_u128() % RECHECK.as_millis()) as u64);
    let recheck = tokio::time::interval_at(tokio::time::Instant::now() + spread, RECHECK);
    let subscriber = Subscriber {
        _slot: slot,
        receiver: state.live.subscribe(),
        state,
        token,
        session,
        recheck,
        greeted: false,
        closed: false,
    };
    let stream = stream::unfold(subscriber, |mut s| async move {
        let event = s.next().await?;
        Some((Ok::<Event, Infallible>(event), s))
    });
    sse(stream)
}

fn sse(stream: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Proxies such as nginx would otherwise hold events back in their buffers.
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

fn refuse(err: AppError) -> Response {
    let status = err.status();
    let body = serde_json::to_string(&err).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
