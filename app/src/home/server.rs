//! The home page's figures (server only). Each part is asked for only when the user may see it:
//! a dealer user's through their own transaction (row-level security applies), an approver's
//! through the approval queue's own code (the same records the queue shows), the network's for
//! whoever may see the administrators' dashboard.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use sqlx::PgConnection;
use tracing::instrument;
use uuid::Uuid;

use super::model::{
    Activity, ApproverHome, BrandScores, DealerHome, EventCount, Home, MonthCount, NetworkHome,
    ScoreVsNetwork, Todo, range,
};
use crate::auth::authorize::{Action, Actor, Area, Scope, authorize};
use crate::auth::model::AccessStage;
use crate::auth::roles::UserType;
use crate::auth::server::Visit;
use crate::auth::server::access::begin_as;
use crate::dealers::Brand;
use crate::error::AppError;
use crate::modules::Module;
use crate::modules::pcc::workflow::PccStatus;
use crate::modules::registrations::model::EventKind;
use crate::modules::surveys::model::SurveyKind;
use crate::queue::{QUEUE_MAX, QueueQuery};
use crate::settings::{self, QUEUE_TARGET_HOURS};
use crate::workflow::Step;

/// Steps that are decisions (an approver's, shown on their home).
const DECISIONS: [&str; 8] = [
    "approve",
    "reject",
    "send_back",
    "confirm",
    "mark_attended",
    "mark_no_show",
    "review",
    "complete",
];
/// Timeline entries shown.
const RECENT: i64 = 8;
/// Events shown in the network's figures.
const TOP_EVENTS: i64 = 10;
/// How far ahead a registration deadline becomes a to-do.
const DEADLINE_DAYS: i64 = 14;

