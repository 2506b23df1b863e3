//! `server demo-data`: a realistic dealer network in one command, the same for the same seed.
//!
//! Names, cities, streets and phone numbers come from the `fake` crate, drawn from a random
//! generator seeded with `--seed`; everything else (who, which event, which status, which day) is
//! chosen in SQL by `hashtextextended(.., seed)` over the row number, and every id is an md5 of the
//! seed and the row, so two runs with the same seed and anchor day (`--today`) write the same
//! rows. Rows are written set-wise (`INSERT … SELECT generate_series`) in batches, with a
//! progress bar: a million module records take a few minutes on two cores, most of it the audit
//! chain's per-row hashing.
//!
//! What it writes, all anchored to `--today`:
//! - dealers (`DEMO<seed>-00001`…), a few inactive or suspended, and their staff in the four
//!   dealer roles with the role templates' module rights; manufacturer reviewers;
//! - PCC applications over three years, decided by the reviewers (at most one open per dealer);
//! - the event catalogue (API events and MT Meets, past and coming) with registrations;
//! - quarterly periods of the three surveys with scored responses (the current quarter open,
//!   some drafts), scores drawn around a per-brand level so the network figures differ by brand;
//! - each record's timeline (`record_history`), one audit row per record (its latest step,
//!   through the tamper-evident chain) and notifications of the last month's decisions.
//!
//! Record numbers continue from `record_numbers` and leave it at the highest number given, so the
//! app numbers new records after them. Every demo e-mail ends in `.demo.example`; the command
//! refuses a database that holds other users (besides super admins) or dealers unless told
//! `--yes-add-to-existing`, and refuses a seed already generated.

use std::time::Instant;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use fake::Fake;
use fake::faker::address::en::{CityName, StateName, StreetName};
use fake::faker::name::en::{FirstName, LastName};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sqlx::{AssertSqlSafe, ConnectOptions, PgConnection, PgPool};

/// A statement with its arguments bound (owned, so batches can rebind them).
type Query = sqlx::query::Query<'static, sqlx::Postgres, sqlx::postgres::PgArguments>;

use crate::config::DemoDataArgs;

mod registration_columns;
use registration_columns::{API, MT};

/// The password of every generated user (printed at the end).
pub const DEMO_PASSWORD: &str = "Demo-Portal-2026!";
/// Rows written per statement.
const BATCH: i64 = 50_000;
/// Audit rows written per statement: the chain's trigger rewrites its one head row for each, and
/// the versions of that row pile up within a transaction, so a statement's cost grows with the
/// square of its rows.
const AUDIT_BATCH: i64 = 2_000;

/// How many of each thing a run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub dealers: i64,
    pub users_per_dealer: i64,
    pub reviewers: i64,
    pub pcc: i64,
    pub api: i64,
    pub mt: i64,
    /// Responses per survey kind, at most (the participation rate decides).
    pub survey_budget: i64,
    pub api_events: i64,
    pub mt_meets: i64,
}

/// Past quarters each survey has, plus the current one.
const PAST_QUARTERS: i64 = 8;

impl Plan {
    /// Splits `records` over the modules: surveys take up to 30% (one response per dealer, kind
    /// and quarter at most), PCC a quarter of the rest, API registrations half, MT Meets a quarter.
    pub fn new(dealers: i64, users_per_dealer: i64, records: i64) -> Plan {
        let survey_slots = dealers * (PAST_QUARTERS + 1);
        let survey_budget = (records * 3 / 10 / 3).min(survey_slots);
        let rest = records - survey_budget * 3;
        let pcc = rest / 4;
        let mt = rest / 4;
        let api = rest - pcc - mt;
        Plan {
            dealers,
            users_per_dealer,
            reviewers: (dealers / 40).clamp(3, 50),
            pcc,
            api,
            mt,
            survey_budget,
            api_events: (api / 120).max(4),
            mt_meets: (mt / 60).max(3),
        }
    }

