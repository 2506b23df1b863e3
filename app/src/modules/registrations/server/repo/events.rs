//! The event catalogue's queries: events with their seats (locked, or not), and their writes.

use chrono::NaiveDateTime;
use sqlx::PgConnection;
use uuid::Uuid;

use super::super::super::model::{EventKind, EventRow};
use super::super::super::workflow::EventStatus;
use super::cols;

/// The event row's columns with its seats for `dealer` (`e` the event).
const EVENT_COLUMNS: &str = "SELECT e.id, e.kind, e.name::text AS name, e.event_date, \
     e.location::text AS location, e.capacity, e.dealer_quota, e.registration_deadline, e.status, \
     e.eligibility_note, e.cancel_reason, e.version, s.taken, s.dealer_taken, s.waiting";

/// Locks `id` (of `kind`) against concurrent seat changes until the transaction ends and answers
/// it with its seats as they stand under the lock.
pub async fn lock_event(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
    dealer: Option<Uuid>,
) -> Result<Option<EventRow>, sqlx::Error> {
    let sql =
        format!("{EVENT_COLUMNS} FROM lock_event($1) e, event_seats(e.id, $2) s WHERE e.kind = $3");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(dealer)
        .bind(kind)
        .fetch_optional(conn)
        .await
}

/// One event with its seats (without locking).
pub async fn event(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
    dealer: Option<Uuid>,
) -> Result<Option<EventRow>, sqlx::Error> {
    let sql = format!(
        "{EVENT_COLUMNS} FROM events e, event_seats(e.id, $2) s WHERE e.id = $1 AND e.kind = $3"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(dealer)
        .bind(kind)
        .fetch_optional(conn)
        .await
}

/// The catalogue: upcoming events (or every event), soonest first, at most `limit`.
pub async fn events(
    conn: &mut PgConnection,
    kind: EventKind,
    past: bool,
    dealer: Option<Uuid>,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    let sql = format!(
        "{EVENT_COLUMNS} FROM events e CROSS JOIN LATERAL event_seats(e.id, $2) s \
         WHERE e.kind = $1 AND ($3 OR e.event_date >= CURRENT_DATE) \
         ORDER BY CASE WHEN $3 THEN e.event_date END DESC, e.event_date, e.id LIMIT $4"
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(dealer)
        .bind(past)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// What an event write stores.
pub struct EventWrite<'a> {
    pub kind: EventKind,
    pub name: &'a str,
    pub event_date: chrono::NaiveDate,
    pub location: &'a str,
    pub capacity: i32,
    pub dealer_quota: Option<i32>,
    pub deadline: NaiveDateTime,
    pub eligibility_note: Option<&'a str>,
    pub user: Uuid,
}

/// Adds an event to the catalogue.
pub async fn insert_event(
    conn: &mut PgConnection,
    w: &EventWrite<'_>,
) -> Result<Uuid, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO events (kind, name, event_date, location, capacity, dealer_quota,
                               registration_deadline, eligibility_note, created_by, updated_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id"#,
        w.kind as EventKind,
        w.name,
        w.event_date,
        w.location,
        w.capacity,
        w.dealer_quota,
        w.deadline,
        w.eligibility_note,
        w.user
    )
    .fetch_one(conn)
    .await
}

/// Changes an event; answers its new version.
pub async fn update_event(
    conn: &mut PgConnection,
    id: Uuid,
    w: &EventWrite<'_>,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE events SET name = $2, event_date = $3, location = $4, capacity = $5,
                  dealer_quota = $6, registration_deadline = $7, eligibility_note = $8,
                  updated_by = $9, version = version + 1
            WHERE id = $1 RETURNING version"#,
        id,
        w.name,
        w.event_date,
        w.location,
        w.capacity,
        w.dealer_quota,
        w.deadline,
        w.eligibility_note,
        w.user
    )
    .fetch_one(conn)
    .await
}

/// Keeps the registrations' copies of the event's name, day and place in step with it.
pub async fn copy_event_facts(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
) -> Result<(), sqlx::Error> {
    let c = cols(kind);
    let sql = format!(
        "UPDATE {t} r SET {n} = e.name, {d} = e.event_date, {l} = e.location \
           FROM events e WHERE e.id = $1 AND r.event_id = e.id \
            AND (r.{n}, r.{d}, r.{l}) IS DISTINCT FROM (e.name, e.event_date, e.location)",
        t = c.table,
        n = c.event_name,
        d = c.event_date,
        l = c.event_location
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets an event's status (and reason); answers its new version.
pub async fn set_event_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: EventStatus,
    reason: Option<&str>,
    user: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE events SET status = $2, cancel_reason = COALESCE($3, cancel_reason),
                  updated_by = $4, version = version + 1
            WHERE id = $1 RETURNING version"#,
        id,
        status as EventStatus,
        reason,
        user
    )
    .fetch_one(conn)
    .await
}