/// The home page of the signed-in user; `from`/`to` bound the network's figures.
#[instrument(skip(visit))]
pub async fn home(
    visit: &Visit,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Home, AppError> {
    let session = visit.at_stage(&[AccessStage::Full])?;
    let actor = session.user.actor();
    let today = Utc::now().date_naive();
    let (from, to) = range(from, to, today)?;
    let may = |action: Action, area: Area| authorize(&actor, action, area, Scope::Any).allowed;
    let dealer = if actor.user_type == UserType::Dealer {
        Some(dealer_home(visit, &actor).await?)
    } else {
        None
    };
    let approver = if Module::ALL
        .into_iter()
        .any(|m| may(Action::Approve, Area::Module(m)))
    {
        Some(approver_home(visit, &actor).await?)
    } else {
        None
    };
    let network = if may(Action::View, Area::Dashboard) {
        Some(network_home(visit, from, to).await?)
    } else {
        None
    };
    Ok(Home {
        dealer,
        approver,
        network,
    })
}

fn label_of_step(step: &str) -> String {
    Step::from_key(step).map_or_else(|| step.replace('_', " "), |s| s.label().to_owned())
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    created_at: NaiveDateTime,
    module: Module,
    record_id: Uuid,
    step: String,
    to_status: String,
    actor_name: String,
}

impl From<HistoryRow> for Activity {
    fn from(r: HistoryRow) -> Self {
        Activity {
            at: r.created_at,
            module: r.module,
            href: format!("{}/{}", r.module.href(), r.record_id),
            step: label_of_step(&r.step),
            to_status: r.to_status,
            actor: r.actor_name,
        }
    }
}

async fn dealer_home(visit: &Visit, actor: &Actor) -> Result<DealerHome, AppError> {
    let dealer = actor.dealer_id.ok_or(AppError::NotFound)?;
    let may =
        |action: Action, m: Module| authorize(actor, action, Area::Module(m), Scope::Any).allowed;
    let mut tx = begin_as(&visit.state.pool, actor).await?;
    let dealer_name: String =
        sqlx::query_scalar("SELECT dealer_name::text FROM dealers WHERE id = $1")
            .bind(dealer)
            .fetch_one(&mut *tx)
            .await?;
    let mut todos = Vec::new();
    if may(Action::View, Module::DealerPcc) {
        let open: Vec<(Uuid, Option<String>, PccStatus)> = sqlx::query_as(
            "SELECT id, application_number, status FROM dealer_pcc
              WHERE dealer_id = $1 AND status IN ('draft', 'revision_requested') ORDER BY updated_at",
        )
        .bind(dealer)
        .fetch_all(&mut *tx)
        .await?;
        for (id, number, status) in open {
            let text = if status == PccStatus::Draft {
                "Your PCC application is a draft: complete it and submit it.".to_owned()
            } else {
                format!(
                    "Changes were asked for on {}: make them and resubmit.",
                    number.unwrap_or_default()
                )
            };
            todos.push(Todo {
                text,
                href: format!("{}/{id}", Module::DealerPcc.href()),
                due: None,
            });
        }
    }
    let today = Utc::now().date_naive();
    for &kind in SurveyKind::ALL {
        if !may(Action::Create, kind.module()) {
            continue;
        }
        todos.extend(open_surveys(&mut tx, kind, dealer, today).await?);
    }
    let kinds: Vec<&str> = EventKind::ALL
        .iter()
        .copied()
        .filter(|k| may(Action::Create, k.module()))
        .map(EventKind::key)
        .collect();
    if !kinds.is_empty() {
        let events: Vec<(Uuid, EventKind, String, NaiveDateTime)> = sqlx::query_as(
            "SELECT id, kind, name, registration_deadline FROM events
              WHERE status = 'open' AND kind = ANY($1)
                AND registration_deadline BETWEEN localtimestamp AND localtimestamp + make_interval(days => $2)
              ORDER BY registration_deadline, id LIMIT 5",
        )
        .bind(&kinds)
        .bind(DEADLINE_DAYS as i32)
        .fetch_all(&mut *tx)
        .await?;
        for (id, kind, name, deadline) in events {
            todos.push(Todo {
                text: format!("Registration for {name} closes soon."),
                href: format!("{}/events/{id}", kind.href()),
                due: Some(deadline),
            });
        }
    }
    let visible: Vec<&str> = Module::ALL
        .into_iter()
        .filter(|m| may(Action::View, *m))
        .map(Module::key)
        .collect();
    let recent: Vec<HistoryRow> = sqlx::query_as(
        "SELECT created_at, module, record_id, step, to_status, actor_name::text AS actor_name
           FROM record_history WHERE dealer_id = $1 AND module = ANY($2)
          ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(dealer)
    .bind(&visible)
    .bind(RECENT)
    .fetch_all(&mut *tx)
    .await?;
    let mut scores = Vec::new();
    for &kind in SurveyKind::ALL {
        if may(Action::View, kind.module()) {
            scores.push(score_vs_network(&mut tx, kind, dealer).await?);
        }
    }
    tx.commit().await?;
    Ok(DealerHome {
        dealer_name,
        todos,
        recent: recent.into_iter().map(Activity::from).collect(),
        scores,
    })
}

/// The open periods of `kind` the dealer has not submitted a response to.
async fn open_surveys(
    conn: &mut PgConnection,
    kind: SurveyKind,
    dealer: Uuid,
    today: NaiveDate,
) -> Result<Vec<Todo>, AppError> {
    let table = crate::modules::surveys::server::repo::table(kind);
    let rows: Vec<(String, NaiveDate, Option<Uuid>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT p.name::text, p.ends_on, s.id FROM survey_periods p
           LEFT JOIN {table} s ON s.period_id = p.id AND s.dealer_id = $1
          WHERE p.kind = $2 AND p.starts_on <= $3 AND p.ends_on >= $3
            AND (s.id IS NULL OR s.status = 'draft')
          ORDER BY p.ends_on, p.id"
        )))
        .bind(dealer)
        .bind(kind)
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(period, ends_on, draft)| Todo {
            text: match draft {
                Some(_) => format!(
                    "{} {period}: your draft is not submitted yet.",
                    kind.module().title()
                ),
                None => format!(
                    "{} {period} is open and not answered yet.",
                    kind.module().title()
                ),
            },
            href: draft.map_or_else(|| kind.path().to_owned(), |id| kind.response_href(id)),
            due: ends_on.and_hms_opt(23, 59, 59),
        })
        .collect())
}