    /// The rows the progress bar counts: people, records (survey slots, of which a share is
    /// taken), and an audit row per record.
    fn rows(&self) -> u64 {
        let people = self.dealers * (self.users_per_dealer + 1) + self.reviewers;
        let slots = self.dealers * (PAST_QUARTERS + 1) * 3;
        let records = self.pcc + self.api + self.mt + self.survey_budget * 3;
        (people + self.pcc + self.api + self.mt + slots + records) as u64
    }
}

/// Word pools drawn from `fake` with the seeded generator.
struct Pools {
    first: Vec<String>,
    last: Vec<String>,
    cities: Vec<String>,
    states: Vec<String>,
    streets: Vec<String>,
}

impl Pools {
    fn new(seed: u64) -> Pools {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut draw = |n: usize, f: &mut dyn FnMut(&mut StdRng) -> String| -> Vec<String> {
            (0..n).map(|_| f(&mut rng)).collect()
        };
        Pools {
            first: draw(400, &mut |r| FirstName().fake_with_rng(r)),
            last: draw(400, &mut |r| LastName().fake_with_rng(r)),
            cities: draw(150, &mut |r| CityName().fake_with_rng(r)),
            states: draw(30, &mut |r| StateName().fake_with_rng(r)),
            streets: draw(200, &mut |r| StreetName().fake_with_rng(r)),
        }
    }
}

/// Runs the generator against `pool`.
pub async fn run(pool: &PgPool, args: &DemoDataArgs) -> anyhow::Result<()> {
    let today = args
        .today
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let plan = Plan::new(
        i64::from(args.dealers),
        i64::from(args.users_per_dealer),
        args.records as i64,
    );
    // One connection of its own (the session's helper functions live on it), without the pool's
    // slow-statement warnings: every batch here is a slow statement by design.
    let mut conn = (*pool.connect_options())
        .clone()
        .disable_statement_logging()
        .connect()
        .await?;
    check_target(&mut conn, args.seed, args.yes_add_to_existing).await?;
    let started = Instant::now();
    let bar = ProgressBar::new(plan.rows());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<28} [{bar:40}] {percent:>3}% {elapsed}")
            .context("progress bar template")?
            .progress_chars("=> "),
    );
    let hash = app::auth::server::password::hash_password(DEMO_PASSWORD)
        .map_err(|e| anyhow::anyhow!("hashing the demo password: {e}"))?;
    let g = Generator {
        seed: args.seed as i64,
        today,
        plan,
        pools: Pools::new(args.seed),
        bar: bar.clone(),
    };
    g.helpers(&mut conn).await?;
    g.people(&mut conn, &hash).await?;
    g.pcc(&mut conn).await?;
    g.registrations(&mut conn).await?;
    g.surveys(&mut conn).await?;
    g.audit_and_notifications(&mut conn).await?;
    bar.set_message("analysing");
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await?;
    bar.finish_with_message("done");
    let counts: (i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM dealers WHERE dealer_code LIKE $1),
                (SELECT count(*) FROM dealer_pcc p JOIN dealers d ON d.id = p.dealer_id WHERE d.dealer_code LIKE $1),
                (SELECT count(*) FROM api_registrations r JOIN dealers d ON d.id = r.dealer_id WHERE d.dealer_code LIKE $1)
                + (SELECT count(*) FROM mt_meet_registrations r JOIN dealers d ON d.id = r.dealer_id WHERE d.dealer_code LIKE $1),
                (SELECT count(*) FROM workshop_surveys s JOIN dealers d ON d.id = s.dealer_id WHERE d.dealer_code LIKE $1)
                + (SELECT count(*) FROM warranty_surveys s JOIN dealers d ON d.id = s.dealer_id WHERE d.dealer_code LIKE $1)
                + (SELECT count(*) FROM technical_surveys s JOIN dealers d ON d.id = s.dealer_id WHERE d.dealer_code LIKE $1),
                (SELECT count(*) FROM users WHERE email LIKE $2)",
    )
    .bind(format!("DEMO{}-%", args.seed))
    .bind(format!("%{}", g.domain_tail()))
    .fetch_one(&mut conn)
    .await?;
    println!(
        "Generated in {:.1} s: {} dealers, {} users, {} PCC applications, {} registrations, {} survey responses.",
        started.elapsed().as_secs_f64(),
        counts.0,
        counts.4,
        counts.1,
        counts.2,
        counts.3
    );
    println!(
        "Sign in as any generated user with the password {DEMO_PASSWORD}, e.g. {}.",
        g.sample_login(&mut conn).await?
    );
    Ok(())
}

