//! PCC queries. Plain functions over a connection: no decisions, every value bound.

use chrono::NaiveDateTime;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::super::model::{PccQuery, PccRow, PccSort};
use super::super::workflow::PccStatus;
use crate::dealers::Brand;
use crate::error::AppError;
use crate::list::sql::{
    DealerFilter, SearchPlan, dealer_filter, push_dealer_filter, push_dealer_match, push_id_match,
    push_number_prefix,
};
use crate::modules::Module;
use crate::queue::QueueQuery;

/// Whose an application is, whatever the caller may see (see `record_owner` in the migration).
pub async fn owner(conn: &mut PgConnection, id: Uuid) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT dealer_id, submitted_by FROM record_owner($1, $2)"#,
        Module::DealerPcc as Module,
        id
    )
    .fetch_one(conn)
    .await?;
    Ok(row.dealer_id.zip(row.submitted_by))
}

/// An application locked for a change, with what the change needs to know.
pub struct Locked {
    pub id: Uuid,
    pub dealer_id: Uuid,
    pub submitted_by: Uuid,
    pub status: PccStatus,
    pub version: i32,
    pub number: Option<String>,
    pub criteria: Option<serde_json::Value>,
    pub updated_at: NaiveDateTime,
    pub updated_by: Option<String>,
    pub dealer_code: String,
    pub dealer_name: String,
}

/// Locks the application against concurrent changes until the transaction ends.
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<Locked>, sqlx::Error> {
    sqlx::query_as!(
        Locked,
        r#"SELECT p.id, p.dealer_id, p.submitted_by, p.status AS "status!: PccStatus", p.version,
                  p.application_number AS number, p.criteria_data AS criteria, p.updated_at AS "updated_at!",
                  user_display_name(p.updated_by) AS updated_by,
                  d.dealer_code::text AS "dealer_code!", d.dealer_name::text AS "dealer_name!"
             FROM dealer_pcc p JOIN dealers d ON d.id = p.dealer_id
            WHERE p.id = $1
              FOR NO KEY UPDATE OF p"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// The dealer's open application, if any: its id, number and status.
pub async fn open_of_dealer(
    conn: &mut PgConnection,
    dealer_id: Uuid,
) -> Result<Option<(Uuid, Option<String>, PccStatus)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT id, application_number, status AS "status!: PccStatus" FROM dealer_pcc
            WHERE dealer_id = $1 AND status IN ('draft', 'pending', 'under_review', 'revision_requested')"#,
        dealer_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.id, r.application_number, r.status)))
}

/// Inserts a draft; answers its id and creation time.
pub async fn insert_draft(
    conn: &mut PgConnection,
    dealer_id: Uuid,
    user: Uuid,
    criteria: &serde_json::Value,
) -> Result<(Uuid, NaiveDateTime), sqlx::Error> {
    let row = sqlx::query!(
        r#"INSERT INTO dealer_pcc (dealer_id, submitted_by, application_date, criteria_data, status, updated_by)
           VALUES ($1, $2, CURRENT_DATE, $3, 'draft', $2) RETURNING id, created_at AS "created_at!""#,
        dealer_id,
        user,
        criteria
    )
    .fetch_one(conn)
    .await?;
    Ok((row.id, row.created_at))
}

/// Writes new criteria; answers the new version and when.
pub async fn save_criteria(
    conn: &mut PgConnection,
    id: Uuid,
    user: Uuid,
    criteria: &serde_json::Value,
) -> Result<(i32, NaiveDateTime), sqlx::Error> {
    let row = sqlx::query!(
        r#"UPDATE dealer_pcc SET criteria_data = $3, version = version + 1, updated_by = $2
            WHERE id = $1 RETURNING version, updated_at AS "updated_at!""#,
        id,
        user,
        criteria
    )
    .fetch_one(conn)
    .await?;
    Ok((row.version, row.updated_at))
}

/// What a transition writes.
pub struct StepWrite<'a> {
    pub id: Uuid,
    pub to: PccStatus,
    pub user: Uuid,
    /// Set on first submission.
    pub number: Option<&'a str>,
    pub submitted: bool,
    pub reviewed: bool,
    pub approved: bool,
    pub comment: Option<&'a str>,
}

