//! Event registrations over HTTP against a real database: no overbooking under a rush for the
//! last seats, the waitlist and its promotion (across dealers and quotas), duplicate people,
//! the deadline, other dealers' ids refused and audited for every function taking one, the CSV
//! import (good, bad and formula rows, all-or-nothing), neutralised exports, calendar entries,
//! attendance, and cancelling an event.

mod common;

use common::{audited, call_json, grant_all, signed_in};
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

struct World {
    base: String,
    head_a: Uuid,
    head_b: Uuid,
}

async fn world(pool: &PgPool) -> World {
    common::no_mfa_required(pool).await;
    let dealer_a = common::dealer(pool, "A001", "active").await;
    let dealer_b = common::dealer(pool, "B001", "active").await;
    let head_a = common::user(pool, "head@a.example", "service_head", Some(dealer_a)).await;
    let head_b = common::user(pool, "head@b.example", "service_head", Some(dealer_b)).await;
    let staff = common::user(pool, "events@oem.example", "manufacturer_admin", None).await;
    for u in [head_a, head_b, staff] {
        grant_all(pool, u).await;
    }
    sqlx::query("UPDATE module_access SET can_approve = false WHERE user_id IN ($1, $2)")
        .bind(head_a)
        .bind(head_b)
        .execute(pool)
        .await
        .unwrap();
    World {
        base: common::start(pool.clone()).await,
        head_a,
        head_b,
    }
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn call(c: &reqwest::Client, base: &str, endpoint: &str, body: Value) -> (u16, Value) {
    json_of(call_json(c, base, endpoint, body).await).await
}

/// An event `days` ahead whose registrations close a day before it.
async fn new_event(
    c: &reqwest::Client,
    base: &str,
    kind: &str,
    capacity: u32,
    quota: Option<u32>,
    days: i64,
) -> String {
    let day = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    let deadline = (day - chrono::Duration::days(1))
        .and_hms_opt(17, 0, 0)
        .unwrap();
    let form = json!({
        "name": format!("Diagnostics day {capacity}"),
        "event_date": day.to_string(),
        "location": "Pune training centre",
        "capacity": capacity.to_string(),
        "dealer_quota": quota.map(|q| q.to_string()).unwrap_or_default(),
        "deadline": deadline.format("%Y-%m-%dT%H:%M").to_string(),
        "eligibility_note": "",
    });
    let (status, id) = call(
        c,
        base,
        "events/save",
        json!({"kind": kind, "id": null, "version": 1, "form": form}),
    )
    .await;
    assert_eq!(status, 200, "{id}");
    id.as_str().unwrap().to_owned()
}

fn person(name: &str, email: &str, employee_id: &str) -> Value {
    json!({"name": name, "email": email, "phone": "", "designation": "Technician", "employee_id": employee_id})
}

async fn register(
    c: &reqwest::Client,
    base: &str,
    kind: &str,
    event: &str,
    p: Value,
) -> (u16, Value) {
    call(
        c,
        base,
        "registrations/register",
        json!({"kind": kind, "event": event, "person": p}),
    )
    .await
}

async fn step(
    c: &reqwest::Client,
    base: &str,
    kind: &str,
    id: &str,
    step: &str,
    version: i64,
    comment: &str,
) -> (u16, Value) {
    call(
        c,
        base,
        "registrations/step",
        json!({"kind": kind, "request": {"id": id, "step": step, "version": version, "comment": comment}}),
    )
    .await
}

async fn standing(pool: &PgPool, id: &str) -> (String, Option<i32>, i32) {
    sqlx::query_as(
        "SELECT status, waitlist_position, version FROM api_registrations WHERE id = $1::uuid",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn fifty_registrations_for_the_last_five_seats_seat_exactly_five(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let dealer = signed_in(&w.base, "head@a.example").await;
    let event = new_event(&staff, &w.base, "api", 5, None, 30).await;
    let rush = (0..50).map(|i| {
        let (c, base, event) = (dealer.clone(), w.base.clone(), event.clone());
        tokio::spawn(async move {
            register(
                &c,
                &base,
                "api",
                &event,
                person(&format!("Person {i}"), &format!("p{i}@a.example"), ""),
            )
            .await
        })
    });
    let answers = futures_util::future::join_all(rush).await;
    let mut seated = 0;
    let mut positions = Vec::new();
    for a in answers {
        let (status, body) = a.unwrap();
        assert_eq!(status, 200, "{body}");
        match body["waitlist_position"].as_i64() {
            None => seated += 1,
            Some(p) => positions.push(p),
        }
    }
    assert_eq!(seated, 5);
    positions.sort();
    assert_eq!(
        positions,
        (1..=45).collect::<Vec<i64>>(),
        "the line is in arrival order, without gaps"
    );
    let (taken, waiting): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE waitlist_position IS NULL), count(*) FILTER (WHERE waitlist_position IS NOT NULL)
           FROM api_registrations WHERE event_id = $1::uuid",
    )
    .bind(&event)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((taken, waiting), (5, 45));
    let numbers: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT registration_number) FROM api_registrations")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(numbers, 50, "every registration has its own number");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_withdrawal_gives_the_seat_to_the_first_waiting_another_dealers_person(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let b = signed_in(&w.base, "head@b.example").await;
    let event = new_event(&staff, &w.base, "api", 1, None, 30).await;
    let (_, first) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("Asha", "asha@a.example", ""),
    )
    .await;
    let (_, second) = register(
        &b,
        &w.base,
        "api",
        &event,
        person("Ravi", "ravi@b.example", ""),
    )
    .await;
    assert!(first["waitlist_position"].is_null());
    assert_eq!(second["waitlist_position"], 1);
    let first_id = first["id"].as_str().unwrap();
    let second_id = second["id"].as_str().unwrap();
    assert!(first["number"].as_str().unwrap().starts_with("API-"));

    // The waiting person cannot be confirmed; the seat holder can.
    let (status, body) = step(&staff, &w.base, "api", second_id, "confirm", 1, "").await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = step(&staff, &w.base, "api", first_id, "confirm", 1, "").await;
    assert_eq!(status, 200, "{body}");

    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(w.head_b)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (status, body) = step(&a, &w.base, "api", first_id, "withdraw", 2, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(standing(&pool, first_id).await.0, "cancelled");
    let (status, pos, version) = standing(&pool, second_id).await;
    assert_eq!(
        (status.as_str(), pos, version),
        ("registered", None, 2),
        "promoted to the seat"
    );
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(w.head_b)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, before + 1, "the promoted person's registrar is told");
    let promoted: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM record_history WHERE record_id = $1::uuid AND step = 'promote'",
    )
    .bind(second_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(promoted, 1, "on the timeline");
    // Dealer B sees it on its own record page.
    let (status, detail) = call(
        &b,
        &w.base,
        "registrations/get",
        json!({"kind": "api", "id": second_id}),
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert!(detail["row"]["waitlist_position"].is_null());
    assert!(
        detail["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["step"] == "promote")
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_dealer_past_its_quota_waits_while_others_are_seated(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let b = signed_in(&w.base, "head@b.example").await;
    let event = new_event(&staff, &w.base, "api", 3, Some(1), 30).await;
    let (_, a1) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("A one", "a1@a.example", ""),
    )
    .await;
    let (_, a2) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("A two", "a2@a.example", ""),
    )
    .await;
    let (_, b1) = register(
        &b,
        &w.base,
        "api",
        &event,
        person("B one", "b1@b.example", ""),
    )
    .await;
    assert!(a1["waitlist_position"].is_null());
    assert_eq!(a2["waitlist_position"], 1, "over A's quota");
    assert!(
        b1["waitlist_position"].is_null(),
        "B is under its own quota"
    );
    // Raising the quota moves A's second person up at once.
    let (_, e) = call(
        &staff,
        &w.base,
        "events/get",
        json!({"kind": "api", "id": event}),
    )
    .await;
    let day = e["event"]["event_date"].as_str().unwrap().to_owned();
    let deadline = e["event"]["registration_deadline"].as_str().unwrap()[..16].to_owned();
    let form = json!({"name": "Diagnostics day 3", "event_date": day, "location": "Pune", "capacity": "3",
                      "dealer_quota": "2", "deadline": deadline, "eligibility_note": ""});
    let (status, body) = call(
        &staff,
        &w.base,
        "events/save",
        json!({"kind": "api", "id": event, "version": 1, "form": form}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(standing(&pool, a2["id"].as_str().unwrap()).await.1, None);
    // Fewer seats than are held is refused, field by field.
    let form = json!({"name": "Diagnostics day 3", "event_date": day, "location": "Pune", "capacity": "2",
                      "dealer_quota": "", "deadline": deadline, "eligibility_note": ""});
    let (status, body) = call(
        &staff,
        &w.base,
        "events/save",
        json!({"kind": "api", "id": event, "version": 2, "form": form}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("capacity"), "{body}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_same_person_is_registered_once_and_a_technician_in_one_meet_a_day(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let b = signed_in(&w.base, "head@b.example").await;
    let event = new_event(&staff, &w.base, "api", 10, None, 30).await;
    let (status, _) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("Asha", "asha@a.example", ""),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("Asha R", "ASHA@a.example", ""),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("already registered"), "{body}");
    let (status, _) = register(
        &b,
        &w.base,
        "api",
        &event,
        person("Asha", "asha@a.example", ""),
    )
    .await;
    assert_eq!(
        status, 422,
        "another dealer cannot register the same address either"
    );

    let meet1 = new_event(&staff, &w.base, "mt_meet", 10, None, 40).await;
    let meet2 = new_event(&staff, &w.base, "mt_meet", 11, None, 40).await;
    let (status, body) = register(&a, &w.base, "mt_meet", &meet1, person("Vik", "", "T-100")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["number"].as_str().unwrap().starts_with("MTM-"));
    let (status, body) = register(&a, &w.base, "mt_meet", &meet2, person("Vik", "", "t-100")).await;
    assert_eq!(status, 422, "same technician, same day: {body}");
    assert!(body.to_string().contains("employee_id"), "{body}");
    let (status, body) = register(&a, &w.base, "mt_meet", &meet2, person("Vik", "", "")).await;
    assert_eq!(status, 422, "an employee id is required: {body}");
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM mt_meet_registrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, 1, "refusals change nothing");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_deadline_closes_registering_and_withdrawing(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let event = new_event(&staff, &w.base, "api", 10, None, 30).await;
    let (_, reg) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("Asha", "asha@a.example", ""),
    )
    .await;
    sqlx::query("UPDATE events SET registration_deadline = now()::timestamp - interval '1 minute' WHERE id = $1::uuid")
        .bind(&event)
        .execute(&pool)
        .await
        .unwrap();
    let (status, body) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("Ravi", "ravi@a.example", ""),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let id = reg["id"].as_str().unwrap();
    let (status, body) = step(&a, &w.base, "api", id, "withdraw", 1, "").await;
    assert_eq!(status, 409, "{body}");
    // The manufacturer may still cancel, with a reason.
    let (status, _) = step(&staff, &w.base, "api", id, "cancel", 1, "").await;
    assert_eq!(status, 422, "a reason is required");
    let (status, body) = step(
        &staff,
        &w.base,
        "api",
        id,
        "cancel",
        1,
        "Course full of trainers",
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn another_dealers_registration_is_refused_by_id_and_audited_everywhere(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let b = signed_in(&w.base, "head@b.example").await;
    let event = new_event(&staff, &w.base, "api", 10, None, 30).await;
    let (_, reg) = register(
        &a,
        &w.base,
        "api",
        &event,
        person("Asha", "asha@a.example", ""),
    )
    .await;
    let id = reg["id"].as_str().unwrap().to_owned();
    let (_, _) = step(&staff, &w.base, "api", &id, "confirm", 1, "").await;

    let refusals = audited(&pool, "authz.denied").await;
    let (status, _) = call(
        &b,
        &w.base,
        "registrations/get",
        json!({"kind": "api", "id": id}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = step(&b, &w.base, "api", &id, "withdraw", 2, "").await;
    assert_eq!(status, 403);
    let calendar = b
        .get(format!(
            "{}/api/registrations/api-registrations/{id}/calendar.ics",
            w.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(calendar.status().as_u16(), 403);
    assert_eq!(
        audited(&pool, "authz.denied").await,
        refusals + 3,
        "each refusal audited"
    );
    assert_eq!(standing(&pool, &id).await.0, "confirmed", "nothing changed");
    // A registration of one kind is not found through the other.
    let (status, _) = call(
        &a,
        &w.base,
        "registrations/get",
        json!({"kind": "mt_meet", "id": id}),
    )
    .await;
    assert_eq!(status, 404);

    // The owner gets the calendar entry of a confirmed seat.
    let ics = a
        .get(format!(
            "{}/api/registrations/api-registrations/{id}/calendar.ics",
            w.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status().as_u16(), 200);
    assert!(
        ics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = ics.text().await.unwrap();
    assert!(
        text.contains("BEGIN:VEVENT") && text.contains("SUMMARY:Diagnostics day 10"),
        "{text}"
    );

    // Dealer B's participant list of the same event holds none of A's people.
    let (_, _) = register(
        &b,
        &w.base,
        "api",
        &event,
        person("Ravi", "ravi@b.example", ""),
    )
    .await;
    let csv = b
        .get(format!(
            "{}/api/registrations/api-registrations/events/{event}/participants.csv",
            w.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Ravi") && !csv.contains("Asha"), "{csv}");
    let (_, detail) = call(
        &b,
        &w.base,
        "events/get",
        json!({"kind": "api", "id": event}),
    )
    .await;
    assert_eq!(detail["participants"].as_array().unwrap().len(), 1);
    assert_eq!(detail["event"]["taken"], 2, "seat counts are everyone's");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_csv_import_registers_all_or_nothing_or_the_valid_rows_and_exports_neutralise_formulas(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let event = new_event(&staff, &w.base, "api", 2, None, 30).await;
    let csv = "name,email,phone,designation\n\
               Asha Rao,asha@a.example,+91 98200 00000,Technician\n\
               No Address,,,\n\
               \"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\",formula@a.example,,\n\
               Asha Again,ASHA@a.example,,\n\
               Third Person,third@a.example,,Advisor\n";
    let import = |mode: &'static str| {
        let (c, base, event) = (a.clone(), w.base.clone(), event.clone());
        async move {
            call(
                &c,
                &base,
                "registrations/import",
                json!({"kind": "api", "event": event, "csv": csv, "mode": mode}),
            )
            .await
        }
    };
    let (status, report) = import("all").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["applied"], false);
    let outcomes: Vec<&Value> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["outcome"])
        .collect();
    assert!(
        outcomes[0].get("NotApplied").is_some() || outcomes[0] == "NotApplied",
        "{report}"
    );
    assert!(
        outcomes[1]["Refused"]["reasons"]
            .to_string()
            .contains("e-mail"),
        "{report}"
    );
    assert!(
        outcomes[3]["Refused"]["reasons"]
            .to_string()
            .contains("line 2"),
        "{report}"
    );
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM api_registrations")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 0, "all or nothing: nothing");

    let (status, report) = import("valid_only").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["applied"], true);
    assert_eq!(count().await, 3);
    let rows = report["rows"].as_array().unwrap();
    assert!(rows[0]["outcome"]["Registered"]["waitlist_position"].is_null());
    assert_eq!(
        rows[4]["outcome"]["Registered"]["waitlist_position"], 1,
        "third for two seats waits"
    );
    let stored: String = sqlx::query_scalar(
        "SELECT employee_name FROM api_registrations WHERE employee_email = 'formula@a.example'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        stored, "=HYPERLINK(\"http://evil.example\",\"click\")",
        "stored as the text it is"
    );

    let export = a
        .get(format!(
            "{}/api/registrations/api-registrations/events/{event}/participants.csv",
            w.base
        ))
        .send()
        .await
        .unwrap();
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = export.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("\"'=HYPERLINK("), "neutralised: {text}");
    let xlsx = a
        .get(format!(
            "{}/api/registrations/api-registrations/events/{event}/participants.xlsx",
            w.base
        ))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&xlsx[..2], b"PK");
    assert_eq!(
        audited(&pool, "record.exported").await,
        2,
        "each export audited"
    );

    // A file without a name column, or too large, is refused as a whole.
    let (status, body) = call(
        &a,
        &w.base,
        "registrations/import",
        json!({"kind": "api", "event": event, "csv": "email\nx@y.example\n", "mode": "check"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let template = a
        .get(format!(
            "{}/api/registrations/api-registrations/template.csv",
            w.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(template, "\u{feff}name,email,phone,designation\n");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn attendance_is_marked_on_the_day_and_a_cancelled_event_cancels_its_registrations(
    pool: PgPool,
) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let event = new_event(&staff, &w.base, "mt_meet", 5, None, 20).await;
    let (_, r1) = register(&a, &w.base, "mt_meet", &event, person("Vik", "", "T-1")).await;
    let (_, r2) = register(&a, &w.base, "mt_meet", &event, person("Sam", "", "T-2")).await;
    let marks = json!([
        {"id": r1["id"], "version": 1, "attended": true},
        {"id": r2["id"], "version": 1, "attended": false},
    ]);
    let (status, outcomes) = call(
        &staff,
        &w.base,
        "events/attendance",
        json!({"kind": "mt_meet", "event": event, "marks": marks}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["done"] == false),
        "not before the day: {outcomes}"
    );
    sqlx::query("UPDATE events SET event_date = CURRENT_DATE, registration_deadline = CURRENT_DATE WHERE id = $1::uuid")
        .bind(&event)
        .execute(&pool)
        .await
        .unwrap();
    let (status, outcomes) = call(
        &staff,
        &w.base,
        "events/attendance",
        json!({"kind": "mt_meet", "event": event, "marks": marks}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["done"] == true),
        "{outcomes}"
    );
    let statuses: Vec<String> = sqlx::query_scalar(
        "SELECT status FROM mt_meet_registrations ORDER BY technician_name DESC",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(statuses, ["attended", "no_show"]);

    let other = new_event(&staff, &w.base, "mt_meet", 5, None, 30).await;
    let (_, r3) = register(&a, &w.base, "mt_meet", &other, person("Vik", "", "T-1")).await;
    let (status, _) = call(
        &staff,
        &w.base,
        "events/status",
        json!({"kind": "mt_meet", "id": other, "version": 1, "status": "cancelled", "reason": ""}),
    )
    .await;
    assert_eq!(status, 422, "a reason is required");
    let before: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(w.head_a)
        .fetch_one(&pool)
        .await
        .unwrap();
    let (status, body) = call(&staff, &w.base, "events/status", json!({"kind": "mt_meet", "id": other, "version": 1, "status": "cancelled", "reason": "The venue flooded last night."})).await;
    assert_eq!(status, 200, "{body}");
    let s: String =
        sqlx::query_scalar("SELECT status FROM mt_meet_registrations WHERE id = $1::uuid")
            .bind(r3["id"].as_str().unwrap())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(s, "cancelled");
    let after: i64 = sqlx::query_scalar("SELECT count(*) FROM notifications WHERE user_id = $1")
        .bind(w.head_a)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(after, before + 1, "the dealer is told once");
    let _ = w.head_b;
    let (status, _) = register(&a, &w.base, "mt_meet", &other, person("New", "", "T-9")).await;
    assert_eq!(status, 409, "a cancelled event takes nobody");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn only_manufacturer_staff_keep_the_catalogue_and_only_dealers_register(pool: PgPool) {
    let w = world(&pool).await;
    let staff = signed_in(&w.base, "events@oem.example").await;
    let a = signed_in(&w.base, "head@a.example").await;
    let event = new_event(&staff, &w.base, "api", 5, None, 30).await;
    let form = json!({"name": "Mine", "event_date": "2030-01-01", "location": "X", "capacity": "5",
                      "dealer_quota": "", "deadline": "2029-12-01T10:00", "eligibility_note": ""});
    let (status, _) = call(
        &a,
        &w.base,
        "events/save",
        json!({"kind": "api", "id": null, "version": 1, "form": form}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = register(
        &staff,
        &w.base,
        "api",
        &event,
        person("Staff", "s@oem.example", ""),
    )
    .await;
    assert_eq!(status, 403);
    let bad = json!({"name": "", "event_date": "soon", "location": "X", "capacity": "0",
                     "dealer_quota": "", "deadline": "", "eligibility_note": ""});
    let (status, body) = call(
        &staff,
        &w.base,
        "events/save",
        json!({"kind": "api", "id": null, "version": 1, "form": bad}),
    )
    .await;
    assert_eq!(status, 422);
    for field in ["name", "event_date", "capacity", "deadline"] {
        assert!(body.to_string().contains(field), "{field}: {body}");
    }
    let _ = w.head_a;
}