/// Refuses a database with real users or dealers (unless `add`), a seed already generated, and
/// surveys without published forms.
async fn check_target(conn: &mut PgConnection, seed: u64, add: bool) -> anyhow::Result<()> {
    let seeded: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dealers WHERE dealer_code LIKE $1)")
            .bind(format!("DEMO{seed}-%"))
            .fetch_one(&mut *conn)
            .await?;
    if seeded {
        bail!("demo data of seed {seed} is already in this database; choose another --seed");
    }
    let (users, dealers): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM users WHERE email NOT LIKE '%.demo.example' AND role <> 'super_admin'),
                (SELECT count(*) FROM dealers WHERE dealer_code NOT LIKE 'DEMO%')",
    )
    .fetch_one(&mut *conn)
    .await?;
    let published: i64 =
        sqlx::query_scalar("SELECT count(*) FROM survey_forms WHERE status = 'published'")
            .fetch_one(&mut *conn)
            .await?;
    if published < 3 {
        bail!("the surveys have no published forms; run `server migrate` first");
    }
    if (users > 0 || dealers > 0) && !add {
        bail!(
            "this database holds {users} users and {dealers} dealers that are not demo data; \
             demo data is meant for an empty portal. Pass --yes-add-to-existing to add it anyway."
        );
    }
    Ok(())
}

struct Generator {
    seed: i64,
    today: NaiveDate,
    plan: Plan,
    pools: Pools,
    bar: ProgressBar,
}

impl Generator {
    /// The e-mail domain ending of this seed's people.
    fn domain_tail(&self) -> String {
        format!(".s{}.demo.example", self.seed)
    }