/// Moves the application to its new status with the transition's stamps (a submission makes its
/// taker the submitter); answers the new version.
pub async fn write_step(conn: &mut PgConnection, w: StepWrite<'_>) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE dealer_pcc SET
              status = $2, version = version + 1, updated_by = $3,
              application_number = COALESCE(application_number, $4),
              submitted_by = CASE WHEN $5 THEN $3 ELSE submitted_by END,
              submitted_at = CASE WHEN $5 THEN CURRENT_TIMESTAMP ELSE submitted_at END,
              application_date = CASE WHEN $5 THEN CURRENT_DATE ELSE application_date END,
              reviewed_by = CASE WHEN $6 THEN $3 ELSE reviewed_by END,
              reviewed_at = CASE WHEN $6 THEN CURRENT_TIMESTAMP ELSE reviewed_at END,
              review_comments = CASE WHEN $6 AND $8::text IS NOT NULL THEN $8 ELSE review_comments END,
              approved_by = CASE WHEN $7 THEN $3 ELSE approved_by END,
              approved_at = CASE WHEN $7 THEN CURRENT_TIMESTAMP ELSE approved_at END,
              approval_comments = CASE WHEN $7 THEN $8 ELSE approval_comments END
            WHERE id = $1 RETURNING version"#,
        w.id,
        w.to as PccStatus,
        w.user,
        w.number,
        w.submitted,
        w.reviewed,
        w.approved,
        w.comment
    )
    .fetch_one(conn)
    .await
}

/// Deletes a draft.
pub async fn delete(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM dealer_pcc WHERE id = $1 AND status = 'draft'",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One application as the record page shows it.
pub struct DetailRow {
    pub row: PccRow,
    pub version: i32,
    pub criteria: Option<serde_json::Value>,
    pub submitted_by_id: Uuid,
    pub submitted_by: Option<String>,
    pub review_comments: Option<String>,
    pub approval_comments: Option<String>,
    pub updated_by: Option<String>,
    pub created_at: NaiveDateTime,
}

/// One application.
pub async fn detail(conn: &mut PgConnection, id: Uuid) -> Result<Option<DetailRow>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT p.id, p.application_number, p.dealer_id, d.dealer_code::text AS "dealer_code!",
                  d.dealer_name::text AS "dealer_name!", d.brand AS "brand?: Brand",
                  p.status AS "status!: PccStatus", p.application_date, p.submitted_at, p.updated_at AS "updated_at!",
                  CASE WHEN p.status = 'under_review' THEN user_display_name(p.reviewed_by) END AS reviewer,
                  p.version, p.criteria_data, p.submitted_by, user_display_name(p.submitted_by) AS submitter,
                  p.review_comments, p.approval_comments, user_display_name(p.updated_by) AS updated_by,
                  p.created_at AS "created_at!"
             FROM dealer_pcc p JOIN dealers d ON d.id = p.dealer_id
            WHERE p.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| DetailRow {
        row: PccRow {
            id: r.id,
            number: r.application_number,
            dealer_id: r.dealer_id,
            dealer_code: r.dealer_code,
            dealer_name: r.dealer_name,
            brand: r.brand,
            status: r.status,
            application_date: r.application_date,
            submitted_at: r.submitted_at,
            updated_at: r.updated_at,
            reviewer: r.reviewer,
        },
        version: r.version,
        criteria: r.criteria_data,
        submitted_by_id: r.submitted_by,
        submitted_by: r.submitter,
        review_comments: r.review_comments,
        approval_comments: r.approval_comments,
        updated_by: r.updated_by,
        created_at: r.created_at,
    }))
}

/// A list row and its sort key (for the next page's cursor).
#[derive(sqlx::FromRow)]
pub struct ListRow {
    #[sqlx(flatten)]
    pub row: PccRow,
    pub sort_key: String,
}

/// The list's columns (and the sort key of the chosen order).
pub const LIST_COLUMNS: &str = "SELECT p.id, p.application_number AS number, p.dealer_id, \
     d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, d.brand, p.status, \
     p.application_date, p.submitted_at, COALESCE(p.updated_at, p.created_at, 'epoch') AS updated_at, \
     CASE WHEN p.status = 'under_review' THEN user_display_name(p.reviewed_by) END AS reviewer";

/// The sort expression of an order, and whether its key is a timestamp.
pub fn sort_key(sort: PccSort) -> (&'static str, bool) {
    match sort {
        PccSort::Updated => ("p.updated_at", true),
        PccSort::Number => ("COALESCE(p.application_number, '')", false),
    }
}

