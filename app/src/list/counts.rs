//! Big lists' counts, kept while they hold (server only): each module's records and the users.
//!
//! A list's first page says how many rows match: [`capped_count`] scans up to
//! [`COUNT_CAP`](super::COUNT_CAP) + 1 of them on every first page. Under [`CACHED_FROM`] matches
//! that scan costs no more than the page itself and is always made, so small figures are always
//! exact. From there on the figure is kept, per module, caller's scope and filters, and used
//! again:
//!
//! - while nothing in the module changed: every committed change of every process reaches this
//!   process's [`LiveHub`], which counts them ([`LiveHub::changes`]); a figure counted under
//!   another number of changes is not used. A lost listener connection counts as a change to
//!   every module. For the users list, triggers on `users` and `dealers` send the change
//!   ([`LiveHub::account_changes`]), so accounts added by any path (invitations, imports, SQL)
//!   retire its figures.
//! - for at most [`CACHED_FOR`]: some changes send no event (a renamed dealer that a dealer
//!   search now matches, rows loaded in bulk), and are seen within that time.
//!
//! The scope is what decides which rows a caller may count: the dealer a dealer user is kept to
//! (by the list's `dealer_filter` and by row-level security), or the whole network for
//! manufacturer staff, and the caller's role (the users list hides super admins from everyone
//! else). Two dealers' users, or two roles, never share a figure.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::sql::{NARROW_SEARCH, capped_count, search_is_narrow};
use crate::auth::roles::{Role, UserType};
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::live::server::LiveHub;
use crate::modules::Module;

/// Figures from this many matches on are kept; smaller ones are counted every time.
pub const CACHED_FROM: i64 = 1_000;
/// The longest a figure is used again.
pub const CACHED_FOR: Duration = Duration::from_secs(60);
/// The most figures kept: past it, stale ones are dropped, then all of them.
const MAX_KEPT: usize = 4_096;

/// A list whose counts are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counted {
    /// A module's records.
    Module(Module),
    /// The users list.
    Users,
}

impl From<Module> for Counted {
    fn from(module: Module) -> Self {
        Counted::Module(module)
    }
}

/// Which rows a caller may count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Scope {
    role: Role,
    dealer_user: bool,
    dealer: Option<Uuid>,
}

/// What a figure counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    list: Counted,
    scope: Scope,
    /// The list's query without its position, as JSON ([`filters`]).
    filters: String,
}

/// A kept figure.
#[derive(Debug, Clone, Copy)]
struct Kept {
    total: i64,
    /// The list's changes ([`CountCache::changes`]) before it was counted.
    changes: u64,
    at: Instant,
}

/// The process's kept figures. Cheap to clone: a handle.
#[derive(Clone)]
pub struct CountCache {
    hub: LiveHub,
    kept: Arc<Mutex<HashMap<Key, Kept>>>,
}

/// What `ctx`'s first page of `list` for `query` counts.
fn key(ctx: &Ctx, list: Counted, query: &impl Serialize) -> Result<Key, AppError> {
    Ok(Key {
        list,
        scope: Scope {
            role: ctx.actor.role,
            dealer_user: ctx.actor.user_type == UserType::Dealer,
            dealer: ctx.decision.dealer_filter.or(ctx.actor.dealer_id),
        },
        filters: filters(query)?,
    })
}

/// A list's query without its position (`after`): the filters, as JSON.
fn filters(query: &impl Serialize) -> Result<String, AppError> {
    let mut value = serde_json::to_value(query).map_err(AppError::internal)?;
    if let Some(fields) = value.as_object_mut() {
        fields.remove("after");
    }
    Ok(value.to_string())
}

impl CountCache {
    /// An empty cache whose figures hold while `hub` hears of no change.
    pub fn new(hub: &LiveHub) -> Self {
        CountCache {
            hub: hub.clone(),
            kept: Arc::default(),
        }
    }