    /// Session helpers: `pg_temp.h(salt, i)`, a stable hash of the seed, a salt and a row number
    /// (0 to 2^31 - 1), and `pg_temp.pick(pool, salt, i)`, a word of a pool.
    async fn helpers(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        sqlx::raw_sql(AssertSqlSafe(format!(
            "CREATE OR REPLACE FUNCTION pg_temp.h(salt text, i bigint) RETURNS bigint
               LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended(salt || ':' || i, {seed}) & 2147483647 $$;
             CREATE OR REPLACE FUNCTION pg_temp.pick(pool text[], salt text, i bigint) RETURNS text
               LANGUAGE sql IMMUTABLE AS $$ SELECT pool[1 + pg_temp.h(salt, i) % cardinality(pool)] $$;
             CREATE OR REPLACE FUNCTION pg_temp.uid(kind text, i bigint) RETURNS uuid
               LANGUAGE sql IMMUTABLE AS $$ SELECT md5('{seed}:' || kind || ':' || i)::uuid $$;",
            seed = self.seed
        )))
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Runs `sql` for `1..=total` in batches of `batch` rows (`$1`, `$2`: the batch's first and last
    /// row), each its own transaction, advancing the bar by its rows.
    async fn batches(
        &self,
        conn: &mut PgConnection,
        message: &'static str,
        total: i64,
        batch: i64,
        sql: &str,
        bind: impl Fn(Query) -> Query,
    ) -> anyhow::Result<()> {
        self.bar.set_message(message);
        let mut from = 1;
        while from <= total {
            let to = (from + batch - 1).min(total);
            let q = sqlx::query(AssertSqlSafe(sql.to_owned()))
                .bind(from)
                .bind(to);
            bind(q)
                .execute(&mut *conn)
                .await
                .with_context(|| format!("{message} (rows {from} to {to})"))?;
            self.bar.inc((to - from + 1) as u64);
            from = to + 1;
        }
        Ok(())
    }

    async fn people(&self, conn: &mut PgConnection, hash: &str) -> anyhow::Result<()> {
        let p = &self.pools;
        let (seed, today, tail) = (self.seed, self.today, self.domain_tail());
        self.batches(
            conn,
            "dealers",
            self.plan.dealers,
            BATCH,
            include_str!("demo_data/dealers.sql"),
            |q| {
                q.bind(seed)
                    .bind(today)
                    .bind(p.last.clone())
                    .bind(p.cities.clone())
                    .bind(p.states.clone())
                    .bind(p.streets.clone())
            },
        )
        .await?;
        let staff = self.plan.dealers * self.plan.users_per_dealer;
        self.batches(
            conn,
            "dealer staff",
            staff,
            BATCH,
            include_str!("demo_data/users.sql"),
            |q| {
                q.bind(seed)
                    .bind(today)
                    .bind(p.first.clone())
                    .bind(p.last.clone())
                    .bind(self.plan.users_per_dealer)
                    .bind(hash.to_owned())
                    .bind(tail.clone())
            },
        )
        .await?;
        self.batches(
            conn,
            "reviewers",
            self.plan.reviewers,
            BATCH,
            include_str!("demo_data/reviewers.sql"),
            |q| {
                q.bind(seed)
                    .bind(today)
                    .bind(p.first.clone())
                    .bind(p.last.clone())
                    .bind(hash.to_owned())
                    .bind(tail.clone())
            },
        )
        .await?;
        self.bar.set_message("module rights");
        sqlx::query(include_str!("demo_data/rights.sql"))
            .bind(format!("%{tail}"))
            .bind(today)
            .execute(&mut *conn)
            .await
            .context("module rights")?;
        Ok(())
    }

    async fn pcc(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let (seed, today, plan) = (self.seed, self.today, self.plan);
        self.batches(
            conn,
            "PCC applications",
            plan.pcc,
            BATCH,
            include_str!("demo_data/pcc.sql"),
            |q| {
                q.bind(seed)
                    .bind(today)
                    .bind(plan.dealers)
                    .bind(plan.reviewers)
                    .bind(plan.pcc)
                    .bind(plan.users_per_dealer)
            },
        )
        .await?;
        number_counters(conn, "PCC", "dealer_pcc", "application_number").await
    }

    async fn registrations(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let p = &self.pools;
        let (seed, today, plan) = (self.seed, self.today, self.plan);
        self.bar.set_message("event catalogue");
        sqlx::query(include_str!("demo_data/events.sql"))
            .bind(seed)
            .bind(today)
            .bind(plan.api_events)
            .bind(plan.mt_meets)
            .bind(p.cities.clone())
            .execute(&mut *conn)
            .await
            .context("event catalogue")?;
        for (cols, total, events) in [
            (&API, plan.api, plan.api_events),
            (&MT, plan.mt, plan.mt_meets),
        ] {
            let sql = cols.statement(include_str!("demo_data/registrations.sql"));
            self.batches(conn, "registrations", total, BATCH, &sql, |q| {
                q.bind(seed)
                    .bind(today)
                    .bind(plan.dealers)
                    .bind(plan.users_per_dealer)
                    .bind(events)
                    .bind(p.first.clone())
                    .bind(p.last.clone())
                    .bind(plan.reviewers)
            })
            .await?;
        }
        number_counters(conn, "API", "api_registrations", "registration_number").await?;
        number_counters(conn, "MTM", "mt_meet_registrations", "registration_number").await
    }

    async fn surveys(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        let (seed, today, plan) = (self.seed, self.today, self.plan);
        self.bar.set_message("survey periods");
        sqlx::query(include_str!("demo_data/periods.sql"))
            .bind(today)
            .bind(PAST_QUARTERS)
            .execute(&mut *conn)
            .await
            .context("survey periods")?;
        // Participation: as many responses as the budget allows, up to nine in ten.
        let slots = plan.dealers * (PAST_QUARTERS + 1);
        let per_mille = (plan.survey_budget * 1000 / slots.max(1)).min(900);
        for (kind, table, prefix) in [
            ("workshop", "workshop_surveys", "WSS"),
            ("warranty", "warranty_surveys", "WRS"),
            ("technical", "technical_surveys", "TAS"),
        ] {
            let sql = include_str!("demo_data/surveys.sql").replace("{table}", table);
            self.batches(conn, "survey responses", slots, BATCH, &sql, |q| {
                q.bind(seed)
                    .bind(today)
                    .bind(plan.dealers)
                    .bind(plan.users_per_dealer)
                    .bind(plan.reviewers)
                    .bind(kind)
                    .bind(prefix)
                    .bind(per_mille)
                    .bind(PAST_QUARTERS + 1)
            })
            .await?;
            number_counters(conn, prefix, table, "survey_number").await?;
        }
        Ok(())
    }

    /// One audit row per record (its latest step, through the chain) and notifications of the
    /// last month's steps to the dealer's users who made the record.
    async fn audit_and_notifications(&self, conn: &mut PgConnection) -> anyhow::Result<()> {
        self.bar.set_message("audit trail");
        let pattern = format!("DEMO{}-%", self.seed);
        sqlx::query(include_str!("demo_data/audit_plan.sql"))
            .bind(&pattern)
            .execute(&mut *conn)
            .await
            .context("audit plan")?;
        let planned: i64 = sqlx::query_scalar("SELECT count(*) FROM demo_audit")
            .fetch_one(&mut *conn)
            .await?;
        self.batches(
            conn,
            "audit trail",
            planned,
            AUDIT_BATCH,
            include_str!("demo_data/audit.sql"),
            |q| q,
        )
        .await?;
        sqlx::raw_sql("DROP TABLE demo_audit")
            .execute(&mut *conn)
            .await?;
        self.bar.set_message("notifications");
        sqlx::query(include_str!("demo_data/notifications.sql"))
            .bind(&pattern)
            .bind(self.today)
            .execute(&mut *conn)
            .await
            .context("notifications")?;
        Ok(())
    }

    async fn sample_login(&self, conn: &mut PgConnection) -> anyhow::Result<String> {
        let email: Option<String> = sqlx::query_scalar(
            "SELECT u.email::text FROM users u JOIN dealers d ON d.id = u.dealer_id
              WHERE u.email LIKE $1 AND u.role = 'service_head' AND d.status = 'active'
              ORDER BY d.dealer_code LIMIT 1",
        )
        .bind(format!("%{}", self.domain_tail()))
        .fetch_optional(&mut *conn)
        .await?;
        Ok(email.unwrap_or_else(|| "(no dealer user generated)".into()))
    }
}

/// Leaves `record_numbers` at the highest number of each year in `table`, so the app numbers new
/// records after the generated ones.
async fn number_counters(
    conn: &mut PgConnection,
    prefix: &str,
    table: &str,
    column: &str,
) -> anyhow::Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO record_numbers (prefix, year, last_value)
         SELECT $1, (m[1])::int, max((m[2])::int)
           FROM (SELECT regexp_match({column}, '^' || $1 || '-(\\d{{4}})-(\\d{{6}})$') AS m FROM {table}) n
          WHERE m IS NOT NULL GROUP BY m[1]
         ON CONFLICT (prefix, year) DO UPDATE SET last_value = GREATEST(record_numbers.last_value, EXCLUDED.last_value)"
    )))
    .bind(prefix)
    .execute(&mut *conn)
    .await
    .with_context(|| format!("number counters of {table}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_spreads_records_over_the_modules_and_keeps_surveys_within_their_slots() {
        let p = Plan::new(500, 4, 1_000_000);
        assert_eq!(
            p.survey_budget,
            500 * 9,
            "one response per dealer, kind and quarter at most"
        );
        assert_eq!(p.pcc + p.api + p.mt + p.survey_budget * 3, 1_000_000);
        assert!(p.api > p.pcc && p.api > p.mt);
        let small = Plan::new(10, 2, 1_000);
        assert_eq!(small.survey_budget, 90, "10 dealers x 9 quarters");
        assert_eq!(small.reviewers, 3);
        assert!(small.api_events >= 4 && small.mt_meets >= 3);
    }

    #[test]
    fn the_same_seed_draws_the_same_words_and_another_seed_others() {
        let (a, b, c) = (Pools::new(7), Pools::new(7), Pools::new(8));
        assert_eq!(a.first, b.first);
        assert_eq!(a.cities, b.cities);
        assert_ne!(a.last, c.last);
    }
}
