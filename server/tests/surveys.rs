//! Surveys over HTTP against a real database: a response submitted on version 1 keeps its score
//! and rendering after version 2 is published; one response per dealer, survey and period under
//! concurrent starts and submits; another dealer's response refused by id (and audited); the
//! results never give a dealer user another dealer's figures; reminders go out once; the
//! reviewer's steps; the builder is for super admins and refuses a form that cannot be answered.

mod common;

use app::modules::surveys::model::SurveyKind;
use app::modules::surveys::model::answers::{self, Answer, Answers};
use app::modules::surveys::model::form::{FormDefinition, Question, QuestionKind};
use app::modules::surveys::server::forms::{default_definition, ensure_defaults};
use common::{audited, call_json, grant_all, signed_in};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

struct World {
    base: String,
    dealers: Vec<Uuid>,
}

/// Dealers A001…, each with a service head (no approve flag); a manufacturer admin who reviews;
/// a super admin.
async fn world(pool: &PgPool, dealers: usize) -> World {
    common::no_mfa_required(pool).await;
    ensure_defaults(pool).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..dealers {
        let code = format!("{}001", (b'A' + i as u8) as char);
        let d = common::dealer(pool, &code, "active").await;
        let head = common::user(
            pool,
            &format!("head@{}.example", code.to_lowercase()),
            "service_head",
            Some(d),
        )
        .await;
        grant_all(pool, head).await;
        sqlx::query("UPDATE module_access SET can_approve = false WHERE user_id = $1")
            .bind(head)
            .execute(pool)
            .await
            .unwrap();
        ids.push(d);
    }
    let staff = common::user(pool, "reviewer@oem.example", "manufacturer_admin", None).await;
    grant_all(pool, staff).await;
    let root = common::user(pool, "root@oem.example", "super_admin", None).await;
    grant_all(pool, root).await;
    World {
        base: common::start(pool.clone()).await,
        dealers: ids,
    }
}

