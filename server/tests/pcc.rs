//! The workflow core through the PCC module, over HTTP against a real database: the whole
//! dealer–approver round, dealer isolation by id (refused and audited, nothing changed),
//! self-approval, stale versions, concurrent deciders and submitters, drafts-only deletion, and
//! dealer users' requests running as the application role under row-level security.

mod common;

use common::{PASSWORD, call_json, grant_all, signed_in};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// A complete set of criteria, as the form sends them.
fn complete_form() -> Value {
    json!({
        "figures": {
            "service_bays": "12", "lifts": "10", "diagnostic_stations": "4",
            "technicians": "20", "certified_technicians": "12", "master_technicians": "3",
            "csi_score": "91.5", "first_time_fix_rate": "88", "turnaround_hours": "26.5",
            "vehicles_per_month": "640"
        },
        "customer_lounge": "yes",
        "justification": "Twelve bays, three master technicians and a CSI above 90 for two years running."
    })
}

struct World {
    base: String,
    dealer_a: Uuid,
    dealer_b: Uuid,
    head_a: Uuid,
    approver: Uuid,
}

async fn world(pool: &PgPool) -> World {
    common::no_mfa_required(pool).await;
    let dealer_a = common::dealer(pool, "A001", "active").await;
    let dealer_b = common::dealer(pool, "B001", "active").await;
    let head_a = common::user(pool, "head@a.example", "service_head", Some(dealer_a)).await;
    let head_b = common::user(pool, "head@b.example", "service_head", Some(dealer_b)).await;
    let approver = common::user(pool, "reviewer@oem.example", "manufacturer_admin", None).await;
    for u in [head_a, head_b, approver] {
        grant_all(pool, u).await;
    }
    // Dealer users never hold approve in practice; `authorize` refuses it anyway.
    sqlx::query("UPDATE module_access SET can_approve = false WHERE user_id IN ($1, $2)")
        .bind(head_a)
        .bind(head_b)
        .execute(pool)
        .await
        .unwrap();
    World {
        base: common::start(pool.clone()).await,
        dealer_a,
        dealer_b,
        head_a,
        approver,
    }
}