    /// How many rows the first page of `ctx`'s `list` for `query` matches, capped as
    /// [`capped_count`] caps it: a kept figure when one holds, else counted in `conn` (the
    /// caller's transaction) over `from_where`, and kept when it is [`CACHED_FROM`] or more.
    pub async fn count(
        &self,
        ctx: &Ctx,
        conn: &mut PgConnection,
        list: impl Into<Counted>,
        query: &impl Serialize,
        from_where: impl FnOnce(&mut QueryBuilder<Postgres>),
    ) -> Result<i64, AppError> {
        let list = list.into();
        let key = key(ctx, list, query)?;
        if let Some(total) = self.get(&key, Instant::now()) {
            return Ok(total);
        }
        // Read before counting: a change committed during the count makes the figure stale.
        let changes = self.changes(list);
        let total = capped_count(conn, from_where).await?;
        self.keep(key, total, changes, Instant::now());
        Ok(total)
    }

    /// Whether `search` (in `ctx`'s list of `module` for `query`) is narrow, as
    /// [`search_is_narrow`] decides over the ids `push_ids` pushes for it; no search is not. A
    /// figure kept for the same list of more than [`NARROW_SEARCH`] already says it is not (the
    /// search alone matches at least what it and the other filters match), and saves the bounded
    /// count: a broad search is repeated as its user pages and refines.
    pub async fn search_is_narrow(
        &self,
        ctx: &Ctx,
        conn: &mut PgConnection,
        module: Module,
        query: &impl Serialize,
        search: Option<&str>,
        push_ids: impl FnOnce(&mut QueryBuilder<Postgres>, &str),
    ) -> Result<bool, AppError> {
        let Some(search) = search else {
            return Ok(false);
        };
        let key = key(ctx, Counted::Module(module), query)?;
        if self
            .get(&key, Instant::now())
            .is_some_and(|total| total > NARROW_SEARCH)
        {
            return Ok(false);
        }
        search_is_narrow(conn, |qb| push_ids(qb, search)).await
    }