fn head(code: &str) -> String {
    format!("head@{}.example", code.to_lowercase())
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn post(
    c: &reqwest::Client,
    base: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    json_of(common::call(c, base, endpoint, form).await).await
}

async fn call(c: &reqwest::Client, base: &str, endpoint: &str, body: Value) -> (u16, Value) {
    json_of(call_json(c, base, endpoint, body).await).await
}

/// Opens a period of the workshop survey running from `from` to `to` days from today.
async fn period(c: &reqwest::Client, base: &str, name: &str, from: i64, to: i64) -> String {
    let today = chrono::Utc::now().date_naive();
    let (status, id) = call(
        c,
        base,
        "surveys/period",
        json!({"kind": "workshop", "form": {
            "id": null, "version": 0, "name": name,
            "starts_on": (today + chrono::Duration::days(from)).to_string(),
            "ends_on": (today + chrono::Duration::days(to)).to_string(),
        }}),
    )
    .await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_owned()
}

async fn start(c: &reqwest::Client, base: &str, period: &str) -> (u16, Value) {
    post(
        c,
        base,
        "surveys/start",
        &[("kind", "workshop"), ("period", period)],
    )
    .await
}

async fn get(c: &reqwest::Client, base: &str, id: &str) -> (u16, Value) {
    post(c, base, "surveys/get", &[("kind", "workshop"), ("id", id)]).await
}

async fn save(
    c: &reqwest::Client,
    base: &str,
    id: &str,
    version: i64,
    a: &Answers,
) -> (u16, Value) {
    call(
        c,
        base,
        "surveys/save",
        json!({"kind": "workshop", "save": {"id": id, "version": version, "answers": a}}),
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
    call(
        c,
        base,
        "surveys/step",
        json!({"kind": "workshop", "request": {"id": id, "step": step, "version": version, "comment": comment}}),
    )
    .await
}

/// A valid answer to every question; `high` picks the best end of each, else the worst.
fn answer_all(def: &FormDefinition, high: bool) -> Answers {
    def.questions()
        .map(|q: &Question| {
            let a = match &q.kind {
                QuestionKind::SingleChoice { options, correct } => {
                    Answer::Text(match (correct, high) {
                        (Some(c), true) => c.clone(),
                        _ => {
                            let best = options.iter().max_by_key(|o| o.points).unwrap();
                            let worst = options.iter().min_by_key(|o| o.points).unwrap();
                            if high {
                                best.id.clone()
                            } else {
                                worst.id.clone()
                            }
                        }
                    })
                }
                QuestionKind::MultipleChoice { options, .. } => {
                    Answer::Many(vec![options[0].id.clone()])
                }
                QuestionKind::Scale { .. } => Answer::Number(if high { 5 } else { 2 }),
                QuestionKind::YesNo { yes_scores } => {
                    Answer::Flag(if high { *yes_scores } else { !*yes_scores })
                }
                QuestionKind::Number { min, max, .. } => {
                    Answer::Number(if high { *max } else { *min })
                }
                QuestionKind::ShortText | QuestionKind::LongText => {
                    Answer::Text("All in order.".into())
                }
            };
            (q.id.clone(), a)
        })
        .collect()
}

async fn response_of(pool: &PgPool, dealer: Uuid) -> (String, String, Option<i32>, Value, i32) {
    sqlx::query_as(
        "SELECT id::text, status, (overall_score * 100)::int4, responses, form_version
           FROM workshop_surveys WHERE dealer_id = $1",
    )
    .bind(dealer)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Starts, fills and submits `dealer`'s response; answers its id and stored score.
async fn submit_one(
    pool: &PgPool,
    base: &str,
    code: &str,
    dealer: Uuid,
    period: &str,
    high: bool,
) -> (String, i32) {
    let c = signed_in(base, &head(code)).await;
    let (status, id) = start(&c, base, period).await;
    assert_eq!(status, 200, "{id}");
    let id = id.as_str().unwrap().to_owned();
    let (_, detail) = get(&c, base, &id).await;
    let def: FormDefinition = serde_json::from_value(detail["form"].clone()).unwrap();
    let given = answer_all(&def, high);
    let (status, saved) = save(&c, base, &id, detail["version"].as_i64().unwrap(), &given).await;
    assert_eq!(status, 200, "{saved}");
    let (status, done) = step(
        &c,
        base,
        &id,
        "submit",
        saved["version"].as_i64().unwrap(),
        "",
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let (_, _, score, _, _) = response_of(pool, dealer).await;
    (id, score.unwrap())
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_response_keeps_its_version_score_and_rendering_after_a_new_version(pool: PgPool) {
    let w = world(&pool, 2).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    let root = signed_in(&w.base, "root@oem.example").await;
    let q1 = period(&staff, &w.base, "Q1 2026", -10, 10).await;

    let (id, stored) = submit_one(&pool, &w.base, "A001", w.dealers[0], &q1, true).await;
    let v1 = default_definition(SurveyKind::Workshop);
    let (_, _, _, responses, form_version) = response_of(&pool, w.dealers[0]).await;
    assert_eq!(form_version, 1);
    assert_eq!(responses["form_version"], 1);
    let kept = answers::kept(&v1, &answer_all(&v1, true));
    let expected = answers::score(&v1, &kept).unwrap();
    assert_eq!(
        stored as u32, expected.total,
        "the server's score is the shared code's"
    );
    assert_eq!(responses["score"]["total"], expected.total);
    let (_, before) = get(&staff, &w.base, &id).await;

    // Version 2: a new required, heavily weighted question first, and the old ones re-weighted.
    let (status, v) = post(
        &root,
        &w.base,
        "surveys/form_draft",
        &[("kind", "workshop")],
    )
    .await;
    assert_eq!((status, v.as_i64()), (200, Some(2)), "{v}");
    let (_, draft) = post(
        &root,
        &w.base,
        "surveys/form",
        &[("kind", "workshop"), ("version", "2")],
    )
    .await;
    let mut def: FormDefinition = serde_json::from_value(draft["definition"].clone()).unwrap();
    for q in def.sections.iter_mut().flat_map(|s| s.questions.iter_mut()) {
        q.weight = q.weight.min(1);
    }
    def.sections[0].questions.insert(
        0,
        Question {
            id: "ev_charging".into(),
            label: "Does the workshop have a charging point for electric vehicles?".into(),
            help: String::new(),
            kind: QuestionKind::YesNo { yes_scores: true },
            required: true,
            weight: 50,
            show_if: None,
        },
    );
    let (status, lock) = call(&root, &w.base, "surveys/form_save",
        json!({"save": {"kind": "workshop", "version": 2, "lock": draft["lock"], "definition": def}})).await;
    assert_eq!(status, 200, "{lock}");
    let (status, body) = post(
        &root,
        &w.base,
        "surveys/form_publish",
        &[
            ("kind", "workshop"),
            ("version", "2"),
            ("lock", &lock.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // The version-1 response renders and scores exactly as before.
    let (_, after) = get(&staff, &w.base, &id).await;
    assert_eq!(after["form"], before["form"]);
    assert_eq!(after["answers"], before["answers"]);
    assert_eq!(after["score"], before["score"]);
    assert_eq!(after["row"]["form_version"], 1);
    assert_eq!(response_of(&pool, w.dealers[0]).await.2, Some(stored));
    // A published version never changes, even by hand.
    let edited = sqlx::query(
        "UPDATE survey_forms SET definition = '{}' WHERE kind = 'workshop' AND version = 1",
    )
    .execute(&pool)
    .await;
    assert!(
        edited.is_err(),
        "the trigger refuses editing a published form"
    );
    // A new response answers version 2, with the new question.
    let b = signed_in(&w.base, &head("B001")).await;
    let (_, id_b) = start(&b, &w.base, &q1).await;
    let (_, detail) = get(&b, &w.base, id_b.as_str().unwrap()).await;
    assert_eq!(detail["row"]["form_version"], 2);
    assert_eq!(
        detail["form"]["sections"][0]["questions"][0]["id"],
        "ev_charging"
    );
    // Its submission needs the new required question.
    let mut given = answer_all(&default_definition(SurveyKind::Workshop), true);
    let (_, saved) = save(&b, &w.base, id_b.as_str().unwrap(), 1, &given).await;
    let (status, refused) = step(
        &b,
        &w.base,
        id_b.as_str().unwrap(),
        "submit",
        saved["version"].as_i64().unwrap(),
        "",
    )
    .await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.to_string().contains("ev_charging"), "{refused}");
    given.insert("ev_charging".into(), Answer::Flag(true));
    let (_, saved) = save(
        &b,
        &w.base,
        id_b.as_str().unwrap(),
        saved["version"].as_i64().unwrap(),
        &given,
    )
    .await;
    let (status, _) = step(
        &b,
        &w.base,
        id_b.as_str().unwrap(),
        "submit",
        saved["version"].as_i64().unwrap(),
        "",
    )
    .await;
    assert_eq!(status, 200);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn one_response_per_dealer_and_period_under_concurrent_starts_and_submits(pool: PgPool) {
    let w = world(&pool, 1).await;
    let colleague = common::user(
        &pool,
        "manager@a001.example",
        "service_head",
        Some(w.dealers[0]),
    )
    .await;
    grant_all(&pool, colleague).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    let q1 = period(&staff, &w.base, "Q1 2026", -1, 30).await;
    let a = signed_in(&w.base, &head("A001")).await;
    let m = signed_in(&w.base, "manager@a001.example").await;
    let starts = (0..8).map(|i| {
        let c = if i % 2 == 0 { a.clone() } else { m.clone() };
        let (base, q1) = (w.base.clone(), q1.clone());
        tokio::spawn(async move { start(&c, &base, &q1).await })
    });
    let mut ids = std::collections::BTreeSet::new();
    for s in starts {
        let (status, id) = s.await.unwrap();
        assert_eq!(status, 200, "{id}");
        ids.insert(id.as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), 1, "every start answers the one response");
    let id = ids.into_iter().next().unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM workshop_surveys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let given = answer_all(&default_definition(SurveyKind::Workshop), true);
    let (_, saved) = save(&a, &w.base, &id, 1, &given).await;
    let version = saved["version"].as_i64().unwrap();
    let submits = (0..6).map(|i| {
        let c = if i % 2 == 0 { a.clone() } else { m.clone() };
        let (base, id) = (w.base.clone(), id.clone());
        tokio::spawn(async move { step(&c, &base, &id, "submit", version, "").await.0 })
    });
    let mut statuses = Vec::new();
    for s in submits {
        statuses.push(s.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, vec![200, 409, 409, 409, 409, 409]);
    let submitted: i64 =
        sqlx::query_scalar("SELECT count(*) FROM record_history WHERE step = 'submit'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(submitted, 1, "one submission in the timeline");
    // Saving after submission is refused; nothing changes.
    let (status, _) = save(&a, &w.base, &id, version + 1, &Answers::new()).await;
    assert_eq!(status, 409);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn other_dealers_responses_and_scores_stay_out_of_reach(pool: PgPool) {
    let w = world(&pool, 5).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    let q1 = period(&staff, &w.base, "Q1 2026", -10, 10).await;
    let (id_a, score_a) = submit_one(&pool, &w.base, "A001", w.dealers[0], &q1, true).await;
    let b = signed_in(&w.base, &head("B001")).await;

    // By id: refused and audited, for every function that takes one.
    let refusals = audited(&pool, "authz.denied").await;
    assert_eq!(get(&b, &w.base, &id_a).await.0, 403);
    assert_eq!(save(&b, &w.base, &id_a, 3, &Answers::new()).await.0, 403);
    assert_eq!(step(&b, &w.base, &id_a, "submit", 3, "").await.0, 403);
    assert_eq!(
        audited(&pool, "authz.denied").await,
        refusals + 3,
        "each refusal audited"
    );
    let (_, list) = call(&b, &w.base, "surveys/list", json!({"kind": "workshop", "query": {"search": "", "period": null, "status": null, "ascending": false, "after": null}})).await;
    assert_eq!(list["rows"].as_array().unwrap().len(), 0, "{list}");

    // Results: with one other submission, B sees no network figure at all.
    let results = |c: reqwest::Client| {
        let base = w.base.clone();
        async move {
            call(
                &c,
                &base,
                "surveys/results",
                json!({"kind": "workshop", "query": {"period": null, "dealer": ""}}),
            )
            .await
        }
    };
    let (status, r) = results(b.clone()).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["network"]["average"],
        Value::Null,
        "one dealer's score would show"
    );
    assert!(r["network"]["distribution"].as_array().unwrap().is_empty());
    assert!(r["dealers"].as_array().unwrap().is_empty());
    assert!(
        r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["network"].is_null())
    );
    assert!(!r.to_string().contains("A001"), "no other dealer named");
    // Three other dealers' submissions, in an open period: still nothing (a live average seen
    // before and after one more submission would give that one away).
    let (_, score_c) = submit_one(&pool, &w.base, "C001", w.dealers[2], &q1, false).await;
    let (_, score_d) = submit_one(&pool, &w.base, "D001", w.dealers[3], &q1, false).await;
    let (_, r) = results(b.clone()).await;
    assert_eq!(r["network"]["average"], Value::Null, "{r}");
    // Once the period is over, the average shows, and only the average.
    sqlx::query(
        "UPDATE survey_periods SET starts_on = CURRENT_DATE - 30, ends_on = CURRENT_DATE - 1",
    )
    .execute(&pool)
    .await
    .unwrap();
    let (_, r) = results(b.clone()).await;
    let mean = ((score_a + score_c + score_d) as f64 / 3.0).round() as i64;
    assert!(
        (r["network"]["average"].as_i64().unwrap() - mean).abs() <= 1,
        "{r}"
    );
    assert_eq!(r["network"]["responses"], 3);
    assert!(r["dealers"].as_array().unwrap().is_empty());
    assert_eq!(r["own"]["score"], Value::Null);
    // Manufacturer staff see each dealer.
    let (_, r) = results(staff.clone()).await;
    assert_eq!(r["dealers"].as_array().unwrap().len(), 5);
    assert_eq!(
        r["network"]["distribution"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .sum::<i64>(),
        3
    );
    // A's own score is its own to see; the network's stands for 2 other dealers only: hidden.
    let a = signed_in(&w.base, &head("A001")).await;
    let (_, r) = results(a).await;
    assert_eq!(r["own"]["score"], score_a);
    assert_eq!(r["network"]["average"], Value::Null, "{r}");
    // A send-back needs an open period: the closed one's figures are final.
    let (_, d) = get(&staff, &w.base, &id_a).await;
    assert_eq!(d["steps"], json!(["review"]), "{d}");
    let (status, _) = step(
        &staff,
        &w.base,
        &id_a,
        "send_back",
        d["version"].as_i64().unwrap(),
        "Please correct the tooling answers.",
    )
    .await;
    assert_eq!(status, 409);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn dealer_users_never_receive_the_quiz_answer_key(pool: PgPool) {
    let w = world(&pool, 1).await;
    let a = signed_in(&w.base, &head("A001")).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    let (_, theirs) = post(&a, &w.base, "surveys/form", &[("kind", "technical")]).await;
    let (_, ours) = post(&staff, &w.base, "surveys/form", &[("kind", "technical")]).await;
    assert!(
        ours.to_string().contains("\"correct\""),
        "staff see the key"
    );
    assert!(!theirs.to_string().contains("\"correct\""), "{theirs}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn reviewers_review_and_complete_and_periods_are_checked(pool: PgPool) {
    let w = world(&pool, 2).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    // Period checks: order of days, one name per survey.
    let today = chrono::Utc::now().date_naive();
    let (status, bad) = call(&staff, &w.base, "surveys/period", json!({"kind": "workshop", "form": {
        "id": null, "version": 0, "name": "Q2 2026",
        "starts_on": today.to_string(), "ends_on": (today - chrono::Duration::days(1)).to_string()}})).await;
    assert_eq!(status, 422);
    assert_eq!(bad["fields"][0]["field"], "ends_on", "{bad}");
    let q1 = period(&staff, &w.base, "Q1 2026", -5, 5).await;
    let (status, dup) = call(&staff, &w.base, "surveys/period", json!({"kind": "workshop", "form": {
        "id": null, "version": 0, "name": "Q1 2026", "starts_on": today.to_string(), "ends_on": today.to_string()}})).await;
    assert_eq!(status, 422);
    assert_eq!(dup["fields"][0]["field"], "name");
    // A dealer user cannot open one.
    let a = signed_in(&w.base, &head("A001")).await;
    let (status, _) = call(&a, &w.base, "surveys/period", json!({"kind": "workshop", "form": {
        "id": null, "version": 0, "name": "Mine", "starts_on": today.to_string(), "ends_on": today.to_string()}})).await;
    assert_eq!(status, 403);

    let (id, _) = submit_one(&pool, &w.base, "A001", w.dealers[0], &q1, true).await;
    // The not-submitted list names B only.
    let (_, missing) = call(
        &staff,
        &w.base,
        "surveys/missing",
        json!({"kind": "workshop", "period": q1, "search": "", "after": null}),
    )
    .await;
    let codes: Vec<&str> = missing["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["dealer_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["B001"]);
    // The queue offers it to the reviewer.
    let (_, queue) = call(&staff, &w.base, "queue/list", json!({"query": {"module": "workshop_survey", "dealer": "", "brand": null, "min_age_days": null}})).await;
    assert!(queue.to_string().contains(&id), "{queue}");
    let (_, d) = get(&staff, &w.base, &id).await;
    let version = d["version"].as_i64().unwrap();
    assert_eq!(d["steps"], json!(["review", "send_back"]));
    let (status, short) = step(&staff, &w.base, &id, "review", version, "ok").await;
    assert_eq!(status, 422, "{short}");
    let (status, _) = step(
        &staff,
        &w.base,
        &id,
        "review",
        version,
        "Tooling answers checked on site.",
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = step(&staff, &w.base, &id, "complete", version + 1, "").await;
    assert_eq!(status, 200);
    let (_, d) = get(&a, &w.base, &id).await;
    assert_eq!(d["row"]["status"], "completed");
    assert_eq!(d["review_comments"], "Tooling answers checked on site.");
    let steps: Vec<&str> = d["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, vec!["create", "submit", "review", "complete"]);
    let told: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = 'head@a001.example' AND n.title <> 'New sign-in to your account'")
        .fetch_one(&pool).await.unwrap();
    assert_eq!(told, 2, "reviewed and completed");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn reminders_reach_dealers_without_a_submission_once(pool: PgPool) {
    let w = world(&pool, 2).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    let q1 = period(&staff, &w.base, "Q1 2026", -20, 7).await;
    submit_one(&pool, &w.base, "A001", w.dealers[0], &q1, true).await;
    let reminded = |email: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.email = $1 AND n.title LIKE '%closes%'")
                .bind(email).fetch_one(&pool).await.unwrap()
        }
    };
    let today = chrono::Utc::now().date_naive();
    let url = "http://127.0.0.1:3000";
    use app::modules::surveys::server::reminders::send_due;
    assert_eq!(
        send_due(&pool, today - chrono::Duration::days(1), url)
            .await
            .unwrap(),
        0,
        "8 days left: none due"
    );
    assert_eq!(
        send_due(&pool, today, url).await.unwrap(),
        1,
        "7 days left: B only"
    );
    assert_eq!(send_due(&pool, today, url).await.unwrap(), 0, "never twice");
    assert_eq!(reminded("head@b001.example").await, 1);
    assert_eq!(reminded("head@a001.example").await, 0, "A has submitted");
    assert_eq!(
        send_due(&pool, today + chrono::Duration::days(6), url)
            .await
            .unwrap(),
        1,
        "the last day's"
    );
    assert_eq!(
        send_due(&pool, today + chrono::Duration::days(8), url)
            .await
            .unwrap(),
        0,
        "closed"
    );
    assert_eq!(reminded("head@b001.example").await, 2);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn only_super_admins_change_forms_and_unanswerable_forms_are_refused(pool: PgPool) {
    let w = world(&pool, 1).await;
    let staff = signed_in(&w.base, "reviewer@oem.example").await;
    let refusals = audited(&pool, "authz.denied").await;
    let (status, _) = post(
        &staff,
        &w.base,
        "surveys/form_draft",
        &[("kind", "technical")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(audited(&pool, "authz.denied").await, refusals + 1);
    let root = signed_in(&w.base, "root@oem.example").await;
    let (_, v) = post(
        &root,
        &w.base,
        "surveys/form_draft",
        &[("kind", "technical")],
    )
    .await;
    let (_, same) = post(
        &root,
        &w.base,
        "surveys/form_draft",
        &[("kind", "technical")],
    )
    .await;
    assert_eq!(v, same, "one draft at a time");
    let (_, draft) = post(
        &root,
        &w.base,
        "surveys/form",
        &[("kind", "technical"), ("version", &v.to_string())],
    )
    .await;
    let mut def: FormDefinition = serde_json::from_value(draft["definition"].clone()).unwrap();
    // A condition pointing forward, and a duplicate id.
    let last = def.questions().last().unwrap().id.clone();
    def.sections[0].questions[0].show_if = Some(app::modules::surveys::model::form::ShowIf {
        question: last,
        any_of: vec!["yes".into()],
    });
    let dup = def.sections[0].questions[0].id.clone();
    def.sections[0].questions[1].id = dup;
    let (status, lock) = call(&root, &w.base, "surveys/form_save",
        json!({"save": {"kind": "technical", "version": v, "lock": draft["lock"], "definition": def}})).await;
    assert_eq!(status, 200, "a draft may be incomplete: {lock}");
    let (status, refused) = post(
        &root,
        &w.base,
        "surveys/form_publish",
        &[
            ("kind", "technical"),
            ("version", &v.to_string()),
            ("lock", &lock.to_string()),
        ],
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = refused["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"s0q0") && fields.contains(&"s0q1"),
        "{refused}"
    );
    let published: i32 = sqlx::query_scalar(
        "SELECT version FROM survey_forms WHERE kind = 'technical' AND status = 'published'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(published, 1, "nothing published");
    // A stale lock is a conflict.
    let (status, _) = call(&root, &w.base, "surveys/form_save",
        json!({"save": {"kind": "technical", "version": v, "lock": draft["lock"], "definition": def}})).await;
    assert_eq!(status, 409);
}
