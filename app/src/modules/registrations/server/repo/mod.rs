//! Registration queries. Plain functions over a connection: no decisions, every value bound.
//!
//! The two kinds keep their registrations in the seed's two tables, whose columns differ in name
//! only; [`Cols`] names them, and is the only text ever formatted into these statements (fixed
//! identifiers, never input).

use chrono::NaiveDateTime;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::super::model::{EventKind, EventRow, Person, RegQuery, RegRow, RegSort};

mod events;

use super::super::workflow::RegStatus;
use crate::list::sql::{
    DealerFilter, contains_pattern, push_dealer_filter, push_id_match, push_number_prefix,
};
use crate::modules::Module;
use crate::queue::QueueQuery;
pub use events::*;

/// The table and column names of a kind's registrations.
pub struct Cols {
    pub table: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    /// Designation (API) or employee id (MT Meets).
    pub detail: &'static str,
    pub event_name: &'static str,
    pub event_date: &'static str,
    pub event_location: &'static str,
    /// The expression the person search's trigram index covers.
    pub person_search: &'static str,
}

/// The names of `kind`'s table.
pub const fn cols(kind: EventKind) -> Cols {
    match kind {
        EventKind::Api => Cols {
            table: "api_registrations",
            name: "employee_name",
            email: "employee_email",
            phone: "employee_phone",
            detail: "employee_designation",
            event_name: "event_name",
            event_date: "event_date",
            event_location: "event_location",
            person_search: "lower(r.employee_name::text || ' ' || coalesce(r.employee_email::text, ''))",
        },
        EventKind::MtMeet => Cols {
            table: "mt_meet_registrations",
            name: "technician_name",
            email: "technician_email",
            phone: "technician_phone",
            detail: "technician_employee_id",
            event_name: "meet_name",
            event_date: "meet_date",
            event_location: "meet_location",
            person_search: "lower(r.technician_name::text || ' ' || coalesce(r.technician_email::text, '') || ' ' || coalesce(r.technician_employee_id::text, ''))",
        },
    }
}

/// The columns of a [`RegRow`] (`r` the registration, `d` its dealer).
pub fn row_columns(kind: EventKind) -> String {
    let c = cols(kind);
    format!(
        "SELECT r.id, r.registration_number::text AS number, r.dealer_id, \
         d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, \
         r.{name}::text AS person, r.{email}::text AS email, r.{detail}::text AS detail, \
         r.event_id, r.{event_name}::text AS event_name, r.{event_date} AS event_date, \
         r.status, r.waitlist_position, r.version, \
         COALESCE(r.updated_at, r.created_at, 'epoch') AS updated_at",
        name = c.name,
        email = c.email,
        detail = c.detail,
        event_name = c.event_name,
        event_date = c.event_date,
    )
}

/// `FROM` the registrations and their dealers.
pub fn row_from(kind: EventKind) -> String {
    format!(
        " FROM {} r JOIN dealers d ON d.id = r.dealer_id",
        cols(kind).table
    )
}

/// Whose a registration is, whatever the caller may see.
pub async fn owner(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT dealer_id, submitted_by FROM record_owner($1, $2)"#,
        kind.module() as Module,
        id
    )
    .fetch_one(conn)
    .await?;
    Ok(row.dealer_id.zip(row.submitted_by))
}