    /// The figure kept for `key`, if it still holds at `now`.
    fn get(&self, key: &Key, now: Instant) -> Option<i64> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(key)
            .filter(|k| self.holds(key.list, k, now))
            .map(|k| k.total)
    }

    /// How many changes to `list`'s rows the hub has heard of.
    fn changes(&self, list: Counted) -> u64 {
        match list {
            Counted::Module(module) => self.hub.changes(module),
            Counted::Users => self.hub.account_changes(),
        }
    }

    fn holds(&self, list: Counted, kept: &Kept, now: Instant) -> bool {
        kept.changes == self.changes(list) && now.duration_since(kept.at) < CACHED_FOR
    }

    /// Keeps `total` for `key` if it is big enough to be worth it.
    fn keep(&self, key: Key, total: i64, changes: u64, at: Instant) {
        if total < CACHED_FROM {
            return;
        }
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() >= MAX_KEPT && !kept.contains_key(&key) {
            kept.retain(|k, v| self.holds(k.list, v, at));
            if kept.len() >= MAX_KEPT {
                kept.clear();
            }
        }
        kept.insert(key, Kept { total, changes, at });
    }

    /// How many figures are kept.
    pub fn len(&self) -> usize {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no figure is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::LiveEvent;
    use crate::live::server::Fanout;

    fn key(list: impl Into<Counted>, dealer: Option<Uuid>, filters: &str) -> Key {
        let role = if dealer.is_some() {
            Role::ServiceHead
        } else {
            Role::ManufacturerAdmin
        };
        Key {
            list: list.into(),
            scope: Scope {
                role,
                dealer_user: dealer.is_some(),
                dealer,
            },
            filters: filters.into(),
        }
    }

    fn change(hub: &LiveHub, module: Module) {
        hub.send(Fanout::Event(Arc::new(LiveEvent::Record {
            module,
            id: Uuid::new_v4(),
            dealer_id: Uuid::new_v4(),
            version: 1,
        })));
    }

    #[test]
    fn small_figures_are_never_kept_and_big_ones_are_kept_per_scope_and_filters() {
        let hub = LiveHub::new();
        let cache = CountCache::new(&hub);
        let now = Instant::now();
        let pcc = Module::DealerPcc;
        cache.keep(key(pcc, None, "a"), CACHED_FROM - 1, hub.changes(pcc), now);
        assert_eq!(cache.get(&key(pcc, None, "a"), now), None);
        cache.keep(key(pcc, None, "a"), 5_000, hub.changes(pcc), now);
        assert_eq!(cache.get(&key(pcc, None, "a"), now), Some(5_000));
        let dealer = Some(Uuid::new_v4());
        assert_eq!(cache.get(&key(pcc, dealer, "a"), now), None);
        assert_eq!(cache.get(&key(pcc, None, "b"), now), None);
        assert_eq!(cache.get(&key(Module::MtMeet, None, "a"), now), None);
    }

    #[test]
    fn a_change_to_the_module_or_a_lost_connection_or_time_retires_a_figure() {
        let hub = LiveHub::new();
        let cache = CountCache::new(&hub);
        let now = Instant::now();
        let (pcc, api) = (Module::DealerPcc, Module::ApiRegistration);
        cache.keep(key(pcc, None, "a"), 2_000, hub.changes(pcc), now);
        cache.keep(key(api, None, "a"), 3_000, hub.changes(api), now);
        change(&hub, pcc);
        assert_eq!(cache.get(&key(pcc, None, "a"), now), None);
        assert_eq!(cache.get(&key(api, None, "a"), now), Some(3_000));
        hub.send(Fanout::Resync);
        assert_eq!(cache.get(&key(api, None, "a"), now), None);

        cache.keep(key(api, None, "a"), 3_000, hub.changes(api), now);
        assert_eq!(
            cache.get(&key(api, None, "a"), now + CACHED_FOR / 2),
            Some(3_000)
        );
        assert_eq!(cache.get(&key(api, None, "a"), now + CACHED_FOR), None);
    }

    #[test]
    fn the_account_triggers_payload_reads_as_the_accounts_event() {
        // What migrations/20261210000001_accounts_changed.sql sends.
        let sent: LiveEvent = serde_json::from_str(r#"{"kind":"accounts"}"#).unwrap();
        assert_eq!(sent, LiveEvent::Accounts);
    }

    #[test]
    fn roles_do_not_share_figures() {
        let hub = LiveHub::new();
        let cache = CountCache::new(&hub);
        let now = Instant::now();
        let admins = key(Counted::Users, None, "a");
        let mut supers = admins.clone();
        supers.scope.role = Role::SuperAdmin;
        cache.keep(admins.clone(), 2_000, hub.account_changes(), now);
        assert_eq!(cache.get(&admins, now), Some(2_000));
        assert_eq!(cache.get(&supers, now), None);
    }

    #[test]
    fn the_users_figures_are_retired_by_account_changes_not_by_module_changes() {
        let hub = LiveHub::new();
        let cache = CountCache::new(&hub);
        let now = Instant::now();
        let users = key(Counted::Users, None, "a");
        cache.keep(users.clone(), 2_000, hub.account_changes(), now);
        change(&hub, Module::DealerPcc);
        assert_eq!(cache.get(&users, now), Some(2_000));
        hub.send(Fanout::Event(Arc::new(LiveEvent::Accounts)));
        assert_eq!(cache.get(&users, now), None);
        cache.keep(users.clone(), 2_000, hub.account_changes(), now);
        hub.send(Fanout::Resync);
        assert_eq!(cache.get(&users, now), None);
    }

    #[test]
    fn a_figure_counted_while_a_change_came_in_is_stale_at_once() {
        let hub = LiveHub::new();
        let cache = CountCache::new(&hub);
        let pcc = Module::DealerPcc;
        let before = hub.changes(pcc);
        change(&hub, pcc);
        cache.keep(key(pcc, None, "a"), 2_000, before, Instant::now());
        assert_eq!(cache.get(&key(pcc, None, "a"), Instant::now()), None);
    }

    #[test]
    fn a_query_is_the_same_filters_on_every_page() {
        let first = serde_json::json!({"search": "a", "after": null});
        let later = serde_json::json!({"search": "a", "after": "2026-12-01 10:00:00~x"});
        let other = serde_json::json!({"search": "b", "after": null});
        assert_eq!(filters(&first).unwrap(), filters(&later).unwrap());
        assert_ne!(filters(&first).unwrap(), filters(&other).unwrap());
    }

    #[test]
    fn the_cache_is_bounded() {
        let hub = LiveHub::new();
        let cache = CountCache::new(&hub);
        let now = Instant::now();
        for i in 0..=MAX_KEPT {
            cache.keep(key(Module::DealerPcc, None, &i.to_string()), 2_000, 0, now);
        }
        assert!(cache.len() <= MAX_KEPT);
        assert!(!cache.is_empty());
    }
}
