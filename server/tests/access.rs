//! Access control end to end over HTTP and in the database: object-level checks on every id the
//! browser sends, privilege escalation, row-level security as the backstop, and the admin
//! services' effects (invitations, permissions, deactivation, dealer suspension, settings, audit).

mod common;

use app::auth::authorize::{Actor, Permissions};
use app::auth::roles::{Role, UserType};
use app::auth::server::access::begin_as;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

use common::{call_json, grant_all};

/// A signed-in client for `email`.
async fn client_for(base: &str, email: &str) -> reqwest::Client {
    common::signed_in(base, email).await
}

async fn pcc(pool: &PgPool, dealer: Uuid, by: Uuid, number: &str) {
    sqlx::query(
        "INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date)
         VALUES ($1, $2, $3, CURRENT_DATE)",
    )
    .bind(dealer)
    .bind(by)
    .bind(number)
    .execute(pool)
    .await
    .unwrap();
}

/// A snapshot of everything an attacker might try to change.
async fn fingerprint(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
            SELECT concat_ws(',', id, email, name, role, user_type, dealer_id, designation, is_active) AS x FROM users
            UNION ALL SELECT concat_ws(',', user_id, module, can_view, can_create, can_edit, can_delete, can_approve) FROM module_access
            UNION ALL SELECT concat_ws(',', id, dealer_code, dealer_name, status, brand, phone, email) FROM dealers
            UNION ALL SELECT concat_ws(',', id, is_active) FROM session_logs
            UNION ALL SELECT concat_ws(',', id, used) FROM password_reset_tokens
            UNION ALL SELECT concat_ws(',', id, category, key, value) FROM settings
         ) t",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

struct World {
    base: String,
    dealer_a: Uuid,
    dealer_b: Uuid,
    head_a: Uuid,
    user_b: Uuid,
    super_admin: Uuid,
}

