//! The migrations reproduce the seed schema exactly, and its constraints and triggers hold.

use std::collections::BTreeSet;

use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

/// The seed schema document as the product owner wrote it (a copy of shared/seed/000_*.txt).
const SEED: &str = include_str!("fixtures/seed_schema.md");

/// The DDL blocks of the seed document (its INSERT examples are data, not schema).
fn seed_ddl_blocks() -> Vec<&'static str> {
    SEED.split("```sql\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .filter(|block| !block.trim_start().starts_with("INSERT"))
        .collect()
}

/// Applies the seed's DDL into `schema` in whatever order PostgreSQL accepts: the document creates
/// `users` before the `dealers` it references, so failed blocks are retried after the others.
async fn apply_seed(conn: &mut PgConnection, schema: &str) {
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE SCHEMA {schema}; SET search_path TO {schema}"
    )))
    .execute(&mut *conn)
    .await
    .unwrap();
    let mut pending = seed_ddl_blocks();
    assert!(pending.len() >= 15, "the seed has 14 tables and 2 views");
    while !pending.is_empty() {
        let before = pending.len();
        let mut failed = Vec::new();
        let mut last_error = None;
        for block in pending {
            if let Err(e) = sqlx::raw_sql(AssertSqlSafe(block))
                .execute(&mut *conn)
                .await
            {
                last_error = Some(e);
                failed.push(block);
            }
        }
        assert!(
            failed.len() < before,
            "seed blocks cannot be applied in any order: {last_error:?}"
        );
        pending = failed;
    }
}

/// Every schema item of `schema`, printed the way PostgreSQL itself describes it, with the schema
/// name removed so two schemas can be compared.
async fn catalog(conn: &mut PgConnection, schema: &str) -> BTreeSet<String> {
    sqlx::raw_sql(AssertSqlSafe(format!("SET search_path TO {schema}")))
        .execute(&mut *conn)
        .await
        .unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(
        r#"
        SELECT format('column %s.%s %s len=%s prec=%s scale=%s nullable=%s default=%s',
                      table_name, column_name, data_type, character_maximum_length,
                      numeric_precision, numeric_scale, is_nullable, column_default)
          FROM information_schema.columns WHERE table_schema = $1
        UNION ALL
        SELECT format('constraint %s %s %s', c.relname, k.conname, pg_get_constraintdef(k.oid))
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1
        UNION ALL
        SELECT format('index %s %s', i.indexname, i.indexdef)
          FROM pg_indexes i WHERE i.schemaname = $1
        UNION ALL
        SELECT format('view %s %s', v.viewname, pg_get_viewdef(format('%I.%I', $1, v.viewname)::regclass))
          FROM pg_views v WHERE v.schemaname = $1
        UNION ALL
        SELECT format('table %s', t.tablename) FROM pg_tables t WHERE t.schemaname = $1
        "#,
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(item,)| item.replace(&format!("{schema}."), ""))
        .collect()
}

/// The seed's items the migrations change on purpose, each with its reason.
const INTENDED_CHANGES: &[(&str, &str)] = &[
    (
        "column dealer_pcc.application_number character varying len=50 prec= scale= nullable=NO default=",
        "a draft has no number until it is submitted (migration 20261202000001)",
    ),
    (
        "index idx_module_access_user CREATE INDEX idx_module_access_user ON module_access USING btree (user_id)",
        "replaced by idx_module_access_grants, which also holds the flags (migration 20261211000001)",
    ),
];

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn migrations_create_every_seed_table_column_constraint_index_and_view_unchanged(
    pool: PgPool,
) {
    let mut conn = pool.acquire().await.unwrap();
    apply_seed(&mut conn, "seed").await;
    let seed = catalog(&mut conn, "seed").await;
    let migrated = catalog(&mut conn, "public").await;

    let tables = seed.iter().filter(|i| i.starts_with("table ")).count();
    let views = seed.iter().filter(|i| i.starts_with("view ")).count();
    let checks = seed.iter().filter(|i| i.contains(" CHECK ")).count();
    assert_eq!(
        (tables, views),
        (14, 2),
        "the seed defines 14 tables and 2 views"
    );
    // role, user_type, brand, dealer status, module, 6 workflow statuses, notification type.
    assert_eq!(checks, 12, "the seed has a CHECK per enumerated column");

    let missing: Vec<_> = seed
        .difference(&migrated)
        .filter(|item| !INTENDED_CHANGES.iter().any(|(changed, _)| item == changed))
        .collect();
    assert!(
        missing.is_empty(),
        "schema items of the seed that the migrations lack or change:\n{missing:#?}"
    );
    // Each intended change is still needed: the list cannot go stale.
    for (item, why) in INTENDED_CHANGES {
        assert!(
            seed.contains(*item) && !migrated.contains(*item),
            "listed as changed but unchanged: {item} ({why})"
        );
    }
}

