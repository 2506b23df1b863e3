//! Reminders: a dealer with no submitted response to an open period hears of it 7 days and
//! 1 day before the period ends (a notification to its staff who fill that survey, and an e-mail
//! when `notifications.email_survey_reminders` is on). Each reminder is recorded in
//! `survey_reminders` in the transaction that sends it, so a restart never sends one twice.
//! The server runs [`send_due`] every few minutes; a reminder missed while it was down goes out
//! late rather than never (the 7-day one until 2 days are left).

use std::collections::HashMap;

use chrono::NaiveDate;
use uuid::Uuid;

use super::super::model::{REMINDER_DAYS, SurveyKind};
use super::repo;
use crate::error::AppError;
use crate::modules::Module;
use crate::notifications::server::notify;
use crate::notifications::{Notice, NoticeKind};
use crate::settings::{self, EMAIL_SURVEY_REMINDERS};

/// Sends the reminders due on `today`; answers how many dealers were reminded.
pub async fn send_due(
    pool: &sqlx::PgPool,
    today: NaiveDate,
    public_url: &str,
) -> Result<u64, AppError> {
    let mut sent = 0;
    for &kind in SurveyKind::ALL {
        for (i, &days) in REMINDER_DAYS.iter().enumerate() {
            // The window of this reminder: from `days` left down to just above the next one.
            let lowest = REMINDER_DAYS.get(i + 1).map_or(0, |next| next + 1);
            sent += send(pool, kind, today, days, lowest, public_url).await?;
        }
    }
    Ok(sent)
}

async fn send(
    pool: &sqlx::PgPool,
    kind: SurveyKind,
    today: NaiveDate,
    days: i32,
    lowest: i32,
    public_url: &str,
) -> Result<u64, AppError> {
    let mut tx = pool.begin().await?;
    let sql = format!(
        "WITH due AS ( \
           INSERT INTO survey_reminders (period_id, dealer_id, days_before) \
           SELECT p.id, d.id, $2 FROM survey_periods p CROSS JOIN dealers d \
            WHERE p.kind = $1 AND d.status = 'active' AND p.starts_on <= $3 \
              AND (p.ends_on - $3) BETWEEN $4 AND $2 \
              AND NOT EXISTS (SELECT 1 FROM {} s WHERE s.period_id = p.id AND s.dealer_id = d.id \
                                 AND s.status <> 'draft') \
           ON CONFLICT DO NOTHING RETURNING period_id, dealer_id) \
         SELECT due.dealer_id, p.name::text, p.ends_on, \
                EXISTS (SELECT 1 FROM {0} s WHERE s.period_id = p.id AND s.dealer_id = due.dealer_id) \
           FROM due JOIN survey_periods p ON p.id = due.period_id",
        repo::table(kind)
    );
    let due: Vec<(Uuid, String, NaiveDate, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind)
        .bind(days)
        .bind(today)
        .bind(lowest)
        .fetch_all(&mut *tx)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let dealers: Vec<Uuid> = due.iter().map(|d| d.0).collect();
    let staff: Vec<(Uuid, Uuid, Option<String>)> = sqlx::query_as(
        "SELECT u.dealer_id, u.id, u.email::text FROM users u \
           JOIN module_access m ON m.user_id = u.id AND m.module = $1 AND m.can_create IS TRUE \
          WHERE u.dealer_id = ANY($2) AND u.is_active IS TRUE",
    )
    .bind(kind.module() as Module)
    .bind(&dealers)
    .fetch_all(&mut *tx)
    .await?;
    let mut by_dealer: HashMap<Uuid, Vec<(Uuid, Option<String>)>> = HashMap::new();
    for (dealer, user, email) in staff {
        by_dealer.entry(dealer).or_default().push((user, email));
    }
    let email = settings::switch(&mut tx, EMAIL_SURVEY_REMINDERS).await?;
    let title = kind.module().title();
    for (dealer, period, ends, started) in &due {
        let Some(people) = by_dealer.get(dealer) else {
            continue;
        };
        let left = (*ends - today).num_days();
        let when = match left {
            0 => "today".to_owned(),
            1 => "tomorrow".to_owned(),
            n => format!("in {n} days"),
        };
        let notice = Notice {
            title: format!("{title}: {period} closes {when}"),
            message: format!(
                "Your dealer has not submitted the {} for {period} yet{}. It closes on {}.",
                kind.noun(),
                if *started {
                    " (a draft is started)"
                } else {
                    ""
                },
                crate::components::time::day_month_year(ends)
            ),
            kind: NoticeKind::Warning,
            link: Some(kind.path().to_owned()),
        };
        let users: Vec<Uuid> = people.iter().map(|p| p.0).collect();
        notify(&mut tx, &users, &notice).await?;
        if email {
            for address in people.iter().filter_map(|p| p.1.as_deref()) {
                let body = format!(
                    "{}\n\nOpen it: {public_url}{}\n\nYou get this e-mail because survey reminders are sent by e-mail; the portal's notifications show them too.",
                    notice.message,
                    kind.path()
                );
                crate::mail::enqueue(&mut tx, address, &notice.title, &body).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(due.len() as u64)
}