async fn world(pool: &PgPool) -> World {
    common::no_mfa_required(pool).await;
    let dealer_a = common::dealer(pool, "A-001", "active").await;
    let dealer_b = common::dealer(pool, "B-001", "active").await;
    let head_a = common::user(pool, "head@a.example", "service_head", Some(dealer_a)).await;
    let user_b = common::user(pool, "head@b.example", "service_head", Some(dealer_b)).await;
    let super_admin = common::user(pool, "root@oem.example", "super_admin", None).await;
    grant_all(pool, head_a).await;
    grant_all(pool, super_admin).await;
    pcc(pool, dealer_a, head_a, "PCC-A-1").await;
    pcc(pool, dealer_b, user_b, "PCC-B-1").await;
    let base = common::start(pool.clone()).await;
    World {
        base,
        dealer_a,
        dealer_b,
        head_a,
        user_b,
        super_admin,
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_user_reaches_nothing_of_another_dealer_through_any_server_function_that_takes_an_id(
    pool: PgPool,
) {
    let w = world(&pool).await;
    // B's user has a live session the attacker might try to end.
    let b_client = client_for(&w.base, "head@b.example").await;
    let b_session: Uuid = sqlx::query_scalar("SELECT id FROM session_logs WHERE user_id = $1")
        .bind(w.user_b)
        .fetch_one(&pool)
        .await
        .unwrap();
    let attacker = client_for(&w.base, "head@a.example").await;
    let before = fingerprint(&pool).await;
    let denials_before = common::audited(&pool, "authz.denied").await;
    let b = w.user_b.to_string();
    let dealer_b = w.dealer_b.to_string();

    let form_calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("admin/users/get", vec![("id", &b)]),
        (
            "admin/users/update",
            vec![
                ("id", &b),
                ("name", "Owned"),
                ("role", "service_head"),
                ("user_type", "dealer"),
                ("dealer_id", &dealer_b),
            ],
        ),
        ("admin/users/active", vec![("id", &b), ("active", "false")]),
        ("admin/users/password-link", vec![("id", &b)]),
        ("admin/users/sessions/end", vec![("id", &b)]),
        ("admin/dealers/get", vec![("id", &dealer_b)]),
        (
            "admin/dealers/update",
            vec![
                ("id", &dealer_b),
                ("dealer_code", "B-001"),
                ("dealer_name", "Owned"),
                ("brand", "Skoda"),
                ("status", "suspended"),
            ],
        ),
    ];
    for (endpoint, form) in &form_calls {
        let response = common::call(&attacker, &w.base, endpoint, form).await;
        assert_eq!(
            response.status(),
            403,
            "{endpoint} must refuse a dealer user"
        );
    }
    let json_calls = [
        (
            "admin/permissions/set",
            json!({ "user_id": b, "module": "dealer_pcc", "action": "approve", "on": true }),
        ),
        (
            "admin/permissions/apply-template",
            json!({ "user_ids": [b], "template": "super_admin" }),
        ),
        (
            "admin/users/explain",
            json!({ "id": b, "action": "view", "area": { "area": "users" } }),
        ),
        (
            "admin/users/list",
            json!({ "query": { "search": "", "sort": "name", "descending": false } }),
        ),
        ("admin/dealers/list", json!({ "query": { "search": "" } })),
    ];
    for (endpoint, body) in json_calls {
        let response = call_json(&attacker, &w.base, endpoint, body).await;
        assert_eq!(
            response.status(),
            403,
            "{endpoint} must refuse a dealer user"
        );
    }
    // Their own session list never reveals or ends someone else's session.
    let response = common::call(
        &attacker,
        &w.base,
        "auth/sessions/end",
        &[("id", &b_session.to_string())],
    )
    .await;
    assert_eq!(response.status(), 404);

    assert_eq!(fingerprint(&pool).await, before, "nothing changed");
    let denials = common::audited(&pool, "authz.denied").await - denials_before;
    assert_eq!(
        denials,
        (form_calls.len() + 5) as i64,
        "every refusal is audited"
    );
    // B is still signed in.
    let me = common::call(&b_client, &w.base, "auth/me", &[]).await;
    assert_eq!(me.json::<Value>().await.unwrap()["email"], "head@b.example");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_users_transaction_sees_only_its_dealers_rows_even_without_a_filter(pool: PgPool) {
    let w = world(&pool).await;
    let actor = Actor {
        id: w.head_a,
        role: Role::ServiceHead,
        user_type: UserType::Dealer,
        dealer_id: Some(w.dealer_a),
        active: true,
        dealer_active: true,
        permissions: Permissions::ALL,
    };
    let mut tx = begin_as(&pool, &actor).await.unwrap();
    let dealers: Vec<Uuid> = sqlx::query_scalar("SELECT dealer_id FROM dealer_pcc")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(
        dealers,
        vec![w.dealer_a],
        "only dealer A's application is visible"
    );
    let users: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM users")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(users, vec![w.head_a]);
    let dealer_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM dealers")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(dealer_rows, 1);
    let updated = sqlx::query("UPDATE dealer_pcc SET review_comments = 'x'")
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(updated, 1, "an unfiltered UPDATE touches only A's row");
    // Writing a row for another dealer is refused by the policy's check.
    let err = sqlx::query(
        "INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date) VALUES ($1, $2, 'X', CURRENT_DATE)",
    )
    .bind(w.dealer_b)
    .bind(w.head_a)
    .execute(&mut *tx)
    .await
    .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();

    // Nobody rewrites history: the application role lacks the privilege...
    let mut tx = begin_as(&pool, &actor).await.unwrap();
    let err = sqlx::query("UPDATE audit_logs SET action = 'x'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    tx.rollback().await.unwrap();
    // ...and a manufacturer's transaction is stopped by the append-only trigger.
    sqlx::query("INSERT INTO audit_logs (action, entity_type) VALUES ('test.event', 'test')")
        .execute(&pool)
        .await
        .unwrap();
    let admin = Actor {
        id: w.super_admin,
        role: Role::SuperAdmin,
        user_type: UserType::Manufacturer,
        dealer_id: None,
        active: true,
        dealer_active: true,
        permissions: Permissions::ALL,
    };
    let mut tx = begin_as(&pool, &admin).await.unwrap();
    let all: i64 = sqlx::query_scalar("SELECT count(*) FROM dealer_pcc")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(all, 2, "manufacturer staff see every dealer");
    let err = sqlx::query("DELETE FROM audit_logs")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .unwrap_or_default();
    assert_eq!(code, "42501", "insufficient privilege: {err}");
    tx.rollback().await.unwrap();

    // A transaction that never declared whose it is sees nothing (the policies fail closed).
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE oap_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM dealer_pcc")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(none, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn nobody_escalates_privileges(pool: PgPool) {
    let w = world(&pool).await;
    let admin = common::user(&pool, "admin@oem.example", "manufacturer_admin", None).await;
    // This manufacturer admin may only view PCC.
    sqlx::query(
        "INSERT INTO module_access (user_id, module, can_view) VALUES ($1, 'dealer_pcc', true)",
    )
    .bind(admin)
    .execute(&pool)
    .await
    .unwrap();
    let client = client_for(&w.base, "admin@oem.example").await;
    let before = fingerprint(&pool).await;

    let grant_self = call_json(
        &client,
        &w.base,
        "admin/permissions/set",
        json!({ "user_id": admin, "module": "dealer_pcc", "action": "approve", "on": true }),
    )
    .await;
    assert_eq!(grant_self.status(), 403);
    let body: Value = grant_self.json().await.unwrap();
    assert!(
        body["reason"].as_str().unwrap().contains("do not hold"),
        "{body}"
    );

    let grant_other = call_json(
        &client,
        &w.base,
        "admin/permissions/set",
        json!({ "user_id": w.head_a, "module": "mt_meet", "action": "edit", "on": true }),
    )
    .await;
    assert_eq!(
        grant_other.status(),
        403,
        "granting another user a flag one lacks"
    );

    let template = call_json(
        &client,
        &w.base,
        "admin/permissions/apply-template",
        json!({ "user_ids": [w.head_a], "template": "super_admin" }),
    )
    .await;
    assert_eq!(
        template.status(),
        403,
        "a template carrying flags one lacks"
    );

    let sa = w.super_admin.to_string();
    for form in [
        vec![
            ("id", sa.as_str()),
            ("name", "Demoted"),
            ("role", "manufacturer_admin"),
            ("user_type", "manufacturer"),
        ],
        vec![
            ("id", sa.as_str()),
            ("name", "Renamed"),
            ("role", "super_admin"),
            ("user_type", "manufacturer"),
        ],
    ] {
        let response = common::call(&client, &w.base, "admin/users/update", &form).await;
        assert_eq!(
            response.status(),
            403,
            "a manufacturer admin editing a super admin"
        );
    }
    let read_sa = common::call(&client, &w.base, "admin/users/get", &[("id", &sa)]).await;
    assert_eq!(
        read_sa.status(),
        403,
        "a manufacturer admin reading a super admin's sessions"
    );
    let head = w.head_a.to_string();
    let dealer_a = w.dealer_a.to_string();
    let promote_other = common::call(
        &client,
        &w.base,
        "admin/users/update",
        &[
            ("id", &head),
            ("name", "Head"),
            ("role", "manufacturer_admin"),
            ("user_type", "manufacturer"),
            ("dealer_id", ""),
        ],
    )
    .await;
    assert_eq!(
        promote_other.status(),
        403,
        "a new role's template holds flags the admin lacks"
    );
    let demote_other = common::call(
        &client,
        &w.base,
        "admin/users/update",
        &[
            ("id", &head),
            ("name", "Head"),
            ("role", "service_manager"),
            ("user_type", "dealer"),
            ("dealer_id", &dealer_a),
        ],
    )
    .await;
    assert_eq!(
        demote_other.status(),
        403,
        "even a lesser role's template must be grantable"
    );
    let me = admin.to_string();
    let promote = common::call(
        &client,
        &w.base,
        "admin/users/update",
        &[
            ("id", &me),
            ("name", "Me"),
            ("role", "super_admin"),
            ("user_type", "manufacturer"),
        ],
    )
    .await;
    assert_eq!(promote.status(), 403, "promoting oneself to super admin");
    let create = common::call(
        &client,
        &w.base,
        "admin/users/create",
        &[
            ("name", "New Root"),
            ("email", "root2@oem.example"),
            ("role", "super_admin"),
            ("user_type", "manufacturer"),
        ],
    )
    .await;
    assert_eq!(create.status(), 403, "creating a super admin");
    let deactivate_sa = common::call(
        &client,
        &w.base,
        "admin/users/active",
        &[("id", &sa), ("active", "false")],
    )
    .await;
    assert_eq!(deactivate_sa.status(), 403);
    let deactivate_self = common::call(
        &client,
        &w.base,
        "admin/users/active",
        &[("id", &me), ("active", "false")],
    )
    .await;
    assert_eq!(deactivate_self.status(), 403, "deactivating oneself");
    let settings = common::call(
        &client,
        &w.base,
        "admin/settings/update",
        &[
            ("category", "session"),
            ("key", "idle_timeout_minutes"),
            ("value", "400"),
        ],
    )
    .await;
    assert_eq!(settings.status(), 403, "settings are for super admins");
    assert_eq!(fingerprint(&pool).await, before, "nothing changed");

    // The only super admin can neither deactivate nor demote themselves.
    let root = client_for(&w.base, "root@oem.example").await;
    let before = fingerprint(&pool).await;
    let response = common::call(
        &root,
        &w.base,
        "admin/users/active",
        &[("id", &sa), ("active", "false")],
    )
    .await;
    assert_eq!(response.status(), 403);
    let response = common::call(
        &root,
        &w.base,
        "admin/users/update",
        &[
            ("id", &sa),
            ("name", "Root"),
            ("role", "manufacturer_admin"),
            ("user_type", "manufacturer"),
        ],
    )
    .await;
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("last active super admin"),
        "{body}"
    );
    assert_eq!(fingerprint(&pool).await, before);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_admin_creates_a_user_who_gets_the_template_and_an_invitation(pool: PgPool) {
    let w = world(&pool).await;
    let root = client_for(&w.base, "root@oem.example").await;
    let dealer = w.dealer_a.to_string();
    let bad = common::call(
        &root,
        &w.base,
        "admin/users/create",
        &[
            ("name", ""),
            ("email", "nope"),
            ("role", "warranty_manager"),
            ("user_type", "dealer"),
            ("dealer_id", ""),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "email", "dealer_id"]);

    let created = common::call(
        &root,
        &w.base,
        "admin/users/create",
        &[
            ("name", "Wanda Warranty"),
            ("email", "Wanda@A.example"),
            ("role", "warranty_manager"),
            ("user_type", "dealer"),
            ("dealer_id", &dealer),
            ("designation", "Warranty lead"),
        ],
    )
    .await;
    assert!(created.status().is_success(), "{}", created.status());
    let id: Uuid = created.json().await.unwrap();
    let row: (String, Option<Uuid>, Option<Uuid>) =
        sqlx::query_as("SELECT email, dealer_id, created_by FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        row,
        (
            "wanda@a.example".into(),
            Some(w.dealer_a),
            Some(w.super_admin)
        )
    );
    let modules: Vec<String> =
        sqlx::query_scalar("SELECT module FROM module_access WHERE user_id = $1 ORDER BY module")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        modules,
        ["warranty_survey"],
        "the warranty manager template"
    );
    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body FROM mail_outbox WHERE to_address = 'wanda@a.example'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(subject, "Your One Aftersales account");
    assert!(body.contains("/password/reset?token="));
    let purpose: String =
        sqlx::query_scalar("SELECT purpose FROM password_reset_tokens WHERE user_id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(purpose, "invitation");
    assert_eq!(common::audited(&pool, "user.created").await, 1);

    let again = common::call(
        &root,
        &w.base,
        "admin/users/create",
        &[
            ("name", "Twin"),
            ("email", "WANDA@a.example"),
            ("role", "warranty_manager"),
            ("user_type", "dealer"),
            ("dealer_id", &dealer),
        ],
    )
    .await;
    assert_eq!(again.status(), 422);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "email");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn permission_toggles_are_audited_with_old_and_new_and_change_what_the_user_may_do(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let root = client_for(&w.base, "root@oem.example").await;
    let off = call_json(
        &root,
        &w.base,
        "admin/permissions/set",
        json!({ "user_id": w.head_a, "module": "mt_meet", "action": "view", "on": false }),
    )
    .await;
    assert_eq!(off.status(), 200);
    let flags: u8 = off.json().await.unwrap();
    assert_eq!(flags, 0b1_1110, "view off, the rest kept");
    let (old, new): (Value, Value) = sqlx::query_as(
        "SELECT old_values, new_values FROM audit_logs WHERE action = 'permission.changed' AND entity_id = $1",
    )
    .bind(w.head_a)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(old["mt_meet"], "View, Create, Edit, Delete, Approve");
    assert_eq!(new["mt_meet"], "Create, Edit, Delete, Approve");

    // A new role starts from that role's template; the change and the flags are audited.
    let head = w.head_a.to_string();
    let dealer_a = w.dealer_a.to_string();
    let changed = common::call(
        &root,
        &w.base,
        "admin/users/update",
        &[
            ("id", &head),
            ("name", "Head"),
            ("role", "warranty_manager"),
            ("user_type", "dealer"),
            ("dealer_id", &dealer_a),
        ],
    )
    .await;
    assert!(changed.status().is_success(), "{}", changed.status());
    let modules: Vec<String> =
        sqlx::query_scalar("SELECT module FROM module_access WHERE user_id = $1 ORDER BY module")
            .bind(w.head_a)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(modules, ["warranty_survey"]);
    let (old, new): (Value, Value) = sqlx::query_as(
        "SELECT old_values, new_values FROM audit_logs WHERE action = 'user.updated'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (old["role"].as_str(), new["role"].as_str()),
        (Some("service_head"), Some("warranty_manager"))
    );
    assert_eq!(new["permissions"]["dealer_pcc"], "none");
    assert_eq!(
        old["permissions"]["dealer_pcc"],
        "View, Create, Edit, Delete, Approve"
    );
    sqlx::query("UPDATE users SET role = 'service_head' WHERE id = $1")
        .bind(w.head_a)
        .execute(&pool)
        .await
        .unwrap();

    // Reset to the template of the user's role, then their session sees the new permissions.
    let reset = call_json(
        &root,
        &w.base,
        "admin/permissions/apply-template",
        json!({ "user_ids": [w.head_a], "template": null }),
    )
    .await;
    assert_eq!(reset.status(), 200);
    let head = client_for(&w.base, "head@a.example").await;
    let me: Value = common::call(&head, &w.base, "auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    let permissions = me["permissions"].as_array().unwrap();
    assert_eq!(
        permissions[0], 0b0_1111,
        "service head template for PCC: all but approve"
    );
    assert_eq!(
        permissions[3], 0b0_0111,
        "workshop survey: view, create, edit"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn deactivating_a_user_or_suspending_a_dealer_ends_their_sessions(pool: PgPool) {
    let w = world(&pool).await;
    let root = client_for(&w.base, "root@oem.example").await;
    let head = client_for(&w.base, "head@a.example").await;
    let b = client_for(&w.base, "head@b.example").await;

    let response = common::call(
        &root,
        &w.base,
        "admin/users/active",
        &[("id", &w.head_a.to_string()), ("active", "false")],
    )
    .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<usize>().await.unwrap(), 1);
    let me = common::call(&head, &w.base, "auth/me", &[]).await;
    assert_eq!(me.json::<Value>().await.unwrap(), Value::Null, "signed out");

    let dealer_b = w.dealer_b.to_string();
    let bad = common::call(
        &root,
        &w.base,
        "admin/dealers/update",
        &[
            ("id", &dealer_b),
            ("dealer_code", "B-001"),
            ("dealer_name", "Dealer B"),
            ("brand", "Audi"),
            ("status", "suspended"),
            ("phone", "12"),
        ],
    )
    .await;
    assert_eq!(bad.status(), 422);
    let suspend = common::call(
        &root,
        &w.base,
        "admin/dealers/update",
        &[
            ("id", &dealer_b),
            ("dealer_code", "B-001"),
            ("dealer_name", "Dealer B"),
            ("brand", "Skoda"),
            ("status", "suspended"),
        ],
    )
    .await;
    assert!(suspend.status().is_success(), "{}", suspend.status());
    let me = common::call(&b, &w.base, "auth/me", &[]).await;
    assert_eq!(
        me.json::<Value>().await.unwrap(),
        Value::Null,
        "B's user is signed out"
    );
    let again = common::call(
        &b,
        &w.base,
        "auth/login",
        &[("email", "head@b.example"), ("password", common::PASSWORD)],
    )
    .await;
    assert!(
        again.status().is_client_error(),
        "and cannot sign in: {}",
        again.status()
    );
    let ended: String =
        sqlx::query_scalar("SELECT ended_reason FROM session_logs WHERE user_id = $1")
            .bind(w.user_b)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(ended, "dealer_blocked");
    let (old, new): (Value, Value) = sqlx::query_as(
        "SELECT old_values, new_values FROM audit_logs WHERE action = 'dealer.updated'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (old["status"].as_str(), new["status"].as_str()),
        (Some("active"), Some("suspended"))
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_users_list_pages_by_keyset_without_gaps_or_repeats_and_filters(pool: PgPool) {
    let w = world(&pool).await;
    sqlx::query(
        "INSERT INTO users (email, password_hash, name, role, user_type, dealer_id)
         SELECT 'bulk' || i || '@a.example', 'x', 'Bulk ' || lpad(i::text, 3, '0'), 'master_technician', 'dealer', $1
           FROM generate_series(1, 120) i",
    )
    .bind(w.dealer_a)
    .execute(&pool)
    .await
    .unwrap();
    let root = client_for(&w.base, "root@oem.example").await;
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut total = None;
    loop {
        let page: Value = call_json(
            &root,
            &w.base,
            "admin/users/list",
            json!({ "query": { "search": "bulk", "role": "master_technician", "sort": "name", "descending": true, "after": after } }),
        )
        .await
        .json()
        .await
        .unwrap();
        if total.is_none() {
            total = page["total"].as_i64();
        }
        for row in page["rows"].as_array().unwrap() {
            seen.push(row["name"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(total, Some(120));
    let expected: Vec<String> = (1..=120).rev().map(|i| format!("Bulk {i:03}")).collect();
    assert_eq!(seen, expected);

    let bad = call_json(&root, &w.base, "admin/users/list", json!({ "query": { "search": "", "sort": "name", "descending": false, "after": "garbage" } })).await;
    assert_eq!(bad.status(), 400);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn settings_are_validated_and_audited(pool: PgPool) {
    let w = world(&pool).await;
    let root = client_for(&w.base, "root@oem.example").await;
    let before = fingerprint(&pool).await;
    let setting = |key: &'static str, value: &'static str| {
        let category = if key == "mfa_required_roles" {
            "security"
        } else {
            "session"
        };
        [("category", category), ("key", key), ("value", value)]
    };
    let bad = common::call(
        &root,
        &w.base,
        "admin/settings/update",
        &setting("idle_timeout_minutes", "0"),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["fields"][0]["field"], "value");
    let exempt_admins = common::call(
        &root,
        &w.base,
        "admin/settings/update",
        &setting("mfa_required_roles", "service_head"),
    )
    .await;
    assert_eq!(
        exempt_admins.status(),
        422,
        "administrators always need a second factor"
    );
    assert_eq!(
        fingerprint(&pool).await,
        before,
        "refused values change nothing"
    );

    let ok = common::call(
        &root,
        &w.base,
        "admin/settings/update",
        &setting("idle_timeout_minutes", " 45 "),
    )
    .await;
    assert_eq!(ok.status(), 200);
    let (old, new): (Value, Value) = sqlx::query_as(
        "SELECT old_values, new_values FROM audit_logs WHERE action = 'setting.changed'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        (old["value"].as_str(), new["value"].as_str()),
        (Some("30"), Some("45"))
    );
    let audit: Value = call_json(
        &root,
        &w.base,
        "admin/audit/list",
        json!({ "query": { "actor": "root@", "entity_type": "setting", "action": "setting.", "from": "", "to": "" } }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(audit["rows"].as_array().unwrap().len(), 1);
    assert_eq!(
        audit["rows"][0]["new_values"]["setting"],
        "session.idle_timeout_minutes"
    );
    let bad_dates = call_json(
        &root,
        &w.base,
        "admin/audit/list",
        json!({ "query": { "actor": "", "entity_type": "", "action": "", "from": "2026-13-01", "to": "" } }),
    )
    .await;
    assert_eq!(bad_dates.status(), 422);
}
