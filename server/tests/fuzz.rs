//! Hostile text at every server function: NUL and other control characters, lone surrogates,
//! invalid UTF-8, a megabyte, SQL and HTML payloads. Whatever arrives, the answer is the caller's
//! fault (4xx) or a success, never a server failure (5xx).
//!
//! The server functions are read from the source (`#[server(endpoint = ...)] pub async fn`), so a
//! new one is covered the day it is written; an argument type this test cannot fill makes it fail
//! with the type's name, to be added to [`sample`].

mod common;

use std::path::Path;

use serde_json::{Value, json};
use sqlx::PgPool;

/// Calls that would end the test's own session; everything else is called.
const SKIPPED: &[&str] = &[
    "auth/logout",
    "auth/sessions/end",
    "auth/sessions/end-others",
];

/// One server function as declared.
#[derive(Debug)]
struct ServerFn {
    endpoint: String,
    json: bool,
    args: Vec<(String, String)>,
}

fn read_server_fns(dir: &Path, out: &mut Vec<ServerFn>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            read_server_fns(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            parse(&std::fs::read_to_string(&path).unwrap(), out);
        }
    }
}

fn parse(source: &str, out: &mut Vec<ServerFn>) {
    let mut rest = source;
    while let Some(at) = rest.find("#[server(endpoint = \"") {
        rest = &rest[at + "#[server(endpoint = \"".len()..];
        let endpoint = rest[..rest.find('"').unwrap()].to_owned();
        let attr_end = rest.find(")]").unwrap();
        let json = rest[..attr_end].contains("input = Json");
        let open = rest.find("pub async fn ").unwrap();
        let after_name = &rest[open..];
        let start = after_name.find('(').unwrap() + 1;
        let mut depth = 1;
        let mut end = start;
        for (i, c) in after_name[start..].char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = start + i;
                break;
            }
        }
        let params = after_name[start..end].replace("#[server(default)]", "");
        let mut args = Vec::new();
        let (mut angle, mut current) = (0, String::new());
        for c in params.chars().chain(std::iter::once(',')) {
            match c {
                '<' => angle += 1,
                '>' => angle -= 1,
                _ => {}
            }
            if c == ',' && angle == 0 {
                if let Some((name, ty)) = current.split_once(':') {
                    args.push((name.trim().to_owned(), ty.split_whitespace().collect()));
                }
                current.clear();
            } else {
                current.push(c);
            }
        }
        out.push(ServerFn {
            endpoint,
            json,
            args,
        });
    }
}

/// The hostile values, as JSON strings (the first few only expressible as JSON escapes).
fn hostile() -> Vec<Value> {
    vec![
        json!("a\u{0}b"),
        json!("\u{1b}[31m\r\nX-Injected: yes\u{7f}"),
        json!("' OR '1'='1'; DROP TABLE users; --"),
        json!("<script>alert(1)</script><img src=x onerror=alert(1)>"),
        json!("\u{202e}\u{feff}\u{fffe}𝔘𝔫𝔦"),
        json!("%00%ff~00000000-0000-0000-0000-000000000000"),
        json!("x".repeat(1_000_000)),
    ]
}

/// A valid value of `ty` with `text` wherever free text goes, or `None` if `ty` takes no text
/// and has a fixed sample.
fn sample(ty: &str, text: &Value) -> Value {
    let nil = json!("00000000-0000-0000-0000-000000000001");
    let query = |extra: Value| {
        let mut q = json!({ "search": text, "after": text, "q": text });
        for (k, v) in extra.as_object().unwrap() {
            q[k] = v.clone();
        }
        q
    };
    match ty {
        "String" | "Option<String>" | "Option<Cursor>" => text.clone(),
        "Uuid" | "Option<Uuid>" => nil,
        "i32" | "Option<i32>" => json!(1),
        "Option<NaiveDate>" => json!("2026-01-01"),
        "bool" => json!(false),
        "Vec<Uuid>" => json!([nil]),
        "SurveyKind" => json!("workshop"),
        "EventKind" => json!("api"),
        "Module" => json!("dealer_pcc"),
        "Action" => json!("view"),
        "Area" => json!({ "area": "users" }),
        "Role" | "Option<Role>" => json!("service_head"),
        "Step" => json!("submit"),
        "EventStatus" => json!("open"),
        "ImportMode" => json!("check"),
        "UserQuery" => query(json!({ "sort": "name", "descending": false })),
        "DealerQuery" | "AuditQuery" | "NotificationQuery" | "QueueQuery" | "PccQuery"
        | "RegQuery" | "EventQuery" | "ResponseQuery" | "ResultsQuery" => query(json!({})),
        "StepRequest" => json!({ "id": nil, "version": 1, "step": "submit", "comment": text }),
        "Vec<BulkItem>" => json!([{ "module": "dealer_pcc", "id": nil, "version": 1 }]),
        "Vec<AttendanceMark>" => json!([{ "registration": nil, "attended": true }]),
        "PersonForm" => json!({ "name": text, "email": text, "phone": text, "designation": text }),
        "EventForm" => json!({ "title": text, "location": text, "description": text }),
        "PeriodForm" => {
            json!({ "label": text, "starts_on": "2026-01-01", "ends_on": "2026-01-31" })
        }
        "PccSave" => json!({ "id": nil, "version": 1, "comments": text }),
        "SaveAnswers" => json!({ "id": nil, "version": 1, "answers": { "q1": text } }),
        "FormSave" => json!({ "kind": "workshop", "version": 1, "lock": 1, "definition": text }),
        other => panic!("no sample for the argument type {other}: add one to `sample`"),
    }
}