/// Inserts a registration for `event`; answers its id.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut PgConnection,
    kind: EventKind,
    event: &EventRow,
    dealer_id: Uuid,
    user: Uuid,
    number: &str,
    person: &Person,
    waitlist_position: Option<i32>,
) -> Result<Uuid, sqlx::Error> {
    let c = cols(kind);
    let sql = format!(
        "INSERT INTO {t} (dealer_id, registered_by, registration_number, {n}, {e}, {p}, {x}, \
                          {en}, {ed}, {el}, event_id, waitlist_position, status, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'registered', $2) RETURNING id",
        t = c.table,
        n = c.name,
        e = c.email,
        p = c.phone,
        x = c.detail,
        en = c.event_name,
        ed = c.event_date,
        el = c.event_location
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(dealer_id)
        .bind(user)
        .bind(number)
        .bind(&person.name)
        .bind(&person.email)
        .bind(&person.phone)
        .bind(&person.detail)
        .bind(&event.name)
        .bind(event.event_date)
        .bind(&event.location)
        .bind(event.id)
        .bind(waitlist_position)
        .fetch_one(conn)
        .await
}

/// A registration locked for a change.
#[derive(sqlx::FromRow)]
pub struct Locked {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub registered_by: Uuid,
    pub number: String,
    pub person: String,
    pub status: RegStatus,
    pub version: i32,
    pub waitlist_position: Option<i32>,
    pub event_id: Option<Uuid>,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
}

/// Locks a registration until the transaction ends.
pub async fn lock(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
) -> Result<Option<Locked>, sqlx::Error> {
    let c = cols(kind);
    let sql = format!(
        "SELECT id, dealer_id, registered_by, registration_number::text AS number, \
                {n}::text AS person, status, version, waitlist_position, event_id, \
                COALESCE(updated_at, created_at, 'epoch') AS updated_at, \
                user_display_name(updated_by) AS updated_by \
           FROM {t} WHERE id = $1 FOR NO KEY UPDATE",
        n = c.name,
        t = c.table
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The event a registration belongs to, read with its id only (for locking it first).
pub async fn event_of(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    let sql = format!("SELECT event_id FROM {} WHERE id = $1", cols(kind).table);
    Ok(
        sqlx::query_scalar::<_, Option<Uuid>>(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

/// Moves a registration to `to` (leaving the line if it was in it); answers the new version.
pub async fn write_status(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
    to: RegStatus,
    user: Uuid,
    cancel_reason: Option<&str>,
) -> Result<i32, sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET status = $2, version = version + 1, updated_by = $3, \
                waitlist_position = CASE WHEN $2 = 'registered' THEN waitlist_position END, \
                cancel_reason = CASE WHEN $2 = 'cancelled' THEN $4 ELSE cancel_reason END \
          WHERE id = $1 RETURNING version",
        cols(kind).table
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(to)
        .bind(user)
        .bind(cancel_reason)
        .fetch_one(conn)
        .await
}

/// Gives free seats of `event` to the first people waiting; answers who was promoted.
pub async fn promote_waiting(
    conn: &mut PgConnection,
    event: Uuid,
    actor: Uuid,
    actor_name: &str,
    link_base: &str,
) -> Result<Vec<Promoted>, sqlx::Error> {
    sqlx::query_as!(
        Promoted,
        r#"SELECT id AS "id!", dealer_id AS "dealer_id!", registered_by AS "registered_by!",
                  number AS "number!", version AS "version!"
             FROM promote_waiting($1, $2, $3, $4)"#,
        event,
        actor,
        actor_name,
        link_base
    )
    .fetch_all(conn)
    .await
}

/// A registration that got a seat from the line.
pub struct Promoted {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub registered_by: Uuid,
    pub number: String,
    pub version: i32,
}

/// The next place in an event's line.
pub async fn next_waitlist_position(
    conn: &mut PgConnection,
    event: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT next_waitlist_position($1) AS "n!""#, event)
        .fetch_one(conn)
        .await
}

/// The active registrations of an event (all, or one dealer's): seat holders by arrival, then
/// the line in order.
pub async fn participants(
    conn: &mut PgConnection,
    kind: EventKind,
    event: Uuid,
    dealer: Option<Uuid>,
) -> Result<Vec<RegRow>, sqlx::Error> {
    let sql = format!(
        "{}{} WHERE r.event_id = $1 AND ($2::uuid IS NULL OR r.dealer_id = $2) \
           AND r.status <> 'cancelled' \
         ORDER BY r.waitlist_position NULLS FIRST, r.created_at, r.id",
        row_columns(kind),
        row_from(kind)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(event)
        .bind(dealer)
        .fetch_all(conn)
        .await
}

/// Every active registration of an event, for cancelling it with the event.
pub async fn active_of_event(
    conn: &mut PgConnection,
    kind: EventKind,
    event: Uuid,
) -> Result<Vec<(Uuid, Uuid, Uuid, String, RegStatus)>, sqlx::Error> {
    let sql = format!(
        "SELECT id, dealer_id, registered_by, registration_number::text, status FROM {} \
          WHERE event_id = $1 AND status IN ('registered', 'confirmed') ORDER BY created_at, id \
            FOR NO KEY UPDATE",
        cols(kind).table
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(event)
        .fetch_all(conn)
        .await
}

/// One registration with its extra facts.
#[derive(sqlx::FromRow)]
pub struct DetailRow {
    #[sqlx(flatten)]
    pub row: RegRow,
    pub phone: Option<String>,
    pub registered_by: Option<String>,
    pub registered_by_id: Uuid,
    pub cancel_reason: Option<String>,
    pub place_in_line: Option<i64>,
}

/// One registration.
pub async fn detail(
    conn: &mut PgConnection,
    kind: EventKind,
    id: Uuid,
) -> Result<Option<DetailRow>, sqlx::Error> {
    let c = cols(kind);
    let sql = format!(
        "{}, r.{p}::text AS phone, user_display_name(r.registered_by) AS registered_by, \
            r.registered_by AS registered_by_id, r.cancel_reason, \
            CASE WHEN r.waitlist_position IS NOT NULL THEN \
              (SELECT w.n FROM (SELECT x.id, row_number() OVER (ORDER BY x.waitlist_position) AS n \
                                  FROM {t} x WHERE x.event_id = r.event_id AND x.waitlist_position IS NOT NULL) w \
                WHERE w.id = r.id) END AS place_in_line\
         {} WHERE r.id = $1",
        row_columns(kind),
        row_from(kind),
        p = c.phone,
        t = c.table
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The registrations list's filters. `dealer_filter` (from `authorize`) narrows a dealer user's
/// list to their dealer; row-level security holds the same line behind it. `narrow` (see
/// [`search_is_narrow`](crate::list::sql::search_is_narrow)) says the search matches few
/// registrations: they are collected through the number, person and event indexes and sorted.
pub fn push_filters(
    qb: &mut QueryBuilder<Postgres>,
    kind: EventKind,
    q: &RegQuery,
    search: Option<&str>,
    narrow: bool,
    dealer_search: Option<DealerFilter<'_>>,
    dealer_filter: Option<Uuid>,
) {
    qb.push(" WHERE true");
    if let Some(dealer) = dealer_filter {
        qb.push(" AND r.dealer_id = ").push_bind(dealer);
    }
    match search {
        Some(search) if narrow => {
            push_id_match(qb, "r.id", |qb| push_search_ids(qb, kind, search));
        }
        Some(search) => {
            let c = cols(kind);
            qb.push(" AND (");
            push_number_prefix(qb, "r.registration_number", search);
            qb.push(format_args!(" OR {} LIKE ", c.person_search))
                .push_bind(contains_pattern(search))
                .push(" OR r.event_id = ANY(");
            push_event_ids(qb, kind, search);
            qb.push("))");
        }
        None => {}
    }
    if let Some(dealer) = dealer_search {
        qb.push(" AND ");
        dealer.push(qb, "r.dealer_id");
    }
    if let Some(event) = q.event {
        qb.push(" AND r.event_id = ").push_bind(event);
    }
    if let Some(status) = q.status {
        qb.push(" AND r.status = ").push_bind(status);
    }
    let date = cols(kind).event_date;
    if let Some(from) = q.from {
        qb.push(format_args!(" AND r.{date} >= ")).push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(format_args!(" AND r.{date} <= ")).push_bind(to);
    }
}

/// The registrations `search` matches, one `SELECT` per way of matching (number prefix, person,
/// event name), each through its own index ([`search_is_narrow`](crate::list::sql::search_is_narrow)).
pub fn push_search_ids(qb: &mut QueryBuilder<Postgres>, kind: EventKind, search: &str) {
    let c = cols(kind);
    qb.push(format_args!("SELECT id FROM {} WHERE ", c.table));
    push_number_prefix(qb, "registration_number", search);
    qb.push(format_args!(
        " UNION ALL SELECT r.id FROM {} r WHERE {} LIKE ",
        c.table, c.person_search
    ))
    .push_bind(contains_pattern(search))
    .push(format_args!(
        " UNION ALL SELECT id FROM {} WHERE event_id = ANY(",
        c.table
    ));
    push_event_ids(qb, kind, search);
    qb.push(")");
}

/// `ARRAY(…)` of the ids of `kind`'s events whose name contains `search`.
fn push_event_ids(qb: &mut QueryBuilder<Postgres>, kind: EventKind, search: &str) {
    qb.push("ARRAY(SELECT id FROM events WHERE kind = ")
        .push_bind(kind)
        .push(" AND lower(name) LIKE ")
        .push_bind(contains_pattern(search))
        .push(")");
}

/// The sort expression of an order, and whether its key is a timestamp.
pub fn sort_key(sort: RegSort) -> (&'static str, bool) {
    match sort {
        RegSort::Updated => ("r.updated_at", true),
        RegSort::Number => ("r.registration_number", false),
    }
}

/// A registration awaiting confirmation.
#[derive(sqlx::FromRow)]
pub struct QueueRow {
    pub id: Uuid,
    pub number: String,
    pub version: i32,
    pub dealer_id: Uuid,
    pub dealer_code: String,
    pub dealer_name: String,
    pub brand: Option<crate::dealers::Brand>,
    pub created_at: NaiveDateTime,
    pub registered_by: Uuid,
    pub person: String,
    pub event_name: String,
}

/// Seat holders awaiting confirmation, oldest first.
pub async fn awaiting(
    conn: &mut PgConnection,
    kind: EventKind,
    q: &QueueQuery,
    limit: i64,
) -> Result<Vec<QueueRow>, sqlx::Error> {
    let c = cols(kind);
    let mut qb = QueryBuilder::<Postgres>::new(format!(
        "SELECT r.id, r.registration_number::text AS number, r.version, r.dealer_id, \
         d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, d.brand, \
         COALESCE(r.created_at, 'epoch') AS created_at, r.registered_by, r.{n}::text AS person, \
         r.{en}::text AS event_name \
         FROM {t} r JOIN dealers d ON d.id = r.dealer_id \
         WHERE r.status = 'registered' AND r.waitlist_position IS NULL",
        n = c.name,
        en = c.event_name,
        t = c.table
    ));
    if !q.dealer.trim().is_empty() {
        qb.push(" AND ");
        push_dealer_filter(&mut qb, "r.dealer_id", &q.dealer);
    }
    if let Some(brand) = q.brand {
        qb.push(" AND d.brand = ").push_bind(brand);
    }
    if let Some(days) = q.min_age_days {
        qb.push(" AND r.created_at <= CURRENT_TIMESTAMP - make_interval(days => ")
            .push_bind(days as i32)
            .push(")");
    }
    qb.push(" ORDER BY r.created_at, r.id LIMIT ")
        .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}