/// The list's `FROM` and filters. `dealer_filter` (from `authorize`) narrows a dealer user's list
/// to their dealer; row-level security holds the same line behind it. Dealer conditions (search,
/// brand) become a set of dealer ids, so the filters never need the join: the capped count scans
/// `dealer_pcc` alone, and a number search uses the number index even beside a dealer search.
///
/// `plan` says how the search's matches are read: a narrow search's
/// ([`search_is_narrow`](crate::list::sql::search_is_narrow)) are collected through the number
/// and dealer indexes and sorted, instead of walking the list's order until a page of them turns
/// up (1.5 s at a million applications for a number prefix of old ones, against a few
/// milliseconds collected); a search naming one dealer and no number reads that dealer's
/// applications in order ([`search_plan`]).
pub fn push_filters(
    qb: &mut QueryBuilder<Postgres>,
    q: &PccQuery,
    search: Option<&str>,
    plan: SearchPlan,
    dealer_filter: Option<Uuid>,
    from: &str,
) {
    qb.push(from).push(" WHERE true");
    if let Some(dealer) = dealer_filter {
        qb.push(" AND p.dealer_id = ").push_bind(dealer);
    }
    match (search, plan) {
        (None, _) => {}
        (Some(_), SearchPlan::Dealer(dealer)) => {
            qb.push(" AND p.dealer_id = ").push_bind(dealer);
        }
        (Some(search), SearchPlan::Collect) => {
            push_id_match(qb, "p.id", |qb| push_search_ids(qb, search));
        }
        (Some(search), SearchPlan::Walk) => {
            qb.push(" AND (");
            push_number_prefix(qb, "p.application_number", search);
            qb.push(" OR ");
            push_dealer_match(qb, "p.dealer_id", search);
            qb.push(")");
        }
    }
    if let Some(status) = q.status {
        qb.push(" AND p.status = ").push_bind(status);
    }
    if let Some(brand) = q.brand {
        qb.push(" AND p.dealer_id = ANY(ARRAY(SELECT id FROM dealers WHERE brand = ")
            .push_bind(brand)
            .push("))");
    }
    if let Some(from) = q.from {
        qb.push(" AND p.application_date >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        qb.push(" AND p.application_date <= ").push_bind(to);
    }
}

/// The applications `search` matches, one `SELECT` per way of matching (number prefix, dealer),
/// each through its own index ([`search_is_narrow`](crate::list::sql::search_is_narrow)).
pub fn push_search_ids(qb: &mut QueryBuilder<Postgres>, search: &str) {
    qb.push("SELECT id FROM dealer_pcc WHERE ");
    push_number_prefix(qb, "application_number", search);
    qb.push(" UNION ALL SELECT id FROM dealer_pcc WHERE ");
    push_dealer_filter(qb, "dealer_id", search);
}

/// How the list reads `search`'s matches: one dealer's applications when it names exactly one
/// dealer and starts no application number (a dealer code typed into the search), else collected
/// when few ([`search_is_narrow`](crate::list::sql::search_is_narrow), through `narrow`), else
/// walked in the list's order.
pub async fn search_plan(
    conn: &mut PgConnection,
    search: &str,
    narrow: impl AsyncFnOnce(&mut PgConnection) -> Result<bool, AppError>,
) -> Result<SearchPlan, AppError> {
    if let DealerFilter::One(dealer) = dealer_filter(conn, search).await? {
        let mut qb =
            QueryBuilder::<Postgres>::new("SELECT EXISTS (SELECT 1 FROM dealer_pcc WHERE ");
        push_number_prefix(&mut qb, "application_number", search);
        qb.push(")");
        let numbered: bool = qb.build_query_scalar().fetch_one(&mut *conn).await?;
        if !numbered {
            return Ok(SearchPlan::Dealer(dealer));
        }
    }
    Ok(if narrow(conn).await? {
        SearchPlan::Collect
    } else {
        SearchPlan::Walk
    })
}

/// The list's rows, with their dealers.
pub const LIST_FROM: &str = " FROM dealer_pcc p JOIN dealers d ON d.id = p.dealer_id";
/// What the capped count scans.
pub const COUNT_FROM: &str = " FROM dealer_pcc p";

#[derive(sqlx::FromRow)]
pub struct QueueRow {
    pub id: Uuid,
    pub number: Option<String>,
    pub version: i32,
    pub status: PccStatus,
    pub dealer_id: Uuid,
    pub dealer_code: String,
    pub dealer_name: String,
    pub brand: Option<Brand>,
    pub submitted_at: Option<NaiveDateTime>,
    pub submitted_by: Uuid,
    pub reviewer: Option<String>,
}

/// Applications awaiting a decision, oldest first.
pub async fn awaiting(
    conn: &mut PgConnection,
    q: &QueueQuery,
    limit: i64,
) -> Result<Vec<QueueRow>, sqlx::Error> {
    let mut qb = QueryBuilder::<Postgres>::new(
        "SELECT p.id, p.application_number AS number, p.version, p.status, p.dealer_id, \
         d.dealer_code::text AS dealer_code, d.dealer_name::text AS dealer_name, d.brand, \
         p.submitted_at, p.submitted_by, \
         CASE WHEN p.status = 'under_review' THEN user_display_name(p.reviewed_by) END AS reviewer \
         FROM dealer_pcc p JOIN dealers d ON d.id = p.dealer_id \
         WHERE p.status IN ('pending', 'under_review')",
    );
    if !q.dealer.trim().is_empty() {
        qb.push(" AND ");
        push_dealer_filter(&mut qb, "p.dealer_id", &q.dealer);
    }
    if let Some(brand) = q.brand {
        qb.push(" AND d.brand = ").push_bind(brand);
    }
    if let Some(days) = q.min_age_days {
        qb.push(" AND p.submitted_at <= CURRENT_TIMESTAMP - make_interval(days => ")
            .push_bind(days as i32)
            .push(")");
    }
    qb.push(" ORDER BY p.submitted_at, p.id LIMIT ")
        .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}
