//! Survey response queries. Plain functions over a connection: no decisions, every value bound.
//!
//! The three surveys keep their responses in the seed's three tables, whose columns are the same;
//! [`table`] names them and is the only text ever formatted into these statements (fixed
//! identifiers, never input).

use chrono::{NaiveDate, NaiveDateTime};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::super::model::{ResponseQuery, ResponseRow, SurveyKind};
use super::super::workflow::SurveyStatus;
use crate::dealers::Brand;
use crate::list::sql::{push_dealer_filter, push_dealer_match, push_id_match, push_number_prefix};
use crate::modules::Module;
use crate::queue::QueueQuery;

/// The table of `kind`'s responses.
pub const fn table(kind: SurveyKind) -> &'static str {
    match kind {
        SurveyKind::Workshop => "workshop_surveys",
        SurveyKind::Warranty => "warranty_surveys",
        SurveyKind::Technical => "technical_surveys",
    }
}

/// The columns of a [`ResponseRow`] (`s` the response, `d` its dealer, `p` its period).
pub const ROW_COLUMNS: &str = "SELECT s.id, s.survey_number::text AS number, s.dealer_id, \
     d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, \
     s.period_id AS period_id, p.name::text AS period_name, s.status, \
     (s.overall_score * 100)::int4 AS score, s.form_version, s.submitted_at, \
     COALESCE(s.updated_at, s.created_at, 'epoch') AS updated_at";

/// `FROM` the responses of `kind`, their dealers and periods.
pub fn row_from(kind: SurveyKind) -> String {
    format!(
        " FROM {} s JOIN dealers d ON d.id = s.dealer_id JOIN survey_periods p ON p.id = s.period_id",
        table(kind)
    )
}

/// The list's filters, after [`row_from`] (or a `FROM` of `kind`'s table as `s`). `narrow` (see
/// [`search_is_narrow`](crate::list::sql::search_is_narrow)) says the search matches few
/// responses: they are collected through the number and dealer indexes and sorted.
pub fn push_filters(
    qb: &mut QueryBuilder<Postgres>,
    kind: SurveyKind,
    q: &ResponseQuery,
    search: Option<&str>,
    narrow: bool,
    dealer_filter: Option<Uuid>,
) {
    qb.push(" WHERE s.period_id IS NOT NULL");
    if let Some(dealer) = dealer_filter {
        qb.push(" AND s.dealer_id = ").push_bind(dealer);
    }
    match search {
        Some(search) if narrow => {
            push_id_match(qb, "s.id", |qb| push_search_ids(qb, kind, search));
        }
        Some(search) => {
            qb.push(" AND (");
            push_number_prefix(qb, "s.survey_number", search);
            qb.push(" OR ");
            push_dealer_match(qb, "s.dealer_id", search);
            qb.push(")");
        }
        None => {}
    }
    if let Some(period) = q.period {
        qb.push(" AND s.period_id = ").push_bind(period);
    }
    if let Some(status) = q.status {
        qb.push(" AND s.status = ").push_bind(status);
    }
}

/// The responses `search` matches, one `SELECT` per way of matching (number prefix, dealer),
/// each through its own index ([`search_is_narrow`](crate::list::sql::search_is_narrow)).
pub fn push_search_ids(qb: &mut QueryBuilder<Postgres>, kind: SurveyKind, search: &str) {
    qb.push(format_args!("SELECT id FROM {} WHERE ", table(kind)));
    push_number_prefix(qb, "survey_number", search);
    qb.push(format_args!(
        " UNION ALL SELECT id FROM {} WHERE ",
        table(kind)
    ));
    push_dealer_filter(qb, "dealer_id", search);
}