/// The dealer's score in the latest period of `kind` they submitted to, and the network's.
async fn score_vs_network(
    conn: &mut PgConnection,
    kind: SurveyKind,
    dealer: Uuid,
) -> Result<ScoreVsNetwork, AppError> {
    let table = crate::modules::surveys::server::repo::table(kind);
    let own: Option<(Uuid, String, Option<i32>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.name::text, round(s.overall_score * 100)::int FROM {table} s
           JOIN survey_periods p ON p.id = s.period_id
          WHERE s.dealer_id = $1 AND s.status <> 'draft'
          ORDER BY p.starts_on DESC, p.id LIMIT 1"
    )))
    .bind(dealer)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((period, name, own_bp)) = own else {
        return Ok(ScoreVsNetwork {
            module: kind.module(),
            period: String::new(),
            own_bp: None,
            network_bp: None,
            responses: 0,
        });
    };
    let (responses, network_bp): (Option<i64>, Option<i32>) =
        sqlx::query_as("SELECT responses, average_bp FROM survey_network($1, $2)")
            .bind(kind)
            .bind(period)
            .fetch_one(&mut *conn)
            .await?;
    Ok(ScoreVsNetwork {
        module: kind.module(),
        period: name,
        own_bp,
        network_bp,
        responses: responses.unwrap_or(0),
    })
}

async fn approver_home(visit: &Visit, actor: &Actor) -> Result<ApproverHome, AppError> {
    let items = crate::queue::server::list(visit, &QueueQuery::default()).await?;
    let mut conn = visit.state.pool.acquire().await?;
    let [target_hours] = settings::ints(&mut conn, [QUEUE_TARGET_HOURS]).await?;
    let now = Utc::now().naive_utc();
    let mut bands = vec![0; super::model::AGE_BANDS.len()];
    let mut by_module: BTreeMap<usize, i64> = BTreeMap::new();
    let mut past_target = 0;
    for item in &items {
        let hours = (now - item.submitted_at).num_hours();
        bands[ApproverHome::band(hours)] += 1;
        if hours >= target_hours {
            past_target += 1;
        }
        let at = Module::ALL
            .iter()
            .position(|m| *m == item.module)
            .unwrap_or_default();
        *by_module.entry(at).or_default() += 1;
    }
    let decisions: Vec<HistoryRow> = sqlx::query_as(
        "SELECT created_at, module, record_id, step, to_status, actor_name::text AS actor_name
           FROM record_history WHERE actor_id = $1 AND step = ANY($2)
          ORDER BY created_at DESC, id DESC LIMIT $3",
    )
    .bind(actor.id)
    .bind(&DECISIONS[..])
    .bind(RECENT)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ApproverHome {
        bands,
        by_module: by_module
            .into_iter()
            .map(|(i, n)| (Module::ALL[i], n))
            .collect(),
        past_target,
        target_hours,
        more: items.len() as i64 >= QUEUE_MAX,
        decisions: decisions.into_iter().map(Activity::from).collect(),
    })
}

