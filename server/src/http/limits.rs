//! Where a request comes from, and how often it may test credentials.
//!
//! - The client address is the TCP peer, unless the peer is one of the trusted proxies
//!   (`--trusted-proxies`): then it is the right-most address of `X-Forwarded-For` that is not
//!   itself a trusted proxy (the left part of that header is whatever the client wrote). Limits and
//!   audit rows both use it ([`ClientIp`]).
//! - The credential endpoints are limited per client: an IPv4 address, or an IPv6 /64 (one
//!   subscriber's whole allocation, which a client can rotate through at will).
//! - The limiter tracks at most [`MAX_TRACKED_CLIENTS`] clients; past that it forgets those whose
//!   budget is full again, and if that is not enough, starts afresh (logged) rather than grow.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};

use app::error::AppError;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::{HeaderMap, Method};
use ipnet::IpNet;

use super::error_response;

/// Endpoints that guess at credentials, limited per client.
const RATE_LIMITED_PATHS: &[&str] = &[
    "/api/auth/login",
    "/api/auth/password/forgot",
    "/api/auth/password/reset",
    "/api/auth/password/change",
    "/api/auth/mfa/verify",
    "/api/auth/mfa/confirm",
    "/api/auth/mfa/disable",
];
/// Most clients the limiter keeps state for (about 100 bytes each).
pub const MAX_TRACKED_CLIENTS: usize = 100_000;
/// Most `X-Forwarded-For` entries looked at (a longer chain is not a real one).
const MAX_FORWARDED_HOPS: usize = 16;

/// The address a request is attributed to, set once per request by [`attribute_client`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address of `request`, if [`attribute_client`] ran.
pub fn client_ip(request: &Request) -> Option<IpAddr> {
    request.extensions().get::<ClientIp>().map(|c| c.0)
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy, else the right-most
/// `X-Forwarded-For` entry that is not a trusted proxy (entries left of it are the client's word).
pub fn resolve_client(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.iter().any(|net| net.contains(&peer)) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev().take(MAX_FORWARDED_HOPS) {
        let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
            // Garbage from here on was written by someone untrusted: the last good hop stands.
            break;
        };
        client = ip;
        if !trusted.iter().any(|net| net.contains(&ip)) {
            break;
        }
    }
    client
}

/// IPv4-mapped IPv6 addresses as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The key a client is limited under: the IPv4 address, or the IPv6 address's /64.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpNet>);

/// Parses a comma-separated list of addresses and networks (`10.0.0.0/8, ::1`).
pub fn parse_trusted_proxies(text: &str) -> Result<TrustedProxies, String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("“{s}” is not an IP address or network (like 10.0.0.0/8)"))
        })
        .collect::<Result<_, _>>()
        .map(TrustedProxies)
}

type Limiter = DefaultKeyedRateLimiter<IpAddr>;

/// The per-client limiter of the credential endpoints, and the proxies whose word on the client
/// address is trusted.
#[derive(Clone)]
pub struct AuthRateLimit {
    quota: Quota,
    limiter: Arc<RwLock<Arc<Limiter>>>,
    trusted: Arc<Vec<IpNet>>,
}