/// Whose a response is, whatever the caller may see.
pub async fn owner(
    conn: &mut PgConnection,
    kind: SurveyKind,
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

/// A period, with its survey.
#[derive(sqlx::FromRow)]
pub struct Period {
    pub id: Uuid,
    pub kind: SurveyKind,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A period by id.
pub async fn period(conn: &mut PgConnection, id: Uuid) -> Result<Option<Period>, sqlx::Error> {
    sqlx::query_as!(
        Period,
        r#"SELECT id, kind AS "kind: SurveyKind", name::text AS "name!", starts_on, ends_on
             FROM survey_periods WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// A dealer's response to a period, if it has one.
pub async fn of_dealer(
    conn: &mut PgConnection,
    kind: SurveyKind,
    period: Uuid,
    dealer: Uuid,
) -> Result<Option<(Uuid, SurveyStatus)>, sqlx::Error> {
    let sql = format!(
        "SELECT id, status FROM {} WHERE period_id = $1 AND dealer_id = $2",
        table(kind)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(period)
        .bind(dealer)
        .fetch_optional(conn)
        .await
}

/// A new draft.
pub struct NewDraft<'a> {
    pub period: &'a Period,
    pub dealer_id: Uuid,
    pub user: Uuid,
    pub number: &'a str,
    pub form_version: i32,
    pub responses: &'a serde_json::Value,
}

/// Inserts a draft unless the dealer already has a response to the period; its id if inserted.
pub async fn insert_draft(
    conn: &mut PgConnection,
    kind: SurveyKind,
    d: NewDraft<'_>,
) -> Result<Option<Uuid>, sqlx::Error> {
    let sql = format!(
        "INSERT INTO {} (dealer_id, submitted_by, survey_number, survey_period, submission_date, \
                         responses, status, period_id, form_version, updated_by) \
         VALUES ($1, $2, $3, $4, CURRENT_DATE, $5, 'draft', $6, $7, $2) \
         ON CONFLICT (period_id, dealer_id) DO NOTHING RETURNING id",
        table(kind)
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(d.dealer_id)
        .bind(d.user)
        .bind(d.number)
        .bind(&d.period.name)
        .bind(d.responses)
        .bind(d.period.id)
        .bind(d.form_version)
        .fetch_optional(conn)
        .await
}

/// A response locked for a change.
#[derive(sqlx::FromRow)]
pub struct Locked {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub dealer_code: String,
    pub dealer_name: String,
    pub submitted_by: Uuid,
    pub number: String,
    pub status: SurveyStatus,
    pub version: i32,
    pub form_version: i32,
    pub responses: serde_json::Value,
    pub period_id: Option<Uuid>,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
}

/// Locks a response until the transaction ends.
pub async fn lock(
    conn: &mut PgConnection,
    kind: SurveyKind,
    id: Uuid,
) -> Result<Option<Locked>, sqlx::Error> {
    let sql = format!(
        "SELECT s.id, s.dealer_id, d.dealer_code::text AS dealer_code, \
                d.dealer_name::text AS dealer_name, s.submitted_by, \
                s.survey_number::text AS number, s.status, s.version, s.form_version, s.responses, \
                s.period_id, COALESCE(s.updated_at, s.created_at, 'epoch') AS updated_at, \
                user_display_name(s.updated_by) AS updated_by \
           FROM {} s JOIN dealers d ON d.id = s.dealer_id WHERE s.id = $1 FOR NO KEY UPDATE OF s",
        table(kind)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Stores a draft's answers; the new version and when.
pub async fn save_answers(
    conn: &mut PgConnection,
    kind: SurveyKind,
    id: Uuid,
    user: Uuid,
    responses: &serde_json::Value,
) -> Result<(i32, NaiveDateTime), sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET responses = $2, updated_by = $3, version = version + 1 \
          WHERE id = $1 RETURNING version, updated_at",
        table(kind)
    );
    let (version, at): (i32, Option<NaiveDateTime>) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(responses)
        .bind(user)
        .fetch_one(conn)
        .await?;
    Ok((version, at.unwrap_or_default()))
}

/// What a step writes.
pub struct StepWrite<'a> {
    pub id: Uuid,
    pub to: SurveyStatus,
    pub user: Uuid,
    /// On submission: the stored answers with their score, and the score (basis points).
    pub submission: Option<(&'a serde_json::Value, i32)>,
    pub reviewed: bool,
    pub completed: bool,
    /// Sent back: the score goes until the next submission.
    pub unscored: bool,
    pub comment: Option<&'a str>,
}

/// Writes a step's status and stamps; answers the new version.
pub async fn write_step(
    conn: &mut PgConnection,
    kind: SurveyKind,
    w: StepWrite<'_>,
) -> Result<i32, sqlx::Error> {
    let sql = format!(
        "UPDATE {} SET status = $2, updated_by = $3, version = version + 1, \
           responses = CASE WHEN $9 THEN responses - 'score' ELSE COALESCE($4, responses) END, \
           overall_score = CASE WHEN $5::int4 IS NOT NULL THEN round($5::numeric / 100, 2) \
                                WHEN $9 THEN NULL ELSE overall_score END, \
           submitted_by = CASE WHEN $4 IS NOT NULL THEN $3 ELSE submitted_by END, \
           submitted_at = CASE WHEN $4 IS NOT NULL THEN CURRENT_TIMESTAMP ELSE submitted_at END, \
           submission_date = CASE WHEN $4 IS NOT NULL THEN CURRENT_DATE ELSE submission_date END, \
           reviewed_by = CASE WHEN $6 THEN $3 ELSE reviewed_by END, \
           reviewed_at = CASE WHEN $6 THEN CURRENT_TIMESTAMP ELSE reviewed_at END, \
           review_comments = CASE WHEN $6 THEN $8 ELSE review_comments END, \
           completed_by = CASE WHEN $7 THEN $3 ELSE completed_by END, \
           completed_at = CASE WHEN $7 THEN CURRENT_TIMESTAMP ELSE completed_at END, \
           completion_comments = CASE WHEN $7 THEN $8 ELSE completion_comments END \
         WHERE id = $1 RETURNING version",
        table(kind)
    );
    let (responses, score) = w.submission.unzip();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(w.id)
        .bind(w.to)
        .bind(w.user)
        .bind(responses)
        .bind(score)
        .bind(w.reviewed)
        .bind(w.completed)
        .bind(w.comment)
        .bind(w.unscored)
        .fetch_one(conn)
        .await
}

/// One response's facts beyond its list row.
#[derive(sqlx::FromRow)]
pub struct Detail {
    #[sqlx(flatten)]
    pub row: ResponseRow,
    pub version: i32,
    pub responses: serde_json::Value,
    pub period_starts: NaiveDate,
    pub period_ends: NaiveDate,
    pub submitted_by: Option<String>,
    pub review_comments: Option<String>,
    pub completion_comments: Option<String>,
}

/// One response, if the caller may see it.
pub async fn detail(
    conn: &mut PgConnection,
    kind: SurveyKind,
    id: Uuid,
) -> Result<Option<Detail>, sqlx::Error> {
    let sql = format!(
        "{ROW_COLUMNS}, s.version, s.responses, p.starts_on AS period_starts, p.ends_on AS period_ends, \
            user_display_name(s.submitted_by) AS submitted_by, s.review_comments, \
            s.completion_comments{} WHERE s.id = $1",
        row_from(kind)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A response awaiting review, for the queue.
#[derive(sqlx::FromRow)]
pub struct QueueRow {
    pub id: Uuid,
    pub number: String,
    pub version: i32,
    pub status: SurveyStatus,
    pub dealer_id: Uuid,
    pub dealer_code: String,
    pub dealer_name: String,
    pub brand: Option<Brand>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Uuid,
    pub period_name: String,
    pub score: Option<i32>,
}

/// Submitted responses, oldest submission first.
pub async fn awaiting(
    conn: &mut PgConnection,
    kind: SurveyKind,
    q: &QueueQuery,
    limit: i64,
) -> Result<Vec<QueueRow>, sqlx::Error> {
    let mut qb = QueryBuilder::<Postgres>::new(format!(
        "SELECT s.id, s.survey_number::text AS number, s.version, s.status, s.dealer_id, \
         d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, d.brand, \
         s.submitted_at, s.submitted_by, p.name::text AS period_name, \
         (s.overall_score * 100)::int4 AS score{} WHERE s.status = 'submitted'",
        row_from(kind)
    ));
    if !q.dealer.trim().is_empty() {
        qb.push(" AND ");
        push_dealer_filter(&mut qb, "s.dealer_id", &q.dealer);
    }
    if let Some(brand) = q.brand {
        qb.push(" AND d.brand = ").push_bind(brand);
    }
    if let Some(days) = q.min_age_days {
        qb.push(" AND s.submitted_at <= CURRENT_TIMESTAMP - make_interval(days => ")
            .push_bind(days as i32)
            .push(")");
    }
    qb.push(" ORDER BY s.submitted_at, s.id LIMIT ")
        .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}