/// The list's first page, newest change first, searching for `search`.
fn list_query(search: &str) -> Value {
    json!({"query": {
        "search": search, "status": null, "brand": null, "from": null, "to": null,
        "sort": "updated", "ascending": false, "after": null
    }})
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn create(c: &reqwest::Client, base: &str) -> (u16, Value) {
    json_of(common::call(c, base, "pcc/create", &[]).await).await
}

async fn save(
    c: &reqwest::Client,
    base: &str,
    id: &str,
    version: i64,
    form: Value,
) -> (u16, Value) {
    json_of(
        call_json(
            c,
            base,
            "pcc/save",
            json!({"save": {"id": id, "version": version, "form": form}}),
        )
        .await,
    )
    .await
}

async fn step(
    c: &reqwest::Client,
    base: &str,
    id: &str,
    step: &str,
    version: i64,
    comment: &str,
) -> (u16, Value) {
    let body = json!({"request": {"id": id, "step": step, "version": version, "comment": comment}});
    json_of(call_json(c, base, "pcc/step", body).await).await
}

async fn get(c: &reqwest::Client, base: &str, id: &str) -> (u16, Value) {
    json_of(common::call(c, base, "pcc/get", &[("id", id)]).await).await
}

async fn version_of(pool: &PgPool, id: &str) -> (i32, String) {
    sqlx::query_as("SELECT version, status FROM dealer_pcc WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap()
}

async fn notifications_of(pool: &PgPool, user: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(user)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_applies_and_a_reviewer_sends_back_then_approves(pool: PgPool) {
    let w = world(&pool).await;
    let dealer = signed_in(&w.base, "head@a.example").await;
    let reviewer = signed_in(&w.base, "reviewer@oem.example").await;

    let (status, id) = create(&dealer, &w.base).await;
    assert_eq!(status, 200, "{id}");
    let id = id.as_str().unwrap().to_owned();
    let (status, again) = create(&dealer, &w.base).await;
    assert_eq!(status, 409, "one open application per dealer: {again}");
    assert!(
        again["message"]
            .as_str()
            .unwrap()
            .contains("already has an open application")
    );

    // A draft takes partial figures but never one out of bounds; a refused save changes nothing.
    let mut bad = complete_form();
    bad["figures"]["csi_score"] = json!("140");
    let (status, body) = save(&dealer, &w.base, &id, 1, bad).await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"][0]["field"], "csi_score");
    assert_eq!(version_of(&pool, &id).await.0, 1);
    let (status, body) = save(&dealer, &w.base, &id, 1, json!({"figures": {"lifts": "4"}})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["version"], 2);
    // Submitting an incomplete draft names what is missing.
    let (status, body) = step(&dealer, &w.base, &id, "submit", 2, "").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["field"] == "justification")
    );
    // A stale save: 409 with who changed it and when, and nothing changes.
    let (status, body) = save(&dealer, &w.base, &id, 1, complete_form()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["changed_by"], "Test User");
    assert!(body["changed_at"].is_string());
    assert_eq!(version_of(&pool, &id).await.0, 2);
    let (status, _) = save(&dealer, &w.base, &id, 2, complete_form()).await;
    assert_eq!(status, 200);

    let (_, detail) = get(&dealer, &w.base, &id).await;
    assert_eq!(
        detail["row"]["number"],
        Value::Null,
        "drafts have no number yet"
    );
    assert_eq!(detail["steps"], json!(["submit"]));
    assert_eq!(detail["can_delete"], true);

    let (status, done) = step(&dealer, &w.base, &id, "submit", 3, "").await;
    assert_eq!(status, 200, "{done}");
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(done["number"], format!("PCC-{year}-000001"));
    assert_eq!(
        notifications_of(&pool, w.approver).await,
        1,
        "approvers hear of a submission"
    );

    // The reviewer's view: the steps `authorize` allows, none of the dealer's.
    let (_, detail) = get(&reviewer, &w.base, &id).await;
    assert_eq!(
        detail["steps"],
        json!(["take_for_review", "approve", "reject", "send_back"])
    );
    assert_eq!(detail["can_edit"], false);
    let (status, _) = step(&reviewer, &w.base, &id, "take_for_review", 4, "").await;
    assert_eq!(status, 200);
    let (status, body) = step(&reviewer, &w.base, &id, "send_back", 5, "too short").await;
    assert_eq!(status, 422, "send back needs a real comment: {body}");
    assert_eq!(body["fields"][0]["field"], "comment");
    let (status, _) = step(
        &reviewer,
        &w.base,
        &id,
        "send_back",
        5,
        "Add photos of the customer lounge, please.",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        notifications_of(&pool, w.head_a).await,
        2,
        "taken for review, sent back"
    );

    let (_, detail) = get(&dealer, &w.base, &id).await;
    assert_eq!(detail["row"]["status"], "revision_requested");
    assert_eq!(
        detail["review_comments"],
        "Add photos of the customer lounge, please."
    );
    assert_eq!(detail["steps"], json!(["resubmit"]));
    assert_eq!(detail["can_edit"], true);
    let mut changed = complete_form();
    changed["figures"]["lifts"] = json!("11");
    let (status, _) = save(&dealer, &w.base, &id, 6, changed).await;
    assert_eq!(status, 200);
    let (status, done) = step(
        &dealer,
        &w.base,
        &id,
        "resubmit",
        7,
        "Photos are in the folder.",
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        done["number"],
        format!("PCC-{year}-000001"),
        "resubmission keeps the number"
    );
    let (status, _) = step(&reviewer, &w.base, &id, "approve", 8, "").await;
    assert_eq!(status, 200);

    let (_, detail) = get(&dealer, &w.base, &id).await;
    assert_eq!(detail["row"]["status"], "approved");
    assert_eq!(detail["steps"], json!([]));
    let steps: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "create",
            "submit",
            "take_for_review",
            "send_back",
            "resubmit",
            "approve"
        ]
    );
    assert_eq!(
        detail["history"][3]["comment"],
        "Add photos of the customer lounge, please."
    );
    assert_eq!(common::audited(&pool, "record.transition").await, 5);
    // Decided records are never deleted.
    let r = common::call(
        &dealer,
        &w.base,
        "pcc/delete",
        &[("id", &id), ("version", "9")],
    )
    .await;
    assert_eq!(r.status(), 409);
    // The list finds it by number prefix (any case) and by the dealer's code or name.
    for search in [
        format!("pcc-{year}-0000"),
        "a001".to_owned(),
        "dealer a0".to_owned(),
    ] {
        let (_, page) =
            json_of(call_json(&reviewer, &w.base, "pcc/list", list_query(&search)).await).await;
        assert_eq!(page["total"], 1, "{search}: {page}");
    }
    let (_, page) =
        json_of(call_json(&reviewer, &w.base, "pcc/list", list_query("PCC-1999")).await).await;
    assert_eq!(page["total"], 0);
    // Once approved, the dealer may open a new application.
    assert_eq!(create(&dealer, &w.base).await.0, 200);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn another_dealer_cannot_list_read_change_or_decide_an_application(pool: PgPool) {
    let w = world(&pool).await;
    let a = signed_in(&w.base, "head@a.example").await;
    let b = signed_in(&w.base, "head@b.example").await;
    let (_, id) = create(&a, &w.base).await;
    let id = id.as_str().unwrap().to_owned();
    save(&a, &w.base, &id, 1, complete_form()).await;
    let before = version_of(&pool, &id).await;
    let denied_before = common::audited(&pool, "authz.denied").await;

    assert_eq!(get(&b, &w.base, &id).await.0, 403);
    assert_eq!(save(&b, &w.base, &id, 2, complete_form()).await.0, 403);
    assert_eq!(step(&b, &w.base, &id, "submit", 2, "").await.0, 403);
    let r = common::call(&b, &w.base, "pcc/delete", &[("id", &id), ("version", "2")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(step(&b, &w.base, &id, "approve", 2, "").await.0, 403);
    assert_eq!(version_of(&pool, &id).await, before, "nothing changed");
    assert_eq!(
        common::audited(&pool, "authz.denied").await,
        denied_before + 5,
        "each refusal audited"
    );
    // An id that does not exist is simply not found.
    assert_eq!(get(&b, &w.base, &Uuid::new_v4().to_string()).await.0, 404);

    // B's list holds only B's rows, whatever it asks for.
    create(&b, &w.base).await;
    let (status, page) =
        json_of(call_json(&b, &w.base, "pcc/list", list_query("A001")).await).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["rows"], json!([]));
    let (_, page) = json_of(call_json(&b, &w.base, "pcc/list", list_query("")).await).await;
    let dealers: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dealer_code"].as_str().unwrap())
        .collect();
    assert_eq!(dealers, ["B001"]);
    assert_eq!(page["total"], 1);
    let _ = (w.dealer_a, w.dealer_b);
}

/// Inserts an application with complete criteria in `status` (numbered unless a draft).
async fn application(
    pool: &PgPool,
    dealer: Uuid,
    by: Uuid,
    status: &str,
    number: Option<&str>,
) -> String {
    let criteria = app::modules::pcc::model::CriteriaForm {
        figures: complete_form()["figures"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect(),
        customer_lounge: "yes".into(),
        justification: complete_form()["justification"].as_str().unwrap().into(),
    }
    .check(true)
    .unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO dealer_pcc (dealer_id, submitted_by, application_number, application_date, criteria_data, status, submitted_at)
         VALUES ($1, $2, $3, CURRENT_DATE, $4, $5, CASE WHEN $5 = 'draft' THEN NULL ELSE CURRENT_TIMESTAMP END) RETURNING id",
    )
    .bind(dealer)
    .bind(by)
    .bind(number)
    .bind(serde_json::to_value(criteria).unwrap())
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap();
    id.to_string()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn nobody_decides_on_their_own_submission(pool: PgPool) {
    let w = world(&pool).await;
    let id = application(
        &pool,
        w.dealer_a,
        w.approver,
        "pending",
        Some("PCC-2026-900001"),
    )
    .await;
    let reviewer = signed_in(&w.base, "reviewer@oem.example").await;
    let (_, detail) = get(&reviewer, &w.base, &id).await;
    assert_eq!(
        detail["steps"],
        json!([]),
        "no decision is offered on one's own submission"
    );
    let (status, body) = step(&reviewer, &w.base, &id, "approve", 1, "").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("submission they made themselves")
    );
    assert_eq!(version_of(&pool, &id).await, (1, "pending".into()));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn of_twenty_concurrent_approvals_exactly_one_wins(pool: PgPool) {
    let w = world(&pool).await;
    let id = application(
        &pool,
        w.dealer_a,
        w.head_a,
        "pending",
        Some("PCC-2026-900002"),
    )
    .await;
    let mut clients = Vec::new();
    for i in 0..20 {
        let email = format!("approver{i}@oem.example");
        let u = common::user(&pool, &email, "manufacturer_admin", None).await;
        grant_all(&pool, u).await;
        sqlx::query("UPDATE users SET name = $2 WHERE id = $1")
            .bind(u)
            .bind(format!("Approver {i}"))
            .execute(&pool)
            .await
            .unwrap();
        clients.push(signed_in(&w.base, &email).await);
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| {
            let (base, id, barrier) = (w.base.clone(), id.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                step(&c, &base, &id, "approve", 1, "").await
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let won: Vec<_> = results.iter().filter(|(s, _)| *s == 200).collect();
    let lost: Vec<_> = results.iter().filter(|(s, _)| *s == 409).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert_eq!(lost.len(), 19, "{results:?}");
    let (winner_version, status) = version_of(&pool, &id).await;
    assert_eq!((winner_version, status.as_str()), (2, "approved"));
    let winner: String = sqlx::query_scalar("SELECT u.name FROM dealer_pcc p JOIN users u ON u.id = p.approved_by WHERE p.id = $1::uuid")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    for (_, body) in lost {
        assert_eq!(
            body["changed_by"],
            winner.as_str(),
            "the loser is told who decided"
        );
        assert!(
            body["message"].as_str().unwrap().contains("approved"),
            "and how: {body}"
        );
    }
    assert_eq!(common::audited(&pool, "record.transition").await, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn twenty_concurrent_first_submissions_get_twenty_consecutive_numbers(pool: PgPool) {
    let w = world(&pool).await;
    let mut jobs = Vec::new();
    for i in 0..20 {
        let dealer = common::dealer(&pool, &format!("C{i:03}"), "active").await;
        let email = format!("head{i}@c.example");
        let u = common::user(&pool, &email, "service_head", Some(dealer)).await;
        grant_all(&pool, u).await;
        let id = application(&pool, dealer, u, "draft", None).await;
        jobs.push((signed_in(&w.base, &email).await, id));
    }
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(jobs.len()));
    let tasks: Vec<_> = jobs
        .into_iter()
        .map(|(c, id)| {
            let (base, barrier) = (w.base.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                step(&c, &base, &id, "submit", 1, "").await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200, "{body}");
        numbers.push(body["number"].as_str().unwrap().to_owned());
    }
    numbers.sort();
    let year = chrono::Utc::now().format("%Y").to_string();
    let expected: Vec<String> = (1..=20).map(|n| format!("PCC-{year}-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn only_drafts_are_deleted_and_only_with_delete(pool: PgPool) {
    let w = world(&pool).await;
    let a = signed_in(&w.base, "head@a.example").await;
    let pending = application(
        &pool,
        w.dealer_a,
        w.head_a,
        "pending",
        Some("PCC-2026-900003"),
    )
    .await;
    let r = common::call(
        &a,
        &w.base,
        "pcc/delete",
        &[("id", &pending), ("version", "1")],
    )
    .await;
    assert_eq!(r.status(), 409);
    sqlx::query("UPDATE dealer_pcc SET status = 'approved' WHERE id = $1::uuid")
        .bind(&pending)
        .execute(&pool)
        .await
        .unwrap();
    let (_, draft) = create(&a, &w.base).await;
    let draft = draft.as_str().unwrap().to_owned();
    // Without the delete flag, even a draft stays.
    sqlx::query("UPDATE module_access SET can_delete = false WHERE user_id = $1")
        .bind(w.head_a)
        .execute(&pool)
        .await
        .unwrap();
    let a = signed_in(&w.base, "head@a.example").await;
    let r = common::call(
        &a,
        &w.base,
        "pcc/delete",
        &[("id", &draft), ("version", "1")],
    )
    .await;
    assert_eq!(r.status(), 403);
    sqlx::query("UPDATE module_access SET can_delete = true WHERE user_id = $1")
        .bind(w.head_a)
        .execute(&pool)
        .await
        .unwrap();
    let a = signed_in(&w.base, "head@a.example").await;
    let r = common::call(
        &a,
        &w.base,
        "pcc/delete",
        &[("id", &draft), ("version", "1")],
    )
    .await;
    assert!(r.status().is_success(), "{}", r.status());
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM dealer_pcc WHERE id = $1::uuid")
        .bind(&draft)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(common::audited(&pool, "record.deleted").await, 1);
    let _ = PASSWORD;
}

/// Records, for each statement on `table`, the role it ran as: a restrictive policy that
/// always passes but writes `current_user` down. Policies apply only to roles without BYPASSRLS
/// that do not own the table, so a row here proves the request ran under the application role.
async fn record_roles(pool: &PgPool, table: &str) {
    for statement in [
        "CREATE TABLE role_seen (role text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())".to_owned(),
        "GRANT INSERT ON role_seen TO oap_app".to_owned(),
        "CREATE FUNCTION note_role(r text) RETURNS boolean LANGUAGE plpgsql VOLATILE SECURITY DEFINER AS
           $$ BEGIN INSERT INTO role_seen (role) VALUES (r); RETURN true; END $$"
            .to_owned(),
        format!(
            "CREATE POLICY zz_note_role ON {table} AS RESTRICTIVE USING (note_role(current_user::text))
               WITH CHECK (note_role(current_user::text))"
        ),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(statement)).execute(pool).await.unwrap();
    }
}

async fn roles_seen(pool: &PgPool) -> Vec<String> {
    let roles: Vec<String> = sqlx::query_scalar("DELETE FROM role_seen RETURNING role")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut roles = roles;
    roles.sort();
    roles.dedup();
    roles
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_pcc_function_of_a_dealer_user_runs_as_the_application_role(pool: PgPool) {
    let w = world(&pool).await;
    record_roles(&pool, "dealer_pcc").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let (_, id) = create(&a, &w.base).await;
    let id = id.as_str().unwrap().to_owned();
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "create");
    save(&a, &w.base, &id, 1, complete_form()).await;
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "save");
    assert_eq!(get(&a, &w.base, &id).await.0, 200);
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "get");
    let list = call_json(&a, &w.base, "pcc/list", list_query("")).await;
    assert_eq!(list.status(), 200);
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "list");
    assert_eq!(step(&a, &w.base, &id, "submit", 2, "").await.0, 200);
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "step");
    let (_, draft) = {
        sqlx::query("UPDATE dealer_pcc SET status = 'approved' WHERE id = $1::uuid")
            .bind(&id)
            .execute(&pool)
            .await
            .unwrap();
        roles_seen(&pool).await;
        create(&a, &w.base).await
    };
    roles_seen(&pool).await;
    let r = common::call(
        &a,
        &w.base,
        "pcc/delete",
        &[("id", draft.as_str().unwrap()), ("version", "1")],
    )
    .await;
    assert!(r.status().is_success());
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "delete");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_queue_lists_oldest_first_and_bulk_decisions_answer_per_record(pool: PgPool) {
    let w = world(&pool).await;
    let mut ids = Vec::new();
    for (i, code) in ["Q001", "Q002", "Q003"].into_iter().enumerate() {
        let dealer = common::dealer(&pool, code, "active").await;
        let id = application(
            &pool,
            dealer,
            w.head_a,
            "pending",
            Some(&format!("PCC-2026-80000{i}")),
        )
        .await;
        sqlx::query("UPDATE dealer_pcc SET submitted_at = now() - make_interval(days => $2) WHERE id = $1::uuid")
            .bind(&id)
            .bind(10 - i as i32)
            .execute(&pool)
            .await
            .unwrap();
        ids.push(id);
    }
    // The reviewer's own submission is waiting too, but is not theirs to decide.
    let own = application(
        &pool,
        w.dealer_b,
        w.approver,
        "pending",
        Some("PCC-2026-800009"),
    )
    .await;
    let reviewer = signed_in(&w.base, "reviewer@oem.example").await;
    let query =
        json!({"query": {"module": null, "dealer": "", "brand": null, "min_age_days": null}});
    let (status, queue) =
        json_of(call_json(&reviewer, &w.base, "queue/list", query.clone()).await).await;
    assert_eq!(status, 200, "{queue}");
    let listed: Vec<&str> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        ids.iter().map(String::as_str).collect::<Vec<_>>(),
        "oldest first, own submission left out"
    );
    let aged = json!({"query": {"module": "dealer_pcc", "dealer": "q00", "brand": null, "min_age_days": 9}});
    let (_, old) = json_of(call_json(&reviewer, &w.base, "queue/list", aged).await).await;
    assert_eq!(old.as_array().unwrap().len(), 2, "{old}");

    // One record changed meanwhile, one is the reviewer's own: each answers for itself.
    sqlx::query("UPDATE dealer_pcc SET version = 2 WHERE id = $1::uuid")
        .bind(&ids[1])
        .execute(&pool)
        .await
        .unwrap();
    let items: Vec<Value> = ids
        .iter()
        .chain([&own])
        .map(|id| json!({"module": "dealer_pcc", "id": id, "version": 1}))
        .collect();
    let (status, outcomes) = json_of(
        call_json(
            &reviewer,
            &w.base,
            "queue/bulk",
            json!({"items": items, "step": "reject", "comment": "short"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["done"] == false),
        "a short comment rejects nothing: {outcomes}"
    );
    let (_, outcomes) = json_of(
        call_json(
            &reviewer,
            &w.base,
            "queue/bulk",
            json!({"items": items, "step": "approve", "comment": ""}),
        )
        .await,
    )
    .await;
    let done: Vec<bool> = outcomes
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["done"].as_bool().unwrap())
        .collect();
    assert_eq!(done, [true, false, true, false], "{outcomes}");
    assert!(
        outcomes[1]["message"]
            .as_str()
            .unwrap()
            .contains("changed this record")
    );
    assert!(
        outcomes[3]["message"]
            .as_str()
            .unwrap()
            .contains("submission they made themselves")
    );
    assert_eq!(version_of(&pool, &ids[0]).await, (2, "approved".into()));
    assert_eq!(version_of(&pool, &ids[1]).await, (2, "pending".into()));

    // Dealer users decide nothing, so they have no queue.
    let dealer = signed_in(&w.base, "head@a.example").await;
    assert_eq!(
        call_json(&dealer, &w.base, "queue/list", query)
            .await
            .status(),
        403
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_user_reads_and_marks_only_their_own_notifications(pool: PgPool) {
    let w = world(&pool).await;
    for (user, title) in [(w.head_a, "Mine"), (w.approver, "Not yours")] {
        sqlx::query("INSERT INTO notifications (user_id, title, message, type) VALUES ($1, $2, 'm', 'info')")
            .bind(user)
            .bind(title)
            .execute(&pool)
            .await
            .unwrap();
    }
    record_roles(&pool, "notifications").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let (_, unread) = json_of(common::call(&a, &w.base, "notifications/unread", &[]).await).await;
    assert_eq!(unread, 1);
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "unread count");
    let (_, page) = json_of(
        call_json(
            &a,
            &w.base,
            "notifications/list",
            json!({"query": {"unread_only": false, "after": null}}),
        )
        .await,
    )
    .await;
    let titles: Vec<&str> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Mine"]);
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "list");
    let (_, marked) = json_of(common::call(&a, &w.base, "notifications/read", &[]).await).await;
    assert_eq!(marked, 1, "mark all read changes only one's own");
    assert_eq!(roles_seen(&pool).await, ["oap_app"], "mark read");
    let theirs: bool = sqlx::query_scalar("SELECT is_read FROM notifications WHERE user_id = $1")
        .bind(w.approver)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!theirs);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn manufacturer_staff_neither_fill_in_nor_submit_a_dealers_application(pool: PgPool) {
    let w = world(&pool).await;
    let a = signed_in(&w.base, "head@a.example").await;
    let reviewer = signed_in(&w.base, "reviewer@oem.example").await;
    let (_, id) = create(&a, &w.base).await;
    let id = id.as_str().unwrap().to_owned();
    save(&a, &w.base, &id, 1, complete_form()).await;
    let (_, detail) = get(&reviewer, &w.base, &id).await;
    assert_eq!(detail["can_edit"], false);
    assert_eq!(
        detail["steps"],
        json!([]),
        "a draft is the dealer's to submit"
    );
    let denied = common::audited(&pool, "authz.denied").await;
    let (status, body) = save(&reviewer, &w.base, &id, 2, complete_form()).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("dealer's own staff")
    );
    assert_eq!(step(&reviewer, &w.base, &id, "submit", 2, "").await.0, 403);
    assert_eq!(common::audited(&pool, "authz.denied").await, denied + 2);
    assert_eq!(version_of(&pool, &id).await, (2, "draft".into()));
    // Submitted by the service head, who is then its submitter, and so not its decider.
    assert_eq!(step(&a, &w.base, &id, "submit", 2, "").await.0, 200);
    let submitter: Uuid =
        sqlx::query_scalar("SELECT submitted_by FROM dealer_pcc WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(submitter, w.head_a);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn decisions_are_mailed_to_the_submitter_only_when_the_setting_is_on(pool: PgPool) {
    let w = world(&pool).await;
    let reviewer = signed_in(&w.base, "reviewer@oem.example").await;
    let mails = |pool: PgPool| async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM mail_outbox WHERE to_address = 'head@a.example' AND subject LIKE 'PCC application % rejected'",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let first = application(
        &pool,
        w.dealer_a,
        w.head_a,
        "pending",
        Some("PCC-2026-700001"),
    )
    .await;
    let comment = "The lounge does not meet the programme's standard.";
    assert_eq!(
        step(&reviewer, &w.base, &first, "reject", 1, comment)
            .await
            .0,
        200
    );
    assert_eq!(mails(pool.clone()).await, 0, "off by default");
    sqlx::query("INSERT INTO settings (category, key, value) VALUES ('notifications', 'email_decisions', 'on')")
        .execute(&pool)
        .await
        .unwrap();
    let second = application(
        &pool,
        w.dealer_a,
        w.head_a,
        "pending",
        Some("PCC-2026-700002"),
    )
    .await;
    assert_eq!(
        step(&reviewer, &w.base, &second, "reject", 1, comment)
            .await
            .0,
        200
    );
    assert_eq!(mails(pool.clone()).await, 1);
    let body: String =
        sqlx::query_scalar("SELECT body FROM mail_outbox WHERE to_address = 'head@a.example'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(
        body.contains(comment) && body.contains(&format!("/modules/pcc/{second}")),
        "{body}"
    );
}