impl AuthRateLimit {
    /// Allows `per_minute` requests per minute per client, in bursts of up to that many.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).expect("at least 1");
        let quota = Quota::per_minute(n);
        Self {
            quota,
            limiter: Arc::new(RwLock::new(Arc::new(RateLimiter::keyed(quota)))),
            trusted: Arc::new(Vec::new()),
        }
    }

    /// Trusts `proxies` to say who the client is (`X-Forwarded-For`).
    #[must_use]
    pub fn trusting(mut self, proxies: Vec<IpNet>) -> Self {
        self.trusted = Arc::new(proxies);
        self
    }

    fn current(&self) -> Arc<Limiter> {
        self.limiter
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Forgets clients whose budget is full again, so the table does not grow without bound.
    pub fn retain_recent(&self) {
        self.current().retain_recent();
    }

    /// How many clients the limiter holds state for.
    pub fn tracked(&self) -> usize {
        self.current().len()
    }

    /// Takes one request from `ip`'s budget; the wait until the next one otherwise.
    pub fn check(&self, ip: IpAddr) -> Result<(), std::time::Duration> {
        let mut limiter = self.current();
        if limiter.len() >= MAX_TRACKED_CLIENTS {
            limiter.retain_recent();
            if limiter.len() >= MAX_TRACKED_CLIENTS {
                tracing::warn!(
                    clients = limiter.len(),
                    "the credential rate limiter is full; starting afresh"
                );
                let fresh = Arc::new(RateLimiter::keyed(self.quota));
                *self
                    .limiter
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
                limiter = fresh;
            }
        }
        limiter.check_key(&limit_key(ip)).map_err(|not_until| {
            use governor::clock::{Clock, DefaultClock};
            not_until.wait_time_from(DefaultClock::default().now())
        })
    }

    /// Reads `security.auth_rate_limit_per_minute` (30 when unset).
    pub async fn from_settings(pool: &sqlx::PgPool) -> anyhow::Result<Self> {
        let mut conn = pool.acquire().await?;
        let [value] =
            app::settings::ints(&mut conn, [app::settings::AUTH_RATE_LIMIT_PER_MINUTE]).await?;
        Ok(Self::per_minute(u32::try_from(value).unwrap_or(u32::MAX)))
    }
}

/// Attributes the request to its client ([`resolve_client`]) for everything after it.
pub(super) async fn attribute_client(
    State(limit): State<AuthRateLimit>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if let Some(peer) = peer {
        let client = resolve_client(peer, request.headers(), &limit.trusted);
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

/// Per-client rate limit of the endpoints that test credentials.
pub(super) async fn limit_credential_endpoints(
    State(limit): State<AuthRateLimit>,
    request: Request,
    next: Next,
) -> Response {
    if request.method() != Method::POST || !RATE_LIMITED_PATHS.contains(&request.uri().path()) {
        return next.run(request).await;
    }
    let ip = client_ip(&request).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    match limit.check(ip) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(%ip, "rate limit reached on a credential endpoint");
            error_response(&AppError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, ::1").unwrap().0;
        let peer: IpAddr = "10.1.2.3".parse().unwrap();
        let outsider: IpAddr = "203.0.113.9".parse().unwrap();
        // An untrusted peer's header is ignored.
        assert_eq!(
            resolve_client(outsider, &xff("198.51.100.1"), &trusted),
            outsider
        );
        // A trusted proxy's: the right-most untrusted entry, not what the client prepended.
        assert_eq!(
            resolve_client(peer, &xff("1.1.1.1, 198.51.100.7, 10.9.9.9"), &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        // Garbage after the client's own entries: the last good hop stands.
        assert_eq!(
            resolve_client(peer, &xff("198.51.100.7, not-an-ip"), &trusted),
            peer
        );
        // No header: the proxy itself.
        assert_eq!(resolve_client(peer, &HeaderMap::new(), &trusted), peer);
        assert!(parse_trusted_proxies("10.0.0.0/8, nonsense").is_err());
    }

    #[test]
    fn ipv6_clients_are_limited_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(limit_key(a), limit_key(b));
        assert_ne!(limit_key(a), limit_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(limit_key(mapped), "192.0.2.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn one_64_shares_one_budget_and_the_table_stays_bounded() {
        let limit = AuthRateLimit::per_minute(2);
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::2".parse().unwrap();
        assert!(limit.check(a).is_ok());
        assert!(limit.check(b).is_ok());
        assert!(limit.check(a).is_err(), "the /64's budget of 2 is spent");
        for i in 0..(MAX_TRACKED_CLIENTS as u32 + 10) {
            let _ = limit.check(IpAddr::from(i.to_be_bytes()));
        }
        assert!(limit.tracked() <= MAX_TRACKED_CLIENTS);
    }
}