/// The first day of each month from `from`'s to `to`'s.
fn months_between(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = from.with_day(1).unwrap_or(from);
    while m <= to {
        out.push(m);
        m = m
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    out
}

async fn network_home(
    visit: &Visit,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<NetworkHome, AppError> {
    let mut conn = visit.state.pool.acquire().await?;
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = (to + Duration::days(1))
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default();
    // Submissions per month and the PCC decisions come from the summary tables the history
    // trigger keeps (migration `network_summary`): a page view reads days, not history rows.
    let counted: Vec<(NaiveDate, Module, i64)> = sqlx::query_as(
        "SELECT date_trunc('month', day)::date, module, sum(submissions)::int8 FROM network_daily
          WHERE day BETWEEN $1 AND $2
          GROUP BY 1, 2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let months = months_between(from, to)
        .into_iter()
        .map(|month| MonthCount {
            month,
            per_module: Module::ALL
                .into_iter()
                .map(|m| {
                    counted
                        .iter()
                        .filter(|(at, module, _)| *at == month && *module == m)
                        .map(|(_, _, n)| n)
                        .sum()
                })
                .collect(),
        })
        .collect();
    let (approved, rejected, median): (i64, i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE approved), count(*) FILTER (WHERE NOT approved),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY hours)
           FROM pcc_decisions WHERE decided_at >= $1 AND decided_at < $2",
    )
    .bind(start)
    .bind(end)
    .fetch_one(&mut *conn)
    .await?;
    let events: Vec<(Uuid, EventKind, String, NaiveDate, i32, i64)> = sqlx::query_as(
        "SELECT e.id, e.kind, e.name::text, e.event_date, e.capacity, COALESCE(c.registered, 0) AS n
           FROM events e LEFT JOIN event_registered c ON c.event_id = e.id
          WHERE e.event_date BETWEEN $1 AND $2
          ORDER BY n DESC, e.event_date, e.id LIMIT $3",
    )
    .bind(from)
    .bind(to)
    .bind(TOP_EVENTS)
    .fetch_all(&mut *conn)
    .await?;
    let banded: Vec<(Option<Brand>, i32, i64, f64)> = sqlx::query_as(
        "SELECT d.brand, LEAST(floor(s.overall_score / 10), 9)::int, count(*), sum(s.overall_score)::float8
           FROM (SELECT dealer_id, overall_score, submitted_at FROM workshop_surveys WHERE status <> 'draft'
                 UNION ALL SELECT dealer_id, overall_score, submitted_at FROM warranty_surveys WHERE status <> 'draft'
                 UNION ALL SELECT dealer_id, overall_score, submitted_at FROM technical_surveys WHERE status <> 'draft') s
           JOIN dealers d ON d.id = s.dealer_id
          WHERE s.submitted_at >= $1 AND s.submitted_at < $2 AND s.overall_score IS NOT NULL
          GROUP BY 1, 2",
    )
    .bind(start)
    .bind(end)
    .fetch_all(&mut *conn)
    .await?;
    let mut brands: Vec<Option<Brand>> = banded.iter().map(|r| r.0).collect();
    brands.sort_by_key(|b| {
        b.map_or(usize::MAX, |b| {
            Brand::ALL.iter().position(|x| *x == b).unwrap_or(0)
        })
    });
    brands.dedup();
    let scores = brands
        .into_iter()
        .map(|brand| {
            let rows: Vec<_> = banded.iter().filter(|r| r.0 == brand).collect();
            let mut bands = vec![0; 10];
            let (mut n, mut sum) = (0, 0.0);
            for r in &rows {
                bands[r.1.clamp(0, 9) as usize] += r.2;
                n += r.2;
                sum += r.3;
            }
            BrandScores {
                brand,
                bands,
                average_bp: (n > 0).then(|| (sum * 100.0 / n as f64).round() as i32),
            }
        })
        .collect();
    Ok(NetworkHome {
        from,
        to,
        months,
        approved,
        rejected,
        median_decision_hours: median,
        events: events
            .into_iter()
            .map(|(id, kind, name, date, capacity, registered)| EventCount {
                id,
                module: kind.module(),
                name,
                date,
                registered,
                capacity,
            })
            .collect(),
        scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_run_from_the_first_to_the_last_month_of_the_range() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            months_between(d(2025, 11, 15), d(2026, 2, 1)),
            vec![d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1), d(2026, 2, 1)]
        );
        assert_eq!(
            months_between(d(2026, 3, 5), d(2026, 3, 6)),
            vec![d(2026, 3, 1)]
        );
    }
}