fn is_text(ty: &str) -> bool {
    !matches!(
        ty,
        "Uuid"
            | "Option<Uuid>"
            | "i32"
            | "Option<i32>"
            | "Option<NaiveDate>"
            | "bool"
            | "Vec<Uuid>"
            | "SurveyKind"
            | "EventKind"
            | "Module"
            | "Action"
            | "Area"
            | "Role"
            | "Option<Role>"
            | "Step"
            | "EventStatus"
            | "ImportMode"
    )
}

/// The body of a call with `text` in argument `target` and harmless text elsewhere.
fn body(f: &ServerFn, target: usize, text: &Value) -> (String, &'static str) {
    let harmless = json!("ok");
    let values: Vec<(&str, Value)> = f
        .args
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            let t = if i == target { text } else { &harmless };
            (name.as_str(), sample(ty, t))
        })
        .collect();
    if f.json {
        let object: serde_json::Map<String, Value> =
            values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        (Value::Object(object).to_string(), "application/json")
    } else {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &values {
            match v {
                Value::String(s) => {
                    form.append_pair(k, s);
                }
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        form.append_pair(&format!("{k}[{i}]"), item.as_str().unwrap_or("1"));
                    }
                }
                other => {
                    form.append_pair(k, &other.to_string());
                }
            }
        }
        (form.finish(), "application/x-www-form-urlencoded")
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn no_server_function_fails_on_hostile_text(pool: PgPool) {
    common::no_mfa_required(&pool).await;
    let root = common::user(&pool, "root@oem.example", "super_admin", None).await;
    common::grant_all(&pool, root).await;
    let base = common::start(pool.clone()).await;
    let client = common::signed_in(&base, "root@oem.example").await;

    let mut fns = Vec::new();
    read_server_fns(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"),
        &mut fns,
    );
    assert!(fns.len() > 60, "found {} server functions", fns.len());
    let mut failures = Vec::new();
    let mut calls = 0;
    // Calls whose arguments parsed (anything but 400 and 413): they reached the function itself.
    let mut reached = 0;
    for f in fns
        .iter()
        .filter(|f| !SKIPPED.contains(&f.endpoint.as_str()))
    {
        let targets: Vec<usize> = (0..f.args.len())
            .filter(|&i| is_text(&f.args[i].1))
            .collect();
        // A function without text still gets one call (its other arguments well-formed).
        let targets = if targets.is_empty() {
            vec![usize::MAX]
        } else {
            targets
        };
        for &target in &targets {
            for text in hostile() {
                let (payload, content_type) = body(f, target, &text);
                let response = client
                    .post(format!("{base}/api/{}", f.endpoint))
                    .header("accept", "application/json")
                    .header("content-type", content_type)
                    .body(payload)
                    .send()
                    .await
                    .unwrap();
                calls += 1;
                let status = response.status();
                if status != 400 && status != 413 {
                    reached += 1;
                }
                if status.is_server_error() {
                    let answer = response.text().await.unwrap_or_default();
                    let shown: String = text.to_string().chars().take(40).collect();
                    failures.push(format!(
                        "{} ({}) with {shown}: {status} {}",
                        f.endpoint,
                        f.args.get(target).map_or("-", |a| a.0.as_str()),
                        answer.chars().take(200).collect::<String>()
                    ));
                }
            }
        }
        // Raw bytes no JSON string can hold: a lone surrogate escape and invalid UTF-8.
        let raw = if f.json {
            (
                r#"{"query":{"search":"\ud800"},"id":"\udfff"}"#.to_owned(),
                "application/json",
            )
        } else {
            (
                "email=%ED%A0%80&name=%FF%FE".to_owned(),
                "application/x-www-form-urlencoded",
            )
        };
        let response = client
            .post(format!("{base}/api/{}", f.endpoint))
            .header("accept", "application/json")
            .header("content-type", raw.1)
            .body(raw.0)
            .send()
            .await
            .unwrap();
        if response.status().is_server_error() {
            failures.push(format!(
                "{} with raw bytes: {}",
                f.endpoint,
                response.status()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {calls} calls failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{calls} calls, {reached} reached their function");
    assert!(
        reached * 2 > calls,
        "most calls must get past argument parsing ({reached} of {calls}): fix the samples"
    );
    // The session held throughout, so every call above reached its function as a signed-in user.
    let me: Value = common::call(&client, &base, "auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "root@oem.example", "{me}");
}
