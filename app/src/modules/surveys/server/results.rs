//! The results of a survey: the network's figures through the aggregate-only SQL functions
//! (`survey_network*`, which a dealer user's transaction may call but whose rows it may not
//! read), the dealer's own through row-level security, and, for manufacturer staff, each
//! dealer's scores over the trend's periods.

use std::collections::HashMap;

use tracing::instrument;
use uuid::Uuid;

use super::super::model::answers::Stored;
use super::super::model::{
    DealerTrend, MIN_NETWORK, Network, Own, PeriodRef, QuestionResult, Results, ResultsQuery,
    SurveyKind, TREND_DEALERS, TREND_PERIODS, TrendPoint,
};
use super::{forms, repo};
use crate::auth::server::Ctx;
use crate::error::AppError;
use crate::list::search_text;
use crate::list::sql::{capped_count, contains_pattern};

fn bp(v: Option<i32>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

/// The results page of `kind` for the period `q` names (the latest started one when none).
#[instrument(skip(ctx, q), fields(actor = %ctx.actor.id, kind = kind.key()))]
pub async fn results(ctx: &Ctx, kind: SurveyKind, q: &ResultsQuery) -> Result<Results, AppError> {
    let dealer_search = search_text("dealer", &q.dealer)?;
    let own_dealer = ctx.actor.dealer_id;
    let mut tx = ctx.begin().await?;
    let today = super::service::today();
    let periods: Vec<(Uuid, String, chrono::NaiveDate, chrono::NaiveDate)> = sqlx::query_as(
        "SELECT id, name::text, starts_on, ends_on FROM survey_periods WHERE kind = $1 ORDER BY starts_on DESC, id",
    )
    .bind(kind)
    .fetch_all(&mut *tx)
    .await?;
    let chosen = match q.period {
        Some(id) => periods.iter().position(|p| p.0 == id),
        None => periods.iter().position(|p| p.2 <= today),
    };
    let refs: Vec<PeriodRef> = periods
        .iter()
        .map(|p| PeriodRef {
            id: p.0,
            name: p.1.clone(),
        })
        .collect();
    let Some(chosen) = chosen else {
        tx.commit().await?;
        return Ok(Results {
            kind,
            periods: refs,
            period: None,
            network: Network::default(),
            own: None,
            questions: Vec::new(),
            trend: Vec::new(),
            dealers: Vec::new(),
            dealers_total: 0,
        });
    };
    let period = refs[chosen].clone();
    // Periods whose figures no longer move: over, and (a send-back needs an open period) final.
    let closed: std::collections::HashSet<Uuid> = periods
        .iter()
        .filter(|p| p.3 < today)
        .map(|p| p.0)
        .collect();
    // A network figure a dealer user sees must stand for enough other dealers, and be final: a
    // live average seen before and after one more submission would give that submission away.
    let shown_for = |period: Uuid, others: i64, v: Option<i32>| {
        bp(v)
            .filter(|_| own_dealer.is_none() || (closed.contains(&period) && others >= MIN_NETWORK))
    };

    // The trend: up to TREND_PERIODS periods ending with the chosen one, oldest first.
    let trend_refs: Vec<PeriodRef> = refs[chosen..]
        .iter()
        .take(TREND_PERIODS as usize)
        .rev()
        .cloned()
        .collect();
    let trend_ids: Vec<Uuid> = trend_refs.iter().map(|p| p.id).collect();
    // The dealer's own responses over the trend's periods (row-level security keeps them to its
    // own), with the answers' scores of the chosen period's only.
    let table = repo::table(kind);
    let own_rows: Vec<(Uuid, Uuid, Option<i32>, Option<serde_json::Value>)> = match own_dealer {
        Some(dealer) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT id, period_id, CASE WHEN status <> 'draft' THEN (overall_score * 100)::int4 END, \
                        CASE WHEN period_id = $3 THEN responses END \
                   FROM {table} WHERE dealer_id = $1 AND period_id = ANY($2)"
            )))
            .bind(dealer)
            .bind(&trend_ids)
            .bind(period.id)
            .fetch_all(&mut *tx)
            .await?
        }
        None => Vec::new(),
    };
    let (responses, average, bands): (i64, Option<i32>, Vec<i64>) =
        sqlx::query_as("SELECT responses, average_bp, bands FROM survey_network($1, $2)")
            .bind(kind)
            .bind(period.id)
            .fetch_one(&mut *tx)
            .await?;
    let own_in = |p: Uuid| -> i64 { i64::from(own_rows.iter().any(|r| r.1 == p && r.2.is_some())) };
    let network = Network {
        responses,
        average: shown_for(period.id, responses - own_in(period.id), average),
        distribution: if own_dealer.is_none() {
            bands
        } else {
            Vec::new()
        },
    };

    let own_by_period: HashMap<Uuid, (Uuid, Option<i32>, &Option<serde_json::Value>)> = own_rows
        .iter()
        .map(|(id, p, s, r)| (*p, (*id, *s, r)))
        .collect();
    let own = own_dealer.map(|_| {
        let mine = own_by_period.get(&period.id);
        Own {
            response: mine.map(|m| m.0),
            score: mine.and_then(|m| bp(m.1)),
        }
    });
    let own_questions: HashMap<String, u32> = own_by_period
        .get(&period.id)
        .filter(|m| m.1.is_some())
        .and_then(|m| m.2.clone())
        .and_then(|v| serde_json::from_value::<Stored>(v).ok())
        .and_then(|s| s.score)
        .map(|s| s.questions.into_iter().collect())
        .unwrap_or_default();

    // Question by question, labelled by the form published now.
    let per_question: Vec<(String, i64, Option<i32>)> = sqlx::query_as(
        "SELECT question, answered, average_bp FROM survey_network_questions($1, $2)",
    )
    .bind(kind)
    .bind(period.id)
    .fetch_all(&mut *tx)
    .await?;
    let (_, definition) = forms::published(&mut tx, kind).await?;
    let mut figures: HashMap<String, (i64, Option<i32>)> = per_question
        .into_iter()
        .map(|(q, n, a)| (q, (n, a)))
        .collect();
    let mut questions = Vec::new();
    for s in &definition.sections {
        for question in s.questions.iter().filter(|q| q.scored()) {
            let (answered, avg) = figures.remove(&question.id).unwrap_or((0, None));
            questions.push(QuestionResult {
                id: question.id.clone(),
                label: question.label.clone(),
                section: s.title.clone(),
                answered,
                network: shown_for(period.id, answered - own_in(period.id), avg),
                own: own_questions.get(&question.id).copied(),
            });
        }
    }
    // Questions answered in this period but removed from the form since.
    let mut gone: Vec<_> = figures.into_iter().collect();
    gone.sort();
    for (id, (answered, avg)) in gone {
        questions.push(QuestionResult {
            label: id.clone(),
            id: id.clone(),
            section: "Removed from the current form".into(),
            answered,
            network: shown_for(period.id, answered - own_in(period.id), avg),
            own: own_questions.get(&id).copied(),
        });
    }

    let network_trend: HashMap<Uuid, (i64, Option<i32>)> =
        sqlx::query_as::<_, (Uuid, i64, Option<i32>)>(
            "SELECT period_id, responses, average_bp FROM survey_network_trend($1)",
        )
        .bind(kind)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(p, n, a)| (p, (n, a)))
        .collect();
    let trend = trend_refs
        .iter()
        .map(|p| {
            let (n, a) = network_trend.get(&p.id).copied().unwrap_or((0, None));
            TrendPoint {
                period: p.clone(),
                responses: n,
                network: shown_for(p.id, n - own_in(p.id), a),
                own: own_by_period.get(&p.id).and_then(|m| bp(m.1)),
            }
        })
        .collect();

    // Each dealer's scores over those periods (manufacturer staff only).
    let (mut dealers, mut dealers_total) = (Vec::new(), 0);
    if own_dealer.is_none() {
        let push_where = |qb: &mut sqlx::QueryBuilder<sqlx::Postgres>| {
            qb.push(" FROM dealers d WHERE d.status = 'active'");
            if let Some(s) = &dealer_search {
                qb.push(" AND lower(d.dealer_code::text || ' ' || d.dealer_name::text) LIKE ")
                    .push_bind(contains_pattern(s));
            }
        };
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(
            "SELECT d.id, d.dealer_code::text, d.dealer_name::text",
        );
        push_where(&mut qb);
        qb.push(" ORDER BY d.dealer_code::text, d.id LIMIT ")
            .push_bind(TREND_DEALERS);
        let listed: Vec<(Uuid, String, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
        let ids: Vec<Uuid> = listed.iter().map(|d| d.0).collect();
        let period_ids: Vec<Uuid> = trend_refs.iter().map(|p| p.id).collect();
        let scores: HashMap<(Uuid, Uuid), Option<i32>> =
            sqlx::query_as::<_, (Uuid, Uuid, Option<i32>)>(sqlx::AssertSqlSafe(format!(
                "SELECT dealer_id, period_id, (overall_score * 100)::int4 FROM {table} \
                  WHERE dealer_id = ANY($1) AND period_id = ANY($2) AND status <> 'draft'"
            )))
            .bind(&ids)
            .bind(&period_ids)
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|(d, p, s)| ((d, p), s))
            .collect();
        dealers = listed
            .into_iter()
            .map(|(id, code, name)| DealerTrend {
                dealer_code: code,
                dealer_name: name,
                scores: period_ids
                    .iter()
                    .map(|p| {
                        scores
                            .get(&(id, *p))
                            .copied()
                            .flatten()
                            .and_then(|s| bp(Some(s)))
                    })
                    .collect(),
            })
            .collect();
        dealers_total = capped_count(&mut tx, push_where).await?;
    }
    tx.commit().await?;
    Ok(Results {
        kind,
        periods: refs,
        period: Some(period),
        network,
        own,
        questions,
        trend,
        dealers,
        dealers_total,
    })
}
