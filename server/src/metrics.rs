//! Prometheus metrics, served on their own listen address (`OAP_METRICS_ADDR`), never on the public
//! one: request latency by route and status, the database pool, open live-update streams, the mail
//! outbox and the audit chain's last check.
//!
//! Routes are labelled by their template (`/modules/pcc/{id}`), never the raw path, so the series
//! stay few whatever URLs are asked for.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The labels of one request series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

type Requests = Family<RequestLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The metrics of one server process.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Requests,
    pool_size: Gauge,
    pool_idle: Gauge,
    streams: Gauge,
    outbox_pending: Gauge,
    outbox_oldest_seconds: Gauge,
    audit_entries: Gauge,
    audit_unchecked: Gauge,
    audit_broken: Gauge,
    last_backup: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("oap");
        let requests = Requests::new_with_constructor(latency_histogram);
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by route template, method and status",
            requests.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let pool_size = gauge(
            &mut registry,
            "db_pool_connections",
            "Open database connections",
        );
        let pool_idle = gauge(
            &mut registry,
            "db_pool_idle_connections",
            "Idle database connections",
        );
        let streams = gauge(&mut registry, "live_streams", "Open live-update streams");
        let outbox_pending = gauge(
            &mut registry,
            "mail_outbox_pending",
            "Mail not yet delivered",
        );
        let outbox_oldest_seconds = gauge(
            &mut registry,
            "mail_outbox_oldest_pending_seconds",
            "Age of the oldest undelivered mail (0 when none)",
        );
        let audit_entries = gauge(
            &mut registry,
            "audit_chain_entries",
            "Entries in the audit chain",
        );
        let audit_unchecked = gauge(
            &mut registry,
            "audit_chain_unchecked_entries",
            "Audit entries appended since the last intact check",
        );
        let audit_broken = gauge(
            &mut registry,
            "audit_chain_broken",
            "1 when the last audit chain check found tampering",
        );
        let last_backup = gauge(
            &mut registry,
            "backup_last_success_timestamp_seconds",
            "When the newest backup was consistent (Unix time; 0 before the first)",
        );
        Self {
            registry: Arc::new(registry),
            requests,
            pool_size,
            pool_idle,
            streams,
            outbox_pending,
            outbox_oldest_seconds,
            audit_entries,
            audit_unchecked,
            audit_broken,
            last_backup,
        }
    }

    /// The gauge the backup schedule sets after each backup.
    pub fn last_backup_gauge(&self) -> Gauge {
        self.last_backup.clone()
    }

    /// Reads the gauges that live in the database and the process, then writes everything in the
    /// Prometheus text format.
    pub async fn render(&self, pool: &sqlx::PgPool, live: &app::live::server::LiveHub) -> String {
        self.pool_size.set(i64::from(pool.size()));
        self.pool_idle
            .set(i64::try_from(pool.num_idle()).unwrap_or(i64::MAX));
        self.streams
            .set(i64::try_from(live.streams()).unwrap_or(i64::MAX));
        let figures = sqlx::query_as::<_, (i64, f64, i64, i64, bool)>(
            "SELECT (SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL),
                    COALESCE((SELECT extract(epoch FROM CURRENT_TIMESTAMP - min(created_at))::float8
                                FROM mail_outbox WHERE sent_at IS NULL), 0),
                    (SELECT seq FROM audit_chain_head),
                    COALESCE((SELECT through_seq FROM audit_chain_checks WHERE broken_at_seq IS NULL
                               ORDER BY checked_at DESC LIMIT 1), 0),
                    COALESCE((SELECT broken_at_seq IS NOT NULL FROM audit_chain_checks
                               ORDER BY checked_at DESC LIMIT 1), false)",
        )
        .fetch_one(pool)
        .await;
        match figures {
            Ok((pending, oldest, entries, checked, broken)) => {
                self.outbox_pending.set(pending);
                #[allow(clippy::cast_possible_truncation, reason = "whole seconds suffice")]
                self.outbox_oldest_seconds.set(oldest as i64);
                self.audit_entries.set(entries);
                self.audit_unchecked.set(entries - checked);
                self.audit_broken.set(i64::from(broken));
            }
            Err(e) => tracing::warn!(error = %e, "metrics: the database figures could not be read"),
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::warn!(error = %e, "metrics: encoding failed");
        }
        out
    }
}

/// Times every request of the public router (add with `Router::layer`, so the route template is
/// known).
pub async fn measure(State(metrics): State<Metrics>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || unmatched(request.uri().path()),
        |m| m.as_str().to_owned(),
    );
    let response = next.run(request).await;
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The label of a path no route matched: static files by their directory, anything else as one.
fn unmatched(path: &str) -> String {
    if path.starts_with("/pkg/") {
        "/pkg/*".into()
    } else {
        "unmatched".into()
    }
}

/// The router of the metrics listen address.
pub fn router(metrics: Metrics, pool: sqlx::PgPool, live: app::live::server::LiveHub) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let (metrics, pool, live) = (metrics.clone(), pool.clone(), live.clone());
            async move {
                let body = metrics.render(&pool, &live).await;
                (
                    StatusCode::OK,
                    [(
                        header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    body,
                )
                    .into_response()
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_template_and_status() {
        let metrics = Metrics::new();
        metrics
            .requests
            .get_or_create(&RequestLabels {
                method: "GET".into(),
                route: "/modules/pcc/{id}".into(),
                status: 200,
            })
            .observe(0.004);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &metrics.registry).unwrap();
        assert!(
            out.contains(
                r#"oap_http_request_duration_seconds_count{method="GET",route="/modules/pcc/{id}",status="200"} 1"#
            ),
            "{out}"
        );
        assert!(out.contains("oap_live_streams"));
        assert_eq!(unmatched("/pkg/app.wasm"), "/pkg/*");
        assert_eq!(unmatched("/etc/passwd"), "unmatched");
    }
}