async fn violated_constraint(pool: &PgPool, sql: &'static str) -> String {
    let err = sqlx::query(sql)
        .execute(pool)
        .await
        .expect_err("must be rejected");
    err.as_database_error()
        .and_then(|e| e.constraint())
        .unwrap_or_else(|| panic!("not a constraint violation: {err}"))
        .to_owned()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn seed_check_constraints_reject_unknown_roles_modules_and_statuses(pool: PgPool) {
    assert_eq!(
        violated_constraint(
            &pool,
            "INSERT INTO users (email, password_hash, name, role, user_type)
             VALUES ('a@b.co', 'x', 'A', 'janitor', 'manufacturer')"
        )
        .await,
        "users_role_check"
    );
    assert_eq!(
        violated_constraint(
            &pool,
            "INSERT INTO users (email, password_hash, name, role, user_type)
             VALUES ('a@b.co', 'x', 'A', 'super_admin', 'contractor')"
        )
        .await,
        "users_user_type_check"
    );
    assert_eq!(
        violated_constraint(
            &pool,
            "INSERT INTO module_access (module) VALUES ('payroll')"
        )
        .await,
        "module_access_module_check"
    );
    assert_eq!(
        violated_constraint(
            &pool,
            "INSERT INTO dealers (dealer_code, dealer_name, status) VALUES ('D1', 'One', 'bankrupt')"
        )
        .await,
        "dealers_status_check"
    );
    assert_eq!(
        violated_constraint(
            &pool,
            "INSERT INTO dealers (dealer_code, dealer_name, brand) VALUES ('D1', 'One', 'Audi')"
        )
        .await,
        "dealers_brand_check"
    );

    sqlx::query(
        "INSERT INTO dealers (id, dealer_code, dealer_name) VALUES ('00000000-0000-0000-0000-00000000000d', 'D1', 'One');
         ",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, name, role, user_type, dealer_id)
         VALUES ('00000000-0000-0000-0000-00000000000a', 'a@b.co', 'x', 'A', 'service_head', 'dealer',
                 '00000000-0000-0000-0000-00000000000d')",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (table, sql) in [
        (
            "dealer_pcc_status_check",
            "INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date, status)
             VALUES ('00000000-0000-0000-0000-00000000000d', '00000000-0000-0000-0000-00000000000a', 'P1', CURRENT_DATE, 'lost')",
        ),
        (
            "api_registrations_status_check",
            "INSERT INTO api_registrations (dealer_id, registered_by, registration_number, employee_name, event_name, status)
             VALUES ('00000000-0000-0000-0000-00000000000d', '00000000-0000-0000-0000-00000000000a', 'A1', 'E', 'Ev', 'waitlisted')",
        ),
        (
            "workshop_surveys_status_check",
            "INSERT INTO workshop_surveys (dealer_id, submitted_by, survey_number, submission_date, responses, overall_score, status)
             VALUES ('00000000-0000-0000-0000-00000000000d', '00000000-0000-0000-0000-00000000000a', 'S1', CURRENT_DATE, '{}', 50, 'archived')",
        ),
        (
            "notifications_type_check",
            "INSERT INTO notifications (user_id, title, message, type)
             VALUES ('00000000-0000-0000-0000-00000000000a', 'T', 'M', 'fatal')",
        ),
    ] {
        assert_eq!(violated_constraint(&pool, sql).await, table);
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn users_must_reference_an_existing_dealer_and_emails_are_unique(pool: PgPool) {
    assert_eq!(
        violated_constraint(
            &pool,
            "INSERT INTO users (email, password_hash, name, role, user_type, dealer_id)
             VALUES ('a@b.co', 'x', 'A', 'service_head', 'dealer', gen_random_uuid())"
        )
        .await,
        "users_dealer_id_fkey"
    );
    let insert = "INSERT INTO users (email, password_hash, name, role, user_type)
                  VALUES ('same@b.co', 'x', 'A', 'super_admin', 'manufacturer')";
    sqlx::query(insert).execute(&pool).await.unwrap();
    assert_eq!(violated_constraint(&pool, insert).await, "users_email_key");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn updated_at_moves_on_every_update_of_every_table_that_has_it(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name = 'updated_at'
            AND table_name IN (SELECT tablename FROM pg_tables WHERE schemaname = 'public')",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    // The seed's nine, role_templates (migration 5), events (the registrations' catalogue), and
    // survey_forms and survey_periods (the surveys).
    assert_eq!(tables.len(), 13, "{tables:?}");
    let triggered: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE NOT t.tgisinternal AND t.tgname LIKE '%_set_updated_at'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for table in &tables {
        assert!(
            triggered.contains(table),
            "{table} has no updated_at trigger"
        );
    }

    // Behaviour, on one table: an ordinary update moves updated_at off an old value.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO settings (category, key, value, created_at, updated_at)
         VALUES ('session', 'idle_minutes', '30', '2000-01-01', '2000-01-01')",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    sqlx::query("UPDATE settings SET value = '20' WHERE key = 'idle_minutes'")
        .execute(&mut *conn)
        .await
        .unwrap();
    let moved: bool = sqlx::query_scalar(
        "SELECT updated_at > '2020-01-01' AND created_at = '2000-01-01' FROM settings WHERE key = 'idle_minutes'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(
        moved,
        "updated_at must move on update and created_at must not"
    );
}
